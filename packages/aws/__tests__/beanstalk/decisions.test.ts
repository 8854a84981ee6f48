import { describe, expect, it } from '@jest/globals';
import {
  judgeReadyForUpdate,
  judgeUpdate,
  planRollback,
  UPDATE_START_GRACE_POLLS,
  type UpdateWatch
} from '../../src/beanstalk/decisions.js';
import type { EnvironmentDescription, EventDescription } from '../../src/beanstalk/api.js';

const T0 = Date.parse('2025-03-01T12:00:00Z');

/** DescribeEnvironments output for ChatRelay's production environment. */
function env(overrides: Partial<EnvironmentDescription>): EnvironmentDescription {
  return {
    ApplicationName: 'ChatRelay',
    EnvironmentName: 'chatrelay-prod',
    EnvironmentId: 'e-abcd1234',
    CNAME: 'chatrelay-prod.us-east-1.elasticbeanstalk.com',
    Status: 'Ready',
    Health: 'Green',
    VersionLabel: 'v1',
    ...overrides
  };
}

function event(
  secondsAfterUpdate: number,
  Severity: EventDescription['Severity'],
  Message: string
): EventDescription {
  return {
    ApplicationName: 'ChatRelay',
    EnvironmentName: 'chatrelay-prod',
    EventDate: new Date(T0 + secondsAfterUpdate * 1000),
    Severity,
    Message
  };
}

const watch: UpdateWatch = {
  requestedLabel: 'v2',
  previousLabel: 'v1',
  previousHealth: 'Green',
  updateRequestedAt: T0,
  acceptedHealth: ['Green'],
  updateSeen: true,
  polls: 5
};

describe('judgeUpdate', () => {
  const cases: Array<{
    name: string;
    environment: EnvironmentDescription | undefined;
    events?: EventDescription[];
    watch?: Partial<UpdateWatch>;
    expected: 'success' | 'wait' | 'fail';
    reason?: RegExp;
  }> = [
    {
      name: 'Ready on the requested label, Green',
      environment: env({ VersionLabel: 'v2' }),
      expected: 'success'
    },
    {
      name: 'Ready, requested label, Yellow, only Green accepted: keeps waiting',
      environment: env({ VersionLabel: 'v2', Health: 'Yellow', HealthStatus: 'Warning' }),
      expected: 'wait',
      reason: /waiting for health Green/
    },
    {
      name: 'Ready, requested label, Yellow, Green,Yellow accepted',
      environment: env({ VersionLabel: 'v2', Health: 'Yellow' }),
      watch: { acceptedHealth: ['Green', 'Yellow'] },
      expected: 'success'
    },
    {
      name: 'Ready on the requested label but Red',
      environment: env({ VersionLabel: 'v2', Health: 'Red' }),
      expected: 'fail',
      reason: /health is Red/
    },
    {
      name: 'Updating, Grey: waits',
      environment: env({ Status: 'Updating', Health: 'Grey' }),
      expected: 'wait',
      reason: /status Updating, health Grey, version v1/
    },
    {
      name: 'Updating and Red after the update',
      environment: env({ Status: 'Updating', Health: 'Red', HealthStatus: 'Severe' }),
      expected: 'fail',
      reason: /health turned Red during the update/
    },
    {
      name: 'Updating and Red when it was already Red before (a fix being deployed): waits',
      environment: env({ Status: 'Updating', Health: 'Red' }),
      watch: { previousHealth: 'Red' },
      expected: 'wait'
    },
    {
      name: 'ERROR event after the update fails fast while still Updating',
      environment: env({ Status: 'Updating', Health: 'Grey' }),
      events: [
        event(5, 'INFO', 'Environment update is starting.'),
        event(40, 'ERROR', 'Failed to deploy application.')
      ],
      expected: 'fail',
      reason: /Beanstalk reported an error: Failed to deploy application\./
    },
    {
      name: 'a burst of ERROR events gives the cause with the generic lines, oldest first',
      environment: env({ Status: 'Updating', Health: 'Red', HealthStatus: 'Severe' }),
      watch: { previousHealth: 'Red' },
      events: [
        event(35, 'ERROR', '[Instance: i-0a1b] ECS task stopped due to: Essential container in task exited.'),
        event(
          35,
          'ERROR',
          "Unsuccessful command execution on instance id(s) 'i-0a1b'. Aborting the operation."
        ),
        event(35, 'ERROR', 'Failed to deploy application.'),
        event(60, 'ERROR', 'During an aborted deployment, some instances may have deployed the new version.')
      ],
      expected: 'fail',
      reason:
        /^Beanstalk reported an error: \[Instance: i-0a1b\] ECS task stopped due to: Essential container in task exited\. \| Unsuccessful command execution .* \| Failed to deploy application\.$/
    },
    {
      name: 'ERROR event from before the update is ignored',
      environment: env({ Status: 'Updating', Health: 'Grey' }),
      events: [event(-120, 'ERROR', 'Failed to deploy application.')],
      expected: 'wait'
    },
    {
      name: 'Ready on the old label after the update started: Beanstalk went back (the six-hour hang)',
      environment: env({ VersionLabel: 'v1', Health: 'Yellow' }),
      expected: 'fail',
      reason: /Ready on version v1, not v2/
    },
    {
      name: 'Ready on the old label before the update shows up: waits a few polls',
      environment: env({ VersionLabel: 'v1' }),
      watch: { updateSeen: false, polls: 0 },
      expected: 'wait',
      reason: /waiting for the update to start/
    },
    {
      name: 'Ready on the old label and the update never showed up',
      environment: env({ VersionLabel: 'v1' }),
      watch: { updateSeen: false, polls: UPDATE_START_GRACE_POLLS },
      expected: 'fail',
      reason: /never started/
    },
    {
      name: 'Redeploying the label already running: Ready before the update is seen does not count',
      environment: env({ VersionLabel: 'v2' }),
      watch: { updateSeen: false, polls: 0, previousLabel: 'v2' },
      expected: 'wait'
    },
    {
      name: 'Redeploying the label already running, update seen, Green',
      environment: env({ VersionLabel: 'v2' }),
      watch: { updateSeen: true, previousLabel: 'v2' },
      expected: 'success'
    },
    { name: 'environment gone', environment: undefined, expected: 'fail', reason: /no longer exists/ },
    {
      name: 'environment terminating',
      environment: env({ Status: 'Terminating' }),
      expected: 'fail',
      reason: /Terminating/
    }
  ];

  it.each(cases)('$name', ({ environment, events, watch: overrides, expected, reason }) => {
    const { decision } = judgeUpdate(environment, events ?? [], { ...watch, ...overrides });
    expect(decision.kind).toBe(expected);
    if (reason) {
      const text =
        decision.kind === 'fail'
          ? decision.reason
          : decision.kind === 'wait'
            ? decision.progress
            : decision.message;
      expect(text).toMatch(reason);
    }
  });

  it('marks the update seen once the environment leaves Ready', () => {
    const first = judgeUpdate(env({ Status: 'Updating' }), [], { ...watch, updateSeen: false, polls: 0 });
    expect(first.updateSeen).toBe(true);
    const still = judgeUpdate(env({}), [], { ...watch, updateSeen: false, polls: 0 });
    expect(still.updateSeen).toBe(false);
  });

  it('counts an event after the update as the update being seen', () => {
    const { updateSeen, decision } = judgeUpdate(
      env({ VersionLabel: 'v1' }),
      [event(1, 'INFO', 'Environment update is starting.')],
      { ...watch, updateSeen: false, polls: 0 }
    );
    expect(updateSeen).toBe(true);
    expect(decision.kind).toBe('fail');
  });
});

describe('judgeReadyForUpdate', () => {
  it.each([
    ['Ready', 'success'],
    ['Updating', 'wait'],
    ['Launching', 'wait'],
    ['Terminated', 'fail']
  ] as const)('%s -> %s', (Status, expected) => {
    expect(judgeReadyForUpdate(env({ Status })).kind).toBe(expected);
  });
  it('fails for a missing environment', () => {
    expect(judgeReadyForUpdate(undefined).kind).toBe('fail');
  });
});

describe('planRollback', () => {
  const base = {
    rollbackOnFailure: true,
    previousLabel: 'v1',
    requestedLabel: 'v2',
    environmentTouched: true
  };
  it('rolls back to the previous label', () => {
    expect(planRollback(base)).toEqual({ kind: 'rollback', to: 'v1' });
  });
  it.each([
    [{ rollbackOnFailure: false }, /rollback-on-failure is false/],
    [{ previousLabel: undefined }, /ran no version/],
    [{ previousLabel: 'v2' }, /already ran v2/],
    [{ environmentTouched: false }, /not changed/]
  ])('does not roll back when %p', (overrides, reason) => {
    const plan = planRollback({ ...base, ...overrides });
    expect(plan.kind).toBe('none');
    expect(plan.kind === 'none' && plan.reason).toMatch(reason);
  });
});
