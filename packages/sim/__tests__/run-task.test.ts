import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type Task
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '../src/index.js';
import {
  BACKEND,
  CLUSTER,
  backendImage,
  backendTaskDefinition,
  ecsClient,
  fargateNetwork,
  frozenSim
} from './helpers.js';

let sim: RunningSimulator;
let ecs: ECSClient;
let taskDefinition: string;
const MIGRATE = ['npm', 'run', 'migrate'];

beforeEach(async () => {
  sim = await frozenSim();
  ecs = ecsClient(sim);
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      ...backendTaskDefinition('c0ffee1'),
      tags: [{ key: 'app', value: 'docuthinker' }]
    })
  );
  taskDefinition = out.taskDefinition!.taskDefinitionArn!;
});
afterEach(async () => {
  ecs.destroy();
  await sim.close();
});

async function runMigration(
  extra: Partial<ConstructorParameters<typeof RunTaskCommand>[0]> = {}
): Promise<Task> {
  const out = await ecs.send(
    new RunTaskCommand({
      cluster: CLUSTER,
      taskDefinition,
      launchType: 'FARGATE',
      networkConfiguration: fargateNetwork,
      overrides: { containerOverrides: [{ name: 'backend', command: MIGRATE }] },
      startedBy: 'deploy-ecs/migrate',
      ...extra
    })
  );
  expect(out.failures).toEqual([]);
  return out.tasks![0];
}

async function describeTask(arn: string): Promise<Task> {
  const out = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }));
  return out.tasks![0];
}

describe('RunTask', () => {
  it('runs a migration that exits 0: RUNNING, then STOPPED with EssentialContainerExited and exit code 0', async () => {
    sim.control.images({
      image: backendImage('c0ffee1'),
      behavior: 'exit',
      exitCode: 0,
      runSeconds: 20,
      command: MIGRATE
    });
    const task = await runMigration({
      tags: [{ key: 'run', value: 'migrate' }],
      enableECSManagedTags: true,
      propagateTags: 'TASK_DEFINITION'
    });
    expect(task).toMatchObject({
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      launchType: 'FARGATE',
      startedBy: 'deploy-ecs/migrate',
      group: 'family:docuthinker-backend',
      taskDefinitionArn: taskDefinition
    });
    expect(task.overrides!.containerOverrides).toEqual([{ name: 'backend', command: MIGRATE }]);
    expect(task.tags).toEqual(
      expect.arrayContaining([
        { key: 'app', value: 'docuthinker' },
        { key: 'run', value: 'migrate' },
        { key: 'aws:ecs:clusterName', value: CLUSTER }
      ])
    );
    sim.control.advance(30);
    expect((await describeTask(task.taskArn!)).lastStatus).toBe('RUNNING');
    sim.control.advance(30);
    const done = await describeTask(task.taskArn!);
    expect(done).toMatchObject({
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited'
    });
    expect(done.containers!.find(c => c.name === 'backend')!.exitCode).toBe(0);
    // the exit came runSeconds after the task started
    expect(done.stoppingAt!.getTime() - done.startedAt!.getTime()).toBe(20_000);
    // nobody replaces a one-off task
    const running = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, startedBy: 'deploy-ecs/migrate' })
    );
    expect(running.taskArns).toEqual([]);
  });

  it('reports a failed migration: exit code 1 and the stoppedReason', async () => {
    sim.control.images({
      image: backendImage('c0ffee1'),
      behavior: 'exit',
      exitCode: 1,
      runSeconds: 5,
      command: MIGRATE
    });
    const task = await runMigration();
    sim.control.advance(60);
    const done = await describeTask(task.taskArn!);
    expect(done.lastStatus).toBe('STOPPED');
    expect(done.stopCode).toBe('EssentialContainerExited');
    expect(done.stoppedReason).toBe('Essential container in task exited');
    expect(done.containers!.find(c => c.name === 'backend')).toMatchObject({
      exitCode: 1,
      lastStatus: 'STOPPED'
    });
  });

  it('stops a task whose image cannot be pulled with CannotPullContainerError before it runs', async () => {
    sim.control.images({ image: backendImage('c0ffee1'), behavior: 'pull-error' });
    const task = await runMigration();
    sim.control.advance(60);
    const done = await describeTask(task.taskArn!);
    expect(done.lastStatus).toBe('STOPPED');
    expect(done.stopCode).toBe('TaskFailedToStart');
    expect(done.stoppedReason).toMatch(/^CannotPullContainerError: /);
    expect(done.startedAt).toBeUndefined();
    expect(done.containers!.find(c => c.name === 'backend')!.exitCode).toBeUndefined();
  });

  it('applies a command-scoped rule only to the migration: the same image stays healthy in the service', async () => {
    sim.control.images({
      image: backendImage('c0ffee1'),
      behavior: 'exit',
      exitCode: 3,
      runSeconds: 5,
      command: MIGRATE
    });
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: BACKEND,
        taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: fargateNetwork
      })
    );
    const task = await runMigration();
    sim.control.advance(120);
    expect((await describeTask(task.taskArn!)).containers!.find(c => c.name === 'backend')!.exitCode).toBe(3);
    const health = await fetch(`${sim.endpoint}/_app/${CLUSTER}/${BACKEND}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'healthy', version: 'c0ffee1' });
    // without the override the one-off task runs the image's default command: healthy, keeps running
    const plain = await runMigration({ overrides: {} });
    sim.control.advance(120);
    expect((await describeTask(plain.taskArn!)).lastStatus).toBe('RUNNING');
    const stopped = await ecs.send(
      new StopTaskCommand({ cluster: CLUSTER, task: plain.taskArn!, reason: 'done' })
    );
    expect(stopped.task!.desiredStatus).toBe('STOPPED');
  });

  it('uses the capacity provider strategy as the launch (FARGATE_SPOT)', async () => {
    const task = await runMigration({
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]
    });
    expect(task).toMatchObject({ launchType: 'FARGATE', capacityProviderName: 'FARGATE_SPOT' });
  });

  it('refuses what ECS refuses, before any task starts', async () => {
    const fail = (input: Partial<ConstructorParameters<typeof RunTaskCommand>[0]>) =>
      runMigration(input).then(
        () => undefined,
        (e: Error) => `${e.name}: ${e.message}`
      );
    expect(await fail({ taskDefinition: 'no-such-family:3' })).toBe(
      'ClientException: TaskDefinition not found.'
    );
    expect(await fail({ networkConfiguration: undefined })).toBe(
      "InvalidParameterException: Network Configuration must be provided when networkMode 'awsvpc' is specified."
    );
    expect(
      await fail({ launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] })
    ).toBe(
      'InvalidParameterException: Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.'
    );
    expect(await fail({ launchType: 'LAMBDA' as never })).toMatch(
      /^InvalidParameterException: launchType must be one of/
    );
    expect(await fail({ overrides: { containerOverrides: [{ name: 'api', command: MIGRATE }] } })).toBe(
      'InvalidParameterException: Override for container named api is not a container in the TaskDefinition.'
    );
    expect(await fail({ count: 11 })).toBe('InvalidParameterException: count must be between 1 and 10.');
    const listed = await ecs.send(new ListTasksCommand({ cluster: CLUSTER }));
    expect(listed.taskArns).toEqual([]);
  });
});

describe('exit and command-scoped image rules', () => {
  it('validate their fields and fill the defaults', () => {
    const image = backendImage('c0ffee1');
    expect(sim.control.images({ image, behavior: 'exit' })).toEqual({
      image,
      behavior: 'exit',
      exitCode: 0,
      runSeconds: 5
    });
    expect(() => sim.control.images({ image, behavior: 'crash', exitCode: 1 })).toThrow(
      'images: "exitCode" and "runSeconds" go with "behavior": "exit"'
    );
    expect(() => sim.control.images({ image, behavior: 'exit', exitCode: 256 })).toThrow(
      /"exitCode" must be a whole number from 0 to 255/
    );
    expect(() => sim.control.images({ image, behavior: 'exit', runSeconds: -1 })).toThrow(
      /"runSeconds" must be a number of seconds >= 0/
    );
    expect(() => sim.control.images({ image, behavior: 'exit', command: [] })).toThrow(
      /"command" must be a non-empty list of strings/
    );
  });

  it('keep one rule per image and command, matched before the image-wide rule', async () => {
    const image = backendImage('c0ffee1');
    sim.control.images({ image, behavior: 'healthy', version: '2.0.0' });
    sim.control.images({ image, behavior: 'exit', exitCode: 4, command: MIGRATE });
    const res = await fetch(`${sim.endpoint}/_sim/images`);
    expect(((await res.json()) as { images: unknown[] }).images).toHaveLength(2);
    const task = await runMigration();
    sim.control.advance(60);
    expect((await describeTask(task.taskArn!)).containers!.find(c => c.name === 'backend')!.exitCode).toBe(4);
    // over HTTP, as curl would set it
    const posted = await fetch(`${sim.endpoint}/_sim/images`, {
      method: 'POST',
      body: JSON.stringify({ image, behavior: 'exit', exitCode: 'one' })
    });
    expect(posted.status).toBe(400);
  });
});
