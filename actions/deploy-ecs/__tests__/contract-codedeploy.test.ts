import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { runActionAsRunner } from '@deploy-suite/testing';
import {
  BACKEND,
  CLUSTER,
  backendAppSpecYaml,
  backendImage,
  describeService,
  seedCodeDeployBackend,
  simEnv
} from '@deploy-suite/testing/worlds/deploy-ecs';

/**
 * DocuThinker's CodeDeploy blue/green step, as aws-actions/amazon-ecs-deploy-task-definition users write
 * it, run on the bundle (dist/deploy-ecs/index.js, `npm run build` first) with only the `uses:` line changed.
 */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeScale: 600 });
});
afterEach(async () => {
  await sim.close();
});

describe('deploy-ecs bundle with aws-actions CodeDeploy inputs', () => {
  it('deploys a CODE_DEPLOY service through CodeDeploy and sets codedeploy-deployment-id', async () => {
    const before = await seedCodeDeployBackend(sim);
    const workspace = mkdtempSync(path.join(tmpdir(), 'deploy-ecs-codedeploy-'));
    writeFileSync(path.join(workspace, 'appspec.yaml'), backendAppSpecYaml);
    const run = await runActionAsRunner({
      actionDir,
      workspace,
      inputs: {
        // aws-actions' names and values (the task definition here: the one the service runs, new image)
        service: BACKEND,
        cluster: CLUSTER,
        images: `backend=${backendImage('v2')}`,
        'wait-for-service-stability': 'true',
        'codedeploy-appspec': 'appspec.yaml',
        'codedeploy-application': 'docuthinker-app',
        'codedeploy-deployment-group': 'docuthinker-dg',
        'codedeploy-deployment-config': 'CodeDeployDefault.ECSAllAtOnce',
        'poll-interval': '200ms'
      },
      env: simEnv(sim)
    });
    expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
    expect(run.outputs.status).toBe('deployed');
    expect(run.outputs['codedeploy-deployment-id']).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(run.outputs['previous-task-definition-arn']).toBe(before);
    const service = await describeService(sim, BACKEND);
    expect(service.taskDefinition).toBe(run.outputs['task-definition-arn']);
    expect(service.taskDefinition).not.toBe(before);
    expect(sim.control.calls()['ECS.UpdateService']).toBeUndefined();
    expect(sim.control.calls()['CodeDeploy.CreateDeployment']).toBe(1);
  });
});
