import { describe, expect, it } from '@jest/globals';
import {
  assessDeployment,
  classifyStoppedTask,
  stoppedTaskCheckNeeded,
  type WatchTarget
} from '../../src/ecs/index.js';
import {
  NEW,
  NEW_DEPLOYMENT,
  OLD,
  OLD_DEPLOYMENT,
  ROLLBACK_DEPLOYMENT,
  circuitBreakerRollback,
  deployment,
  service,
  stoppedTask
} from './fixtures.js';

const target: WatchTarget = {
  service: 'backend-service',
  deploymentId: NEW_DEPLOYMENT,
  taskDefinitionArn: NEW
};
const old = deployment({
  id: OLD_DEPLOYMENT,
  status: 'ACTIVE',
  taskDefinition: OLD,
  runningCount: 2,
  rolloutState: 'COMPLETED'
});

describe('assessDeployment', () => {
  const cases: Array<[string, ReturnType<typeof service>, string, RegExp?]> = [
    [
      'in progress: new tasks starting next to the old ones',
      service([deployment({ runningCount: 1, pendingCount: 1 }), old]),
      'in-progress',
      undefined
    ],
    [
      'deployed: PRIMARY, COMPLETED, on the registered revision',
      service([
        deployment({
          runningCount: 2,
          rolloutState: 'COMPLETED',
          rolloutStateReason: 'ECS deployment completed.'
        })
      ]),
      'deployed',
      undefined
    ],
    [
      'circuit breaker rollback: failed deployment ACTIVE + FAILED, PRIMARY rolling back',
      circuitBreakerRollback(),
      'failed',
      /circuit breaker is rolling back to .*docuthinker-backend:6: ECS deployment circuit breaker: tasks failed to start/
    ],
    [
      'circuit breaker finished: stable on the OLD revision, our deployment gone (services-stable would say yes)',
      service([
        deployment({
          id: ROLLBACK_DEPLOYMENT,
          taskDefinition: OLD,
          runningCount: 2,
          rolloutState: 'COMPLETED',
          rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${OLD_DEPLOYMENT}.`
        })
      ]),
      'failed',
      /circuit breaker/
    ],
    [
      'rollout FAILED without a rollback deployment',
      service([
        deployment({
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.'
        }),
        old
      ]),
      'failed',
      /tasks failed to start/
    ],
    [
      'replaced by someone else’s deployment',
      service([
        deployment({
          id: 'ecs-svc/999',
          taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:8'
        }),
        deployment({ status: 'ACTIVE', runningCount: 1 })
      ]),
      'failed',
      /replaced by deployment ecs-svc\/999/
    ],
    [
      'our deployment no longer listed',
      service([deployment({ id: 'ecs-svc/999', taskDefinition: OLD, rolloutState: 'COMPLETED' })]),
      'failed',
      /no longer listed.*docuthinker-backend:6/
    ],
    ['service draining', service([deployment({})], { status: 'DRAINING' }), 'failed', /DRAINING/],
    [
      'PRIMARY and COMPLETED but on another revision',
      service([deployment({ taskDefinition: OLD, rolloutState: 'COMPLETED' })]),
      'failed',
      /runs .*:6, not .*:7/
    ]
  ];
  it.each(cases)('%s', (_name, described, state, reason) => {
    const verdict = assessDeployment(described, target, [], 65_000);
    expect(verdict.state).toBe(state);
    if (reason) expect(verdict.state === 'failed' && verdict.reason).toMatch(reason);
    expect(verdict.progress).toMatch(/^backend-service: /);
  });

  it('points at the circuit breaker’s own rollback deployment so the rollback waits for it', () => {
    const verdict = assessDeployment(circuitBreakerRollback(), target, [], 0);
    expect(verdict).toMatchObject({
      state: 'failed',
      circuitBreakerRollback: { deploymentId: ROLLBACK_DEPLOYMENT, taskDefinitionArn: OLD }
    });
  });

  it('fails fast on the first failed task, before ECS counts to its threshold', () => {
    const described = service([deployment({ runningCount: 1, pendingCount: 1, failedTasks: 1 }), old]);
    const verdict = assessDeployment(
      described,
      target,
      [
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
          reason: 'CannotPullContainerError: pull access denied'
        }
      ],
      10_000
    );
    expect(verdict).toMatchObject({
      state: 'failed',
      reason: 'task abc stopped: CannotPullContainerError: pull access denied'
    });
  });

  it('prints running/pending/desired, rollout state, failed tasks and elapsed time', () => {
    const verdict = assessDeployment(
      service([deployment({ runningCount: 1, pendingCount: 1, failedTasks: 2 }), old]),
      target,
      [],
      80_000
    );
    expect(verdict.progress).toBe(
      'backend-service: 1/2 running, 1 pending, rollout IN_PROGRESS, 2 failed tasks, 1m20s'
    );
  });

  it('accepts a single steady deployment without a rollout state (external deployment controllers)', () => {
    const verdict = assessDeployment(
      service([deployment({ runningCount: 2, rolloutState: undefined })]),
      target,
      [],
      0
    );
    expect(verdict.state).toBe('deployed');
  });
});

describe('classifyStoppedTask', () => {
  const cases: Array<[string, Parameters<typeof stoppedTask>[0], RegExp | undefined]> = [
    [
      'image pull error',
      {
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'CannotPullContainerError: pull image manifest has been retried 1 time(s): docuthinker-backend:v2.0: not found',
        containers: [{ name: 'backend', lastStatus: 'STOPPED' }]
      },
      /CannotPullContainerError/
    ],
    [
      'secrets not resolvable',
      {
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed',
        containers: []
      },
      /ResourceInitializationError/
    ],
    [
      'crash loop: essential container exited 1',
      { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' },
      /Essential container in task exited; backend exit 1/
    ],
    [
      'failed ELB health checks',
      {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason:
          'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/backend-tg/1)',
        containers: [{ name: 'backend', lastStatus: 'STOPPED', exitCode: 137 }]
      },
      /failed ELB health checks.*backend exit 137/
    ],
    [
      'failed container health checks',
      {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed container health checks',
        containers: []
      },
      /container health checks/
    ],
    [
      'scale-in during the rollout is not a failure',
      {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/4912087523150291736)',
        containers: [{ name: 'backend', lastStatus: 'STOPPED', exitCode: 0 }]
      },
      undefined
    ],
    [
      'stopped by a user is not evidence against the revision',
      {
        stopCode: 'UserInitiated',
        stoppedReason: 'Task stopped by user',
        containers: [{ name: 'backend', exitCode: 143 }]
      },
      undefined
    ]
  ];
  it.each(cases)('%s', (_name, overrides, expected) => {
    const failure = classifyStoppedTask(stoppedTask(overrides));
    if (expected === undefined) expect(failure).toBeUndefined();
    else expect(failure?.reason).toMatch(expected);
  });
});

describe('stoppedTaskCheckNeeded', () => {
  it.each([
    ['failed-task count moved', { failedTasks: 1 }, { failedTasks: 0 }, 0, true],
    ['nothing moved', { failedTasks: 1 }, { failedTasks: 1 }, 0, false],
    ['a new service event (a replacement task started)', { failedTasks: 0 }, { failedTasks: 0 }, 1, true],
    ['ECS does not report failed tasks', { failedTasks: undefined }, { failedTasks: undefined }, 0, true]
  ])('%s -> %s', (_name, current, previous, events, expected) => {
    expect(stoppedTaskCheckNeeded(deployment(current), deployment(previous), events)).toBe(expected);
  });
});
