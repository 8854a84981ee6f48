import { describe, expect, it } from '@jest/globals';
import { markdownTable, code, markdownLink, markdownText } from '../src/markdown.js';
import { consoleLinks } from '@deploy-suite/aws';

describe('markdownTable', () => {
  it('escapes pipes and newlines in cells', () => {
    expect(
      markdownTable(['service', 'result'], [['docuthinker-backend-service', 'failed | rolled back\nreason']])
    ).toBe(
      '| service | result |\n| --- | --- |\n| docuthinker-backend-service | failed \\| rolled back<br>reason |'
    );
  });
});

describe('consoleLinks', () => {
  it('points at the ECS service deployments page', () => {
    expect(consoleLinks.ecsService('us-east-1', 'docuthinker-cluster', 'docuthinker-backend-service')).toBe(
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/docuthinker-cluster/services/docuthinker-backend-service/deployments?region=us-east-1'
    );
  });
});

describe('code and markdownLink', () => {
  it('keeps backticks inside inline code', () => {
    expect(code('a`b')).toBe('``a`b``');
    expect(markdownLink('[x]', 'https://e')).toBe('[x](https://e)');
  });
});

describe('markdownText', () => {
  it('makes outside text inert: no HTML, marker, link, image, mention or heading', () => {
    const hostile =
      '# Hacked <!-- deploy-suite:verify-health:production --> [click](https://evil.test) ![x](http://e/i.png) @octocat <img src=x> *bold* www.evil.test';
    const inert = markdownText(hostile);
    expect(inert).not.toMatch(/<|>/);
    expect(inert).not.toContain('<!-- deploy-suite');
    expect(inert).not.toMatch(/(^|[^\\])[[\]()*@!]/);
    expect(inert).not.toContain('://');
    expect(inert).not.toContain('www.');
    expect(inert.startsWith('\\#')).toBe(true);
    expect(markdownText('connection refused by chatrelay-prod.example.com')).toBe(
      'connection refused by chatrelay-prod.example.com'
    );
  });
});
