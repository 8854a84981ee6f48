import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  actionBundlePath,
  leaksOf,
  runActionAsRunner,
  startFakeGitHub,
  type FakeGitHubServer
} from '@deploy-suite/testing';
import { freePort, json, seedBodies, startServer, type LoopbackServer } from './servers.js';

/**
 * Runs the committed bundle (dist/verify-health/index.js) as the runner does: `npm run build` first.
 */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'tria-health-token-5f2c9a';

let tria: LoopbackServer;
let github: FakeGitHubServer;

beforeAll(async () => {
  if (!existsSync(actionBundlePath(actionDir))) {
    throw new Error('dist/verify-health/index.js is missing: run `npm run build` first');
  }
  // Tria's /health, behind a bearer token; it echoes the Authorization header it saw, as some debug
  // endpoints do, so the test also proves the token is scrubbed from outputs built from the body.
  tria = await startServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${TOKEN}`)
      return json(response, 401, { error: 'unauthorized' });
    json(response, 200, { ...seedBodies.tria(), authorization: request.headers.authorization });
  });
  github = await startFakeGitHub({
    tokens: {
      ghs_runner_token: { login: 'github-actions[bot]', write: true, installation: true },
      ghs_fork_token: { login: 'github-actions[bot]', write: false, installation: true }
    }
  });
});
afterAll(async () => {
  await tria.close();
  await github.close();
});

function pullRequestEnv(number: number): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'event-'));
  const eventPath = path.join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ action: 'synchronize', number, pull_request: { number } }));
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: `refs/pull/${number}/merge`,
    GITHUB_API_URL: github.apiUrl
  };
}

describe('dist/verify-health/index.js run as the runner runs it', () => {
  it('verifies a healthy endpoint and never shows the Authorization token', async () => {
    const result = await runActionAsRunner({
      actionDir,
      plantedSecrets: [TOKEN],
      inputs: {
        urls: `${tria.url}/health`,
        'expect-json': 'status=healthy\nversion=1.1.0',
        headers: `Authorization: Bearer ${TOKEN}`,
        'retry-delay': '50ms'
      },
      expressions: { 'github.token': 'ghs_runner_token' }
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs.healthy).toBe('true');
    expect(result.outputs['failed-urls']).toBe('');
    const report = JSON.parse(result.outputs.report);
    expect(report).toEqual([
      expect.objectContaining({
        url: `${tria.url}/health`,
        healthy: true,
        attempts: 1,
        status: 200,
        lastFailure: null,
        bodyExcerpt: '{"status":"healthy","version":"1.1.0","authorization":"***"}'
      })
    ]);
    expect(Object.keys(report[0].latencyMs)).toEqual(['min', 'p50', 'p95', 'max']);
    expect(result.summary).toContain('### verify-health: ✅ 1 of 1 endpoint healthy');
    expect(result.summary).toContain(
      '| URL | Result | Attempts | Status | Latency p50 / p95 / max | Last failure |'
    );
    expect(result.masks).toContain(`Bearer ${TOKEN}`);
    expect(result.masks).toContain(TOKEN);
    expect(leaksOf(result.rawLog, TOKEN)).toEqual([]);
    expect(result.summary).not.toContain(TOKEN);
    expect(result.outputs.report).not.toContain(TOKEN);
    expect(result.log).toMatch(/attempt 1: 200 in \d+ms, healthy/);
  });

  it('retries until the budget ends, then fails listing each URL with its last reason', async () => {
    const port = await freePort();
    const result = await runActionAsRunner({
      actionDir,
      plantedSecrets: [TOKEN],
      inputs: {
        urls: `${tria.url}/health\nhttp://127.0.0.1:${port}/health`,
        headers: `Authorization: Bearer ${TOKEN}`,
        'expect-json': 'version=1.2.0',
        'wait-for': '1s',
        'retry-delay': '50ms'
      },
      expressions: { 'github.token': 'ghs_runner_token' }
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.healthy).toBe('false');
    expect(result.outputs['failed-urls'].split('\n')).toEqual([
      `${tria.url}/health`,
      `http://127.0.0.1:${port}/health`
    ]);
    const [wrongVersion, refused] = JSON.parse(result.outputs.report);
    expect(wrongVersion.attempts).toBeGreaterThan(1);
    expect(refused.attempts).toBeGreaterThan(1);
    expect(result.failure).toBe(
      [
        '2 of 2 endpoints are not healthy after 1s:',
        `- ${tria.url}/health (${wrongVersion.attempts} attempts): version is "1.1.0", expected "1.2.0"`,
        `- http://127.0.0.1:${port}/health (${refused.attempts} attempts): connection refused by 127.0.0.1:${port}`
      ].join('\n')
    );
    expect(result.summary).toContain('❌ 0 of 2 endpoints healthy');
    expect(leaksOf(result.rawLog, TOKEN)).toEqual([]);
  });

  it('redacts URL user-info, the Basic value derived from it and query values from every excerpt, log and summary', async () => {
    const password = 'planted-url-password-06';
    const queryToken = 'planted-query-token-07';
    const apiKey = 'planted-api-key-08';
    // a debug endpoint that echoes what it got: the Basic header, the query and the user headers
    const echo = await startServer((request, response) =>
      json(response, 503, {
        status: 'degraded <!-- deploy-suite:verify-health:production --> [x](https://evil.test)',
        authorization: request.headers.authorization,
        apiKey: request.headers['x-api-key'],
        url: `http://${request.headers.host}${request.url}`
      })
    );
    try {
      const url = new URL(`${echo.url}/health?token=${queryToken}`);
      url.username = 'ops';
      url.password = password;
      const basic = Buffer.from(`ops:${password}`).toString('base64');
      const result = await runActionAsRunner({
        actionDir,
        plantedSecrets: [password, queryToken, apiKey, basic],
        inputs: {
          urls: url.toString(),
          headers: `X-Api-Key: ${apiKey}`,
          'expect-json': 'status=healthy',
          'wait-for': '0s'
        },
        expressions: { 'github.token': 'ghs_runner_token' }
      });
      expect(result.exitCode).toBe(1);
      expect(echo.requests[0].headers.authorization).toBe(`Basic ${basic}`);
      const [entry] = JSON.parse(result.outputs.report);
      expect(entry.url).toBe(`${echo.url}/health?token=***`);
      expect(entry.bodyExcerpt).toContain('"authorization":"***"');
      expect(result.summary).not.toContain('<!--');
      expect(result.summary).not.toContain('](https');
    } finally {
      await echo.close();
    }
  });

  it('on SIGINT while waiting for an endpoint, reports healthy=false and a cancelled summary, and exits 1', async () => {
    const port = await freePort();
    const result = await runActionAsRunner({
      actionDir,
      plantedSecrets: [TOKEN],
      inputs: {
        urls: `http://127.0.0.1:${port}/health`,
        headers: `Authorization: Bearer ${TOKEN}`,
        'wait-for': '10m',
        'retry-delay': '50ms'
      },
      expressions: { 'github.token': 'ghs_runner_token' },
      cancelWhen: /attempt 2: refused/
    });
    expect(result.signals[0]).toBe('SIGINT');
    expect(result.signals).not.toContain('SIGKILL');
    expect(result.exitCode).toBe(1);
    expect(result.failure).toBe('Cancelled by SIGINT');
    expect(result.outputs.healthy).toBe('false');
    expect(result.summary).toMatch(/### verify-health: cancelled \(SIGINT\)/);
  });

  it('rejects bad input before any request, naming the input', async () => {
    const before = tria.requests.length;
    const result = await runActionAsRunner({
      actionDir,
      plantedSecrets: [TOKEN],
      inputs: { urls: `${tria.url}/health`, headers: `Authorization Bearer ${TOKEN}` },
      expressions: { 'github.token': 'ghs_runner_token' }
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /^Input "headers" line 1 has no colon: write each header as "Name: value"/
    );
    expect(tria.requests.length).toBe(before);
    expect(leaksOf(result.rawLog, TOKEN)).toEqual([]);
    expect(result.outputs.healthy).toBe('false');
    expect(result.summary).toMatch(/### verify-health: failed/);
  });

  it('upserts one sticky PR comment: created on the first run, updated on the second', async () => {
    // a second run of the workflow has its own run id, so the comment's run link changes
    const run = (runId: string) =>
      runActionAsRunner({
        actionDir,
        plantedSecrets: [TOKEN],
        inputs: {
          urls: `${tria.url}/health`,
          headers: `Authorization: Bearer ${TOKEN}`,
          'expect-json': 'status=healthy',
          'comment-on-pr': 'true',
          'comment-tag': 'staging'
        },
        env: { ...pullRequestEnv(21), GITHUB_RUN_ID: runId },
        expressions: { 'github.token': 'ghs_runner_token' }
      });
    const first = await run('3001');
    const second = await run('3002');
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
    const comments = github.comments.filter(comment => comment.issue === 21);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toMatch(
      /^<!-- deploy-suite:verify-health:staging -->\n### Health check · staging: ✅/
    );
    expect(comments[0].body).not.toContain(TOKEN);
    expect(first.outputs['comment-url']).toBe(
      `https://github.com/octo-org/repo/pull/21#issuecomment-${comments[0].id}`
    );
    expect(second.log).toContain('PR comment updated on #21');
    expect(github.requests.filter(request => request.method === 'PATCH')).toHaveLength(1);
  });

  it('only warns when the token cannot comment (a fork pull request)', async () => {
    const result = await runActionAsRunner({
      actionDir,
      plantedSecrets: [TOKEN],
      inputs: {
        urls: `${tria.url}/health`,
        headers: `Authorization: Bearer ${TOKEN}`,
        'comment-on-pr': 'true'
      },
      env: pullRequestEnv(22),
      expressions: { 'github.token': 'ghs_fork_token' }
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs.healthy).toBe('true');
    expect(result.annotations).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('Skipped the PR comment: the token may not write comments on #22')
      })
    ]);
  });
});
