import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  type CreateDeploymentGroupCommandInput,
  type DeploymentInfo,
  type DeploymentTarget
} from '@aws-sdk/client-codedeploy';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Service
} from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import type { RunningSimulator } from '../src/index.js';
import {
  BACKEND,
  CLUSTER,
  backendImage,
  backendTaskDefinition,
  credentials,
  ecsClient,
  fargateNetwork,
  frozenSim
} from './helpers.js';

const APP = `AppECS-${CLUSTER}-${BACKEND}`;
const GROUP = `DgpECS-${CLUSTER}-${BACKEND}`;
const TG = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const LISTENER = (port: number) =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/docuthinker-alb/50dc6c495c0c9188/${port}`;

let sim: RunningSimulator;
let ecs: ECSClient;
let cd: CodeDeployClient;
let original: string;

beforeEach(async () => {
  sim = await frozenSim();
  ecs = ecsClient(sim);
  cd = new CodeDeployClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  original = await register('a1a1a1a');
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: BACKEND,
      taskDefinition: original,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: fargateNetwork,
      deploymentController: { type: 'CODE_DEPLOY' },
      loadBalancers: [
        { targetGroupArn: TG('docuthinker-backend-blue'), containerName: 'backend', containerPort: 5000 }
      ]
    })
  );
  await cd.send(new CreateApplicationCommand({ applicationName: APP, computePlatform: 'ECS' }));
  sim.control.advance(60);
});
afterEach(async () => {
  ecs.destroy();
  cd.destroy();
  await sim.close();
});

async function register(tag: string): Promise<string> {
  const out = await ecs.send(new RegisterTaskDefinitionCommand(backendTaskDefinition(tag)));
  return out.taskDefinition!.taskDefinitionArn!;
}

async function createGroup(overrides: Partial<CreateDeploymentGroupCommandInput> = {}): Promise<void> {
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: APP,
      deploymentGroupName: GROUP,
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      serviceRoleArn: 'arn:aws:iam::123456789012:role/ecsCodeDeployRole',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ clusterName: CLUSTER, serviceName: BACKEND }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'docuthinker-backend-blue' }, { name: 'docuthinker-backend-green' }],
            prodTrafficRoute: { listenerArns: [LISTENER(443)] },
            testTrafficRoute: { listenerArns: [LISTENER(8443)] }
          }
        ]
      },
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 }
      },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']
      },
      ...overrides
    })
  );
}

function appSpec(taskDefinition: string): string {
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${taskDefinition}"`,
    '        LoadBalancerInfo:',
    '          ContainerName: "backend"',
    '          ContainerPort: 5000',
    ''
  ].join('\n');
}

async function deploy(
  content: string,
  extra: { deploymentConfigName?: string; sha256?: string } = {}
): Promise<string> {
  const out = await cd.send(
    new CreateDeploymentCommand({
      applicationName: APP,
      deploymentGroupName: GROUP,
      deploymentConfigName: extra.deploymentConfigName,
      description: 'deploy-ecs test',
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: {
          content,
          sha256: extra.sha256 ?? createHash('sha256').update(content).digest('hex')
        }
      }
    })
  );
  return out.deploymentId!;
}

async function deployment(id: string): Promise<DeploymentInfo> {
  return (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!;
}

async function target(id: string): Promise<DeploymentTarget> {
  const { targetIds } = await cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }));
  expect(targetIds).toEqual([`${CLUSTER}:${BACKEND}`]);
  return (await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: targetIds![0] })))
    .deploymentTarget!;
}

/** Advances simulated time in 5 s steps until the deployment has one of `statuses` (bounded). */
async function until(id: string, statuses: string[], onStep?: () => Promise<void>): Promise<DeploymentInfo> {
  for (let i = 0; i < 2000; i++) {
    const info = await deployment(id);
    if (statuses.includes(info.status!)) return info;
    await onStep?.();
    sim.control.advance(5);
  }
  throw new Error(`deployment ${id} never reached ${statuses.join('/')}`);
}

async function version(path = 'health'): Promise<string | number> {
  const res = await fetch(`${sim.endpoint}/_app/${CLUSTER}/${BACKEND}/${path}`);
  const body = (await res.json()) as { version?: string };
  return res.status === 200 ? body.version! : res.status;
}

async function service(): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [BACKEND] })))
    .services![0];
}

describe('ECS services with the CODE_DEPLOY controller', () => {
  it('run a PRIMARY task set, have no deployments and refuse a task definition in UpdateService', async () => {
    const s = await service();
    expect(s.deploymentController).toEqual({ type: 'CODE_DEPLOY' });
    expect(s.deployments).toEqual([]);
    expect(s.taskDefinition).toBe(original);
    expect(s.taskSets).toHaveLength(1);
    expect(s.taskSets![0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: original,
      computedDesiredCount: 2,
      runningCount: 2,
      stabilityStatus: 'STEADY_STATE',
      scale: { value: 100, unit: 'PERCENT' },
      loadBalancers: [
        { targetGroupArn: TG('docuthinker-backend-blue'), containerName: 'backend', containerPort: 5000 }
      ]
    });
    expect(s.taskSets![0].taskSetArn).toMatch(
      new RegExp(`^arn:aws:ecs:us-east-1:123456789012:task-set/${CLUSTER}/${BACKEND}/ecs-svc/\\d{19}$`)
    );
    expect(await version()).toBe('a1a1a1a');
    const next = await register('b2b2b2b');
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, taskDefinition: next }))
    ).rejects.toThrow(
      'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.'
    );
    // scaling is allowed and follows the task set
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, desiredCount: 3 }));
    sim.control.advance(60);
    expect((await service()).taskSets![0]).toMatchObject({ computedDesiredCount: 3, runningCount: 3 });
  });

  it('needs a load balancer target group', async () => {
    await expect(
      ecs.send(
        new CreateServiceCommand({
          cluster: CLUSTER,
          serviceName: 'docuthinker-ai-ml-service',
          taskDefinition: original,
          launchType: 'FARGATE',
          networkConfiguration: fargateNetwork,
          deploymentController: { type: 'CODE_DEPLOY' }
        })
      )
    ).rejects.toThrow(/requires loadBalancers with a targetGroupArn/);
  });
});

describe('CodeDeploy applications, groups and configurations', () => {
  it('describes what was created, with the predefined ECS configurations', async () => {
    await createGroup();
    const app = (await cd.send(new GetApplicationCommand({ applicationName: APP }))).application!;
    expect(app).toMatchObject({ applicationName: APP, computePlatform: 'ECS', linkedToGitHub: false });
    expect(app.createTime).toBeInstanceOf(Date);
    const group = (
      await cd.send(new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }))
    ).deploymentGroupInfo!;
    expect(group).toMatchObject({
      deploymentGroupName: GROUP,
      computePlatform: 'ECS',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      ecsServices: [{ clusterName: CLUSTER, serviceName: BACKEND }],
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 }
      },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']
      },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' }
    });
    expect(group.loadBalancerInfo!.targetGroupPairInfoList![0].testTrafficRoute).toEqual({
      listenerArns: [LISTENER(8443)]
    });
    const canary = (
      await cd.send(
        new GetDeploymentConfigCommand({
          deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes'
        })
      )
    ).deploymentConfigInfo!;
    expect(canary).toMatchObject({
      computePlatform: 'ECS',
      trafficRoutingConfig: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 }
      }
    });
  });

  it('throttles in the shape of CodeDeploy, which the SDK retries', async () => {
    const retrying = new CodeDeployClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 3
    });
    sim.control.faults({ operation: 'CodeDeploy.GetApplication', throttle: 1, times: 2 });
    const out = await retrying.send(new GetApplicationCommand({ applicationName: APP }));
    expect(out.application!.applicationName).toBe(APP);
    expect(sim.control.calls()['CodeDeploy.GetApplication']).toBe(3);
    retrying.destroy();
  });

  it('refuses what CodeDeploy refuses', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => 'no error',
        (e: Error) => `${e.name}: ${e.message}`
      );
    expect(await err(cd.send(new GetApplicationCommand({ applicationName: 'nope' })))).toBe(
      'ApplicationDoesNotExistException: No application found for name: nope'
    );
    expect(await err(createGroup({ deploymentConfigName: 'CodeDeployDefault.ECSFast' }))).toBe(
      'DeploymentConfigDoesNotExistException: No deployment configuration found for name: CodeDeployDefault.ECSFast'
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: 'docuthinker-ai-ml-service',
        taskDefinition: original,
        launchType: 'FARGATE',
        networkConfiguration: fargateNetwork
      })
    );
    expect(
      await err(
        createGroup({ ecsServices: [{ clusterName: CLUSTER, serviceName: 'docuthinker-ai-ml-service' }] })
      )
    ).toBe(
      "InvalidECSServiceException: Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller."
    );
    expect(
      await err(cd.send(new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP })))
    ).toBe(`DeploymentGroupDoesNotExistException: No Deployment Group found for name: ${GROUP}`);
    await createGroup();
    const content = appSpec(await register('b2b2b2b'));
    expect(await err(deploy(content, { sha256: 'ab'.repeat(32) }))).toMatch(
      /^InvalidRevisionException: The sha256/
    );
    const id = await deploy(content);
    expect(await err(cd.send(new ListDeploymentTargetsCommand({ deploymentId: id })))).toBe(
      `DeploymentNotStartedException: The deployment ${id} has not started.`
    );
    expect(await err(deploy(content))).toBe(
      `DeploymentLimitExceededException: The Deployment Group '${GROUP}' already has an active Deployment '${id}'`
    );
  });
});

describe('CodeDeploy blue/green deployments', () => {
  it('succeed: lifecycle events in order, test then production traffic to the replacement, the original task set removed', async () => {
    await createGroup();
    const next = await register('b2b2b2b');
    const id = await deploy(appSpec(next));
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
    expect((await deployment(id)).status).toBe('Created');

    const seen: string[] = [];
    let testAnsweredNew = false;
    const done = await until(id, ['Succeeded', 'Failed', 'Stopped'], async () => {
      const info = await deployment(id);
      if (info.status === 'Created') return;
      const events = (await target(id)).ecsTarget!.lifecycleEvents!;
      for (const e of events)
        if (e.status === 'Succeeded' && !seen.includes(e.lifecycleEventName!))
          seen.push(e.lifecycleEventName!);
      if (seen.includes('AllowTestTraffic') && !seen.includes('AllowTraffic')) {
        testAnsweredNew ||= (await version('test/health')) === 'b2b2b2b';
        expect(await version()).toBe('a1a1a1a'); // production still on the original
      }
    });
    expect(done.status).toBe('Succeeded');
    expect(done).toMatchObject({
      applicationName: APP,
      deploymentGroupName: GROUP,
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      creator: 'user',
      description: 'deploy-ecs test',
      computePlatform: 'ECS',
      deploymentOverview: { Succeeded: 1, Failed: 0, InProgress: 0, Pending: 0, Skipped: 0, Ready: 0 },
      instanceTerminationWaitTimeStarted: true
    });
    expect(done.completeTime!.getTime()).toBeGreaterThan(done.startTime!.getTime());
    expect(testAnsweredNew).toBe(true);
    const t = (await target(id)).ecsTarget!;
    expect(t.status).toBe('Succeeded');
    expect(t.lifecycleEvents!.map(e => [e.lifecycleEventName, e.status])).toEqual([
      ['BeforeInstall', 'Succeeded'],
      ['Install', 'Succeeded'],
      ['AfterInstall', 'Succeeded'],
      ['AllowTestTraffic', 'Succeeded'],
      ['AfterAllowTestTraffic', 'Succeeded'],
      ['BeforeAllowTraffic', 'Succeeded'],
      ['AllowTraffic', 'Succeeded'],
      ['AfterAllowTraffic', 'Succeeded']
    ]);
    const starts = t.lifecycleEvents!.map(e => e.startTime!.getTime());
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    // the termination wait (5 minutes) passed between the end of AfterAllowTraffic and completion
    expect(done.completeTime!.getTime() - t.lifecycleEvents![7].endTime!.getTime()).toBe(300_000);
    expect(await version()).toBe('b2b2b2b');
    expect((await service()).taskSets!.map(x => x.status)).toEqual(['DRAINING', 'PRIMARY']);
    sim.control.advance(30); // the original's tasks stop, then ECS removes the task set
    const s = await service();
    expect(s.taskDefinition).toBe(next);
    expect(s.taskSets!.map(x => [x.status, x.taskDefinition, x.externalId])).toEqual([['PRIMARY', next, id]]);
    expect(s.taskSets![0].loadBalancers![0].targetGroupArn).toMatch(
      /:targetgroup\/docuthinker-backend-green\//
    );
    const group = (
      await cd.send(new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }))
    ).deploymentGroupInfo!;
    expect(group.lastSuccessfulDeployment).toMatchObject({ deploymentId: id, status: 'Succeeded' });

    // the next deployment goes back to the blue target group
    const third = await deploy(appSpec(await register('c3c3c3c')));
    expect((await until(third, ['Succeeded', 'Failed', 'Stopped'])).status).toBe('Succeeded');
    const primary = (await service()).taskSets!.find(x => x.status === 'PRIMARY')!;
    expect(primary.loadBalancers![0].targetGroupArn).toMatch(/:targetgroup\/docuthinker-backend-blue\//);
    expect((await deployment(third)).previousRevision!.appSpecContent!.content).toContain(next);
  });

  it('shift production traffic per the canary configuration', async () => {
    await createGroup({ deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes' });
    const id = await deploy(appSpec(await register('b2b2b2b')));
    await until(id, ['Succeeded', 'Failed'], async () => {
      const info = await deployment(id);
      if (info.status === 'Created') return;
      const allow = (await target(id)).ecsTarget!.lifecycleEvents!.find(
        e => e.lifecycleEventName === 'AllowTraffic'
      )!;
      if (allow.status !== 'InProgress') return;
      throw new Error('reached the canary'); // leave the loop at the first step of AllowTraffic
    }).catch((e: Error) => expect(e.message).toBe('reached the canary'));
    const sets = (await target(id)).ecsTarget!.taskSetsInfo!;
    expect(sets.map(s => [s.taskSetLabel, s.trafficWeight, s.targetGroup!.name])).toEqual([
      ['Blue', 90, 'docuthinker-backend-blue'],
      ['Green', 10, 'docuthinker-backend-green']
    ]);
    const answers: (string | number)[] = [];
    for (let i = 0; i < 100; i++) answers.push(await version());
    expect(answers.filter(v => v === 'b2b2b2b')).toHaveLength(10);
    expect(answers.filter(v => v === 'a1a1a1a')).toHaveLength(90);
    sim.control.advance(5 * 60);
    const batch = await cd.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: [`${CLUSTER}:${BACKEND}`] })
    );
    expect(batch.deploymentTargets![0].ecsTarget!.taskSetsInfo!.map(s => s.trafficWeight)).toEqual([0, 100]);
  });

  it('fail on a crash-looping replacement and roll back: the original task set keeps serving', async () => {
    await createGroup();
    sim.control.images({ image: backendImage('deadbee'), behavior: 'crash' });
    const id = await deploy(appSpec(await register('deadbee')));
    const failed = await until(id, ['Succeeded', 'Failed', 'Stopped'], async () => {
      expect(await version()).toBe('a1a1a1a');
    });
    expect(failed.status).toBe('Failed');
    expect(failed.errorInformation!.code).toBe('ECS_UPDATE_ERROR');
    const message =
      /failed to reach a steady state: (\d+) tasks stopped \(last: Essential container in task exited\)/.exec(
        failed.errorInformation!.message!
      );
    expect(Number(message![1])).toBeGreaterThanOrEqual(3); // ECS's circuit breaker threshold for 2 tasks
    const rollbackId = failed.rollbackInfo!.rollbackDeploymentId!;
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);
    const events = (await target(id)).ecsTarget!.lifecycleEvents!;
    expect(events.find(e => e.lifecycleEventName === 'Install')).toMatchObject({ status: 'Failed' });
    expect(events.find(e => e.lifecycleEventName === 'AllowTraffic')!.status).toBe('Skipped');

    const rollback = await until(rollbackId, ['Succeeded', 'Failed']);
    expect(rollback).toMatchObject({
      status: 'Succeeded',
      creator: 'codeDeployRollback',
      rollbackInfo: { rollbackTriggeringDeploymentId: id }
    });
    expect(rollback.revision!.appSpecContent!.content).toContain(original);
    sim.control.advance(30);
    const s = await service();
    expect(s.taskSets!.map(x => [x.status, x.taskDefinition])).toEqual([['PRIMARY', original]]);
    expect(await version()).toBe('a1a1a1a');
  });

  it('StopDeployment with autoRollbackEnabled after traffic moved: Stopped, and a rollback deployment restores the original', async () => {
    await createGroup({ autoRollbackConfiguration: { enabled: false } });
    const id = await deploy(appSpec(await register('b2b2b2b')));
    // wait for the termination wait: production already on the replacement
    await until(id, ['Succeeded'], async () => {
      if ((await deployment(id)).instanceTerminationWaitTimeStarted) throw new Error('terminating');
    }).catch((e: Error) => expect(e.message).toBe('terminating'));
    expect(await version()).toBe('b2b2b2b');
    const stop = await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    expect(stop.status).toBe('Succeeded');
    const stopped = await deployment(id);
    expect(stopped).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    const rollbackId = stopped.rollbackInfo!.rollbackDeploymentId!;
    expect((await until(rollbackId, ['Succeeded', 'Failed'])).status).toBe('Succeeded');
    sim.control.advance(30);
    expect(await version()).toBe('a1a1a1a');
    expect((await service()).taskSets!.map(x => [x.status, x.taskDefinition])).toEqual([
      ['PRIMARY', original]
    ]);
    await expect(cd.send(new StopDeploymentCommand({ deploymentId: id }))).rejects.toMatchObject({
      name: 'DeploymentAlreadyCompletedException'
    });
  });

  it('wait in Ready (STOP_DEPLOYMENT) until ContinueDeployment reroutes traffic', async () => {
    await createGroup({
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 }
      }
    });
    const id = await deploy(appSpec(await register('b2b2b2b')));
    const ready = await until(id, ['Ready', 'Succeeded', 'Failed', 'Stopped']);
    expect(ready.status).toBe('Ready');
    expect(ready.deploymentOverview).toMatchObject({ Ready: 1 });
    sim.control.advance(600);
    expect((await deployment(id)).status).toBe('Ready');
    expect(await version('test/health')).toBe('b2b2b2b');
    expect(await version()).toBe('a1a1a1a');
    await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }));
    expect((await until(id, ['Succeeded', 'Failed', 'Stopped'])).status).toBe('Succeeded');
    expect(await version()).toBe('b2b2b2b');
    await expect(
      cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }))
    ).rejects.toMatchObject({ name: 'DeploymentAlreadyCompletedException' });
  });

  it('read the AppSpec with case-insensitive keys (JSON), and fail a revision whose task definition does not exist', async () => {
    await createGroup();
    const next = await register('b2b2b2b');
    const json = JSON.stringify({
      version: 0.0,
      resources: [
        {
          targetservice: {
            TYPE: 'AWS::ECS::Service',
            properties: {
              taskdefinition: next,
              loadbalancerinfo: { containername: 'backend', containerport: 5000 }
            }
          }
        }
      ]
    });
    const id = await deploy(json);
    expect((await until(id, ['Succeeded', 'Failed', 'Stopped'])).status).toBe('Succeeded');
    expect((await service()).taskDefinition).toBe(next);

    const missing = await deploy(
      appSpec('arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:99')
    );
    const failed = await until(missing, ['Succeeded', 'Failed', 'Stopped']);
    expect(failed.status).toBe('Failed');
    expect(failed.errorInformation).toEqual({
      code: 'INVALID_REVISION',
      message:
        'The task definition arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:99 does not exist or is not ACTIVE.'
    });
    expect(failed.rollbackInfo?.rollbackDeploymentId).toBeUndefined();
    expect(await version()).toBe('b2b2b2b');
  });
});
