/**
 * Runs the bundle (dist/deploy-static/index.js) as the runner does, against the simulator: `npm run build` first.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startSimulator,
  type CloudFrontSimService,
  type RunningSimulator,
  type S3SimService
} from '@deploy-suite/sim';
import { actionBundlePath, runActionAsRunner, simEnv } from '@deploy-suite/testing';
import { tempWorkspace, type Workspace } from '@deploy-suite/testing/worlds/static-site';

const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'eloquent-ai-frontend-prod';
const DIST = 'E2ELOQUENTAI01';

let sim: RunningSimulator;
let ws: Workspace;

beforeAll(() => {
  if (!existsSync(actionBundlePath(actionDir))) {
    throw new Error('dist/deploy-static/index.js is missing: run `npm run build` first');
  }
});
beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeScale: 600 });
  sim.control.service<S3SimService>('S3')!.ensureBucket(BUCKET, 'us-east-1');
  sim.control
    .service<CloudFrontSimService>('CloudFront')!
    .seedDistribution({ id: DIST, bucket: BUCKET, aliases: ['app.eloquent.ai'], invalidationSeconds: 0 });
  ws = tempWorkspace();
});
afterEach(async () => {
  ws.remove();
  await sim.close();
});

const run = (inputs: Record<string, string>, sha = '3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49') =>
  runActionAsRunner({
    actionDir,
    workspace: ws.root,
    inputs: { source: 'build', bucket: BUCKET, 'distribution-id': DIST, ...inputs },
    env: { ...simEnv(sim), GITHUB_SHA: sha, GITHUB_REPOSITORY: 'eloquent-ai/eloquent', GITHUB_RUN_ID: '4242' }
  });

describe('deploy-static dist/index.js as the runner runs it', () => {
  it('deploys, re-deploys what changed, and sets every output and the summary', async () => {
    ws.build({ version: '1.0.0' });
    const first = await run({});
    expect({ exitCode: first.exitCode, log: first.log }).toMatchObject({ exitCode: 0 });
    expect(first.outputs).toMatchObject({
      status: 'deployed',
      'previous-release': '',
      uploaded: '9',
      unchanged: '0',
      deleted: '0',
      'invalidation-id': '',
      url: 'https://app.eloquent.ai/'
    });
    expect(first.outputs.release).toMatch(/^\d{8}T\d{6}Z-3f2a9c1$/);
    expect(first.summary).toMatch(/### deploy-static: deployed/);
    expect(first.summary).toContain('s3://eloquent-ai-frontend-prod/');

    ws.build({ version: '1.0.1' });
    const second = await run({}, '9e8d7c6b5a493f2a9c1d0e8b7a6f5e4d3c2b1a0f');
    expect({ exitCode: second.exitCode, log: second.log }).toMatchObject({ exitCode: 0 });
    expect(second.outputs).toMatchObject({
      status: 'deployed',
      'previous-release': first.outputs.release,
      uploaded: '4',
      unchanged: '5'
    });
    expect(second.outputs['invalidation-id']).toMatch(/^I[A-Z0-9]+$/);
    expect(second.log).toMatch(/Invalidation I[A-Z0-9]+ completed/);
    expect(second.summary).toMatch(/\| JavaScript \| 2 \(/);
    expect(second.summary).toMatch(/\*\*Completed\*\*/);
    const page = await fetch(`${sim.endpoint}/_app/cloudfront/${DIST}/`);
    expect(await page.text()).toContain('data-version="1.0.1"');
  }, 120_000);

  it('a dry run says what it would upload and writes nothing', async () => {
    ws.build({ version: '1.0.0' });
    const dry = await run({ 'dry-run': 'true' });
    expect(dry.exitCode).toBe(0);
    expect(dry.outputs).toMatchObject({ status: 'planned', uploaded: '9' });
    expect(sim.control.calls()['S3.PutObject'] ?? 0).toBe(0);
  }, 60_000);

  it.each([
    ['a missing source', { source: 'dist' }, /Input "source": folder "dist" does not exist/],
    [
      'a bad cache-control line',
      { 'cache-control': '*.html no-cache' },
      /Input "cache-control" line 1 must be glob=value/
    ],
    [
      'an unknown bucket',
      { bucket: 'eloquent-ai-frontend-typo' },
      /Input "bucket": bucket eloquent-ai-frontend-typo does not exist/
    ],
    [
      'an unknown distribution',
      { 'distribution-id': 'E2NOSUCHDIST00' },
      /Input "distribution-id": CloudFront distribution E2NOSUCHDIST00 does not exist/
    ]
  ])(
    'fails on %s before any write',
    async (_name, inputs, message) => {
      ws.build({ version: '1.0.0' });
      const result = await run(inputs);
      expect(result.exitCode).toBe(1);
      expect(result.log).toMatch(message);
      expect(sim.control.calls()['S3.PutObject'] ?? 0).toBe(0);
    },
    60_000
  );

  it('refuses a source symlink that leaves the workspace', async () => {
    symlinkSync('/etc', path.join(ws.root, 'build'));
    const result = await run({});
    expect(result.exitCode).toBe(1);
    expect(result.log).toMatch(/Input "source" \("build"\) is a symlink to .*etc, outside the workspace/);
    expect(sim.control.calls()['S3.PutObject'] ?? 0).toBe(0);
  }, 60_000);
});
