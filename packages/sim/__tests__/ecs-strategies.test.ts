/**
 * ECS-native deployment strategies through the real SDK: BLUE_GREEN, LINEAR and CANARY lifecycle
 * stages and traffic weights over simulated time, bake times, native rollbacks (circuit breaker, alarms,
 * lifecycle hooks, StopServiceDeployment, ContinueServiceDeployment) and the service-deployment APIs.
 * Eloquent AI's backend (cluster `prod`, service `eloquent-api`, FastAPI on 8000, blue/green behind an ALB).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ContinueServiceDeploymentCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ECSClient,
  type LoadBalancer,
  type ServiceDeployment
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '../src/index.js';
import { ecsClient, fargateNetwork, frozenSim } from './helpers.js';

const CLUSTER = 'prod';
const SERVICE = 'eloquent-api';
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const image = (tag: string) => `${ECR}/eloquent-backend:${tag}`;
const ELB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const BLUE_TG = `${ELB}:targetgroup/eloquent-api-blue/0123456789abcdef`;
const GREEN_TG = `${ELB}:targetgroup/eloquent-api-green/fedcba9876543210`;
const PROD_RULE = `${ELB}:listener-rule/app/eloquent-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const TEST_RULE = `${ELB}:listener-rule/app/eloquent-alb/50dc6c495c0c9188/0467ef3c8400ae65/1a2b3c4d5e6f7a8b`;
const ELB_ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers';
const HOOK_LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:eloquent-smoke-test';
const ALARM = 'eloquent-api-5xx';
const FINAL = ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'];

const albWithAlternate: LoadBalancer[] = [
  {
    targetGroupArn: BLUE_TG,
    containerName: 'api',
    containerPort: 8000,
    advancedConfiguration: {
      alternateTargetGroupArn: GREEN_TG,
      productionListenerRule: PROD_RULE,
      testListenerRule: TEST_RULE,
      roleArn: ELB_ROLE
    }
  }
];

let sim: RunningSimulator;
let ecs: ECSClient;

beforeEach(async () => {
  sim = await frozenSim();
  ecs = ecsClient(sim);
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
});
afterEach(async () => {
  ecs.destroy();
  await sim.close();
});

async function register(tag: string): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'eloquent-api',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        { name: 'api', image: image(tag), essential: true, portMappings: [{ containerPort: 8000 }] }
      ]
    })
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

const breaker = { deploymentCircuitBreaker: { enable: true, rollback: true } };

/** The service on its first revision, deployed (rolling), with `loadBalancers` when given. */
async function createService(tag: string, loadBalancers?: LoadBalancer[]): Promise<string> {
  const td = await register(tag);
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: SERVICE,
      taskDefinition: td,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: fargateNetwork,
      deploymentConfiguration: breaker,
      ...(loadBalancers ? { loadBalancers } : {})
    })
  );
  sim.control.advance(60);
  return td;
}

/** UpdateService to a new image under `config`; the deployment ARN UpdateService answers with. */
async function deploy(tag: string, config: DeploymentConfiguration): Promise<{ arn: string; td: string }> {
  const td = await register(tag);
  const out = await ecs.send(
    new UpdateServiceCommand({
      cluster: CLUSTER,
      service: SERVICE,
      taskDefinition: td,
      deploymentConfiguration: config
    })
  );
  return { arn: out.service!.currentServiceDeployment!, td };
}

async function serviceDeployment(arn: string): Promise<ServiceDeployment> {
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  return out.serviceDeployments![0];
}

async function describeService() {
  return (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] })))
    .services![0];
}

async function healthVersion(): Promise<unknown> {
  const res = await fetch(`${sim.endpoint}/_app/${CLUSTER}/${SERVICE}/health`);
  return ((await res.json()) as { version?: unknown }).version;
}

interface Observation {
  at: number;
  status: string;
  stage?: string;
  production?: number;
  test?: number;
}

/**
 * Polls one service deployment every `step` simulated seconds until it ends (or `limit` seconds pass),
 * recording each change of status, stage or weights.
 */
async function watch(
  arn: string,
  limit = 7200,
  step = 5,
  until: (sd: ServiceDeployment) => boolean = sd => FINAL.includes(sd.status!)
): Promise<{ seen: Observation[]; last: ServiceDeployment }> {
  const seen: Observation[] = [];
  let last = await serviceDeployment(arn);
  for (let waited = 0; ; waited += step) {
    const o: Observation = {
      at: sim.control.now(),
      status: last.status!,
      stage: last.lifecycleStage,
      production: last.targetServiceRevision?.requestedProductionTrafficWeight,
      test: last.targetServiceRevision?.requestedTestTrafficWeight
    };
    const prev = seen[seen.length - 1];
    if (
      !prev ||
      prev.status !== o.status ||
      prev.stage !== o.stage ||
      prev.production !== o.production ||
      prev.test !== o.test
    )
      seen.push(o);
    if (until(last) || waited >= limit) return { seen, last };
    sim.control.advance(step);
    last = await serviceDeployment(arn);
  }
}

const distinct = <T>(values: T[]) => values.filter((v, i) => i === 0 || v !== values[i - 1]);
const stagesOf = (seen: Observation[]) => distinct(seen.map(o => o.stage));
const seconds = (date: Date | undefined) => date!.getTime() / 1000;

const FORWARD = [
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP'
];

describe('a good image under each traffic-shifting strategy', () => {
  const cases: {
    name: string;
    config: DeploymentConfiguration;
    productionWeights: number[];
    /** simulated seconds at least between the first production step and 100% */
    stepSeconds: number;
    bakeSeconds: number;
  }[] = [
    {
      name: 'BLUE_GREEN',
      config: { ...breaker, strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 },
      productionWeights: [0, 100],
      stepSeconds: 0,
      bakeSeconds: 600
    },
    {
      name: 'LINEAR',
      config: {
        ...breaker,
        strategy: 'LINEAR',
        bakeTimeInMinutes: 2,
        linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 }
      },
      productionWeights: [0, 25, 50, 75, 100],
      stepSeconds: 3 * 60,
      bakeSeconds: 120
    },
    {
      name: 'CANARY',
      config: {
        ...breaker,
        strategy: 'CANARY',
        bakeTimeInMinutes: 1,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 }
      },
      productionWeights: [0, 10, 100],
      stepSeconds: 3 * 60,
      bakeSeconds: 60
    }
  ];

  it.each(cases)(
    '$name goes through its stages, shifts traffic in its steps and is not SUCCESSFUL before the bake ends',
    async ({ config, productionWeights, stepSeconds, bakeSeconds }) => {
      const blueTd = await createService('1.0.0', albWithAlternate);
      const blue = await describeService();
      const { arn, td } = await deploy('1.1.0', config);

      // the deployment UpdateService answered with runs this task definition
      const first = await serviceDeployment(arn);
      const revisions = await ecs.send(
        new DescribeServiceRevisionsCommand({ serviceRevisionArns: [first.targetServiceRevision!.arn!] })
      );
      expect(revisions.serviceRevisions![0]).toMatchObject({
        taskDefinition: td,
        containerImages: [{ containerName: 'api', image: image('1.1.0') }],
        loadBalancers: albWithAlternate,
        resolvedConfiguration: {
          loadBalancers: [{ targetGroupArn: GREEN_TG, productionListenerRule: PROD_RULE }]
        }
      });
      expect(first.sourceServiceRevisions!.map(r => r.arn)).toEqual(
        blue.currentServiceRevisions!.map(r => r.arn)
      );

      // during the bake both revisions run; the deployment is still IN_PROGRESS
      const baking = await watch(arn, 7200, 5, sd => sd.lifecycleStage === 'BAKE_TIME');
      expect(baking.last).toMatchObject({
        status: 'IN_PROGRESS',
        targetServiceRevision: { requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 100 },
        sourceServiceRevisions: [{ requestedProductionTrafficWeight: 0, runningTaskCount: 2 }]
      });
      const svc = await describeService();
      expect(svc.deployments!.map(d => [d.status, d.taskDefinition, d.runningCount])).toEqual([
        ['PRIMARY', td, 2],
        ['ACTIVE', blueTd, 2]
      ]);
      expect(svc.currentServiceRevisions).toHaveLength(2);
      expect(svc.currentServiceDeployment).toBe(arn);

      const done = await watch(arn);
      const seen = [...baking.seen, ...done.seen];
      expect(stagesOf(seen)).toEqual(FORWARD);
      expect(distinct(seen.map(o => o.production))).toEqual(productionWeights);
      expect(done.last.status).toBe('SUCCESSFUL');
      const bakeStart = seen.find(o => o.stage === 'BAKE_TIME')!.at;
      expect(seconds(done.last.finishedAt) - bakeStart).toBeGreaterThanOrEqual(bakeSeconds);
      const firstStep = seen.find(o => (o.production ?? 0) > 0)!.at;
      const full = seen.find(o => o.production === 100)!.at;
      expect(full - firstStep).toBeGreaterThanOrEqual(stepSeconds);
      expect(seen.every(o => o.status === 'IN_PROGRESS' || o === seen[seen.length - 1])).toBe(true);
      expect(done.last).toMatchObject({
        lifecycleStage: 'CLEAN_UP',
        deploymentCircuitBreaker: { status: 'MONITORING_COMPLETE', failureCount: 0, threshold: 3 },
        alarms: { status: 'DISABLED' },
        sourceServiceRevisions: [{ requestedTaskCount: 0, runningTaskCount: 0 }],
        targetServiceRevision: { requestedTaskCount: 2, runningTaskCount: 2 }
      });

      // the rolling view: one COMPLETED PRIMARY; the new version serves; the target groups swapped
      const after = await describeService();
      expect(after.deployments!.map(d => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
        ['PRIMARY', td, 'COMPLETED']
      ]);
      expect(after.currentServiceRevisions!.map(r => r.arn)).toEqual([first.targetServiceRevision!.arn]);
      expect(await healthVersion()).toBe('1.1.0');
      const next = await deploy('1.2.0', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 });
      const nextTarget = (await serviceDeployment(next.arn)).targetServiceRevision!.arn!;
      const nextRevision = await ecs.send(
        new DescribeServiceRevisionsCommand({ serviceRevisionArns: [nextTarget] })
      );
      expect(nextRevision.serviceRevisions![0].resolvedConfiguration!.loadBalancers![0].targetGroupArn).toBe(
        BLUE_TG
      );
    }
  );

  it('the health endpoint follows the requested weights: test listener first, production in steps', async () => {
    await createService('1.0.0', albWithAlternate);
    const { arn } = await deploy('1.1.0', {
      strategy: 'LINEAR',
      bakeTimeInMinutes: 1,
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 }
    });
    const versions = async (n: number, listener = '') => {
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${sim.endpoint}/_app/${CLUSTER}/${SERVICE}/health${listener}`);
        out.push(((await res.json()) as { version?: unknown }).version);
      }
      return out;
    };
    await watch(arn, 7200, 5, sd => sd.lifecycleStage === 'POST_SCALE_UP');
    expect(new Set(await versions(4))).toEqual(new Set(['1.0.0'])); // green runs, serves nothing yet
    expect(new Set(await versions(4, '?listener=test'))).toEqual(new Set(['1.0.0']));
    await watch(arn, 7200, 5, sd => sd.lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT');
    expect(new Set(await versions(4, '?listener=test'))).toEqual(new Set(['1.1.0']));
    expect(new Set(await versions(4))).toEqual(new Set(['1.0.0']));
    await watch(arn, 7200, 5, sd => sd.targetServiceRevision?.requestedProductionTrafficWeight === 25);
    const quarter = await versions(8);
    expect(quarter.filter(v => v === '1.1.0')).toHaveLength(2);
    await watch(arn, 7200, 5, sd => sd.targetServiceRevision?.requestedProductionTrafficWeight === 100);
    expect(new Set(await versions(4))).toEqual(new Set(['1.1.0']));
  });

  it('a blue/green CreateService deploys headless (no load balancer) through the same stages', async () => {
    const td = await register('1.0.0');
    const out = await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: td,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: fargateNetwork,
        deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 }
      })
    );
    const arn = out.service!.currentServiceDeployment!;
    const { seen, last } = await watch(arn);
    expect(stagesOf(seen)).toEqual(FORWARD);
    expect(last).toMatchObject({ status: 'SUCCESSFUL', sourceServiceRevisions: [] });
  });
});

describe('a crash-looping image rolls back natively under every strategy', () => {
  const configs: [string, DeploymentConfiguration][] = [
    ['ROLLING', breaker],
    ['BLUE_GREEN', { ...breaker, strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 }],
    [
      'LINEAR',
      { ...breaker, strategy: 'LINEAR', bakeTimeInMinutes: 5, linearConfiguration: { stepPercent: 20 } }
    ],
    [
      'CANARY',
      { ...breaker, strategy: 'CANARY', bakeTimeInMinutes: 5, canaryConfiguration: { canaryPercent: 5 } }
    ]
  ];

  it.each(configs)(
    '%s -> ROLLBACK_SUCCESSFUL with the circuit breaker as reason',
    async (strategy, config) => {
      const good = await createService('1.0.0');
      const previous = (await describeService()).currentServiceRevisions![0].arn;
      sim.control.images({ image: image('bad'), behavior: 'crash' });
      const { arn } = await deploy('bad', config);
      const { seen, last } = await watch(arn);

      expect(last).toMatchObject({
        status: 'ROLLBACK_SUCCESSFUL',
        statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
        rollback: {
          reason: 'Deployment circuit breaker triggered: tasks failed to start.',
          serviceRevisionArn: previous
        },
        deploymentCircuitBreaker: { status: 'TRIGGERED', threshold: 3 },
        targetServiceRevision: { requestedTaskCount: 0, runningTaskCount: 0 }
      });
      expect(last.deploymentCircuitBreaker!.failureCount).toBeGreaterThanOrEqual(3);
      expect(seconds(last.rollback!.startedAt)).toBeLessThanOrEqual(seconds(last.finishedAt));
      expect(seen.map(o => o.status)).toContain('ROLLBACK_IN_PROGRESS');
      if (strategy === 'ROLLING') {
        expect(seen.every(o => o.stage === undefined && o.production === undefined)).toBe(true);
      } else {
        // the green revision never got production (or test) traffic: it failed while scaling up
        expect(seen.every(o => o.production === 0 && o.test === 0)).toBe(true);
        expect(stagesOf(seen)).toEqual(['PRE_SCALE_UP', 'SCALE_UP', 'CLEAN_UP']);
      }
      const svc = await describeService();
      expect(svc.taskDefinition).toBe(good);
      expect(svc.deployments!.map(d => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
        ['PRIMARY', good, 'COMPLETED']
      ]);
      expect(await healthVersion()).toBe('1.0.0');
      expect(svc.events!.some(e => e.message!.includes('deployment failed: tasks failed to start.'))).toBe(
        true
      );
    }
  );

  it('without a rollback option the failed blue/green deployment is STOPPED and blue keeps serving', async () => {
    const good = await createService('1.0.0');
    sim.control.images({ image: image('bad'), behavior: 'crash' });
    const { arn } = await deploy('bad', {
      deploymentCircuitBreaker: { enable: true, rollback: false },
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 5
    });
    const { last } = await watch(arn);
    expect(last).toMatchObject({
      status: 'STOPPED',
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      lifecycleStage: 'SCALE_UP',
      targetServiceRevision: { requestedProductionTrafficWeight: 0 }
    });
    expect(last.stoppedAt).toBeDefined();
    expect(last.rollback).toBeUndefined();
    const svc = await describeService();
    expect(svc.deployments!.map(d => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'FAILED'],
      ['ACTIVE', 'COMPLETED']
    ]);
    expect(svc.deployments![1].taskDefinition).toBe(good);
    expect(await healthVersion()).toBe('1.0.0');
  });
});

async function setAlarm(name: string, state: 'ALARM' | 'OK'): Promise<void> {
  const res = await fetch(`${sim.endpoint}/_sim/alarms`, {
    method: 'POST',
    body: JSON.stringify({ name, state })
  });
  expect(res.status).toBe(200);
}

describe('deployment alarms', () => {
  const alarmed = (rollback: boolean): DeploymentConfiguration => ({
    ...breaker,
    strategy: 'BLUE_GREEN',
    bakeTimeInMinutes: 10,
    alarms: { alarmNames: [ALARM, 'eloquent-api-latency'], enable: true, rollback }
  });

  it('an alarm going to ALARM during the bake rolls traffic back and the deployment back (rollback on)', async () => {
    const good = await createService('1.0.0', albWithAlternate);
    const { arn } = await deploy('1.1.0', alarmed(true));
    const baking = await watch(arn, 7200, 5, sd => sd.lifecycleStage === 'BAKE_TIME');
    expect(baking.last.alarms).toEqual({ status: 'MONITORING', alarmNames: [ALARM, 'eloquent-api-latency'] });
    sim.control.advance(60);
    await setAlarm(ALARM, 'ALARM');
    const failing = await serviceDeployment(arn);
    expect(failing).toMatchObject({
      status: 'ROLLBACK_IN_PROGRESS',
      alarms: { status: 'TRIGGERED', triggeredAlarmNames: [ALARM] },
      rollback: { reason: `CloudWatch alarm(s) triggered: ${ALARM}.` }
    });
    const { seen, last } = await watch(arn);
    expect(stagesOf(seen)).toEqual(['PRODUCTION_TRAFFIC_SHIFT', 'TEST_TRAFFIC_SHIFT', 'CLEAN_UP']);
    expect(distinct(seen.map(o => o.production))).toEqual([0]);
    expect(last).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      statusReason: `Service deployment failed: CloudWatch alarm(s) ${ALARM} went to ALARM.`,
      targetServiceRevision: { requestedProductionTrafficWeight: 0, requestedTestTrafficWeight: 0 },
      sourceServiceRevisions: [{ requestedProductionTrafficWeight: 100, runningTaskCount: 2 }]
    });
    const svc = await describeService();
    expect(svc.deployments!.map(d => [d.status, d.taskDefinition])).toEqual([['PRIMARY', good]]);
    expect(await healthVersion()).toBe('1.0.0');
  });

  it('with rollback off the deployment is STOPPED where it is', async () => {
    await createService('1.0.0', albWithAlternate);
    const { arn } = await deploy('1.1.0', alarmed(false));
    await watch(arn, 7200, 5, sd => sd.lifecycleStage === 'BAKE_TIME');
    sim.control.alarm({ name: 'eloquent-api-latency', state: 'ALARM' }); // the in-process twin
    const { last } = await watch(arn);
    expect(last).toMatchObject({
      status: 'STOPPED',
      lifecycleStage: 'BAKE_TIME',
      alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['eloquent-api-latency'] }
    });
    expect(last.rollback).toBeUndefined();
  });

  it('a rolling deployment rolls back on an alarm; an alarm already in ALARM at the start is ignored', async () => {
    const good = await createService('1.0.0');
    await setAlarm(ALARM, 'ALARM');
    const { arn } = await deploy('1.1.0', {
      ...breaker,
      alarms: { alarmNames: [ALARM], enable: true, rollback: true }
    });
    sim.control.advance(20);
    expect((await serviceDeployment(arn)).status).toBe('IN_PROGRESS');
    await setAlarm(ALARM, 'OK');
    await setAlarm(ALARM, 'ALARM');
    const { last } = await watch(arn);
    expect(last).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      alarms: { status: 'TRIGGERED', triggeredAlarmNames: [ALARM] }
    });
    expect(last.lifecycleStage).toBeUndefined();
    const svc = await describeService();
    expect(svc.taskDefinition).toBe(good);
    // the old tasks were still serving (minimumHealthyPercent 100): they join the rollback at once
    const messages = svc.events!.map(e => e.message!);
    expect(messages).toContainEqual(
      expect.stringMatching(
        /\(deployment ecs-svc\/\d+\) deployment failed: alarm\(s\) eloquent-api-5xx in ALARM state\.$/
      )
    );
    expect(messages).toContainEqual(expect.stringMatching(/rolling back to deployment ecs-svc\/\d+\.$/));
    const alarms = (await (await fetch(`${sim.endpoint}/_sim/alarms`)).json()) as { alarms: unknown[] };
    expect(alarms.alarms).toEqual([expect.objectContaining({ name: ALARM, state: 'ALARM' })]);
  });
});

describe('lifecycle hooks', () => {
  const paused: DeploymentConfiguration = {
    ...breaker,
    strategy: 'BLUE_GREEN',
    bakeTimeInMinutes: 1,
    lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }]
  };

  async function pausedAt(arn: string) {
    const { last } = await watch(arn, 7200, 5, sd =>
      (sd.lifecycleHookDetails ?? []).some(h => h.status === 'AWAITING_ACTION')
    );
    return last;
  }

  it('a PAUSE hook waits for ContinueServiceDeployment, then the deployment goes on to SUCCESSFUL', async () => {
    await createService('1.0.0', albWithAlternate);
    const { arn } = await deploy('1.1.0', paused);
    const waiting = await pausedAt(arn);
    const hook = waiting.lifecycleHookDetails![0];
    expect(waiting).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' });
    expect(hook).toMatchObject({ targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' });
    expect(hook.targetArn).toBeUndefined();
    expect(seconds(hook.expiresAt) - sim.control.now()).toBeGreaterThan(1430 * 60); // default 24 h
    sim.control.advance(3600);
    expect(await serviceDeployment(arn)).toMatchObject({
      status: 'IN_PROGRESS',
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      targetServiceRevision: { requestedProductionTrafficWeight: 0, requestedTestTrafficWeight: 100 }
    });

    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: 'not-the-hook' }))
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const out = await ecs.send(
      new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId! })
    );
    expect(out.serviceDeploymentArn).toBe(arn);
    // the stage moves on at once
    const { seen, last } = await watch(arn);
    expect(stagesOf(seen)).toEqual([
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP'
    ]);
    expect(last.status).toBe('SUCCESSFUL');
    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId! }))
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('ContinueServiceDeployment ROLLBACK on a paused deployment rolls it back', async () => {
    const good = await createService('1.0.0', albWithAlternate);
    const { arn } = await deploy('1.1.0', paused);
    const hook = (await pausedAt(arn)).lifecycleHookDetails![0];
    await ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: arn,
        hookId: hook.hookId!,
        action: 'ROLLBACK'
      })
    );
    const { seen, last } = await watch(arn);
    expect(stagesOf(seen)).toEqual(['TEST_TRAFFIC_SHIFT', 'CLEAN_UP']);
    expect(last).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      rollback: {
        reason: `Rollback requested by ContinueServiceDeployment on lifecycle hook ${hook.hookId}.`
      }
    });
    expect((await describeService()).taskDefinition).toBe(good);
  });

  it('a PAUSE hook that times out takes its timeout action (CONTINUE)', async () => {
    await createService('1.0.0');
    const { arn } = await deploy('1.1.0', {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 0,
      lifecycleHooks: [
        {
          targetType: 'PAUSE',
          lifecycleStages: ['PRE_SCALE_UP'],
          timeoutConfiguration: { timeoutInMinutes: 30, action: 'CONTINUE' }
        }
      ]
    });
    sim.control.advance(29 * 60);
    expect(await serviceDeployment(arn)).toMatchObject({ lifecycleStage: 'PRE_SCALE_UP' });
    sim.control.advance(60);
    const { last } = await watch(arn);
    expect(last.status).toBe('SUCCESSFUL');
  });

  it('Lambda hooks: invoked with hookDetails; the control endpoint decides; FAILED rolls back', async () => {
    await createService('1.0.0', albWithAlternate);
    const config: DeploymentConfiguration = {
      ...breaker,
      strategy: 'CANARY',
      bakeTimeInMinutes: 0,
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 1 },
      lifecycleHooks: [
        {
          hookTargetArn: HOOK_LAMBDA,
          roleArn: 'arn:aws:iam::123456789012:role/ecsLambdaHookRole',
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'],
          hookDetails: { path: '/health' }
        }
      ]
    };
    // default answer SUCCEEDED: the deployment succeeds; the hook ran at each production step
    const ok = await deploy('1.1.0', config);
    expect((await watch(ok.arn)).last.status).toBe('SUCCESSFUL');
    const hooks = (await (await fetch(`${sim.endpoint}/_sim/hooks`)).json()) as {
      invocations: {
        lifecycleStage: string;
        serviceDeploymentArn: string;
        hookDetails: unknown;
        answer: string;
      }[];
    };
    expect(hooks.invocations.map(i => i.lifecycleStage)).toEqual([
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT'
    ]);
    expect(hooks.invocations[0]).toMatchObject({
      serviceDeploymentArn: ok.arn,
      hookDetails: { path: '/health' },
      answer: 'SUCCEEDED'
    });

    // FAILED: rolled back at the first stage the hook runs, before production traffic moved
    const set = await fetch(`${sim.endpoint}/_sim/hooks`, {
      method: 'POST',
      body: JSON.stringify({ targetArn: HOOK_LAMBDA, status: 'FAILED' })
    });
    expect(set.status).toBe(200);
    const bad = await deploy('1.2.0', config);
    const { seen, last } = await watch(bad.arn);
    expect(seen.every(o => o.production === 0)).toBe(true);
    expect(last).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      statusReason: `Service deployment rolled back because lifecycle hook ${HOOK_LAMBDA} failed at POST_TEST_TRAFFIC_SHIFT.`
    });
    expect(await healthVersion()).toBe('1.1.0');
    const badSet = await fetch(`${sim.endpoint}/_sim/hooks`, {
      method: 'POST',
      body: JSON.stringify({ targetArn: HOOK_LAMBDA, status: 'MAYBE' })
    });
    expect(badSet.status).toBe(400);
  });
});

describe('lifecycle hooks on rollback', () => {
  it('production-traffic Lambda hooks run again while traffic goes back; a FAILED answer there is ROLLBACK_FAILED', async () => {
    await createService('1.0.0', albWithAlternate);
    const { arn } = await deploy('1.1.0', {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 10,
      alarms: { alarmNames: [ALARM], enable: true, rollback: true },
      lifecycleHooks: [
        {
          hookTargetArn: HOOK_LAMBDA,
          roleArn: 'arn:aws:iam::123456789012:role/ecsLambdaHookRole',
          lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT']
        }
      ]
    });
    await watch(arn, 7200, 5, sd => sd.lifecycleStage === 'BAKE_TIME');
    sim.control.lambdaHook({ targetArn: HOOK_LAMBDA, status: 'FAILED' });
    await setAlarm(ALARM, 'ALARM');
    const { last } = await watch(arn);
    expect(last).toMatchObject({
      status: 'ROLLBACK_FAILED',
      statusReason: `Rollback failed: lifecycle hook ${HOOK_LAMBDA} failed at PRODUCTION_TRAFFIC_SHIFT.`,
      lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT'
    });
    const hooks = (await (await fetch(`${sim.endpoint}/_sim/hooks`)).json()) as {
      invocations: { answer: string }[];
    };
    expect(hooks.invocations.map(i => i.answer)).toEqual(['SUCCEEDED', 'FAILED']);
  });
});

describe('StopServiceDeployment', () => {
  it('ROLLBACK mid-flight (LINEAR at 50%) rolls back; a finished or unknown deployment is refused', async () => {
    const good = await createService('1.0.0', albWithAlternate);
    const { arn } = await deploy('1.1.0', {
      ...breaker,
      strategy: 'LINEAR',
      bakeTimeInMinutes: 5,
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 }
    });
    await watch(arn, 7200, 5, sd => sd.targetServiceRevision?.requestedProductionTrafficWeight === 50);
    const out = await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }));
    expect(out.serviceDeploymentArn).toBe(arn);
    expect((await serviceDeployment(arn)).status).toBe('ROLLBACK_REQUESTED');
    // a second stop while it is being acted on just goes on
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
    const { seen, last } = await watch(arn);
    expect(distinct(seen.map(o => o.status))).toEqual([
      'ROLLBACK_REQUESTED',
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_SUCCESSFUL'
    ]);
    expect(last).toMatchObject({
      statusReason: 'Service deployment stopped by StopServiceDeployment (stopType ROLLBACK).',
      rollback: { reason: 'Rollback requested by StopServiceDeployment.' }
    });
    expect((await describeService()).taskDefinition).toBe(good);

    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    ).rejects.toMatchObject({
      name: 'ConflictException'
    });
    const unknown = arn.replace(/[^/]+$/, 'AbCdEfGhIjKlMnOpQrStUv');
    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: unknown }))
    ).rejects.toMatchObject({ name: 'ServiceDeploymentNotFoundException' });
    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: 'not-an-arn' }))
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('ROLLBACK on a rolling deployment rolls back even without a rollback option; ABORT stops it', async () => {
    const td = await register('1.0.0');
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: td,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: fargateNetwork
      })
    );
    sim.control.advance(60);
    const rolled = await deploy('1.1.0', {});
    sim.control.advance(10);
    await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: rolled.arn, stopType: 'ROLLBACK' })
    );
    expect((await watch(rolled.arn)).last.status).toBe('ROLLBACK_SUCCESSFUL');
    expect((await describeService()).taskDefinition).toBe(td);

    const aborted = await deploy('1.2.0', {});
    sim.control.advance(10);
    await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: aborted.arn, stopType: 'ABORT' })
    );
    expect((await serviceDeployment(aborted.arn)).status).toBe('STOP_REQUESTED');
    const { last } = await watch(aborted.arn);
    expect(last).toMatchObject({ status: 'STOPPED' });
    expect(last.rollback).toBeUndefined();
  });
});

describe('service deployment listing and description', () => {
  it('DescribeServiceDeployments reports MISSING; ListServiceDeployments filters by status and createdAt and pages', async () => {
    await createService('1.0.0');
    const t1 = sim.control.now();
    sim.control.advance(10);
    const second = await deploy('1.1.0', {});
    sim.control.advance(120);
    sim.control.images({ image: image('bad'), behavior: 'crash' });
    const third = await deploy('bad', breaker);
    await watch(third.arn);
    const inFlight = await deploy('1.2.0', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 30 });

    const missing =
      'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/eloquent-api/Zz9Yy8Xx7Ww6Vv5Uu4Tt3S';
    const described = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [second.arn, missing] })
    );
    expect(described.serviceDeployments!.map(d => d.serviceDeploymentArn)).toEqual([second.arn]);
    expect(described.failures).toEqual([{ arn: missing, reason: 'MISSING' }]);
    await expect(
      ecs.send(
        new DescribeServiceDeploymentsCommand({
          serviceDeploymentArns: Array.from({ length: 21 }, () => missing)
        })
      )
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });

    const all = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }));
    expect(all.serviceDeployments!.map(d => d.status)).toEqual([
      'IN_PROGRESS',
      'ROLLBACK_SUCCESSFUL',
      'SUCCESSFUL',
      'SUCCESSFUL'
    ]);
    expect(all.serviceDeployments![0].serviceDeploymentArn).toBe(inFlight.arn);
    const busy = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: CLUSTER,
        service: SERVICE,
        status: ['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']
      })
    );
    expect(busy.serviceDeployments!.map(d => d.serviceDeploymentArn)).toEqual([inFlight.arn]);
    const recent = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: CLUSTER,
        service: SERVICE,
        createdAt: { after: new Date((t1 + 1) * 1000) }
      })
    );
    expect(recent.serviceDeployments).toHaveLength(3);
    const old = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: CLUSTER,
        service: SERVICE,
        createdAt: { before: new Date(t1 * 1000) }
      })
    );
    expect(old.serviceDeployments).toHaveLength(1);
    const page1 = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, maxResults: 3 })
    );
    expect(page1.serviceDeployments).toHaveLength(3);
    const page2 = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: CLUSTER,
        service: SERVICE,
        maxResults: 3,
        nextToken: page1.nextToken
      })
    );
    expect(page2.serviceDeployments!.map(d => d.status)).toEqual(['SUCCESSFUL']);
    expect(page2.nextToken).toBeUndefined();
    await expect(
      ecs.send(
        new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, status: ['DONE' as never] })
      )
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: 'nope' }))
    ).rejects.toMatchObject({ name: 'ServiceNotFoundException' });
  });

  it('a deployment superseded by a newer one is STOPPED; the newer one reconciles both revisions first', async () => {
    await createService('1.0.0');
    const first = await deploy('1.1.0', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 });
    await watch(first.arn, 7200, 5, sd => sd.lifecycleStage === 'BAKE_TIME');
    const second = await deploy('1.2.0', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 });
    expect(await serviceDeployment(first.arn)).toMatchObject({
      status: 'STOPPED',
      statusReason: 'Service deployment was superseded by a newer service deployment.'
    });
    const { seen, last } = await watch(second.arn);
    expect(stagesOf(seen)).toEqual(['RECONCILE_SERVICE', ...FORWARD]);
    expect(last.status).toBe('SUCCESSFUL');
    expect(last.sourceServiceRevisions).toHaveLength(2);
    expect(await healthVersion()).toBe('1.2.0');
  });
});

describe('overlapping deployments', () => {
  it('a bad deployment a second after a good one supersedes it and rolls back to the last completed revision', async () => {
    const original = await createService('1.0.0', albWithAlternate);
    const config: DeploymentConfiguration = { ...breaker, strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 };
    const good = await deploy('1.1.0', config);
    sim.control.advance(1);
    sim.control.images({ image: image('bad'), behavior: 'crash' });
    const bad = await deploy('bad', config);
    expect((await serviceDeployment(good.arn)).status).toBe('STOPPED');
    const { seen, last } = await watch(bad.arn);
    // the good deployment had launched nothing yet (PRE_SCALE_UP): one active revision, no reconcile
    expect(stagesOf(seen)[0]).toBe('PRE_SCALE_UP');
    expect(last).toMatchObject({ status: 'ROLLBACK_SUCCESSFUL' });
    const svc = await describeService();
    expect(svc.deployments!.map(d => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
      ['PRIMARY', original, 'COMPLETED']
    ]);
    expect(svc.runningCount).toBe(2);
    expect(await healthVersion()).toBe('1.0.0');
    const listed = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }));
    expect(listed.serviceDeployments!.map(d => d.status)).toEqual([
      'ROLLBACK_SUCCESSFUL',
      'STOPPED',
      'SUCCESSFUL'
    ]);
  });
});

describe('validation, as ECS answers before changing anything', () => {
  const bad: [string, DeploymentConfiguration, LoadBalancer[] | undefined, RegExp][] = [
    ['BLUE_GREEN without bakeTimeInMinutes', { strategy: 'BLUE_GREEN' }, undefined, /bakeTimeInMinutes/],
    ['an unknown strategy', { strategy: 'RED_BLACK' as never }, undefined, /Invalid deployment strategy/],
    [
      'linearConfiguration with CANARY',
      { strategy: 'CANARY', bakeTimeInMinutes: 1, linearConfiguration: { stepPercent: 10 } },
      undefined,
      /linearConfiguration is only valid with the LINEAR/
    ],
    [
      'a LINEAR step under 3%',
      { strategy: 'LINEAR', bakeTimeInMinutes: 1, linearConfiguration: { stepPercent: 2 } },
      undefined,
      /stepPercent/
    ],
    [
      'a PAUSE hook at PRODUCTION_TRAFFIC_SHIFT',
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }]
      },
      undefined,
      /PAUSE lifecycle hooks are not supported for the PRODUCTION_TRAFFIC_SHIFT/
    ],
    [
      'a Lambda hook without a role',
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [{ hookTargetArn: HOOK_LAMBDA, lifecycleStages: ['PRE_SCALE_UP'] }]
      },
      undefined,
      /roleArn/
    ],
    [
      'alarms without rollback',
      { alarms: { alarmNames: [ALARM], enable: true } as never },
      undefined,
      /alarms requires alarmNames, enable and rollback/
    ],
    [
      'a target group without advancedConfiguration under BLUE_GREEN',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      [{ targetGroupArn: BLUE_TG, containerName: 'api', containerPort: 8000 }],
      /advancedConfiguration is required with the BLUE_GREEN/
    ],
    [
      'an alternate target group equal to the production one',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      [
        {
          ...albWithAlternate[0],
          advancedConfiguration: {
            ...albWithAlternate[0].advancedConfiguration!,
            alternateTargetGroupArn: BLUE_TG
          }
        }
      ],
      /must differ from targetGroupArn/
    ]
  ];

  it.each(bad)(
    'refuses %s with InvalidParameterException and changes nothing',
    async (_, config, lbs, message) => {
      const td = await createService('1.0.0');
      const before = await describeService();
      const next = await register('1.1.0');
      await expect(
        ecs.send(
          new UpdateServiceCommand({
            cluster: CLUSTER,
            service: SERVICE,
            taskDefinition: next,
            deploymentConfiguration: config,
            ...(lbs ? { loadBalancers: lbs } : {})
          })
        )
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(message) });
      const after = await describeService();
      expect(after.taskDefinition).toBe(td);
      expect(after.deploymentConfiguration).toEqual(before.deploymentConfiguration);
      expect(after.currentServiceDeployment).toBe(before.currentServiceDeployment);
    }
  );

  it('refuses a traffic-shifting strategy on a CODE_DEPLOY service and echoes the controller', async () => {
    const td = await register('1.0.0');
    const create = (deploymentConfiguration: DeploymentConfiguration) =>
      ecs.send(
        new CreateServiceCommand({
          cluster: CLUSTER,
          serviceName: SERVICE,
          taskDefinition: td,
          launchType: 'FARGATE',
          networkConfiguration: fargateNetwork,
          // CodeDeploy needs a target group to shift; no advancedConfiguration (that is ECS-native B/G)
          loadBalancers: [{ targetGroupArn: BLUE_TG, containerName: 'api', containerPort: 8000 }],
          deploymentController: { type: 'CODE_DEPLOY' },
          deploymentConfiguration
        })
      );
    await expect(create({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 })).rejects.toMatchObject({
      name: 'InvalidParameterException'
    });
    const out = await create({});
    expect(out.service!.deploymentController).toEqual({ type: 'CODE_DEPLOY' });
  });
});
