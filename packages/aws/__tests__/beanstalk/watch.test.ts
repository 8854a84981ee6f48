import { describe, expect, it } from '@jest/globals';
import { FakeClock, MemoryLogger, FakeBeanstalk, fakeAwsError } from '@deploy-suite/testing';
import { deployLabel, EventPrinter } from '../../src/beanstalk/watch.js';
import type { BeanstalkApi, EventDescription } from '../../src/beanstalk/api.js';

const T0 = Date.parse('2025-03-01T12:00:00Z');

function setUp() {
  const clock = new FakeClock(T0);
  const api = new FakeBeanstalk(clock)
    .addEnvironment({ application: 'ChatRelay', name: 'chatrelay-prod', versionLabel: 'v1' })
    .addVersion({ application: 'ChatRelay', label: 'v1' })
    .addVersion({ application: 'ChatRelay', label: 'v2' });
  const logger = new MemoryLogger();
  const timing = { deadline: T0 + 30 * 60_000, pollIntervalMs: 15_000, clock, random: () => 0 };
  const request = {
    application: 'ChatRelay',
    environment: 'chatrelay-prod',
    label: 'v2',
    acceptedHealth: ['Green' as const],
    eventsSince: new Date(T0)
  };
  return { clock, api, logger, timing, request };
}

describe('deployLabel', () => {
  it('succeeds only once Ready on the requested label and Green, printing each event once', async () => {
    const { api, logger, timing, request } = setUp();
    const { outcome, before } = await deployLabel(api, request, timing, logger);
    expect(outcome).toMatchObject({
      ok: true,
      environment: { VersionLabel: 'v2', Health: 'Green', Status: 'Ready' }
    });
    expect(before.VersionLabel).toBe('v1');
    const text = logger.text();
    expect(text.match(/Environment update is starting\./g)).toHaveLength(1);
    expect(text.match(/Environment update completed successfully\./g)).toHaveLength(1);
    expect(text).toMatch(/status Updating, health Grey, version v1/);
  });

  it('fails on the first poll after an ERROR event, with the message, as an annotation', async () => {
    const { api, clock, logger, timing, request } = setUp();
    api.onDeploy('v2', { kind: 'crash', errorAtMs: 45_000, updatingMs: 600_000 });
    const { outcome } = await deployLabel(api, request, timing, logger);
    expect(outcome).toMatchObject({ ok: false, timedOut: false });
    expect(!outcome.ok && outcome.reason).toMatch(
      /Beanstalk reported an error: \[Instance: i-0a1b2c3d\] Command failed/
    );
    // detected on the first poll after the error: within one (backed-off) interval, not at the 10-minute mark
    expect(clock.now() - T0).toBeLessThanOrEqual(45_000 + 30_000);
    expect(logger.messages('error').some(message => message.includes('Failed to deploy application.'))).toBe(
      true
    );
  });

  it('waits for a busy environment before UpdateEnvironment', async () => {
    const { api, clock, logger, timing, request } = setUp();
    api.busy('chatrelay-prod', 120_000);
    const { outcome } = await deployLabel(api, request, timing, logger);
    expect(outcome.ok).toBe(true);
    const update = api.calls.find(call => call.operation === 'UpdateEnvironment')!;
    expect(update.at).toBeGreaterThanOrEqual(T0 + 120_000);
    expect(logger.text()).toMatch(/another update is running/);
    expect(clock.now()).toBeGreaterThan(update.at);
  });

  it('times out at the deadline with the last state', async () => {
    const { api, logger, timing, request } = setUp();
    api.onDeploy('v2', { kind: 'stuck' });
    const { outcome } = await deployLabel(api, request, { ...timing, deadline: T0 + 5 * 60_000 }, logger);
    expect(outcome).toMatchObject({ ok: false, timedOut: true });
    expect(!outcome.ok && outcome.reason).toMatch(
      /Timed out after 5m waiting for chatrelay-prod to be Ready on v2; last seen: status Updating/
    );
  });

  it('fails when health turns Red during the update', async () => {
    const { api, logger, timing, request } = setUp();
    api.onDeploy('v2', { kind: 'red', redAtMs: 30_000 });
    const { outcome } = await deployLabel(api, request, timing, logger);
    expect(!outcome.ok && outcome.reason).toMatch(/health turned Red/);
  });

  it('polls politely: two describe calls per poll, well under Beanstalk limits', async () => {
    const { api, clock, logger, timing, request } = setUp();
    api.onDeploy('v2', { kind: 'healthy', updatingMs: 10 * 60_000 });
    await deployLabel(api, request, timing, logger);
    const describes = api.calls.filter(call => call.operation.startsWith('Describe')).length;
    const minutes = (clock.now() - T0) / 60_000;
    expect(describes / minutes).toBeLessThanOrEqual(10); // 15s interval: 8 calls a minute
  });

  it('rides out describes that stay throttled after the SDK retries: the poll is skipped, not the deploy', async () => {
    const { api, logger, timing, request } = setUp();
    api.onDeploy('v2', { kind: 'healthy', updatingMs: 5 * 60_000 });
    let describes = 0;
    // every other describe during the watch fails as the SDK raises it once its retries are spent
    const throttled: BeanstalkApi = Object.assign(Object.create(api) as BeanstalkApi, {
      describeEnvironment: (application: string, environment: string) =>
        ++describes % 2 === 0
          ? Promise.reject(fakeAwsError('Throttling', 'Rate exceeded'))
          : api.describeEnvironment(application, environment)
    });
    const { outcome } = await deployLabel(throttled, request, timing, logger);
    expect(outcome).toMatchObject({ ok: true, environment: { VersionLabel: 'v2' } });
    expect(logger.text()).toMatch(
      /a describe call failed \(Throttling\); backing off and looking again until the deadline/
    );
  });

  it('fails at once on a describe error that another look cannot fix', async () => {
    const { api, logger, timing, request } = setUp();
    let describes = 0;
    const denied: BeanstalkApi = Object.assign(Object.create(api) as BeanstalkApi, {
      describeEnvironment: (application: string, environment: string) =>
        ++describes > 2
          ? Promise.reject(fakeAwsError('AccessDenied', 'not authorized to perform DescribeEnvironments'))
          : api.describeEnvironment(application, environment)
    });
    await expect(deployLabel(denied, request, timing, logger)).rejects.toThrow(/not authorized/);
  });
});

describe('EventPrinter', () => {
  it('prints new events oldest first and never twice', () => {
    const logger = new MemoryLogger();
    const printer = new EventPrinter(logger, 'chatrelay-prod');
    const e1: EventDescription = { EventDate: new Date(T0), Severity: 'INFO', Message: 'one' };
    const e2: EventDescription = { EventDate: new Date(T0 + 1000), Severity: 'WARN', Message: 'two' };
    expect(printer.print([e2, e1]).map(event => event.Message)).toEqual(['one', 'two']);
    expect(printer.print([e2, e1])).toEqual([]);
    expect(logger.messages('warning')).toEqual(['2025-03-01T12:00:01Z WARN  two']);
  });

  it('prints events of the same time in the order they happened (DescribeEvents answers newest first)', () => {
    const logger = new MemoryLogger();
    const printer = new EventPrinter(logger, 'chatrelay-prod');
    const at = new Date(T0);
    const newestFirst: EventDescription[] = [
      { EventDate: at, Severity: 'ERROR', Message: 'Failed to deploy application.' },
      {
        EventDate: at,
        Severity: 'ERROR',
        Message: "Unsuccessful command execution on instance id(s) 'i-0a'."
      },
      { EventDate: at, Severity: 'ERROR', Message: '[Instance: i-0a] ECS task stopped due to: exit code 1' }
    ];
    expect(printer.print(newestFirst).map(event => event.Message)).toEqual([
      '[Instance: i-0a] ECS task stopped due to: exit code 1',
      "Unsuccessful command execution on instance id(s) 'i-0a'.",
      'Failed to deploy application.'
    ]);
  });
});
