import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateServiceCommand,
  CreateClusterCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient
} from '@aws-sdk/client-ecs';
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

const GROUP = '/ecs/docuthinker-backend';
const CRASH_LINES = [
  'Server starting on port 5000',
  'Error: connect ECONNREFUSED 10.0.3.17:27017',
  '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  'MongoServerSelectionError: connection refused'
];

let sim: RunningSimulator;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;

beforeEach(async () => {
  sim = await frozenSim();
  ecs = ecsClient(sim);
  logs = new CloudWatchLogsClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1
  });
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
});
afterEach(async () => {
  ecs.destroy();
  logs.destroy();
  await sim.close();
});

/** DocuThinker's backend service on `tag`, `desiredCount` tasks; returns once the first tasks ran. */
async function runBackend(tag: string, desiredCount = 1): Promise<void> {
  const td = await ecs.send(new RegisterTaskDefinitionCommand(backendTaskDefinition(tag)));
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: BACKEND,
      taskDefinition: td.taskDefinition!.taskDefinitionArn!,
      desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: fargateNetwork
    })
  );
}

async function stoppedTasks() {
  const list = await ecs.send(
    new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND, desiredStatus: 'STOPPED' })
  );
  if (!list.taskArns?.length) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: list.taskArns }))).tasks!;
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the call to fail');
}

describe('ECS containers with the awslogs driver', () => {
  it("a crashing task's stream holds exactly the image rule's lines, stamped from the task's start", async () => {
    sim.control.images({ image: backendImage('deadbee'), behavior: 'crash', logs: CRASH_LINES });
    await runBackend('deadbee');
    sim.control.advance(40); // RUNNING at +25 s, exits at +30 s, STOPPED at +35 s
    const [task] = await stoppedTasks();
    expect(task.stopCode).toBe('EssentialContainerExited');
    const taskId = task.taskArn!.split('/').pop()!;
    const stream = `ecs/backend/${taskId}`;

    const out = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true })
    );
    expect(out.events!.map(e => e.message)).toEqual(CRASH_LINES);
    const startedAt = task.startedAt!.getTime();
    expect(out.events!.map(e => e.timestamp)).toEqual(CRASH_LINES.map((_, i) => startedAt + i));
    expect(out.events![0].timestamp!).toBeLessThan(task.stoppingAt!.getTime());

    // the non-awslogs sidecar (xray-daemon has no logConfiguration) has no stream
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }));
    expect(streams.logStreams!.map(s => s.logStreamName)).toEqual([stream]);
    expect(streams.logStreams![0]).toMatchObject({
      firstEventTimestamp: startedAt,
      lastEventTimestamp: startedAt + CRASH_LINES.length - 1,
      arn: `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}:log-stream:${stream}`
    });
  });

  it('FilterLogEvents finds the error line across the crash loop, by stream names, prefix and term', async () => {
    sim.control.images({ image: backendImage('deadbee'), behavior: 'crash', logs: CRASH_LINES });
    await runBackend('deadbee', 2);
    sim.control.advance(40);
    const tasks = await stoppedTasks();
    expect(tasks).toHaveLength(2);
    const streams = tasks.map(t => `ecs/backend/${t.taskArn!.split('/').pop()}`);

    const byTerm = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: GROUP,
        logStreamNames: streams,
        filterPattern: 'ECONNREFUSED'
      })
    );
    expect(byTerm.events!.map(e => e.message)).toEqual([CRASH_LINES[1], CRASH_LINES[1]]);
    expect(new Set(byTerm.events!.map(e => e.logStreamName))).toEqual(new Set(streams));
    expect(byTerm.events![0].eventId).toMatch(/^\d{56}$/);

    const inFirst = (filterPattern: string) =>
      logs.send(
        new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNamePrefix: streams[0], filterPattern })
      );
    // terms match anywhere in the message, case-sensitively; `-` excludes; quotes keep spaces
    expect((await inFirst('connect -ECONNREFUSED')).events!.map(e => e.message)).toEqual([CRASH_LINES[3]]);
    expect((await inFirst('"Server starting"')).events!.map(e => e.message)).toEqual([CRASH_LINES[0]]);
    expect((await inFirst('econnrefused')).events).toEqual([]);
    expect((await inFirst('%port \\d+%')).events!.map(e => e.message)).toEqual([CRASH_LINES[0]]);

    const either = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: GROUP,
        filterPattern: '?MongoServerSelectionError ?ECONNREFUSED'
      })
    );
    expect(either.events).toHaveLength(4);

    // paging: 8 events in all, 3 per page, oldest first across streams
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupIdentifier: GROUP, limit: 3, nextToken })
      );
      seen.push(...page.events!.map(e => e.message!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(8);

    // the time window: startTime inclusive, endTime exclusive
    const firstStart = Math.min(...tasks.map(t => t.startedAt!.getTime()));
    const window = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, startTime: firstStart, endTime: firstStart + 2 })
    );
    expect(window.events!.map(e => e.message)).toEqual(CRASH_LINES.slice(0, 2));
  });

  it('GetLogEvents pages with forward and backward tokens; the end gives back the token passed in', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => `line ${i + 1}`);
    sim.control.images({ image: backendImage('v1'), behavior: 'healthy', logs: lines });
    await runBackend('v1');
    sim.control.advance(60);
    const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))).logStreams![0]
      .logStreamName!;
    const get = (input: { limit?: number; nextToken?: string; startFromHead?: boolean }) =>
      logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, ...input }));

    // default: the latest events, oldest first
    const tail = await get({ limit: 3 });
    expect(tail.events!.map(e => e.message)).toEqual(['line 5', 'line 6', 'line 7']);
    const before = await get({ limit: 3, nextToken: tail.nextBackwardToken });
    expect(before.events!.map(e => e.message)).toEqual(['line 2', 'line 3', 'line 4']);
    const first = await get({ limit: 3, nextToken: before.nextBackwardToken });
    expect(first.events!.map(e => e.message)).toEqual(['line 1']);
    const start = await get({ limit: 3, nextToken: first.nextBackwardToken });
    expect(start.events).toEqual([]);
    expect(start.nextBackwardToken).toBe(first.nextBackwardToken);

    // from the head, forward until the same token comes back
    const read: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await get({ limit: 4, startFromHead: true, nextToken: token });
      read.push(...page.events!.map(e => e.message!));
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    expect(read).toEqual(lines);
    expect(token).toMatch(/^f\/\d{56}\/s$/);
  });

  it('a container without the awslogs driver writes no stream', async () => {
    sim.control.images({ image: backendImage('v1'), behavior: 'crash', logs: CRASH_LINES });
    const td = backendTaskDefinition('v1');
    td.containerDefinitions![0].logConfiguration = { logDriver: 'json-file' };
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(td));
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: BACKEND,
        taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: fargateNetwork
      })
    );
    sim.control.advance(40);
    expect(await stoppedTasks()).toHaveLength(1);
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
    expect(await errorOf(logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.'
    });
  });

  it('a task that never starts (pull error) writes no stream', async () => {
    sim.control.images({ image: backendImage('v1'), behavior: 'pull-error', logs: CRASH_LINES });
    await runBackend('v1');
    sim.control.advance(40);
    expect((await stoppedTasks())[0].stopCode).toBe('TaskFailedToStart');
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
  });
});

describe('CloudWatch Logs reads', () => {
  it('DescribeLogGroups / DescribeLogStreams: prefix, order by last event, descending, regions', async () => {
    sim.control.images({ image: backendImage('v1'), behavior: 'healthy', logs: ['ready'] });
    await runBackend('v1', 3);
    sim.control.advance(60);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/' }));
    expect(groups.logGroups).toEqual([
      expect.objectContaining({
        logGroupName: GROUP,
        arn: `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}:*`,
        logGroupArn: `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}`
      })
    ]);
    const other = new CloudWatchLogsClient({ endpoint: sim.endpoint, region: 'eu-west-1', credentials });
    expect((await other.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
    other.destroy();

    const latest = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: GROUP,
        orderBy: 'LastEventTime',
        descending: true,
        limit: 1
      })
    );
    const all = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: 'LastEventTime' })
    );
    expect(all.logStreams).toHaveLength(3);
    expect(latest.logStreams![0].logStreamName).toBe(all.logStreams![2].logStreamName);
    expect(latest.nextToken).toBeDefined();
    const byName = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: 'ecs/backend/' })
    );
    expect(byName.logStreams!.map(s => s.logStreamName)).toEqual(
      all.logStreams!.map(s => s.logStreamName!).sort()
    );
    expect(
      await errorOf(
        logs.send(
          new DescribeLogStreamsCommand({
            logGroupName: GROUP,
            logStreamNamePrefix: 'ecs/',
            orderBy: 'LastEventTime'
          })
        )
      )
    ).toMatchObject({ name: 'InvalidParameterException' });
  });

  it('unknown groups and streams answer ResourceNotFoundException; unsupported patterns say so', async () => {
    sim.control.images({ image: backendImage('v1'), behavior: 'healthy', logs: ['ready'] });
    await runBackend('v1');
    sim.control.advance(60);
    expect(
      await errorOf(logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/nope', logStreamName: 'x' })))
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    expect(
      await errorOf(
        logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'ecs/backend/nope' }))
      )
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    expect(
      await errorOf(
        logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: ['ecs/backend/nope'] }))
      )
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    expect(
      await errorOf(
        logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '{ $.level = "error" }' }))
      )
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/term filter patterns only/)
    });
    // the group's ARN works as logGroupIdentifier
    const byArn = await logs.send(
      new FilterLogEventsCommand({
        logGroupIdentifier: `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}`
      })
    );
    expect(byArn.events!.map(e => e.message)).toEqual(['ready']);
  });

  it('a denied logs:GetLogEvents answers AccessDeniedException as IAM does; other actions still work', async () => {
    sim.control.images({ image: backendImage('v1'), behavior: 'healthy', logs: ['ready'] });
    await runBackend('v1');
    sim.control.advance(60);
    const res = await fetch(`${sim.endpoint}/_sim/deny`, {
      method: 'POST',
      body: JSON.stringify({ action: 'logs:GetLogEvents' })
    });
    expect(await res.json()).toEqual({ denied: ['logs:GetLogEvents'] });
    const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))).logStreams![0]
      .logStreamName!;
    const denied = await errorOf(
      logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream }))
    );
    expect(denied).toEqual({
      name: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::123456789012:user/deploy-suite-sim is not authorized to perform: logs:GetLogEvents because no identity-based policy allows the logs:GetLogEvents action'
    });
    expect(sim.control.calls()['CloudWatchLogs.GetLogEvents']).toBe(1);

    sim.control.deny({ action: 'logs:Filter*' });
    expect((await errorOf(logs.send(new FilterLogEventsCommand({ logGroupName: GROUP })))).name).toBe(
      'AccessDeniedException'
    );
    sim.control.deny({ action: 'logs:GetLogEvents', allow: true });
    expect(
      (await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream }))).events
    ).toHaveLength(1);
    await fetch(`${sim.endpoint}/_sim/deny`, { method: 'DELETE' });
    expect(sim.control.deniedActions()).toEqual([]);
    expect(
      (await fetch(`${sim.endpoint}/_sim/deny`, { method: 'POST', body: '{"action":"GetLogEvents"}' })).status
    ).toBe(400);
  });
});
