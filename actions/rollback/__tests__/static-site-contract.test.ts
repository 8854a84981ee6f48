/** rollback's static-site mode run from the bundle as the runner runs it (build first: npm run build -- rollback). */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startSimulator,
  type CloudFrontSimService,
  type RunningSimulator,
  type S3SimService
} from '@deploy-suite/sim';
import { runActionAsRunner, simEnv } from '@deploy-suite/testing';
import { tempWorkspace, type Workspace } from '@deploy-suite/testing/worlds/static-site';

const rollbackDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const deployDir = path.resolve(rollbackDir, '../deploy-static');
const BUCKET = 'eloquent-ai-frontend-prod';
const DIST = 'E2ELOQUENTAI01';

let sim: RunningSimulator;
let ws: Workspace;

beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeScale: 600 });
  sim.control.service<S3SimService>('S3')!.ensureBucket(BUCKET, 'us-east-1');
  sim.control
    .service<CloudFrontSimService>('CloudFront')!
    .seedDistribution({ id: DIST, bucket: BUCKET, invalidationSeconds: 0 });
  ws = tempWorkspace();
});
afterEach(async () => {
  ws.remove();
  await sim.close();
});

const deploy = async (version: string) => {
  ws.build({ version });
  const run = await runActionAsRunner({
    actionDir: deployDir,
    workspace: ws.root,
    inputs: { source: 'build', bucket: BUCKET, 'distribution-id': DIST },
    env: simEnv(sim)
  });
  expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
  return run.outputs.release;
};

describe('rollback dist/index.js, static-site mode', () => {
  it('puts the previous release back and sets the outputs', async () => {
    const good = await deploy('1.0.0');
    const bad = await deploy('1.0.1-broken');
    const run = await runActionAsRunner({
      actionDir: rollbackDir,
      workspace: ws.root,
      inputs: { 'site-bucket': BUCKET, 'distribution-id': DIST, reason: 'frontend health check failed' },
      env: { ...simEnv(sim), GITHUB_ACTOR: 'octocat' }
    });
    expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
    expect(run.outputs).toMatchObject({
      status: 'rolled-back',
      'rolled-back-from': bad,
      'rolled-back-to': good
    });
    expect(JSON.parse(run.outputs.services)).toEqual([
      expect.objectContaining({ service: `s3://${BUCKET}/`, from: bad, to: good, source: 'previous-release' })
    ]);
    expect(run.summary).toMatch(/### rollback: rolled back/);
    const page = await fetch(`${sim.endpoint}/_app/cloudfront/${DIST}/`);
    expect(await page.text()).toContain('data-version="1.0.0"');
  }, 120_000);

  it('fails on an unknown release before any write, naming the input', async () => {
    await deploy('1.0.0');
    const copies = sim.control.calls()['S3.CopyObject'] ?? 0;
    const run = await runActionAsRunner({
      actionDir: rollbackDir,
      workspace: ws.root,
      inputs: { 'site-bucket': BUCKET, to: '20200101T000000Z' },
      env: simEnv(sim)
    });
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(/Input "to": release 20200101T000000Z is not recorded/);
    expect(run.outputs.status).toBe('failed');
    expect(sim.control.calls()['S3.CopyObject'] ?? 0).toBe(copies);
  }, 60_000);
});
