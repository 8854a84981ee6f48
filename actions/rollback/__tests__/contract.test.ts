import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { runActionAsRunner } from '@deploy-suite/testing';
import {
  AI_ML,
  BACKEND,
  CLUSTER,
  aiMl,
  backend,
  deploy,
  describe as describeService,
  primaryOf,
  seed,
  simEnv
} from '@deploy-suite/testing/worlds/rollback';

/** Runs dist/rollback/index.js as the runner does (build first: `npm run build`). */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let sim: RunningSimulator;
beforeEach(async () => {
  // The action runs in its own process on real time: 600 simulated seconds per real second.
  sim = await startSimulator({ port: 0, timeScale: 600 });
});
afterEach(async () => {
  await sim.close();
});

describe('rollback dist/rollback/index.js as the runner runs it', () => {
  it('rolls two services back to their known-good revisions; outputs, summary with actor and reason', async () => {
    await seed(sim, [backend, aiMl]);
    const backendGood = await deploy(sim, backend, 'v2');
    const aiMlGood = await deploy(sim, aiMl, 'v2');
    const backendBad = await deploy(sim, backend, 'v3', { record: false });
    const aiMlBad = await deploy(sim, aiMl, 'v3', { record: false });

    const run = await runActionAsRunner({
      actionDir,
      inputs: {
        cluster: CLUSTER,
        service: `${BACKEND}\n${AI_ML}`,
        reason: 'verify-health failed',
        'poll-interval': '200ms'
      },
      env: { ...simEnv(sim), GITHUB_ACTOR: 'octocat' }
    });

    expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
    expect(run.outputs.status).toBe('rolled-back');
    expect(JSON.parse(run.outputs['rolled-back-from'])).toEqual({ [BACKEND]: backendBad, [AI_ML]: aiMlBad });
    expect(JSON.parse(run.outputs['rolled-back-to'])).toEqual({ [BACKEND]: backendGood, [AI_ML]: aiMlGood });
    expect(JSON.parse(run.outputs.services)).toEqual([
      expect.objectContaining({ service: BACKEND, result: 'rolled-back', source: 'known-good-record' }),
      expect.objectContaining({ service: AI_ML, result: 'rolled-back', source: 'known-good-record' })
    ]);
    expect(run.summary).toMatch(/### rollback: rolled back/);
    expect(run.summary).toMatch(/\*\*Reason:\*\* verify-health failed/);
    expect(run.summary).toMatch(/\*\*Triggered by:\*\* @octocat/);
    expect(run.summary).toMatch(
      /\[docuthinker-backend:3\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com\/ecs\/v2\/task-definitions\/docuthinker-backend\/3[^)]*\) → \[docuthinker-backend:2\]/
    );
    expect(primaryOf(await describeService(sim, BACKEND))).toMatchObject({ taskDefinition: backendGood });
  });

  it('a single service: plain outputs; already-there exits 0', async () => {
    const { [BACKEND]: v1 } = await seed(sim, [backend]);
    const run = await runActionAsRunner({
      actionDir,
      inputs: { cluster: CLUSTER, service: BACKEND, to: 'docuthinker-backend:1' },
      env: simEnv(sim)
    });
    expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
    expect(run.outputs).toMatchObject({
      status: 'already-there',
      'rolled-back-from': v1,
      'rolled-back-to': v1
    });
  });

  it('bad input fails before AWS with a message naming the input, and status failed', async () => {
    const run = await runActionAsRunner({
      actionDir,
      inputs: { service: BACKEND, 'application-name': 'ChatRelay', 'environment-name': 'chatrelay-prod' },
      env: simEnv(sim)
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.failure).toMatch(
      /Inputs "service" \(ECS\) and "application-name" and "environment-name" \(Elastic Beanstalk\) were both given/
    );
    expect(run.outputs.status).toBe('failed');
    expect(Object.keys(sim.control.calls())).toEqual([]);
  });

  it('a refused rollback (deleted image) fails with the reason and changes nothing', async () => {
    await seed(sim, [backend]);
    await deploy(sim, backend, 'v2');
    const bad = await deploy(sim, backend, 'v3', { record: false });
    const { BatchDeleteImageCommand, ECRClient } = await import('@aws-sdk/client-ecr');
    await new ECRClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
    }).send(
      new BatchDeleteImageCommand({ repositoryName: 'docuthinker-backend', imageIds: [{ imageTag: 'v2' }] })
    );
    const run = await runActionAsRunner({
      actionDir,
      inputs: { cluster: CLUSTER, service: BACKEND },
      env: simEnv(sim)
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.failure).toMatch(
      /docuthinker-backend:v2 of container backend in docuthinker-backend:2 no longer exists in ECR/
    );
    expect(run.outputs.status).toBe('failed');
    expect(primaryOf(await describeService(sim, BACKEND))?.taskDefinition).toBe(bad);
  });
});
