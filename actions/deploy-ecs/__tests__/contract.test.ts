import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { runActionAsRunner, leaksOf } from '@deploy-suite/testing';
import {
  BACKEND,
  CLUSTER,
  backendImage,
  backendSeed,
  seedServices,
  simEnv
} from '@deploy-suite/testing/worlds/deploy-ecs';

/** Runs dist/deploy-ecs/index.js as the runner does (build first: `npm run build`). */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let sim: RunningSimulator;
beforeEach(async () => {
  // Real time moves here (the action runs in its own process): 600 simulated seconds per real second.
  sim = await startSimulator({ port: 0, timeScale: 600 });
  await seedServices(sim, [backendSeed]);
});
afterEach(async () => {
  await sim.close();
});

const SECRET = 'sk-docuthinker-not-a-real-key-1234567890';

describe('deploy-ecs dist/deploy-ecs/index.js as the runner runs it', () => {
  it('deploys from a task-definition file with ${VAR}s, sets outputs and writes the summary', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'deploy-ecs-contract-'));
    mkdirSync(path.join(workspace, 'ecs'));
    writeFileSync(
      path.join(workspace, 'ecs/backend.json'),
      JSON.stringify({
        family: 'docuthinker-backend',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '512',
        memory: '1024',
        containerDefinitions: [
          {
            name: 'backend',
            image: '${ECR_REGISTRY}/docuthinker-backend:${IMAGE_TAG}',
            portMappings: [{ containerPort: '5000' }],
            environment: [{ name: 'NODE_ENV', value: 'production' }]
          }
        ]
      })
    );
    const run = await runActionAsRunner({
      actionDir,
      workspace,
      inputs: {
        cluster: CLUSTER,
        service: BACKEND,
        'task-definition': 'ecs/backend.json',
        'poll-interval': '200ms'
      },
      env: { ...simEnv(sim), ECR_REGISTRY: '123456789012.dkr.ecr.us-east-1.amazonaws.com', IMAGE_TAG: 'v2' }
    });
    expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
    expect(run.outputs.status).toBe('deployed');
    expect(run.outputs['task-definition-arn']).toMatch(/task-definition\/docuthinker-backend:2$/);
    expect(run.outputs['previous-task-definition-arn']).toMatch(/task-definition\/docuthinker-backend:1$/);
    expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\/\d+$/);
    expect(JSON.parse(run.outputs.services)).toEqual([
      expect.objectContaining({
        service: BACKEND,
        result: 'deployed',
        deploymentId: run.outputs['deployment-id']
      })
    ]);
    expect(run.summary).toMatch(/### deploy-ecs: deployed/);
    expect(run.summary).toMatch(
      /\[docuthinker-backend:1\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com\/ecs\/v2\/task-definitions\/docuthinker-backend\/1/
    );
    expect(run.log).toMatch(/backend-service: 2\/2 running, 0 pending, rollout COMPLETED/);
  });

  it('fails with status rolled-back on a crash loop, and keeps an env secret out of the log', async () => {
    sim.control.images({ image: backendImage('v2'), behavior: 'crash' });
    const run = await runActionAsRunner({
      actionDir,
      inputs: {
        cluster: CLUSTER,
        service: BACKEND,
        images: `backend=${backendImage('v2')}`,
        // a secret that reaches the env through ${{ secrets.* }} is masked by the runner; the action never echoes env values it was not asked to show
        'poll-interval': '200ms'
      },
      env: { ...simEnv(sim), OPENAI_API_KEY: SECRET }
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.failure).toMatch(
      /Deployment failed and was rolled back: backend-service: .*(Essential container in task exited|circuit breaker)/
    );
    expect(run.summary).toMatch(/failed and rolled back/);
    expect(leaksOf(run.rawLog, SECRET)).toEqual([]);
  });

  it('refuses bad input before touching AWS', async () => {
    const before = JSON.stringify(sim.control.calls());
    const run = await runActionAsRunner({
      actionDir,
      inputs: { cluster: CLUSTER, service: BACKEND, 'wait-for-minutes': 'ten' },
      env: simEnv(sim)
    });
    expect(run.exitCode).toBe(1);
    expect(run.failure).toBe('Input "wait-for-minutes" must be a whole number from 1 to 360, got "ten"');
    expect(JSON.stringify(sim.control.calls())).toBe(before);
  });
});
