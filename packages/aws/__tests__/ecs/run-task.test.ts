import { describe, expect, it } from '@jest/globals';
import type { Task } from '@aws-sdk/client-ecs';
import { MemoryLogger, ScriptedEcs, FakeClock } from '@deploy-suite/testing';
import {
  buildRunTaskRequest,
  checkCapacityProviderStrategy,
  checkContainerOverrides,
  checkNetworkIds,
  checkStartedBy,
  checkTaskTags,
  essentialContainers,
  judgeRunTask,
  maskRunTaskValues,
  runTaskBeforeDeploy,
  runTaskFailure,
  stopRunTasks,
  type EcsApi,
  type RunTaskSettings,
  type RunTaskTracker
} from '../../src/ecs/index.js';

/** Tria (seed 002): cluster, service, family, container, image. */
const CLUSTER = 'tria-aibpo-staging-cluster';
const SERVICE = 'tria-aibpo-staging-service';
const TD_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/tria-aibpo-staging-task:8';
const TASK_ARN = `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/0f2d1b3c4e5a6978`;
const taskDefinition = {
  family: 'tria-aibpo-staging-task',
  networkMode: 'awsvpc',
  containerDefinitions: [
    { name: 'tria-aibpo-backend', essential: true },
    { name: 'xray-daemon', essential: false }
  ]
};
const serviceLaunch = {
  launchType: 'FARGATE' as const,
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
      securityGroups: ['sg-0ecs1tasks'],
      assignPublicIp: 'DISABLED' as const
    }
  }
};
const NAMES = { containerOverrides: 'run-task-container-overrides', subnets: 'run-task-subnets' };
const settings = (over: Partial<RunTaskSettings> = {}): RunTaskSettings => ({
  containerOverrides: [{ name: 'tria-aibpo-backend', command: ['npm', 'run', 'migrate'] }],
  subnets: [],
  securityGroups: [],
  startedBy: 'GitHub-Actions',
  tags: [],
  waitForStopped: true,
  ...over
});
const build = (over: Partial<RunTaskSettings> = {}, service: object = serviceLaunch) =>
  buildRunTaskRequest(
    settings(over),
    { cluster: CLUSTER, taskDefinitionArn: TD_ARN, taskDefinition, service, serviceName: SERVICE },
    NAMES
  );

describe('run-task inputs', () => {
  it('reads container overrides, refusing unknown members, bad types and repeated names', () => {
    expect(
      checkContainerOverrides(
        '[{"name": "tria-aibpo-backend", "command": ["npm", "run", "migrate"], "memory": 1024}]',
        'run-task-container-overrides'
      )
    ).toEqual([{ name: 'tria-aibpo-backend', command: ['npm', 'run', 'migrate'], memory: 1024 }]);
    expect(checkContainerOverrides('', 'x')).toEqual([]);
    expect(() => checkContainerOverrides('{"name": "a"}', 'run-task-container-overrides')).toThrow(
      /Input "run-task-container-overrides" must be a JSON array/
    );
    expect(() => checkContainerOverrides('[{"name": "a", "comand": ["x"]}]', 'o')).toThrow(
      /entry 1 has unknown member\(s\) "comand"/
    );
    expect(() => checkContainerOverrides('[{"name": "a", "command": "npm run migrate"}]', 'o')).toThrow(
      /"command" must be a list of strings/
    );
    expect(() => checkContainerOverrides('[{"name": "a", "memory": "512"}]', 'o')).toThrow(
      /"memory" must be a whole number/
    );
    expect(() => checkContainerOverrides('[{"name": "a"}, {"name": "a"}]', 'o')).toThrow(/a second time/);
    expect(() => checkContainerOverrides('[{"command": ["x"]}]', 'o')).toThrow(/needs "name"/);
  });

  it('never echoes an override value: not in a JSON syntax error, not in a bad environment entry', () => {
    const secret = 'postgres://tria:s3cr3t-Passw0rd@tria-db.internal:5432/tria';
    const broken = `[{"name": "tria-aibpo-backend", "environment": [{"name": "DATABASE_URL", "value": ${secret}}]}]`;
    const messages: string[] = [];
    for (const text of [
      broken,
      `[{"name": "tria-aibpo-backend", "environment": [{"name": "DATABASE_URL", "value": "${secret}", "extra": 1}]}]`,
      `[{"name": "tria-aibpo-backend", "environment": {"DATABASE_URL": "${secret}"}}]`
    ]) {
      try {
        checkContainerOverrides(text, 'run-task-container-overrides');
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/is not valid JSON.*expected an array of container overrides/);
    for (const message of messages) {
      expect(message).toMatch(/run-task-container-overrides/);
      expect(message).not.toContain('s3cr3t');
    }
  });

  it('checks capacity provider strategies, tags, started-by and network ids', () => {
    expect(
      checkCapacityProviderStrategy('[{"capacityProvider": "FARGATE_SPOT", "weight": 1}]', 'cps')
    ).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(checkCapacityProviderStrategy('', 'cps')).toBeUndefined();
    expect(() => checkCapacityProviderStrategy('[{"weight": 1}]', 'cps')).toThrow(/needs "capacityProvider"/);
    expect(() =>
      checkCapacityProviderStrategy('[{"capacityProvider": "FARGATE", "weight": 5000}]', 'cps')
    ).toThrow(/"weight" must be a whole number from 0 to 1000/);
    expect(checkTaskTags('[{"key": "purpose", "value": "migration"}]', 'run-task-tags')).toEqual([
      { key: 'purpose', value: 'migration' }
    ]);
    expect(() => checkTaskTags('[{"key": "aws:owner", "value": "x"}]', 'run-task-tags')).toThrow(/reserved/);
    expect(() => checkTaskTags('{"purpose": "migration"}', 'run-task-tags')).toThrow(/JSON array/);
    expect(checkStartedBy('GitHub-Actions', 'run-task-started-by')).toBe('GitHub-Actions');
    expect(() => checkStartedBy('deploy by me', 'run-task-started-by')).toThrow(/run-task-started-by/);
    expect(checkNetworkIds(['subnet-0a1b2c3d'], 'run-task-subnets', 'subnet')).toEqual(['subnet-0a1b2c3d']);
    expect(() => checkNetworkIds(['sg-0abc'], 'run-task-subnets', 'subnet')).toThrow(
      /Input "run-task-subnets" must list subnet-... ids/
    );
    expect(() =>
      checkNetworkIds(['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5', 'sg-6'], 'run-task-security-groups', 'sg')
    ).toThrow(/at most 5/);
  });

  it('masks override environment values worth masking, and leaves short common ones readable', () => {
    const logger = new MemoryLogger();
    maskRunTaskValues(
      settings({
        containerOverrides: [
          {
            name: 'tria-aibpo-backend',
            environment: [
              { name: 'DATABASE_URL', value: 'postgres://tria:s3cr3t-Passw0rd@tria-db.internal:5432/tria' },
              { name: 'MIGRATION_TOKEN', value: 'tok-81f2a9' },
              { name: 'NODE_ENV', value: 'production' }
            ]
          }
        ]
      }),
      logger
    );
    expect(logger.masked).toEqual([
      'postgres://tria:s3cr3t-Passw0rd@tria-db.internal:5432/tria',
      'tok-81f2a9'
    ]);
  });
});

describe('buildRunTaskRequest', () => {
  it('takes the network and launch type from the first service when the inputs leave them open', () => {
    expect(build()).toEqual({
      cluster: CLUSTER,
      taskDefinition: TD_ARN,
      count: 1,
      startedBy: 'GitHub-Actions',
      launchType: 'FARGATE',
      networkConfiguration: serviceLaunch.networkConfiguration,
      overrides: { containerOverrides: [{ name: 'tria-aibpo-backend', command: ['npm', 'run', 'migrate'] }] }
    });
  });

  it('lets the inputs win, one setting at a time', () => {
    const request = build({
      subnets: ['subnet-9f9f9f9f'],
      assignPublicIp: 'ENABLED',
      tags: [{ key: 'purpose', value: 'migration' }]
    });
    expect(request.networkConfiguration).toEqual({
      awsvpcConfiguration: {
        subnets: ['subnet-9f9f9f9f'],
        securityGroups: ['sg-0ecs1tasks'],
        assignPublicIp: 'ENABLED'
      }
    });
    expect(request.tags).toEqual([{ key: 'purpose', value: 'migration' }]);
  });

  it("sends no launch type with a capacity provider strategy (given, or the service's)", () => {
    const given = build({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] });
    expect(given.launchType).toBeUndefined();
    expect(given.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    const fromService = build(
      {},
      {
        ...serviceLaunch,
        launchType: undefined,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }]
      }
    );
    expect(fromService).toMatchObject({
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }]
    });
    expect(fromService.launchType).toBeUndefined();
    expect(build({ launchType: 'EC2' }).launchType).toBe('EC2');
    expect(build({}, { networkConfiguration: serviceLaunch.networkConfiguration }).launchType).toBe(
      'FARGATE'
    );
  });

  it('refuses override names the task definition does not have, naming the input and the containers', () => {
    expect(() =>
      build({ containerOverrides: [{ name: 'backend', command: ['npm', 'run', 'migrate'] }] })
    ).toThrow(
      /Input "run-task-container-overrides" names "backend", which task definition tria-aibpo-staging-task does not have. Containers: tria-aibpo-backend, xray-daemon/
    );
  });

  it('needs subnets for an awsvpc task when the service has none, and refuses them for other modes', () => {
    expect(() => build({}, { launchType: 'FARGATE' })).toThrow(
      /Input "run-task-subnets" is needed: .*service tria-aibpo-staging-service has no awsvpcConfiguration/
    );
    expect(() =>
      buildRunTaskRequest(
        settings({ subnets: ['subnet-0a1b2c3d'] }),
        {
          cluster: CLUSTER,
          taskDefinitionArn: TD_ARN,
          taskDefinition: { ...taskDefinition, networkMode: 'bridge' },
          service: { launchType: 'EC2' },
          serviceName: SERVICE
        },
        NAMES
      )
    ).toThrow(/awsvpc tasks only; .* uses network mode bridge/);
  });
});

const stopped = (over: Partial<Task>): Task => ({
  taskArn: TASK_ARN,
  taskDefinitionArn: TD_ARN,
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  startedAt: new Date('2026-12-02T14:00:00Z'),
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [
    { name: 'tria-aibpo-backend', exitCode: 0, lastStatus: 'STOPPED' },
    { name: 'xray-daemon', exitCode: 137, lastStatus: 'STOPPED' }
  ],
  ...over
});

describe('judgeRunTask', () => {
  const essential = essentialContainers(taskDefinition);
  it('essential containers are the ones not marked essential: false', () => {
    expect(essential).toEqual(['tria-aibpo-backend']);
  });
  it('succeeds when every essential container exited 0 (a sidecar killed on the way out does not count)', () => {
    expect(judgeRunTask(stopped({}), essential)).toEqual({
      ok: true,
      reason: 'task 0f2d1b3c4e5a6978: tria-aibpo-backend exit 0'
    });
  });
  it('fails with the stoppedReason and the exit codes when the migration exits non-zero', () => {
    const verdict = judgeRunTask(
      stopped({
        containers: [
          { name: 'tria-aibpo-backend', exitCode: 1 },
          { name: 'xray-daemon', exitCode: 0 }
        ]
      }),
      essential
    );
    expect(verdict).toEqual({
      ok: false,
      reason:
        'task 0f2d1b3c4e5a6978 failed: Essential container in task exited; tria-aibpo-backend exit 1; xray-daemon exit 0'
    });
  });
  it('fails a task that never started', () => {
    const verdict = judgeRunTask(
      stopped({
        startedAt: undefined,
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
        containers: [{ name: 'tria-aibpo-backend', reason: 'CannotPullContainerError: not found' }]
      }),
      essential
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(
      /^task 0f2d1b3c4e5a6978 never started: CannotPullContainerError: pull image/
    );
    expect(verdict.reason).toContain('tria-aibpo-backend: CannotPullContainerError: not found');
  });
  it('fails a task stopped before its essential container exited', () => {
    const verdict = judgeRunTask(
      stopped({
        stopCode: 'UserInitiated',
        stoppedReason: 'Task stopped by user',
        containers: [{ name: 'tria-aibpo-backend' }]
      }),
      essential
    );
    expect(verdict).toEqual({ ok: false, reason: 'task 0f2d1b3c4e5a6978 failed: Task stopped by user' });
  });
});

/** A scripted ECS answering RunTask with one task, then DescribeTasks with each answer in turn. */
function scripted(answers: Task[][], calls: string[]): EcsApi {
  const base = new ScriptedEcs([{}]);
  let index = 0;
  return Object.assign(base, {
    runTask: async () => {
      calls.push('RunTask');
      return { tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }], failures: [] };
    },
    describeTasks: async () => {
      calls.push('DescribeTasks');
      return { tasks: answers[Math.min(index++, answers.length - 1)], failures: [] };
    },
    stopTask: async () => {
      calls.push('StopTask');
      return {};
    }
  }) as unknown as EcsApi;
}

describe('runTaskBeforeDeploy', () => {
  const options = (over: object = {}) => ({
    essentialContainers: ['tria-aibpo-backend'],
    wait: true,
    timeoutMs: 10 * 60_000,
    intervalMs: 10_000,
    logger: new MemoryLogger(),
    clock: new FakeClock(),
    ...over
  });

  it('waits until STOPPED, backing off, and keeps the stopped task for the report', async () => {
    const calls: string[] = [];
    const api = scripted(
      [
        [{ taskArn: TASK_ARN, lastStatus: 'PENDING' }],
        [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }],
        [stopped({})]
      ],
      calls
    );
    const clock = new FakeClock();
    const result = await runTaskBeforeDeploy(api, build(), options({ clock }));
    expect(result).toMatchObject({
      state: 'succeeded',
      taskArns: [TASK_ARN],
      taskDefinitionArn: TD_ARN,
      tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED' }]
    });
    expect(calls).toEqual(['RunTask', 'DescribeTasks', 'DescribeTasks', 'DescribeTasks']);
    expect(clock.sleeps.length).toBe(2);
    expect(clock.sleeps[1]).toBeGreaterThan(clock.sleeps[0] * 0.9);
  });

  it('reports a failing migration with its reason and exit codes', async () => {
    const api = scripted([[stopped({ containers: [{ name: 'tria-aibpo-backend', exitCode: 1 }] })]], []);
    const result = await runTaskBeforeDeploy(api, build(), options());
    expect(result.state).toBe('failed');
    expect(result.reason).toContain('tria-aibpo-backend exit 1');
    expect(runTaskFailure(result, [TD_ARN])).toBe(
      `run-task failed: ${result.reason}; no service was updated; registered ${TD_ARN} (left registered)`
    );
  });

  it('does not wait without wait-for-task-stopped', async () => {
    const calls: string[] = [];
    const result = await runTaskBeforeDeploy(scripted([], calls), build(), options({ wait: false }));
    expect(result).toMatchObject({ state: 'started', taskArns: [TASK_ARN] });
    expect(calls).toEqual(['RunTask']);
  });

  it('times out at the deadline, saying the task still runs', async () => {
    const api = scripted([[{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }]], []);
    const result = await runTaskBeforeDeploy(api, build(), options({ timeoutMs: 60_000 }));
    expect(result.state).toBe('timed-out');
    expect(result.reason).toMatch(
      /Timed out after .* waiting for run-task 0f2d1b3c4e5a6978 to stop.*still running/
    );
  });

  it('a refused RunTask is a failure, not a throw', async () => {
    const api = Object.assign(new ScriptedEcs([{}]), {
      runTask: async () => {
        throw new Error('Override for container named backend is not a container in the TaskDefinition.');
      }
    }) as unknown as EcsApi;
    const result = await runTaskBeforeDeploy(api, build(), options());
    expect(result).toMatchObject({ state: 'failed', taskArns: [] });
    expect(result.reason).toMatch(/^RunTask refused: Override for container/);
  });

  it('starts nothing when the step was cancelled before RunTask', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    controller.abort();
    const api = scripted([[{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }]], calls);
    const result = await runTaskBeforeDeploy(api, build(), options({ signal: controller.signal }));
    expect(result).toMatchObject({ state: 'cancelled', taskArns: [] });
    expect(result.reason).toBe('cancelled before RunTask: no task was started');
    expect(calls).not.toContain('RunTask');
  });

  it('stops the task when the step is cancelled while waiting, once', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const api = scripted([[{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }]], calls);
    const tracker: RunTaskTracker = { cluster: CLUSTER, taskArns: [], watching: false, stopped: false };
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms: number) => {
      // the runner's cancel hook runs while the loop sleeps
      controller.abort();
      expect(await stopRunTasks(api, tracker, logger)).toEqual([
        'run-task 0f2d1b3c4e5a6978 stopped (StopTask)'
      ]);
      return sleep(ms);
    };
    const result = await runTaskBeforeDeploy(
      api,
      build(),
      options({ signal: controller.signal, tracker, clock, logger })
    );
    expect(result).toMatchObject({
      state: 'cancelled',
      reason: 'cancelled while waiting for the task; the cancel hook stopped it (StopTask)'
    });
    expect(calls.filter(call => call === 'StopTask')).toHaveLength(1);
    expect(tracker).toMatchObject({ taskArns: [TASK_ARN], stopped: true, watching: false });
    // not watching any more: a late cancel hook stops nothing
    expect(await stopRunTasks(api, tracker, logger)).toEqual([]);
  });
});
