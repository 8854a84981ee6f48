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
  simApi,
  simClock,
  simCodeDeployApi,
  seedServices,
  aiMlSeed,
  AI_ML,
  aiMlImage
} from '@deploy-suite/testing/worlds/deploy-ecs';
import { outputsOf } from '../src/main.js';
import { deploySummary } from '../src/summary.js';
import { DeployProgress, startCancelRollback } from '../src/progress.js';
import { readDeployEcsInputs } from '../src/inputs.js';
import { Inputs } from '@deploy-suite/core';
import { MemoryLogger, objectInputReader } from '@deploy-suite/testing';
import { parseAppSpec, readDeploymentGroup, rollBackCodeDeployment } from '@deploy-suite/aws/codedeploy';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

/** A secret planted in the new revision's environment: no log line, summary or output may carry it. */
const PLANTED = 'planted-mongo-password-7f3a9c';
const PLANTED_URI = `mongodb+srv://docuthinker:${PLANTED}@cluster0.mongodb.net/docuthinker`;

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
        'codedeploy-deployment-description': 'DocuThinker backend v2',
        'environment-variables': `backend.MONGODB_URI=${PLANTED_URI}`
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
    const summary = deploySummary(result, CLUSTER, 'us-east-1');
    expect(summary).toContain(
      `CodeDeploy [${backend.codeDeployDeploymentId}](https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${backend.codeDeployDeploymentId}?region=us-east-1)`
    );
    expect(summary).toMatch(/<summary>CodeDeploy lifecycle events<\/summary>[\s\S]*AllowTraffic Succeeded/);
    for (const where of [logger.text(), summary, JSON.stringify(outputsOf(result))])
      expect(where).not.toContain(PLANTED);
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

  it('all or nothing with an ECS service in the same step: the ECS one deployed, CodeDeploy failed, both back', async () => {
    const [aiMlBefore] = Object.values(await seedServices(sim, [aiMlSeed]));
    const before = await seedCodeDeployBackend(sim);
    sim.control.images({ image: backendImage('deadbee'), behavior: 'crash' });
    const { result, logger } = await deployOnSim(
      sim,
      {
        service: `${AI_ML}\n${BACKEND}`,
        images: `ai-ml=${aiMlImage('v2')}\nbackend=${backendImage('deadbee')}`,
        ...GUIDE
      },
      { files: { 'appspec.yaml': backendAppSpecYaml } }
    );
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'rolled-back' });
    expect(result.services.map(service => [service.service, service.strategy, service.result])).toEqual([
      [AI_ML, 'ROLLING', 'rolled-back'],
      [BACKEND, 'CODE_DEPLOY', 'rolled-back']
    ]);
    // the ECS service went back by UpdateService, the CODE_DEPLOY one by CodeDeploy's own rollback
    expect(sim.control.calls()['ECS.UpdateService']).toBe(2);
    expect(sim.control.calls()['CodeDeploy.CreateDeployment']).toBe(1);
    sim.control.advance(30);
    expect((await describeService(sim, AI_ML)).taskDefinition).toBe(aiMlBefore);
    expect(
      (await describeService(sim, BACKEND)).taskSets!.map(set => [set.status, set.taskDefinition])
    ).toEqual([['PRIMARY', before]]);
  });

  it('looks before changing: another deployment active on the group is waited for (if-busy: wait) or refused (fail)', async () => {
    const before = await seedCodeDeployBackend(sim);
    const cd = simCodeDeployApi(sim);
    const template = await parseAppSpec(backendAppSpecYaml, {
      input: 'codedeploy-appspec',
      file: 'appspec.yaml'
    });
    const theirs = async () =>
      (
        await cd.createDeployment({
          applicationName: 'docuthinker-app',
          deploymentGroupName: 'docuthinker-dg',
          revision: { revisionType: 'AppSpecContent', appSpecContent: template.render(before) }
        })
      ).deploymentId!;
    const first = await theirs();
    const refused = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}`, ...GUIDE, 'if-busy': 'fail' },
      { files: { 'appspec.yaml': backendAppSpecYaml } }
    );
    expect(refused.result.status).toBe('failed');
    expect(refused.result.reason).toMatch(
      new RegExp(
        `deployment group docuthinker-dg has deployment ${first} (Created|InProgress) \\(if-busy: fail\\); nothing was changed`
      )
    );
    expect(sim.control.calls()['CodeDeploy.CreateDeployment']).toBe(1); // theirs only
    expect((await deploymentOf(first)).status).not.toBe('Stopped'); // never touched
    const waited = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}`, ...GUIDE },
      { files: { 'appspec.yaml': backendAppSpecYaml } }
    );
    expect({ status: waited.result.status, log: waited.logger.text() }).toMatchObject({ status: 'deployed' });
    expect(waited.logger.text()).toMatch(`has deployment ${first}`);
    expect((await deploymentOf(first)).status).toBe('Succeeded');
  });

  it('rolls a succeeded deployment back by a CodeDeploy deployment of the previous revision', async () => {
    const before = await seedCodeDeployBackend(sim);
    const { result } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}`, ...GUIDE },
      { files: { 'appspec.yaml': backendAppSpecYaml } }
    );
    const [backend] = result.services;
    expect(backend.result).toBe('deployed');
    const cd = simCodeDeployApi(sim);
    const logger = new MemoryLogger();
    const back = await rollBackCodeDeployment(
      cd,
      simApi(sim),
      {
        cluster: CLUSTER,
        service: BACKEND,
        deploymentId: backend.codeDeployDeploymentId!,
        previousTaskDefinitionArn: before,
        template: await parseAppSpec(backendAppSpecYaml, {
          input: 'codedeploy-appspec',
          file: 'appspec.yaml'
        }),
        settings: await readDeploymentGroup(
          cd,
          { cluster: CLUSTER, service: BACKEND, application: 'docuthinker-app', group: 'docuthinker-dg' },
          { application: 'codedeploy-application', group: 'codedeploy-deployment-group' }
        )
      },
      { logger, clock: simClock(sim), waitMs: 600_000, intervalMs: 10_000 }
    );
    expect({ back, log: logger.text() }).toMatchObject({ back: { ok: true } });
    const rollback = await deploymentOf(back.rollbackDeploymentId!);
    expect(rollback).toMatchObject({
      status: 'Succeeded',
      description: `deploy-ecs rollback of ${backend.codeDeployDeploymentId} to ${before}`
    });
    expect(rollback.revision!.appSpecContent!.content).toBe(
      backendAppSpecYaml.replace('"<TASK_DEFINITION>"', `"${before}"`)
    );
    const service = await describeService(sim, BACKEND);
    expect(service.taskSets!.find(set => set.status === 'PRIMARY')!.taskDefinition).toBe(before);
  });

  it('a cancelled step stops its CodeDeploy deployment with automatic rollback', async () => {
    const before = await seedCodeDeployBackend(sim);
    const cd = simCodeDeployApi(sim);
    const template = await parseAppSpec(backendAppSpecYaml, {
      input: 'codedeploy-appspec',
      file: 'appspec.yaml'
    });
    const id = (
      await cd.createDeployment({
        applicationName: 'docuthinker-app',
        deploymentGroupName: 'docuthinker-dg',
        revision: { revisionType: 'AppSpecContent', appSpecContent: template.render(before) }
      })
    ).deploymentId!;
    sim.control.advance(5);
    const progress = new DeployProgress();
    progress.updated.push({
      service: BACKEND,
      previousTaskDefinitionArn: before,
      previousDesiredCount: 2,
      taskDefinitionArn: before,
      codeDeployDeploymentId: id,
      strategy: 'CODE_DEPLOY',
      profile: 'CODE_DEPLOY'
    });
    const { api, stopped } = recordingApi();
    const inputs = readDeployEcsInputs(
      new Inputs(objectInputReader({ cluster: CLUSTER, service: BACKEND })),
      () => false
    );
    const lines = await startCancelRollback(inputs, progress, {} as never, new MemoryLogger(), api);
    expect(stopped).toEqual([id]);
    expect(lines[0]).toMatch(
      new RegExp(`stopped CodeDeploy deployment ${id} with automatic rollback .*rollback deployment d-\\w+`)
    );
    const info = await deploymentOf(id);
    expect(info).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect(progress.rollbacks[0].codeDeployDeploymentId).toBe(info.rollbackInfo!.rollbackDeploymentId);
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
