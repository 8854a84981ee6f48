import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryLogger, startFakeGitHub, type FakeGitHubServer } from '@deploy-suite/testing';
import { commentOnPullRequest, commentTag } from '../src/pr-comment.js';
import { buildReport } from '../src/summary.js';

/**
 * The sticky comment through the real GitHub transport against a loopback server that mimics GitHub's
 * issue-comment endpoints (see simulator.test.ts for the same against the simulator).
 */
let github: FakeGitHubServer;
beforeAll(async () => {
  github = await startFakeGitHub({
    tokens: {
      ghs_write: { login: 'github-actions[bot]', write: true, installation: true },
      ghs_fork: { login: 'github-actions[bot]', write: false, installation: true }
    }
  });
});
afterAll(() => github.close());

const report = buildReport([
  {
    url: 'http://tria-aibpo-staging-alb-123456789.us-east-1.elb.amazonaws.com/health',
    healthy: true,
    attempts: 1,
    status: 200,
    latenciesMs: [9],
    elapsedMs: 9
  }
]);

function env(pr: number): NodeJS.ProcessEnv {
  return {
    GITHUB_API_URL: github.apiUrl,
    GITHUB_REPOSITORY: 'octo-org/tria-aibpo',
    GITHUB_REF: `refs/pull/${pr}/merge`,
    GITHUB_RUN_ID: '1001',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567'
  };
}

describe('commentOnPullRequest', () => {
  it('creates the comment once and updates it on the next run', async () => {
    const logger = new MemoryLogger();
    const first = await commentOnPullRequest({
      report,
      tag: 'staging',
      token: 'ghs_write',
      env: env(11),
      logger,
      payload: {}
    });
    const second = await commentOnPullRequest({
      report,
      tag: 'staging',
      token: 'ghs_write',
      env: env(11),
      logger,
      payload: {}
    });
    expect(first.outcome).toBe('created');
    expect(['updated', 'unchanged']).toContain(second.outcome);
    const comments = github.comments.filter(comment => comment.issue === 11);
    expect(comments).toHaveLength(1);
    expect(comments[0].body.split('\n').slice(0, 2)).toEqual([
      '<!-- deploy-suite:verify-health:staging -->',
      '### Health check · staging: ✅ 1 of 1 endpoint healthy'
    ]);
    expect(comments[0].body).toContain(
      '[workflow run](https://github.com/octo-org/tria-aibpo/actions/runs/1001)'
    );
  });

  it('keeps a separate comment per tag', async () => {
    const logger = new MemoryLogger();
    for (const tag of ['staging', 'production', 'staging']) {
      await commentOnPullRequest({ report, tag, token: 'ghs_write', env: env(12), logger, payload: {} });
    }
    expect(
      github.comments.filter(comment => comment.issue === 12).map(comment => comment.body.split('\n')[0])
    ).toEqual([
      '<!-- deploy-suite:verify-health:staging -->',
      '<!-- deploy-suite:verify-health:production -->'
    ]);
  });

  it('only warns when the token is read-only (403)', async () => {
    const logger = new MemoryLogger();
    const result = await commentOnPullRequest({
      report,
      tag: undefined,
      token: 'ghs_fork',
      env: env(13),
      logger,
      payload: {}
    });
    expect(result.outcome).toBe('skipped');
    expect(logger.messages('warning')[0]).toMatch(
      /^Skipped the PR comment: the token may not write comments on #13/
    );
    expect(github.comments.filter(comment => comment.issue === 13)).toHaveLength(0);
  });

  it('says why there is no comment outside a pull request', async () => {
    const logger = new MemoryLogger();
    const result = await commentOnPullRequest({
      report,
      tag: undefined,
      token: 'ghs_write',
      env: { ...env(1), GITHUB_REF: 'refs/heads/main' },
      logger,
      payload: { ref: 'refs/heads/main' }
    });
    expect(result).toEqual({ outcome: 'skipped', reason: 'this run is not for a pull request' });
    expect(logger.messages('info')).toEqual(['No PR comment: this run is not for a pull request']);
  });

  it('reads the pull request from the event payload', async () => {
    const logger = new MemoryLogger();
    await commentOnPullRequest({
      report,
      tag: 'payload',
      token: 'ghs_write',
      env: { ...env(1), GITHUB_REF: 'refs/heads/feature' },
      logger,
      payload: { pull_request: { number: 14 } }
    });
    expect(github.comments.filter(comment => comment.issue === 14)).toHaveLength(1);
  });
});

describe('commentTag', () => {
  it('is the given tag, else the deployment event environment, else health', () => {
    expect(commentTag('production', { deployment: { environment: 'staging' } })).toBe('production');
    expect(commentTag(undefined, { deployment: { environment: 'chatrelay-prod' } })).toBe('chatrelay-prod');
    expect(commentTag(undefined, {})).toBe('health');
  });
});
