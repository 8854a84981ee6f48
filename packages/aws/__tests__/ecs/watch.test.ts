import { describe, expect, it } from '@jest/globals';
import { FakeClock, MemoryLogger, ScriptedEcs } from '@deploy-suite/testing';
import { type Clock } from '@deploy-suite/core';
import { watchDeployments, type WatchTarget } from '../../src/ecs/index.js';
import {
  NEW,
  NEW_DEPLOYMENT,
  OLD,
  OLD_DEPLOYMENT,
  circuitBreakerRollback,
  deployment,
  service,
  stoppedTask
} from './fixtures.js';

const target = (name: string): WatchTarget => ({
  service: name,
  deploymentId: NEW_DEPLOYMENT,
  taskDefinitionArn: NEW
});
const old = deployment({
  id: OLD_DEPLOYMENT,
  status: 'ACTIVE',
  taskDefinition: OLD,
  runningCount: 2,
  rolloutState: 'COMPLETED'
});
const rolling = (name: string, running: number) =>
  service([deployment({ runningCount: running, pendingCount: 2 - running }), old], { serviceName: name });
const done = (name: string) =>
  service([deployment({ runningCount: 2, rolloutState: 'COMPLETED' })], { serviceName: name });

/** A clock whose sleeps also move the scripted world on by one poll. */
function steppingClock(api: ScriptedEcs): Clock & { fake: FakeClock } {
  const fake = new FakeClock(Date.parse('2026-11-25T10:00:00Z'));
  return {
    fake,
    now: () => fake.now(),
    sleep: async ms => {
      await fake.sleep(ms);
      api.next();
    }
  };
}

describe('watchDeployments', () => {
  it('watches several services with one DescribeServices per poll until all are deployed', async () => {
    const names = ['backend-service', 'ai-ml-service', 'xray-service'];
    const api = new ScriptedEcs([
      Object.fromEntries(names.map(name => [name, rolling(name, 0)])),
      Object.fromEntries(names.map(name => [name, rolling(name, 1)])),
      {
        'backend-service': done('backend-service'),
        'ai-ml-service': done('ai-ml-service'),
        'xray-service': rolling('xray-service', 1)
      },
      Object.fromEntries(names.map(name => [name, done(name)]))
    ]);
    const logger = new MemoryLogger();
    const result = await watchDeployments(api, {
      cluster: 'docuthinker-cluster',
      targets: names.map(target),
      timeoutMs: 600_000,
      intervalMs: 200,
      logger,
      clock: steppingClock(api)
    });
    expect(result.outcomes.map(outcome => outcome.state)).toEqual(['deployed', 'deployed', 'deployed']);
    expect(result.calls.polls).toBe(4);
    expect(api.count('DescribeServices')).toBe(4);
    // Only services still rolling out are asked about: the last poll describes xray-service alone.
    expect(api.calls.filter(call => call.operation === 'DescribeServices').at(-1)?.input).toEqual({
      cluster: 'docuthinker-cluster',
      services: ['xray-service']
    });
    expect(logger.messages('info')).toContain(
      'backend-service: 1/2 running, 1 pending, rollout IN_PROGRESS, 0ms'
    );
  });

  it('batches 12 services into DescribeServices calls of at most 10', async () => {
    const names = Array.from({ length: 12 }, (_, index) => `worker-${index}`);
    const api = new ScriptedEcs([Object.fromEntries(names.map(name => [name, done(name)]))]);
    const result = await watchDeployments(api, {
      cluster: 'c',
      targets: names.map(target),
      timeoutMs: 60_000,
      intervalMs: 200,
      logger: new MemoryLogger(),
      clock: steppingClock(api)
    });
    expect(result.outcomes.every(outcome => outcome.state === 'deployed')).toBe(true);
    expect(api.calls.map(call => (call.input as { services: string[] }).services.length)).toEqual([10, 2]);
  });

  it('reports the circuit-breaker rollback as a failure on the next poll, with the rollback deployment', async () => {
    const api = new ScriptedEcs([
      { 'backend-service': rolling('backend-service', 1) },
      { 'backend-service': circuitBreakerRollback() }
    ]);
    const result = await watchDeployments(api, {
      cluster: 'c',
      targets: [target('backend-service')],
      timeoutMs: 600_000,
      intervalMs: 200,
      logger: new MemoryLogger(),
      clock: steppingClock(api)
    });
    expect(result.outcomes[0]).toMatchObject({
      state: 'failed',
      circuitBreakerRollback: { taskDefinitionArn: OLD }
    });
    expect(result.calls.polls).toBe(2);
  });

  it('describes each stopped task once and fails fast on the first failed task of the new revision', async () => {
    const crashed = (id: string) =>
      stoppedTask({
        taskArn: `arn:aws:ecs:us-east-1:123456789012:task/c/${id}`,
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited'
      });
    const scaledIn = stoppedTask({
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/scaled',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
      containers: [{ name: 'backend', exitCode: 0 }]
    });
    const withFailed = (failedTasks: number) =>
      service([deployment({ runningCount: 1, pendingCount: 1, failedTasks }), old]);
    const api = new ScriptedEcs(
      [
        { 'backend-service': withFailed(0) },
        { 'backend-service': withFailed(0) },
        { 'backend-service': withFailed(1) }
      ],
      poll => (poll >= 1 ? [scaledIn, ...(poll >= 2 ? [crashed('crash1')] : [])] : [])
    );
    // Poll 2: an event appears (ECS started a replacement), so tasks are listed: only the scale-in is there.
    const events = {
      1: [
        {
          id: 'e1',
          createdAt: new Date('2026-11-25T10:00:30Z'),
          message: '(service backend-service) has started 1 tasks: (task abc).'
        }
      ]
    };
    const original = api.describeServices.bind(api);
    let polls = 0;
    api.describeServices = async input => {
      const output = await original(input);
      const added = events[polls as 1] ?? [];
      polls++;
      return { ...output, services: output.services.map(entry => ({ ...entry, events: added })) };
    };
    const logger = new MemoryLogger();
    const result = await watchDeployments(api, {
      cluster: 'c',
      targets: [target('backend-service')],
      timeoutMs: 600_000,
      intervalMs: 200,
      logger,
      clock: steppingClock(api)
    });
    expect(result.outcomes[0]).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/crash1 stopped: Essential container in task exited; backend exit 1/)
    });
    // the stopped task itself is kept: its containers' logs are read from it
    expect(result.taskFailures['backend-service'].map(failure => failure.task?.taskArn)).toEqual([
      'arn:aws:ecs:us-east-1:123456789012:task/c/crash1'
    ]);
    expect(api.count('ListTasks')).toBe(2);
    const described = api.calls
      .filter(call => call.operation === 'DescribeTasks')
      .map(call => (call.input as { tasks: string[] }).tasks);
    expect(described).toEqual([
      ['arn:aws:ecs:us-east-1:123456789012:task/c/scaled'],
      ['arn:aws:ecs:us-east-1:123456789012:task/c/crash1']
    ]);
    expect(logger.messages('info').filter(line => line.includes('has started 1 tasks'))).toHaveLength(1);
  });

  it('stops at the overall deadline with the last progress line', async () => {
    const api = new ScriptedEcs([{ 'backend-service': rolling('backend-service', 1) }]);
    const clock = steppingClock(api);
    const logger = new MemoryLogger();
    const result = await watchDeployments(api, {
      cluster: 'c',
      targets: [target('backend-service')],
      timeoutMs: 60_000,
      intervalMs: 5_000,
      logger,
      clock
    });
    expect(result.outcomes[0]).toMatchObject({
      state: 'timed-out',
      reason: expect.stringMatching(/Timed out after 1m.*last seen: backend-service: 1\/2 running/)
    });
    // and what is still pending, deployment by deployment, not only "timed out"
    expect(logger.text()).toMatch(
      /The deployment ran out of time; still pending:\n.*backend-service: .*running, .*pending\n.*deployment ecs-svc\/\S+ PRIMARY on \S+: 1\/2 running, 1 pending, rollout IN_PROGRESS/
    );
    expect(result.taskFailures['backend-service']).toEqual([]);
    expect(clock.fake.now() - Date.parse('2026-11-25T10:00:00Z')).toBe(60_000);
  });

  it('stops watching the others when one service fails, and says so', async () => {
    const api = new ScriptedEcs([
      { 'backend-service': circuitBreakerRollback(), 'ai-ml-service': rolling('ai-ml-service', 1) }
    ]);
    const result = await watchDeployments(api, {
      cluster: 'c',
      targets: [target('backend-service'), target('ai-ml-service')],
      timeoutMs: 60_000,
      intervalMs: 200,
      logger: new MemoryLogger(),
      clock: steppingClock(api)
    });
    expect(result.outcomes.map(outcome => outcome.state)).toEqual(['failed', 'stopped']);
  });

  it('fails a service that does not exist instead of waiting for it', async () => {
    const api = new ScriptedEcs([{}]);
    const result = await watchDeployments(api, {
      cluster: 'c',
      targets: [target('frontend-service')],
      timeoutMs: 60_000,
      intervalMs: 200,
      logger: new MemoryLogger(),
      clock: steppingClock(api)
    });
    expect(result.outcomes[0]).toMatchObject({ state: 'failed', reason: 'the service was not found' });
  });
});
