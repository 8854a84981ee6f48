import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
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
  describeService,
  frozenSim,
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
      env: { ...simEnv(sim), OPENAI_API_KEY: SECRET },
      plantedSecrets: [SECRET]
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.failure).toMatch(
      /Deployment failed and was rolled back: backend-service: .*(Essential container in task exited|circuit breaker)/
    );
    expect(run.summary).toMatch(/failed and rolled back/);
    expect(leaksOf(run.rawLog, SECRET)).toEqual([]);
  });

  it('names changed variables in the log and summary, never their values, old (from AWS) or new', async () => {
    const oldValue = 'postgres://app:planted-old-db-password-09@db.internal/app';
    const newValue = 'postgres://app:planted-new-db-password-10@db.internal/app';
    const first = await runActionAsRunner({
      actionDir,
      plantedSecrets: [oldValue, 'planted-old-db-password-09'],
      inputs: {
        cluster: CLUSTER,
        service: BACKEND,
        'environment-variables': `backend.DATABASE_URL=${oldValue}\nbackend.LOG_LEVEL=info`,
        'poll-interval': '200ms'
      },
      env: simEnv(sim)
    });
    expect(first.exitCode).toBe(0);
    expect(first.log).toContain('+ backend env DATABASE_URL added');
    const dryRun = await runActionAsRunner({
      actionDir,
      plantedSecrets: [oldValue, newValue, 'planted-old-db-password-09', 'planted-new-db-password-10'],
      inputs: {
        cluster: CLUSTER,
        service: BACKEND,
        'environment-variables': `backend.DATABASE_URL=${newValue}\nbackend.LOG_LEVEL=debug`,
        'show-values': 'LOG_LEVEL',
        'dry-run': 'true'
      },
      env: simEnv(sim)
    });
    expect(dryRun.exitCode).toBe(0);
    expect(dryRun.outputs.status).toBe('planned');
    expect(dryRun.summary).toContain('~ backend env DATABASE_URL changed');
    expect(dryRun.summary).toContain('~ backend env LOG_LEVEL changed: "info" -> "debug"');
  });

  it('refuses a task-definition file that links outside the workspace, naming the link, before touching AWS', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'deploy-ecs-contract-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'outside-'));
    writeFileSync(path.join(outside, 'credentials'), '[default]\naws_secret_access_key = planted-outside-11');
    mkdirSync(path.join(workspace, 'ecs'));
    symlinkSync(path.join(outside, 'credentials'), path.join(workspace, 'ecs/backend.json'));
    const before = JSON.stringify(sim.control.calls());
    for (const taskDefinition of ['ecs/backend.json', `../${path.basename(outside)}/credentials`]) {
      const run = await runActionAsRunner({
        actionDir,
        workspace,
        plantedSecrets: ['planted-outside-11'],
        inputs: { cluster: CLUSTER, service: BACKEND, 'task-definition': taskDefinition },
        env: simEnv(sim)
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('failed');
      expect(run.failure).toMatch(
        /^Input "task-definition": .*(symbolic link to .*outside the workspace|is outside the workspace)/
      );
    }
    expect(JSON.stringify(sim.control.calls())).toBe(before);
  });

  it('on SIGINT mid-rollout starts the rollback of what it changed, reports cancelled with what is in flight, exits 1', async () => {
    // a frozen simulator: the rollout stays in progress until the runner cancels the step
    const frozen = await frozenSim();
    try {
      await seedServices(frozen, [backendSeed]);
      const run = await runActionAsRunner({
        actionDir,
        inputs: {
          cluster: CLUSTER,
          service: BACKEND,
          images: `backend=${backendImage('v2')}`,
          'poll-interval': '200ms'
        },
        env: simEnv(frozen),
        cancelWhen: /Watching backend-service/
      });
      expect(run.signals[0]).toBe('SIGINT');
      expect(run.signals).not.toContain('SIGKILL');
      expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 1 });
      expect(run.outputs.status).toBe('cancelled');
      const [backend] = JSON.parse(run.outputs.services);
      expect(backend).toMatchObject({ service: BACKEND, result: 'cancelled' });
      expect(backend.reason).toMatch(
        /deployment ecs-svc\/\d+ to .*docuthinker-backend:2 still in flight; rollback to .*docuthinker-backend:1 started/
      );
      expect(run.failure).toMatch(
        /^Cancelled by SIGINT: backend-service: rollback to .*docuthinker-backend:1 started/
      );
      expect(run.summary).toMatch(/### deploy-ecs: CANCELLED/);
      expect(run.summary).toMatch(/rollback to .*docuthinker-backend:1 started/);
      // The rollback is ECS's own (StopServiceDeployment ROLLBACK): it takes over within seconds.
      frozen.control.advance(10);
      const described = await describeService(frozen, BACKEND);
      const primary = described.deployments?.find(deployment => deployment.status === 'PRIMARY');
      expect(primary?.taskDefinition).toMatch(/docuthinker-backend:1$/);
    } finally {
      await frozen.close();
    }
  });

  it('a lost endpoint mid-deploy still ends with status, outputs and a summary of what is in flight', async () => {
    const frozen = await frozenSim();
    let closed = false;
    try {
      await seedServices(frozen, [backendSeed]);
      const run = await runActionAsRunner({
        actionDir,
        inputs: {
          cluster: CLUSTER,
          service: BACKEND,
          images: `backend=${backendImage('v2')}`,
          'poll-interval': '200ms',
          // the shortest deadline there is (a real minute: the endpoint is gone, so is simulated time)
          'wait-for-minutes': '1',
          'rollback-on-failure': 'false'
        },
        env: simEnv(frozen),
        onOutput: chunk => {
          if (!closed && /Watching backend-service/.test(chunk)) {
            closed = true;
            void frozen.close();
          }
        },
        timeoutMs: 200_000
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('failed');
      expect(run.summary).toMatch(/### deploy-ecs: FAILED/);
      const [backend] = JSON.parse(run.outputs.services);
      expect(backend).toMatchObject({ result: 'failed', deploymentId: expect.stringMatching(/^ecs-svc\//) });
      expect(backend.reason).toMatch(/Timed out after 1m/);
      expect(run.log).toMatch(/a describe call failed \(ECONNREFUSED\); backing off/);
    } finally {
      if (!closed) await frozen.close();
    }
  }, 150_000);

  it('refuses bad input before touching AWS', async () => {
    const before = JSON.stringify(sim.control.calls());
    const run = await runActionAsRunner({
      actionDir,
      inputs: { cluster: CLUSTER, service: BACKEND, 'wait-for-minutes': 'ten' },
      env: simEnv(sim)
    });
    expect(run.exitCode).toBe(1);
    expect(run.failure).toBe('Input "wait-for-minutes" must be a whole number from 1 to 360, got "ten"');
    expect(run.outputs.status).toBe('failed');
    expect(run.summary).toMatch(/### deploy-ecs: failed[\s\S]*Nothing was changed/);
    expect(JSON.stringify(sim.control.calls())).toBe(before);
  });
});
