import { describe, expect, it } from '@jest/globals';
import {
  buildReport,
  commentMarkdown,
  failureMessage,
  latencySummary,
  percentile,
  summaryMarkdown
} from '../src/summary.js';
import type { UrlResult } from '../src/verify.js';

const healthy: UrlResult = {
  url: 'http://tria-aibpo-staging-alb-123456789.us-east-1.elb.amazonaws.com/health',
  healthy: true,
  attempts: 3,
  status: 200,
  latenciesMs: [12.34, 40, 8],
  lastFailure: 'status 503 is not 200',
  bodyExcerpt: '{"status":"healthy","version":"1.1.0"}',
  elapsedMs: 12_500.4
};
const unhealthy: UrlResult = {
  url: 'http://chatrelay-prod.us-east-1.elasticbeanstalk.com/health',
  healthy: false,
  attempts: 20,
  latenciesMs: [],
  lastFailure: 'connection refused by chatrelay-prod.us-east-1.elasticbeanstalk.com',
  elapsedMs: 300_000
};

describe('latency', () => {
  it('nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.95)).toBe(95);
    expect(percentile([7], 0.95)).toBe(7);
  });

  it('min / p50 / p95 / max, or null without any answer', () => {
    expect(latencySummary([12.34, 40, 8])).toEqual({ min: 8, p50: 12.3, p95: 40, max: 40 });
    expect(latencySummary([])).toBeNull();
  });
});

describe('buildReport', () => {
  it('one entry per URL with the documented fields', () => {
    expect(buildReport([healthy, unhealthy])).toEqual([
      {
        url: healthy.url,
        healthy: true,
        attempts: 3,
        status: 200,
        latencyMs: { min: 8, p50: 12.3, p95: 40, max: 40 },
        lastFailure: 'status 503 is not 200',
        bodyExcerpt: '{"status":"healthy","version":"1.1.0"}',
        elapsedMs: 12_500
      },
      {
        url: unhealthy.url,
        healthy: false,
        attempts: 20,
        status: null,
        latencyMs: null,
        lastFailure: 'connection refused by chatrelay-prod.us-east-1.elasticbeanstalk.com',
        bodyExcerpt: null,
        elapsedMs: 300_000
      }
    ]);
  });
});

describe('markdown', () => {
  const report = buildReport([healthy, unhealthy]);

  it('summary: headline and a table of URL, result, attempts, status, latency, last failure', () => {
    expect(summaryMarkdown(report, { waitForMs: 300_000, consecutiveSuccesses: 3 })).toBe(
      [
        '### verify-health: ❌ 1 of 2 endpoints healthy',
        '',
        '| URL | Result | Attempts | Status | Latency p50 / p95 / max | Last failure |',
        '| --- | --- | --- | --- | --- | --- |',
        `| \`${healthy.url}\` | ✅ healthy | 3 | 200 | 12 / 40 / 40 ms | status 503 is not 200 |`,
        `| \`${unhealthy.url}\` | ❌ unhealthy | 20 | — | — | connection refused by chatrelay-prod.us-east-1.elasticbeanstalk.com |`,
        '',
        'Budget 5m, 3 healthy answers in a row required.',
        ''
      ].join('\n')
    );
  });

  it('comment: tag, table and a link to the run', () => {
    const body = commentMarkdown(report.slice(0, 1), 'staging', {
      runUrl: 'https://github.com/octo-org/tria-aibpo/actions/runs/1001',
      sha: '0123456789abcdef'
    });
    expect(body.split('\n')[0]).toBe('### Health check · staging: ✅ 1 of 1 endpoint healthy');
    expect(body).toContain('| ✅ healthy | 3 | 200 |');
    expect(
      body.endsWith(
        '<sub>Updated by [workflow run](https://github.com/octo-org/tria-aibpo/actions/runs/1001) for commit `0123456`.</sub>'
      )
    ).toBe(true);
  });

  it('failure message lists each failing URL with its last reason', () => {
    expect(failureMessage(report, 300_000)).toBe(
      '1 of 2 endpoints is not healthy after 5m:\n' +
        `- ${unhealthy.url} (20 attempts): connection refused by chatrelay-prod.us-east-1.elasticbeanstalk.com`
    );
  });
});

describe('health-body text in the summary and the PR comment', () => {
  it('is inert: no live markdown, no HTML, no forged marker of another comment', () => {
    const forged: UrlResult = {
      ...unhealthy,
      lastFailure:
        'body is not JSON (starts "<!-- deploy-suite:verify-health:production --> ## ✅ all good [login](https://evil.test)")'
    };
    const report = buildReport([forged]);
    for (const markdown of [
      commentMarkdown(report, 'health', {}),
      summaryMarkdown(report, { waitForMs: 1000, consecutiveSuccesses: 1 })
    ]) {
      expect(markdown).not.toContain('<!--');
      expect(markdown).not.toContain('](https');
      expect(markdown).toContain('&lt;\\!-- deploy-suite');
    }
  });
});
