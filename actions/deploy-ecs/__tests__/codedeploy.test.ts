import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RunningSimulator } from '@deploy-suite/sim';
import type { CodeDeployApi } from '@deploy-suite/aws/codedeploy';
import { ActionError } from '@deploy-suite/core';
import {
  BACKEND,
  CLUSTER,
  backendAppSpecYaml,
  backendImage,
  deployOnSim,
  describeService,
  frozenSim,
  seedCodeDeployBackend,
  simCodeDeployApi
} from '@deploy-suite/testing/worlds/deploy-ecs';
import { outputsOf } from '../src/main.js';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

const GUIDE = {
  'codedeploy-application': 'docuthinker-app',
  'codedeploy-deployment-group': 'docuthinker-dg'
};

/** The action's CodeDeployApi, recording every CreateDeployment's AppSpec and every StopDeployment. */
function recordingApi(): { api: CodeDeployApi; appSpecs: string[]; stopped: string[] } {
  const real = simCodeDeployApi(sim);
  const appSpecs: string[] = [];
  const stopped: string[] = [];
  return {
    appSpecs,
    stopped,
    api: {
      ...real,
      createDeployment: async input => {
        appSpecs.push(input.revision!.appSpecContent!.content!);
        return real.createDeployment(input);
      },
      stopDeployment: async input => {
        stopped.push(input.deploymentId!);
        return real.stopDeployment(input);
      }
    }
  };
}

async function deploymentOf(id: string) {
  return (await simCodeDeployApi(sim).getDeployment({ deploymentId: id })).deploymentInfo!;
}

describe('deploy-ecs with a CODE_DEPLOY service (DocuThinker backend, CodeDeployDefault.ECSAllAtOnce)', () => {
  it('deploys a good image through CodeDeploy: Succeeded, the PRIMARY task set on the new revision, the AppSpec intact but for its task definition', async () => {
    const before = await seedCodeDeployBackend(sim);
    const { api, appSpecs } = recordingApi();
    const { result, logger } = await deployOnSim(
      sim,
      {
        service: BACKEND,
        images: `backend=${backendImage('v2')}`,
        ...GUIDE,
        'codedeploy-deployment-config': 'CodeDeployDefault.ECSAllAtOnce',
        'codedeploy-deployment-description': 'DocuThinker backend v2'
      },
      { files: { 'appspec.yaml': backendAppSpecYaml }, codeDeploy: api }
    );
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'deployed' });
    const [backend] = result.services;
    expect(backend).toMatchObject({
      result: 'deployed',
      strategy: 'CODE_DEPLOY',
      previousTaskDefinitionArn: before
    });
    expect(backend.codeDeployDeploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(sim.control.calls()['ECS.UpdateService']).toBeUndefined();

    const info = await deploymentOf(backend.codeDeployDeploymentId!);
    expect(info).toMatchObject({
      status: 'Succeeded',
      applicationName: 'docuthinker-app',
      deploymentGroupName: 'docuthinker-dg',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      description: 'DocuThinker backend v2'
    });
    // the step ended no earlier than CodeDeploy (after the group's 5-minute termination wait)
    expect(sim.control.now()).toBeGreaterThanOrEqual(info.completeTime!.getTime() / 1000);
    const service = await describeService(sim, BACKEND);
    expect(service.taskSets!.find(set => set.status === 'PRIMARY')!.taskDefinition).toBe(
      backend.taskDefinitionArn
    );

    expect(appSpecs).toEqual([
      backendAppSpecYaml.replace('"<TASK_DEFINITION>"', `"${backend.taskDefinitionArn}"`)
    ]);
    expect(backend.lifecycleEvents!.map(line => line.split(' ').slice(0, 2).join(' '))).toEqual([
      'BeforeInstall Succeeded',
      'Install Succeeded',
      'AfterInstall Succeeded',
      'AllowTestTraffic Succeeded',
      'AfterAllowTestTraffic Succeeded',
      'BeforeAllowTraffic Succeeded',
      'AllowTraffic Succeeded',
      'AfterAllowTraffic Succeeded'
    ]);
    expect(logger.text()).toMatch(/backend-service: d-\w+ AllowTraffic Succeeded/);
    expect(logger.text()).toMatch(/termination wait of the original task set started/);
    expect(outputsOf(result)).toMatchObject({
      status: 'deployed',
      'codedeploy-deployment-id': backend.codeDeployDeploymentId,
      'task-definition-arn': backend.taskDefinitionArn,
      'previous-task-definition-arn': before
    });
  });

  it('rolls a crash-looping image back by CodeDeploy: rolled-back, the service back on the revision it ran', async () => {
    const before = await seedCodeDeployBackend(sim, {
      names: { application: `AppECS-${CLUSTER}-${BACKEND}`, group: `DgpECS-${CLUSTER}-${BACKEND}` }
    });
    sim.control.images({
      image: backendImage('deadbee'),
      behavior: 'crash',
      logs: ['Server starting on port 5000', 'Error: connect ECONNREFUSED 10.0.3.17:27017']
    });
    const { api, appSpecs } = recordingApi();
    const { result, logger } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('deadbee')}` },
      { files: { 'appspec.yaml': backendAppSpecYaml }, codeDeploy: api }
    );
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'rolled-back' });
    const [backend] = result.services;
    expect(backend.result).toBe('rolled-back');
    expect(backend.reason).toMatch(/ECS_UPDATE_ERROR: .*failed to reach a steady state/);
    expect(backend.reason).toMatch(/lifecycle event Install Failed/);
    // the replacement's stopped tasks, with their exit codes, as for ECS deployments
    expect(backend.reason).toMatch(
      /tasks of .*docuthinker-backend:2 stopped \(last: Essential container in task exited; backend exit 1/
    );
    expect(logger.text()).toMatch(
      /backend-service task stopped: Essential container in task exited; backend exit 1/
    );
    const failed = await deploymentOf(backend.codeDeployDeploymentId!);
    expect(failed).toMatchObject({
      status: 'Failed',
      applicationName: `AppECS-${CLUSTER}-${BACKEND}`,
      deploymentGroupName: `DgpECS-${CLUSTER}-${BACKEND}`
    });
    // CodeDeploy's own rollback was watched, not stacked on: one CreateDeployment (ours)
    expect(appSpecs).toHaveLength(1);
    const rollback = await deploymentOf(failed.rollbackInfo!.rollbackDeploymentId!);
    expect(rollback).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback' });
    sim.control.advance(30);
    const service = await describeService(sim, BACKEND);
    expect(service.taskSets!.map(set => [set.status, set.taskDefinition])).toEqual([['PRIMARY', before]]);
    expect(outputsOf(result)).toMatchObject({
      status: 'rolled-back',
      'codedeploy-deployment-id': failed.deploymentId
    });
  });

  it('refuses a missing AppSpec file before any AWS change, naming the input', async () => {
    await seedCodeDeployBackend(sim);
    const callsBefore = { ...sim.control.calls() };
    const attempt = deployOnSim(sim, { service: BACKEND, images: `backend=${backendImage('v2')}`, ...GUIDE });
    await expect(attempt).rejects.toBeInstanceOf(ActionError);
    await expect(attempt).rejects.toMatchObject({ kind: 'input' });
    await expect(attempt).rejects.toThrow(
      /^Input "codedeploy-appspec": cannot read appspec\.yaml.*backend-service uses the CODE_DEPLOY deployment controller/
    );
    const calls = sim.control.calls();
    for (const mutating of ['ECS.RegisterTaskDefinition', 'ECS.UpdateService', 'CodeDeploy.CreateDeployment'])
      expect(calls[mutating] ?? 0).toBe(callsBefore[mutating] ?? 0);
  });

  it('refuses an AppSpec whose container the task definition lacks, and a group of another name, before any change', async () => {
    await seedCodeDeployBackend(sim);
    const wrongPort = backendAppSpecYaml.replace('ContainerPort: 5000', 'ContainerPort: 8000');
    await expect(
      deployOnSim(
        sim,
        { service: BACKEND, images: `backend=${backendImage('v2')}`, ...GUIDE },
        { files: { 'appspec.yaml': wrongPort } }
      )
    ).rejects.toThrow(
      /^Input "codedeploy-appspec": appspec\.yaml routes traffic to port 8000 of container "backend"/
    );
    await expect(
      deployOnSim(
        sim,
        {
          service: BACKEND,
          images: `backend=${backendImage('v2')}`,
          'codedeploy-application': 'docuthinker-app'
        },
        { files: { 'appspec.yaml': backendAppSpecYaml } }
      )
    ).rejects.toThrow(
      `Input "codedeploy-deployment-group": deployment group "DgpECS-${CLUSTER}-${BACKEND}" not found in CodeDeploy application "docuthinker-app"`
    );
    expect(sim.control.calls()['ECS.RegisterTaskDefinition'] ?? 0).toBe(1); // the seed's own
    expect(sim.control.calls()['CodeDeploy.CreateDeployment']).toBeUndefined();
    const group = await simCodeDeployApi(sim).getDeploymentGroup({
      applicationName: 'docuthinker-app',
      deploymentGroupName: 'docuthinker-dg'
    });
    expect(group.deploymentGroupInfo!.lastAttemptedDeployment).toBeUndefined();
  });
});
