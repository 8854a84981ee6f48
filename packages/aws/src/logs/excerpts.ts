import type { ContainerDefinition, Task } from '@aws-sdk/client-ecs';
import { errorMessage, logLineRedactor, redactUrlsIn, worthMasking } from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';
import { classifyStoppedTask } from '../ecs/assess.js';
import { consoleLinks } from '../console.js';
import type { LogsApiForRegion } from './client.js';

/** Distinct ways of stopping read in full per call; tasks beyond are counted with their reason only. */
const MAX_DISTINCT_TASKS = 3;
/** The IAM action the excerpts need, named in the warning when it is missing. */
const LOGS_PERMISSION = 'logs:GetLogEvents';

/** Where a container's logs are: a CloudWatch Logs stream the excerpt reads, or somewhere else it names. */
type LogSource =
  | { kind: 'awslogs'; group: string; region: string; streamPrefix?: string }
  | { kind: 'elsewhere'; driver: string; where: string }
  | { kind: 'none' };

export interface ContainerExcerpt {
  container: string;
  source: LogSource;
  /** the CloudWatch Logs stream read (awslogs) */
  stream?: string;
  consoleUrl?: string;
  /** the last lines, oldest first, secrets masked */
  lines: string[];
  /** the stream has more lines before these */
  truncated: boolean;
  /** why there are no lines, or where the logs are instead */
  note?: string;
}

export interface TaskExcerpt {
  taskId: string;
  /** why the task stopped: stoppedReason and exit codes */
  reason: string;
  containers: ContainerExcerpt[];
  /** ids of other tasks that stopped the same way; their logs are not read (never eight identical blocks) */
  sameAs: string[];
}

export interface LogExcerpts {
  /** what the tasks belong to, e.g. the service name */
  label: string;
  tasks: TaskExcerpt[];
  /** stopped tasks not shown because more distinct failures came first */
  notShown: number;
  /** missing permission and similar: warnings for the step, never failures */
  warnings: string[];
}

/** The part of a task definition the excerpts read: each container's name, essential flag and logConfiguration. */
export interface ExcerptTaskDefinition {
  containerDefinitions?: ReadonlyArray<
    Pick<ContainerDefinition, 'name' | 'essential' | 'logConfiguration' | 'environment'>
  >;
}

export interface ContainerLogExcerptsOptions {
  /** the stopped tasks' task definition (the registered or described document) */
  taskDefinition: ExcerptTaskDefinition;
  /** stopped ECS tasks (DescribeTasks), e.g. the failures a watch collected or a one-off RunTask */
  tasks: readonly Task[];
  /** last lines per container; 0 reads nothing */
  lines: number;
  /** CloudWatch Logs by region (the stream's `awslogs-region` may differ from the step's) */
  logs: LogsApiForRegion;
  /** the step's region, for awslogs configurations that name none */
  region: string;
  label: string;
  /** values to mask besides the task definition's own (runner secrets, header values) */
  secrets?: readonly string[];
}

/**
 * The last log lines of each essential container of the given stopped tasks, read from the CloudWatch
 * Logs stream their task definition's `awslogs` configuration names (`prefix/container/task-id`). Tasks
 * that stopped the same way (same reason and exit codes) are read once: the first in full, the others
 * counted. Other log drivers are named with their destination instead. A read that is refused or fails
 * is a warning or a note: diagnostics never fail a step. Every line goes through `logRedactor`.
 */
export async function containerLogExcerpts(options: ContainerLogExcerptsOptions): Promise<LogExcerpts> {
  const result: LogExcerpts = { label: options.label, tasks: [], notShown: 0, warnings: [] };
  if (options.lines <= 0) return result;
  const redact = logRedactor(options.taskDefinition, options.secrets ?? []);
  const containers = (options.taskDefinition.containerDefinitions ?? []).filter(
    container => container.essential !== false && container.name
  );
  const bySignature = new Map<string, TaskExcerpt>();
  const denied = new Set<string>();
  for (const task of options.tasks) {
    const taskId = taskIdOf(task);
    const signature = stopSignature(task);
    const same = bySignature.get(signature);
    if (same) {
      same.sameAs.push(taskId);
      continue;
    }
    if (bySignature.size >= MAX_DISTINCT_TASKS) {
      result.notShown++;
      continue;
    }
    const excerpt: TaskExcerpt = {
      taskId,
      reason: redact(classifyStoppedTask(task)?.reason ?? task.stoppedReason ?? 'stopped'),
      containers: [],
      sameAs: []
    };
    bySignature.set(signature, excerpt);
    for (const container of containers) {
      excerpt.containers.push(
        await containerExcerpt(container, task, options, redact, denied, result.warnings)
      );
    }
    result.tasks.push(excerpt);
  }
  return result;
}

async function containerExcerpt(
  container: NonNullable<ExcerptTaskDefinition['containerDefinitions']>[number],
  task: Task,
  options: ContainerLogExcerptsOptions,
  redact: (text: string) => string,
  denied: Set<string>,
  warnings: string[]
): Promise<ContainerExcerpt> {
  const name = container.name!;
  const source = logSourceOf(container, options.region);
  const base = { container: name, source, lines: [] as string[], truncated: false };
  if (source.kind === 'none') return { ...base, note: 'no log configuration: its output is not kept' };
  if (source.kind === 'elsewhere') return { ...base, note: `logs go to ${source.where}` };
  const stream = streamName(source.streamPrefix, name, task);
  if (!stream) return { ...base, note: `no stream name (the container never started)` };
  const consoleUrl = consoleLinks.logStream(source.region, source.group, stream);
  const withStream = { ...base, stream, consoleUrl };
  // One refusal per group is enough: the others would be refused the same way.
  if (denied.has(source.group)) return { ...withStream, note: `not read: ${LOGS_PERMISSION} is not allowed` };
  try {
    const output = await options.logs(source.region).getLogEvents({
      logGroupName: source.group,
      logStreamName: stream,
      limit: options.lines + 1,
      startFromHead: false
    });
    const events = output.events ?? [];
    const truncated = events.length > options.lines;
    const lines = events
      .slice(truncated ? events.length - options.lines : 0)
      .flatMap(event => (event.message ?? '').replace(/\r?\n$/, '').split(/\r?\n/))
      .slice(-options.lines)
      .map(redact);
    return { ...withStream, lines, truncated, note: lines.length === 0 ? 'the stream is empty' : undefined };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'AccessDeniedException' || name === 'AccessDenied') {
      denied.add(source.group);
      warnings.push(
        `Container logs not shown: ${LOGS_PERMISSION} is not allowed on log group ${source.group} ` +
          `(grant ${LOGS_PERMISSION} on arn:aws:logs:${source.region}:*:log-group:${source.group}:* to see them here)`
      );
      return { ...withStream, note: `not read: ${LOGS_PERMISSION} is not allowed` };
    }
    if (name === 'ResourceNotFoundException') {
      return { ...withStream, note: 'no such stream (the container wrote nothing, or never started)' };
    }
    return { ...withStream, note: `not read: ${redact(errorMessage(error))}` };
  }
}

/** Options of other log drivers that hold credentials or tokens: never printed. */
const SECRET_OPTION = /(token|secret|passw|key|auth|credential|hec)/i;
/** Options that say where another driver's logs go, most telling first. */
const DESTINATION_OPTIONS = [
  'Name',
  'splunk-url',
  'splunk-index',
  'region',
  'log_group_name',
  'delivery_stream',
  'bucket',
  'Host',
  'dd_service',
  'fluentd-address',
  'syslog-address',
  'gelf-address',
  'tag'
];

/**
 * Where a container's logs go. awslogs: group, region (`awslogs-region`, else the step's) and stream
 * prefix. Another driver: its name and the options that say where (never secret-looking ones, never
 * `secretOptions`).
 * @internal exported for its tests
 */
export function logSourceOf(
  container: Pick<ContainerDefinition, 'logConfiguration'>,
  defaultRegion: string
): LogSource {
  const config = container.logConfiguration;
  if (!config?.logDriver) return { kind: 'none' };
  const options = config.options ?? {};
  if (config.logDriver === 'awslogs' && options['awslogs-group']) {
    return {
      kind: 'awslogs',
      group: options['awslogs-group'],
      region: options['awslogs-region'] || defaultRegion,
      streamPrefix: options['awslogs-stream-prefix'] || undefined
    };
  }
  const destination = DESTINATION_OPTIONS.filter(key => options[key] && !SECRET_OPTION.test(key)).map(
    key => `${key}=${redactUrlsIn(options[key])}`
  );
  const driver = config.logDriver === 'awsfirelens' ? 'awsfirelens (FireLens)' : config.logDriver;
  return {
    kind: 'elsewhere',
    driver: config.logDriver,
    where: `the ${driver} log driver${destination.length ? ` (${destination.join(', ')})` : ''}`
  };
}

/**
 * The awslogs stream of a container of a task: `prefix/container/task-id`; without a prefix ECS names it
 * after the container's runtime id (unknown when the container never started).
 * @internal exported for its tests
 */
export function streamName(prefix: string | undefined, container: string, task: Task): string | undefined {
  if (prefix) return `${prefix}/${container}/${taskIdOf(task)}`;
  return task.containers?.find(candidate => candidate.name === container)?.runtimeId || undefined;
}

function taskIdOf(task: Task): string {
  return (task.taskArn ?? 'unknown').split('/').pop()!;
}

/**
 * Tasks that stopped the same way share this: the stop code and reason, and each container that failed
 * (non-zero exit, or a reason without an exit). A sidecar that exited 0 in one task and was still
 * stopping in another does not make them different.
 */
function stopSignature(task: Task): string {
  const failed = (task.containers ?? [])
    .filter(container => (container.exitCode ?? 0) !== 0 || (container.exitCode == null && container.reason))
    .map(container => `${container.name}:${container.exitCode ?? ''}:${container.reason ?? ''}`)
    .sort();
  return JSON.stringify([
    task.stopCode ?? '',
    task.stoppedReason ?? '',
    task.taskDefinitionArn ?? '',
    failed
  ]);
}

/**
 * Masks what may be secret in container output: values of the task definition's environment worth
 * masking (read back from AWS, the runner cannot mask them), the given secrets, and URL credentials.
 */
function logRedactor(
  taskDefinition: ExcerptTaskDefinition,
  secrets: readonly string[]
): (text: string) => string {
  const values = (taskDefinition.containerDefinitions ?? []).flatMap(container =>
    (container.environment ?? [])
      .filter(variable => variable.value && worthMasking(variable.value, variable.name))
      .map(variable => variable.value!)
  );
  return logLineRedactor([...values, ...secrets]);
}
