import { describe, expect, it } from '@jest/globals';
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import {
  describeProfile,
  failureReason,
  isFinal,
  judgeServiceDeployment,
  profileService,
  serviceDeploymentProgress,
  stoppedTaskIds,
  unsupportedController
} from '../../src/ecs/index.js';
import { CLUSTER, NEW, OLD } from './fixtures.js';

const ARN = `arn:aws:ecs:us-east-1:123456789012:service-deployment/${CLUSTER}/backend-service/Ab12Cd34`;
const REVISION = `arn:aws:ecs:us-east-1:123456789012:service-revision/${CLUSTER}/backend-service/99`;

function sd(overrides: Partial<ServiceDeployment>): ServiceDeployment {
  return {
    serviceDeploymentArn: ARN,
    status: 'IN_PROGRESS',
    targetServiceRevision: { arn: REVISION, requestedTaskCount: 2, runningTaskCount: 1, pendingTaskCount: 1 },
    ...overrides
  };
}

const STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP'
] as const;

describe('judgeServiceDeployment: every status', () => {
  it.each([
    ['PENDING', 'in-progress', false],
    ['IN_PROGRESS', 'in-progress', false],
    ['STOP_REQUESTED', 'rolling-back', false],
    ['ROLLBACK_REQUESTED', 'rolling-back', false],
    ['ROLLBACK_IN_PROGRESS', 'rolling-back', false],
    ['SUCCESSFUL', 'deployed', true],
    ['ROLLBACK_SUCCESSFUL', 'rolled-back', true],
    ['ROLLBACK_FAILED', 'rollback-failed', true],
    ['STOPPED', 'stopped', true]
  ] as const)('%s -> %s (final %s)', (status, state, final) => {
    const judgement = judgeServiceDeployment(sd({ status }));
    expect(judgement.state).toBe(state);
    expect(isFinal(judgement)).toBe(final);
  });

  it.each(STAGES)('IN_PROGRESS at stage %s is in progress, never deployed (bake time included)', stage => {
    expect(judgeServiceDeployment(sd({ lifecycleStage: stage }))).toEqual({ state: 'in-progress', stage });
  });

  it('SUCCESSFUL is deployed whatever stage was last reported', () => {
    expect(judgeServiceDeployment(sd({ status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }))).toEqual({
      state: 'deployed'
    });
  });

  it('a STOPPED deployment a newer one replaced is superseded, not failed', () => {
    expect(
      judgeServiceDeployment(
        sd({
          status: 'STOPPED',
          statusReason: 'Service deployment was superseded by a newer service deployment.'
        })
      )
    ).toEqual({
      state: 'superseded',
      reason: 'Service deployment was superseded by a newer service deployment.'
    });
  });

  it('a PAUSE hook awaiting action pauses it, with the hook id; a Lambda hook in progress does not', () => {
    const expiresAt = new Date('2026-12-02T06:00:00Z');
    expect(
      judgeServiceDeployment(
        sd({
          lifecycleStage: 'POST_SCALE_UP',
          lifecycleHookDetails: [
            { hookId: 'hook-1', targetType: 'PAUSE', status: 'AWAITING_ACTION', expiresAt }
          ]
        })
      )
    ).toEqual({ state: 'paused', hookId: 'hook-1', stage: 'POST_SCALE_UP', expiresAt });
    expect(
      judgeServiceDeployment(
        sd({
          lifecycleStage: 'PRE_SCALE_UP',
          lifecycleHookDetails: [{ hookId: 'hook-2', targetType: 'AWS_LAMBDA', status: 'IN_PROGRESS' }]
        })
      ).state
    ).toBe('in-progress');
    expect(
      judgeServiceDeployment(
        sd({ lifecycleHookDetails: [{ hookId: 'hook-3', targetType: 'PAUSE', status: 'SUCCEEDED' }] })
      ).state
    ).toBe('in-progress');
  });

  it('a rollback by the circuit breaker says so', () => {
    const judgement = judgeServiceDeployment(
      sd({
        status: 'ROLLBACK_SUCCESSFUL',
        statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
        deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 }
      })
    );
    expect(judgement).toEqual({
      state: 'rolled-back',
      byCircuitBreaker: true,
      reason: 'ECS deployment circuit breaker: tasks failed to start.; circuit breaker: 3 of 3 tasks failed'
    });
  });
});

describe('failureReason: ECS own words', () => {
  it('joins status reason, rollback reason and triggered alarms not named yet', () => {
    expect(
      failureReason(
        sd({
          status: 'ROLLBACK_IN_PROGRESS',
          statusReason: 'Service deployment failed.',
          rollback: { reason: 'CloudWatch alarm(s) triggered: backend-5xx.' },
          alarms: { status: 'TRIGGERED', alarmNames: ['backend-5xx'], triggeredAlarmNames: ['backend-5xx'] }
        })
      )
    ).toBe('Service deployment failed.; rollback: CloudWatch alarm(s) triggered: backend-5xx.');
    expect(
      failureReason(
        sd({
          status: 'STOPPED',
          alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['p99-latency', 'backend-5xx'] }
        })
      )
    ).toBe('alarms in ALARM: p99-latency, backend-5xx');
    expect(failureReason(sd({ status: 'ROLLBACK_FAILED' }))).toBe('service deployment ROLLBACK_FAILED');
  });
});

describe('serviceDeploymentProgress', () => {
  it('shows stage, weights, counts, failed tasks and a waiting hook', () => {
    expect(
      serviceDeploymentProgress(
        'backend-service',
        'CANARY',
        sd({
          lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
          targetServiceRevision: {
            arn: REVISION,
            requestedTaskCount: 2,
            runningTaskCount: 2,
            pendingTaskCount: 0,
            requestedProductionTrafficWeight: 5,
            requestedTestTrafficWeight: 100
          },
          deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 1, threshold: 3 }
        }),
        81_000
      )
    ).toBe(
      'backend-service: CANARY IN_PROGRESS, stage PRODUCTION_TRAFFIC_SHIFT, production 5% / test 100%, 2/2 running, 1/3 failed tasks, 1m21s'
    );
    expect(serviceDeploymentProgress('web', 'ROLLING', undefined, 0)).toBe(
      'web: service deployment not seen yet, 0ms'
    );
  });
});

describe('stoppedTaskIds', () => {
  it('reads the task ids of an ECS stop event, and nothing from others', () => {
    expect(stoppedTaskIds('(service web) has stopped 2 running tasks: (task abc123) (task def456).')).toEqual(
      ['abc123', 'def456']
    );
    expect(stoppedTaskIds('(service web) has started 2 tasks: (task abc123) (task def456).')).toEqual([]);
  });
});

describe('profileService: classify before changing anything', () => {
  it('reads strategy, managed traffic, hooks, alarms and circuit breaker', () => {
    const profile = profileService({
      serviceName: 'backend-service',
      taskDefinition: OLD,
      loadBalancers: [
        {
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1',
          containerName: 'backend',
          containerPort: 5000,
          advancedConfiguration: {
            alternateTargetGroupArn:
              'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2',
            productionListenerRule:
              'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/x/1/2/3',
            roleArn: 'arn:aws:iam::123456789012:role/ecs-infra'
          }
        }
      ],
      deploymentConfiguration: {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 5,
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }],
        alarms: { enable: true, rollback: true, alarmNames: ['backend-5xx'] },
        deploymentCircuitBreaker: { enable: true, rollback: true }
      }
    });
    expect(profile).toMatchObject({
      controller: 'ECS',
      strategy: 'BLUE_GREEN',
      managedTraffic: true,
      pauseHooks: 1,
      alarms: ['backend-5xx']
    });
    expect(describeProfile(profile)).toBe(
      'BLUE_GREEN (bake 5m), 1 load balancer with test/production rules, hooks PAUSE@POST_SCALE_UP, ' +
        'alarms backend-5xx (rollback), circuit breaker on+rollback'
    );
    expect(unsupportedController('backend-service', profile)).toBeUndefined();
  });

  it('absent strategy is ROLLING, absent controller ECS; CODE_DEPLOY and EXTERNAL are refused with the way out', () => {
    const rolling = profileService({ serviceName: 'web', taskDefinition: NEW });
    expect(describeProfile(rolling)).toBe('ROLLING, circuit breaker off');
    const codeDeploy = profileService({ serviceName: 'web', deploymentController: { type: 'CODE_DEPLOY' } });
    expect(unsupportedController('web', codeDeploy)).toMatch(/CODE_DEPLOY .*AWS CodeDeploy.*BLUE_GREEN/);
    // deploy-ecs deploys it through CodeDeploy
    expect(unsupportedController('web', codeDeploy, { viaCodeDeploy: true })).toBeUndefined();
    expect(codeDeploy.strategy).toBe('CODE_DEPLOY');
    expect(describeProfile(codeDeploy)).toBe('CODE_DEPLOY, circuit breaker off');
    const external = profileService({ serviceName: 'web', deploymentController: { type: 'EXTERNAL' } });
    expect(unsupportedController('web', external)).toMatch(/EXTERNAL deployment controller/);
  });
});
