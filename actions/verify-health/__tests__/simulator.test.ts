import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { actionBundlePath, MemoryLogger, runActionAsRunner } from '@deploy-suite/testing';
import { gitHubHttp } from '@deploy-suite/core/github';
import { commentOnPullRequest } from '../src/pr-comment.js';
import { parseJsonExpectations } from '../src/json-path.js';
import { httpProbe } from '../src/probe.js';
import { buildReport } from '../src/summary.js';
import { parseExpectedStatus } from '../src/status.js';
import { verifyUrl } from '../src/verify.js';
import { ScriptedClock } from './servers.js';

/**
 * verify-health against the local simulator: the sticky comment through its GitHub REST API, and a
 * health check that follows a real (simulated) ECS rolling deployment of Tria from 1.0.9 to 1.1.0.
 */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OWNER = 'octo-org';
const REPO = 'tria-aibpo';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, timeScale: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.control.reset());

const report = buildReport([
  {
    url: 'http://tria-aibpo-staging-alb-123456789.us-east-1.elb.amazonaws.com/health',
    healthy: true,
    attempts: 2,
    status: 200,
    latenciesMs: [11, 14],
    lastFailure: 'status 503 is not 200',
    elapsedMs: 5000
  }
]);

function runEnv(pr: number): NodeJS.ProcessEnv {
  return {
    GITHUB_API_URL: `${sim.endpoint}/github`,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_REF: `refs/pull/${pr}/merge`,
    GITHUB_RUN_ID: '2002',
    GITHUB_SHA: '5f2c9e1aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5'
  };
}

async function commentsOn(pr: number): Promise<Array<{ id: number; body: string; user: { login: string } }>> {
  const http = gitHubHttp({ apiUrl: `${sim.endpoint}/github`, token: 'reader', env: {} });
  const { data } = await http.request({
    method: 'GET',
    path: `/repos/${OWNER}/${REPO}/issues/${pr}/comments?per_page=100`
  });
  return data as Array<{ id: number; body: string; user: { login: string } }>;
}

describe('sticky comment on the simulator GitHub API', () => {
  it('is created once and updated on the second run', async () => {
    const logger = new MemoryLogger();
    const options = { report, tag: 'staging', token: 'ghs_sim', env: runEnv(31), logger, payload: {} };
    expect((await commentOnPullRequest(options)).outcome).toBe('created');
    const second = await commentOnPullRequest({ ...options, report: buildReport([]) });
    expect(second.outcome).toBe('updated');
    const comments = await commentsOn(31);
    expect(comments).toHaveLength(1);
    expect(comments[0].user.login).toBe('github-actions[bot]');
    expect(comments[0].body).toMatch(
      /^<!-- deploy-suite:verify-health:staging -->\n### Health check · staging: ✅ 0 of 0/
    );
    expect(sim.control.calls()).toMatchObject({ 'GitHub.CreateComment': 1, 'GitHub.UpdateComment': 1 });
  });

  it('keeps separate comments for separate tags', async () => {
    const logger = new MemoryLogger();
    for (const tag of ['staging', 'production', 'staging', 'production']) {
      await commentOnPullRequest({ report, tag, token: 'ghs_sim', env: runEnv(32), logger, payload: {} });
    }
    expect((await commentsOn(32)).map(comment => comment.body.split('\n')[0])).toEqual([
      '<!-- deploy-suite:verify-health:staging -->',
      '<!-- deploy-suite:verify-health:production -->'
    ]);
    // the repeated runs had the same table: those comments were left as they were
    expect(sim.control.calls()['GitHub.CreateComment']).toBe(2);
    expect(sim.control.calls()['GitHub.UpdateComment']).toBeUndefined();
  });

  it('leaves a comment by someone else alone even when it carries the marker', async () => {
    sim.control.githubToken({ token: 'octocat-pat', login: 'octocat' });
    const octocat = gitHubHttp({ apiUrl: `${sim.endpoint}/github`, token: 'octocat-pat', env: {} });
    await octocat.request({
      method: 'POST',
      path: `/repos/${OWNER}/${REPO}/issues/33/comments`,
      body: { body: '<!-- deploy-suite:verify-health:health -->\nquoted from the bot' }
    });
    await commentOnPullRequest({
      report,
      tag: undefined,
      token: 'ghs_sim',
      env: runEnv(33),
      logger: new MemoryLogger(),
      payload: {}
    });
    const comments = await commentsOn(33);
    expect(comments.map(comment => comment.user.login)).toEqual(['octocat', 'github-actions[bot]']);
    expect(comments[0].body).toBe('<!-- deploy-suite:verify-health:health -->\nquoted from the bot');
  });

  it('a read-only token (403) only warns', async () => {
    sim.control.githubToken({ token: 'ghs_fork', readOnly: true });
    const logger = new MemoryLogger();
    const result = await commentOnPullRequest({
      report,
      tag: 'staging',
      token: 'ghs_fork',
      env: runEnv(34),
      logger,
      payload: {}
    });
    expect(result.outcome).toBe('skipped');
    expect(logger.messages('warning')).toEqual([
      expect.stringMatching(
        /^Skipped the PR comment: the token may not write comments on #34 \(Resource not accessible by integration\)/
      )
    ]);
    expect(await commentsOn(34)).toEqual([]);
  });

  it('the bundled action upserts on the simulator and only warns for a read-only token', async () => {
    if (!existsSync(actionBundlePath(actionDir))) throw new Error('run `npm run build` first');
    const health = await import('node:http').then(({ createServer }) => {
      const server = createServer((_, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"status":"healthy","version":"1.1.0"}');
      });
      return new Promise<import('node:http').Server>(resolve =>
        server.listen(0, '127.0.0.1', () => resolve(server))
      );
    });
    const port = (health.address() as import('node:net').AddressInfo).port;
    const dir = mkdtempSync(path.join(tmpdir(), 'event-'));
    writeFileSync(path.join(dir, 'event.json'), JSON.stringify({ number: 35, pull_request: { number: 35 } }));
    sim.control.githubToken({ token: 'ghs_fork', readOnly: true });
    const run = (token: string, runId: string, tag = 'staging') =>
      runActionAsRunner({
        actionDir,
        inputs: {
          urls: `http://127.0.0.1:${port}/health`,
          'expect-json': 'status=healthy\nversion=1.1.0',
          'comment-on-pr': 'true',
          'comment-tag': tag
        },
        env: {
          ...runEnv(35),
          GITHUB_REF: 'refs/heads/feature',
          GITHUB_RUN_ID: runId,
          GITHUB_EVENT_PATH: path.join(dir, 'event.json')
        },
        expressions: { 'github.token': token }
      });
    try {
      // each workflow run has its own id, so the comment's run link changes and the second run updates it
      const first = await run('ghs_sim', '4001');
      const second = await run('ghs_sim', '4002');
      // another tag, so the read-only token must create (an identical table would be left alone, no write)
      const fork = await run('ghs_fork', '4003', 'preview');
      expect([first.exitCode, second.exitCode, fork.exitCode]).toEqual([0, 0, 0]);
      expect(first.log).toContain('PR comment created on #35');
      expect(second.log).toContain('PR comment updated on #35');
      expect(fork.annotations.map(annotation => annotation.level)).toEqual(['warning']);
      expect(await commentsOn(35)).toHaveLength(1);
    } finally {
      await new Promise(resolve => health.close(resolve));
    }
  });
});

describe('health of a simulated ECS rolling deployment (Tria staging, 1.0.9 -> 1.1.0)', () => {
  const CLUSTER = 'tria-aibpo-staging-cluster';
  const SERVICE = 'tria-aibpo-staging-service';
  const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/tria-aibpo-staging';

  function register(ecs: ECSClient, tag: string) {
    return ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'tria-aibpo-task-staging',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '512',
        memory: '1024',
        containerDefinitions: [
          {
            name: 'tria-aibpo-backend',
            image: `${IMAGE}:${tag}`,
            essential: true,
            portMappings: [{ containerPort: 8000 }]
          }
        ]
      })
    );
  }

  it('retries the old version while both answer, and passes once 1.1.0 holds three times in a row', async () => {
    const ecs = new ECSClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
    });
    sim.control.images({ image: `${IMAGE}:1.0.9`, behavior: 'healthy', version: '1.0.9' });
    sim.control.images({ image: `${IMAGE}:1.1.0`, behavior: 'healthy', version: '1.1.0' });
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    const old = await register(ecs, '1.0.9');
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: old.taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: ['subnet-0abc'], securityGroups: ['sg-0abc'] }
        },
        deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 }
      })
    );
    sim.control.advance(120);
    const next = await register(ecs, '1.1.0');
    await ecs.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: SERVICE,
        taskDefinition: next.taskDefinition!.taskDefinitionArn
      })
    );

    // the check's clock drives the simulator's: every wait between attempts passes in simulated time too
    const clock = new ScriptedClock();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async ms => {
      await sleep(ms);
      sim.control.advance(ms / 1000);
    };
    const logger = new MemoryLogger();
    const result = await verifyUrl(
      new URL(`${sim.endpoint}/_app/${CLUSTER}/${SERVICE}/health`),
      {
        method: 'GET',
        headers: {},
        timeoutMs: 5000,
        followRedirects: true,
        waitForMs: 10 * 60_000,
        retryDelayMs: 5000,
        consecutiveSuccesses: 3,
        concurrency: 1,
        expectations: {
          statuses: parseExpectedStatus('200'),
          json: parseJsonExpectations([
            { text: 'status=healthy', line: 1 },
            { text: 'version=1.1.0', line: 2 }
          ])
        }
      },
      { probe: httpProbe, clock, logger, env: {}, redact: text => text, random: () => 0 }
    );
    expect(result.healthy).toBe(true);
    expect(result.lastFailure).toBe('version is "1.0.9", expected "1.1.0"');
    expect(result.attempts).toBeGreaterThan(3);
    expect(result.bodyExcerpt).toBe('{"status":"healthy","version":"1.1.0"}');
    expect(logger.messages('info').filter(line => line.includes('(3 of 3 in a row)'))).toHaveLength(1);
  });
});
