import { describe, expect, it } from '@jest/globals';
import type { Task } from '@aws-sdk/client-ecs';
import type { GetLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import {
  containerLogExcerpts,
  logSourceOf,
  streamName,
  type ExcerptTaskDefinition
} from '../../src/logs/excerpts.js';
import { excerptLogSections, excerptMarkdown } from '../../src/logs/format.js';
import type { LogsApi } from '../../src/logs/client.js';

const TASK_ARN = (id: string) => `arn:aws:ecs:us-east-1:123456789012:task/docuthinker-cluster/${id}`;
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:2';

function crashed(id: string, exitCode = 1, stoppedReason = 'Essential container in task exited'): Task {
  return {
    taskArn: TASK_ARN(id),
    taskDefinitionArn: TD,
    lastStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason,
    containers: [
      { name: 'backend', exitCode, runtimeId: `${id}-backend-rt` },
      { name: 'xray-daemon', exitCode: 0 }
    ]
  };
}

const taskDefinition: ExcerptTaskDefinition = {
  containerDefinitions: [
    {
      name: 'backend',
      essential: true,
      environment: [
        { name: 'NODE_ENV', value: 'production' },
        { name: 'JWT_SECRET', value: 'planted-jwt-0001' }
      ],
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/docuthinker-backend',
          'awslogs-region': 'eu-west-1',
          'awslogs-stream-prefix': 'ecs'
        }
      }
    },
    { name: 'xray-daemon', essential: false }
  ]
};

/** A CloudWatch Logs fake: streams by group/stream, the calls it answered, per region. */
function fakeLogs(streams: Record<string, string[]>, refuse?: string) {
  const calls: Array<GetLogEventsCommandInput & { region: string }> = [];
  const api = (region: string): LogsApi => ({
    getLogEvents: async input => {
      calls.push({ ...input, region });
      if (refuse) throw Object.assign(new Error(refuse), { name: refuse });
      const lines = streams[`${input.logGroupName}|${input.logStreamName}`];
      if (!lines)
        throw Object.assign(new Error('The specified log stream does not exist.'), {
          name: 'ResourceNotFoundException'
        });
      const events = lines
        .slice(-(input.limit ?? 10000))
        .map((message, index) => ({ message, timestamp: index }));
      return { events };
    }
  });
  return { api, calls };
}

describe('logSourceOf and streamName', () => {
  it('reads awslogs group, region and prefix; the stream is prefix/container/task-id', () => {
    expect(logSourceOf(taskDefinition.containerDefinitions![0], 'us-east-1')).toEqual({
      kind: 'awslogs',
      group: '/ecs/docuthinker-backend',
      region: 'eu-west-1',
      streamPrefix: 'ecs'
    });
    expect(streamName('ecs', 'backend', crashed('abc123'))).toBe('ecs/backend/abc123');
  });

  it("without awslogs-region takes the step's; without a prefix the stream is the container's runtime id", () => {
    const source = logSourceOf(
      { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/tria' } } },
      'us-east-2'
    );
    expect(source).toEqual({
      kind: 'awslogs',
      group: '/ecs/tria',
      region: 'us-east-2',
      streamPrefix: undefined
    });
    expect(streamName(undefined, 'backend', crashed('abc123'))).toBe('abc123-backend-rt');
    expect(streamName(undefined, 'backend', { taskArn: TASK_ARN('x') })).toBeUndefined();
  });

  it('names another driver and where its logs go, never a secret option', () => {
    const firelens = logSourceOf(
      {
        logConfiguration: {
          logDriver: 'awsfirelens',
          options: { Name: 'splunk', Host: 'splunk.example.com', splunk_token: 'planted-splunk-token-01' },
          secretOptions: [
            { name: 'HEC_TOKEN', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/hec' }
          ]
        }
      },
      'us-east-1'
    );
    expect(firelens).toEqual({
      kind: 'elsewhere',
      driver: 'awsfirelens',
      where: 'the awsfirelens (FireLens) log driver (Name=splunk, Host=splunk.example.com)'
    });
    const splunk = logSourceOf(
      {
        logConfiguration: {
          logDriver: 'splunk',
          options: {
            'splunk-url': 'https://user:planted-pw-02@splunk.example.com:8088',
            'splunk-token': 'planted-03'
          }
        }
      },
      'us-east-1'
    );
    expect(splunk.kind === 'elsewhere' && splunk.where).toBe(
      'the splunk log driver (splunk-url=https://splunk.example.com:8088)'
    );
    expect(logSourceOf({}, 'us-east-1')).toEqual({ kind: 'none' });
  });
});

describe('containerLogExcerpts', () => {
  const stream = '/ecs/docuthinker-backend|ecs/backend/';

  it('reads each essential container once per way of stopping: the first task in full, the others counted', async () => {
    const { api, calls } = fakeLogs({
      [`${stream}t1`]: ['Server starting on port 5000', 'Error: connect ECONNREFUSED 10.0.3.17:27017']
    });
    const tasks = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'].map(id => crashed(id));
    // a sidecar still stopping (no exit code yet) in one of them does not make it another way of stopping
    tasks[3].containers![1] = { name: 'xray-daemon' };
    const excerpts = await containerLogExcerpts({
      taskDefinition,
      tasks,
      lines: 30,
      logs: api,
      region: 'us-east-1',
      label: 'backend-service'
    });
    expect(calls).toEqual([
      {
        logGroupName: '/ecs/docuthinker-backend',
        logStreamName: 'ecs/backend/t1',
        limit: 31,
        startFromHead: false,
        region: 'eu-west-1'
      }
    ]);
    expect(excerpts.tasks).toHaveLength(1);
    expect(excerpts.tasks[0]).toMatchObject({
      taskId: 't1',
      sameAs: ['t2', 't3', 't4', 't5', 't6', 't7', 't8'],
      reason: expect.stringContaining('backend exit 1')
    });
    expect(excerpts.tasks[0].containers.map(container => container.container)).toEqual(['backend']);
    const [section] = excerptLogSections(excerpts);
    expect(section.title).toBe(
      'backend-service: logs of stopped task t1 (and 7 more tasks that stopped the same way)'
    );
    expect(section.body).toContain('  Error: connect ECONNREFUSED 10.0.3.17:27017');
  });

  it('shows another way of stopping as its own block', async () => {
    const { api } = fakeLogs({ [`${stream}t1`]: ['boom'], [`${stream}t2`]: ['Killed'] });
    const excerpts = await containerLogExcerpts({
      taskDefinition,
      tasks: [crashed('t1'), crashed('t2', 137, 'OutOfMemoryError: Container killed due to memory usage')],
      lines: 30,
      logs: api,
      region: 'us-east-1',
      label: 'backend-service'
    });
    expect(excerpts.tasks.map(task => [task.taskId, task.containers[0].lines])).toEqual([
      ['t1', ['boom']],
      ['t2', ['Killed']]
    ]);
  });

  it('keeps the last `lines` lines, says it truncated, and the summary fences and links them', async () => {
    const many = Array.from({ length: 50 }, (_, index) => `line ${index + 1}`);
    const { api } = fakeLogs({ [`${stream}t1`]: [...many, 'a ``` fence in a log line'] });
    const excerpts = await containerLogExcerpts({
      taskDefinition,
      tasks: [crashed('t1')],
      lines: 3,
      logs: api,
      region: 'us-east-1',
      label: 'backend-service'
    });
    const [container] = excerpts.tasks[0].containers;
    expect(container).toMatchObject({
      lines: ['line 49', 'line 50', 'a ``` fence in a log line'],
      truncated: true
    });
    const markdown = excerptMarkdown(excerpts);
    expect(markdown).toContain('````text\nline 49\nline 50\na ``` fence in a log line\n````');
    expect(markdown).toContain('last lines of `backend`');
    expect(markdown).toContain(
      '[CloudWatch Logs](https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fdocuthinker-backend/log-events/ecs$252Fbackend$252Ft1)'
    );
  });

  it('masks task-definition secrets, given secrets and URL credentials; breaks workflow commands', async () => {
    const { api } = fakeLogs({
      [`${stream}t1`]: [
        'JWT_SECRET=planted-jwt-0001',
        'token planted-runner-token-0002',
        'mongodb://app:planted-db-0003@10.0.3.17:27017/docs',
        '::error::not a real annotation',
        'NODE_ENV=production'
      ]
    });
    const excerpts = await containerLogExcerpts({
      taskDefinition,
      tasks: [crashed('t1')],
      lines: 30,
      logs: api,
      region: 'us-east-1',
      label: 'backend-service',
      secrets: ['planted-runner-token-0002']
    });
    expect(excerpts.tasks[0].containers[0].lines).toEqual([
      'JWT_SECRET=***',
      'token ***',
      'mongodb://10.0.3.17:27017/docs',
      ': :error::not a real annotation',
      'NODE_ENV=production'
    ]);
  });

  it('a refused read is one warning naming logs:GetLogEvents, never an error', async () => {
    const { api, calls } = fakeLogs({}, 'AccessDeniedException');
    const excerpts = await containerLogExcerpts({
      taskDefinition,
      tasks: [crashed('t1'), crashed('t2', 2)],
      lines: 30,
      logs: api,
      region: 'us-east-1',
      label: 'backend-service'
    });
    expect(calls).toHaveLength(1);
    expect(excerpts.warnings).toEqual([
      'Container logs not shown: logs:GetLogEvents is not allowed on log group /ecs/docuthinker-backend ' +
        '(grant logs:GetLogEvents on arn:aws:logs:eu-west-1:*:log-group:/ecs/docuthinker-backend:* to see them here)'
    ]);
    expect(excerpts.tasks[1].containers[0].note).toBe('not read: logs:GetLogEvents is not allowed');
  });

  it('a missing stream is a note; another driver says where the logs are; 0 lines reads nothing', async () => {
    const { api, calls } = fakeLogs({});
    const firelens: ExcerptTaskDefinition = {
      containerDefinitions: [
        { name: 'backend', logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'datadog' } } }
      ]
    };
    const missing = await containerLogExcerpts({
      taskDefinition,
      tasks: [crashed('t1')],
      lines: 30,
      logs: api,
      region: 'us-east-1',
      label: 'b'
    });
    expect(missing.tasks[0].containers[0].note).toMatch(/no such stream/);
    const elsewhere = await containerLogExcerpts({
      taskDefinition: firelens,
      tasks: [crashed('t1')],
      lines: 30,
      logs: api,
      region: 'us-east-1',
      label: 'b'
    });
    expect(excerptLogSections(elsewhere)[0].body).toContain(
      '--- backend: logs go to the awsfirelens (FireLens) log driver (Name=datadog)'
    );
    const before = calls.length;
    const off = await containerLogExcerpts({
      taskDefinition,
      tasks: [crashed('t1')],
      lines: 0,
      logs: api,
      region: 'us-east-1',
      label: 'b'
    });
    expect(off.tasks).toEqual([]);
    expect(calls.length).toBe(before);
  });
});
