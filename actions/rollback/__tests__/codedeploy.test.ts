import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RunningSimulator } from '@deploy-suite/sim';
import {
  BACKEND,
  backendAppSpecYaml,
  backendImage,
  deployOnSim,
  describeService,
  frozenSim,
  seedCodeDeployBackend,
  sdkClient,
  simCodeDeployApi,
  taskDefinition
} from '@deploy-suite/testing/worlds/deploy-ecs';
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { backend, pushImage, rollbackOnSim } from '@deploy-suite/testing/worlds/rollback';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

describe('rollback of a CODE_DEPLOY service (DocuThinker backend)', () => {
  it('goes back by a CodeDeploy deployment of the target, with the last deployment AppSpec, and confirms the PRIMARY task set', async () => {
    const before = await seedCodeDeployBackend(sim);
    await pushImage(sim, backend, 'v1');
    await pushImage(sim, backend, 'v2');
    const deployed = await deployOnSim(
      sim,
      {
        service: BACKEND,
        images: `backend=${backendImage('v2')}`,
        'codedeploy-application': 'docuthinker-app',
        'codedeploy-deployment-group': 'docuthinker-dg'
      },
      { files: { 'appspec.yaml': backendAppSpecYaml } }
    );
    expect(deployed.result.status).toBe('deployed');
    const next = deployed.result.services[0].taskDefinitionArn!;

    const { result, logger } = await rollbackOnSim(sim, {
      service: BACKEND,
      to: before,
      reason: 'backend 5xx after v2',
      'codedeploy-application': 'docuthinker-app',
      'codedeploy-deployment-group': 'docuthinker-dg'
    });
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'rolled-back' });
    const [service] = result.services;
    expect(service).toMatchObject({ from: next, to: before, result: 'rolled-back' });
    expect(service.deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    const info = (await simCodeDeployApi(sim).getDeployment({ deploymentId: service.deploymentId! }))
      .deploymentInfo!;
    expect(info).toMatchObject({ status: 'Succeeded', deploymentGroupName: 'docuthinker-dg' });
    expect(info.description).toBe(
      `actions/rollback of ${BACKEND} from ${next} to ${before}: backend 5xx after v2`
    );
    // the last deployment's AppSpec (hooks, container, port, comments) with only the task definition changed
    expect(info.revision!.appSpecContent!.content).toBe(
      backendAppSpecYaml.replace('"<TASK_DEFINITION>"', `"${before}"`)
    );
    expect(
      (await describeService(sim, BACKEND)).taskSets!.find(set => set.status === 'PRIMARY')!.taskDefinition
    ).toBe(before);
    expect(sim.control.calls()['ECS.UpdateService']).toBeUndefined();
  });

  it('refuses, before any change, a group that never succeeded (no AppSpec to reuse)', async () => {
    await seedCodeDeployBackend(sim);
    const registered = await sdkClient(sim).send(
      new RegisterTaskDefinitionCommand(
        taskDefinition('docuthinker-backend', 'backend', backendImage('v2'), 5000)
      )
    );
    const target = registered.taskDefinition!.taskDefinitionArn!;
    await expect(
      rollbackOnSim(sim, {
        service: BACKEND,
        to: target,
        force: 'true',
        'codedeploy-application': 'docuthinker-app',
        'codedeploy-deployment-group': 'docuthinker-dg'
      })
    ).rejects.toThrow(
      /Rollback refused before any change:\n {2}- backend-service: deployment group docuthinker-dg has no successful deployment/
    );
    await expect(rollbackOnSim(sim, { service: BACKEND, to: target, force: 'true' })).rejects.toThrow(
      /^Input "codedeploy-application": CodeDeploy application "AppECS-docuthinker-cluster-backend-service" not found/
    );
    expect(sim.control.calls()['CodeDeploy.CreateDeployment']).toBeUndefined();
  });
});
