import { describe, expect, it } from '@jest/globals';
import { markdownTable, code, markdownLink } from '../src/markdown.js';
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
