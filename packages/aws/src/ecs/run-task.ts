import type {
  AssignPublicIp,
  CapacityProviderStrategyItem,
  ContainerOverride,
  LaunchType,
  NetworkConfiguration,
  RunTaskCommandInput,
  Service,
  Tag,
  Task,
  TaskVolumeConfiguration
} from '@aws-sdk/client-ecs';
import {
  errorMessage,
  formatDuration,
  inputError,
  PollTimeoutError,
  realClock,
  waitUntil,
  worthMasking,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import { lookPolitely } from '../errors.js';
import type { EcsApi } from './client.js';
import { stoppedTaskDetails } from './assess.js';

/**
 * deploy-ecs's one-off task before the deploy (AED's `run-task`: a database migration). It runs the
 * revision this step registered, before any service is updated; watched, a task whose essential
 * container does not exit 0 (or that never starts) ends the step with no UpdateService call.
 */

/** The run-task inputs, checked (shapes and names) but not yet against the task definition. */
export interface RunTaskSettings {
  containerOverrides: ContainerOverride[];
  /** empty: the first service's */
  subnets: string[];
  /** empty: the first service's */
  securityGroups: string[];
  /** absent: the first service's, else DISABLED */
  assignPublicIp?: AssignPublicIp;
  /** absent (and no strategy): the first service's launch type or capacity provider strategy, else FARGATE */
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  startedBy: string;
  tags: Tag[];
  /** `run-task-managed-ebs-volume(-name)`: an EBS volume ECS creates for the task (a volume configuredAtLaunch) */
  volumeConfigurations?: TaskVolumeConfiguration[];
  waitForStopped: boolean;
}

/** What the request takes from the first service when the inputs leave it open. */
export type ServiceLaunch = Pick<Service, 'networkConfiguration' | 'launchType' | 'capacityProviderStrategy'>;

/** The part of a task definition the request is checked against. */
export interface RunTaskDefinition {
  family?: string;
  networkMode?: string;
  containerDefinitions?: Array<{ name?: string; essential?: boolean }>;
}

const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const OVERRIDE_KEYS: Record<string, string> = {
  name: 'string',
  command: 'string list',
  environment: 'list of {name, value}',
  environmentFiles: 'list of {value, type}',
  cpu: 'integer',
  memory: 'integer',
  memoryReservation: 'integer',
  resourceRequirements: 'list of {value, type}'
};

/**
 * Parses JSON without echoing it: Node's own message quotes the text, and an override may hold secrets.
 * Only the position is kept.
 */
function parseQuietly(text: string, input: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const at = /position (\d+)/.exec(errorMessage(error));
    throw inputError(
      `Input "${input}" is not valid JSON${at ? ` (at character ${at[1]})` : ''}; expected ${what} ` +
        '(the text is not shown: it may hold a secret)'
    );
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `run-task-container-overrides`: a JSON array of ECS container overrides. Every member is checked here
 * (the SDK would drop an unknown one silently); errors name the entry and the member, never a value.
 */
export function checkContainerOverrides(text: string, input: string): ContainerOverride[] {
  if (text === '') return [];
  const parsed = parseQuietly(
    text,
    input,
    'an array of container overrides, e.g. [{"name": "app", "command": ["npm", "run", "migrate"]}]'
  );
  if (!Array.isArray(parsed)) {
    throw inputError(
      `Input "${input}" must be a JSON array of container overrides ([{"name": ..., "command": [...]}])`
    );
  }
  const seen = new Set<string>();
  return parsed.map((entry, index) => {
    const where = `Input "${input}" entry ${index + 1}`;
    if (!isObject(entry)) throw inputError(`${where} must be an object with a "name"`);
    const unknown = Object.keys(entry).filter(key => !(key in OVERRIDE_KEYS));
    if (unknown.length > 0) {
      throw inputError(
        `${where} has unknown member(s) ${unknown.map(key => `"${key}"`).join(', ')}; a container override takes ` +
          Object.keys(OVERRIDE_KEYS).join(', ')
      );
    }
    if (typeof entry.name !== 'string' || !CONTAINER_NAME.test(entry.name))
      throw inputError(`${where} needs "name": the container's name in the task definition`);
    if (seen.has(entry.name)) throw inputError(`${where} overrides container "${entry.name}" a second time`);
    seen.add(entry.name);
    const member = `${where} ("${entry.name}")`;
    if (entry.command !== undefined && !isStringList(entry.command))
      throw inputError(`${member}: "command" must be a list of strings, e.g. ["npm", "run", "migrate"]`);
    for (const key of ['cpu', 'memory', 'memoryReservation'] as const) {
      const value = entry[key];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0))
        throw inputError(`${member}: "${key}" must be a whole number (a number, not a string)`);
    }
    if (entry.environment !== undefined) checkPairs(entry.environment, `${member}: "environment"`, 'name');
    if (entry.environmentFiles !== undefined)
      checkPairs(entry.environmentFiles, `${member}: "environmentFiles"`, 'type');
    if (entry.resourceRequirements !== undefined)
      checkPairs(entry.resourceRequirements, `${member}: "resourceRequirements"`, 'type');
    return entry as ContainerOverride;
  });
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(item => typeof item === 'string');

/** A list of `{<key>, value}` string pairs. The message names entries by position or key, never by value. */
function checkPairs(value: unknown, where: string, key: 'name' | 'type'): void {
  if (!Array.isArray(value)) throw inputError(`${where} must be a list of {${key}, value} objects`);
  value.forEach((pair, index) => {
    const ok =
      isObject(pair) &&
      Object.keys(pair).every(member => member === key || member === 'value') &&
      typeof pair[key] === 'string' &&
      pair[key] !== '' &&
      typeof pair.value === 'string';
    if (!ok)
      throw inputError(
        `${where} entry ${index + 1} must be {"${key}": "...", "value": "..."} with string values (not shown: it may hold a secret)`
      );
  });
}

/** `run-task-capacity-provider-strategy`: a JSON array of {capacityProvider, weight?, base?}. */
export function checkCapacityProviderStrategy(
  text: string,
  input: string
): CapacityProviderStrategyItem[] | undefined {
  if (text === '') return undefined;
  const parsed = parseQuietly(
    text,
    input,
    'an array such as [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]'
  );
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > 20)
    throw inputError(
      `Input "${input}" must be a JSON array of 1 to 20 {"capacityProvider", "weight", "base"} items`
    );
  return parsed.map((item, index) => {
    const where = `Input "${input}" item ${index + 1}`;
    if (!isObject(item) || typeof item.capacityProvider !== 'string' || item.capacityProvider === '')
      throw inputError(`${where} needs "capacityProvider" (e.g. "FARGATE" or "FARGATE_SPOT")`);
    const unknown = Object.keys(item).filter(key => !['capacityProvider', 'weight', 'base'].includes(key));
    if (unknown.length > 0) throw inputError(`${where} has unknown member(s) ${unknown.join(', ')}`);
    for (const [key, max] of [
      ['weight', 1000],
      ['base', 100_000]
    ] as const) {
      const value = item[key];
      if (
        value !== undefined &&
        !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max)
      )
        throw inputError(`${where}: "${key}" must be a whole number from 0 to ${max}`);
    }
    return item as unknown as CapacityProviderStrategyItem;
  });
}

/** `run-task-tags`: a JSON array of {key, value}, as AED takes them; ECS's limits checked here. */
export function checkTaskTags(text: string, input: string): Tag[] {
  if (text === '') return [];
  const parsed = parseQuietly(text, input, 'an array such as [{"key": "purpose", "value": "migration"}]');
  if (!Array.isArray(parsed) || parsed.length > 50)
    throw inputError(`Input "${input}" must be a JSON array of at most 50 {"key", "value"} objects`);
  return parsed.map((tag, index) => {
    const where = `Input "${input}" item ${index + 1}`;
    if (!isObject(tag) || typeof tag.key !== 'string' || tag.key.length < 1 || tag.key.length > 128)
      throw inputError(`${where} needs "key": 1 to 128 characters`);
    if (/^aws:/i.test(tag.key)) throw inputError(`${where}: keys starting with "aws:" are reserved by AWS`);
    if (tag.value !== undefined && (typeof tag.value !== 'string' || tag.value.length > 256))
      throw inputError(`${where} ("${tag.key}"): "value" must be a string of at most 256 characters`);
    const unknown = Object.keys(tag).filter(key => key !== 'key' && key !== 'value');
    if (unknown.length > 0) throw inputError(`${where} has unknown member(s) ${unknown.join(', ')}`);
    return { key: tag.key, value: (tag.value as string | undefined) ?? '' };
  });
}

/** `run-task-started-by`: ECS takes up to 128 letters, digits, hyphens, underscores and slashes. */
export function checkStartedBy(value: string, input: string): string {
  if (!/^[A-Za-z0-9_/-]{1,128}$/.test(value))
    throw inputError(
      `Input "${input}" must be 1 to 128 letters, digits, -, _ or /, got ${JSON.stringify(value)}`
    );
  return value;
}

/** Subnet and security-group ids: their shape and ECS's counts (16 subnets, 5 security groups). */
export function checkNetworkIds(ids: string[], input: string, kind: 'subnet' | 'sg'): string[] {
  const max = kind === 'subnet' ? 16 : 5;
  const bad = ids.find(id => !new RegExp(`^${kind}-[0-9a-z]+$`).test(id));
  if (bad !== undefined)
    throw inputError(
      `Input "${input}" must list ${kind}-... ids separated by commas, got ${JSON.stringify(bad)}`
    );
  if (ids.length > max)
    throw inputError(`Input "${input}" lists ${ids.length} ids; ECS takes at most ${max}`);
  if (new Set(ids).size !== ids.length) throw inputError(`Input "${input}" names an id twice`);
  return ids;
}

/**
 * Masks the override environment values worth masking (long ones, or ones whose name says secret): they
 * go to AWS in the RunTask request and would otherwise be printable. Short common values stay readable.
 */
export function maskRunTaskValues(settings: RunTaskSettings | undefined, logger: Logger): void {
  for (const override of settings?.containerOverrides ?? []) {
    for (const variable of override.environment ?? []) {
      if (variable.value && worthMasking(variable.value, variable.name)) logger.mask(variable.value);
    }
  }
}

/** Input names, for the messages of the checks against the task definition and the service. */
export interface RunTaskInputNames {
  containerOverrides: string;
  subnets: string;
}

/**
 * The RunTask request: the inputs, checked against the task definition (override names must be its
 * containers) and completed from the first service (network, launch type or capacity providers), so a
 * migration needs no subnet plumbing. Pure: the plan calls it to check, the deploy to send.
 */
export function buildRunTaskRequest(
  settings: RunTaskSettings,
  target: {
    cluster: string;
    taskDefinitionArn: string;
    taskDefinition: RunTaskDefinition;
    service: ServiceLaunch;
    serviceName: string;
  },
  names: RunTaskInputNames
): RunTaskCommandInput {
  const containers = (target.taskDefinition.containerDefinitions ?? []).map(
    container => container.name ?? ''
  );
  const unknown = settings.containerOverrides
    .map(override => override.name ?? '')
    .filter(name => !containers.includes(name));
  if (unknown.length > 0) {
    throw inputError(
      `Input "${names.containerOverrides}" names ${unknown.map(name => `"${name}"`).join(', ')}, which task definition ` +
        `${target.taskDefinition.family ?? target.taskDefinitionArn} does not have. Containers: ${containers.join(', ')}`
    );
  }
  const request: RunTaskCommandInput = {
    cluster: target.cluster,
    taskDefinition: target.taskDefinitionArn,
    count: 1,
    startedBy: settings.startedBy,
    ...launchOf(settings, target.service)
  };
  const network = networkOf(settings, target, names);
  if (network) request.networkConfiguration = network;
  if (settings.containerOverrides.length > 0)
    request.overrides = { containerOverrides: settings.containerOverrides };
  if (settings.tags.length > 0) request.tags = settings.tags;
  if (settings.volumeConfigurations) request.volumeConfigurations = settings.volumeConfigurations;
  return request;
}

/** A strategy means no launch type (ECS refuses both); nothing given: what the service uses, else FARGATE. */
function launchOf(
  settings: RunTaskSettings,
  service: ServiceLaunch
): Pick<RunTaskCommandInput, 'launchType' | 'capacityProviderStrategy'> {
  if (settings.capacityProviderStrategy)
    return { capacityProviderStrategy: settings.capacityProviderStrategy };
  if (settings.launchType) return { launchType: settings.launchType };
  if (service.capacityProviderStrategy?.length)
    return { capacityProviderStrategy: service.capacityProviderStrategy };
  return { launchType: service.launchType ?? 'FARGATE' };
}

function networkOf(
  settings: RunTaskSettings,
  target: {
    taskDefinition: RunTaskDefinition;
    service: ServiceLaunch;
    serviceName: string;
    taskDefinitionArn: string;
  },
  names: RunTaskInputNames
): NetworkConfiguration | undefined {
  const given = settings.subnets.length > 0 || settings.securityGroups.length > 0 || settings.assignPublicIp;
  if (target.taskDefinition.networkMode !== 'awsvpc') {
    if (given)
      throw inputError(
        `Input "${names.subnets}" (and the security groups / public IP) apply to awsvpc tasks only; task definition ` +
          `${target.taskDefinition.family ?? target.taskDefinitionArn} uses network mode ${target.taskDefinition.networkMode ?? 'bridge'}. Remove them`
      );
    return undefined;
  }
  const service = target.service.networkConfiguration?.awsvpcConfiguration;
  const subnets = settings.subnets.length > 0 ? settings.subnets : (service?.subnets ?? []);
  if (subnets.length === 0)
    throw inputError(
      `Input "${names.subnets}" is needed: the task definition uses awsvpc and service ${target.serviceName} has no ` +
        'awsvpcConfiguration to take the subnets from. Give subnet-... ids separated by commas'
    );
  const securityGroups =
    settings.securityGroups.length > 0 ? settings.securityGroups : service?.securityGroups;
  return {
    awsvpcConfiguration: {
      subnets,
      ...(securityGroups?.length ? { securityGroups } : {}),
      assignPublicIp: settings.assignPublicIp ?? service?.assignPublicIp ?? 'DISABLED'
    }
  };
}

/** How the one-off task ended; the stopped tasks are kept whole so log excerpts can be added from them. */
export interface RunTaskResult {
  /**
   * succeeded: every essential container exited 0; started: not watched (wait-for-task-stopped false);
   * planned: a dry run, nothing ran
   */
  state: 'succeeded' | 'failed' | 'started' | 'timed-out' | 'cancelled' | 'planned';
  taskDefinitionArn: string;
  taskArns: string[];
  /** the tasks as last described (STOPPED when watched to the end) */
  tasks: Task[];
  /** one line: why it failed, or how it ended */
  reason: string;
  elapsedMs: number;
}

/** What the cancel hook needs while the task runs: the tasks started, and whether they were stopped. */
export interface RunTaskTracker {
  cluster: string;
  taskArns: string[];
  /** set while this step waits for the task (a cancel then stops it) */
  watching: boolean;
  stopped: boolean;
}

export interface RunTaskOptions {
  /** containers whose exit code decides (the task definition's essential ones) */
  essentialContainers: readonly string[];
  wait: boolean;
  timeoutMs: number;
  intervalMs: number;
  logger: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  tracker?: RunTaskTracker;
}

/** The containers ECS stops the task for (essential is true unless set false). */
export function essentialContainers(taskDefinition: RunTaskDefinition): string[] {
  return (taskDefinition.containerDefinitions ?? [])
    .filter(container => container.essential !== false)
    .map(container => container.name ?? '');
}

/**
 * Runs the task and, when asked, waits until it is STOPPED (DescribeTasks with the step's deadline,
 * backing off like every other wait), then judges it. Never throws for the task's own failure: the
 * caller reports it with what changed and what is left.
 */
export async function runTaskBeforeDeploy(
  api: EcsApi,
  request: RunTaskCommandInput,
  options: RunTaskOptions
): Promise<RunTaskResult> {
  const { logger } = options;
  const clock = options.clock ?? realClock;
  const started = clock.now();
  const taskDefinitionArn = request.taskDefinition ?? '';
  const end = (
    state: RunTaskResult['state'],
    reason: string,
    taskArns: string[],
    tasks: Task[]
  ): RunTaskResult => ({
    state,
    taskDefinitionArn,
    taskArns,
    tasks,
    reason,
    elapsedMs: clock.now() - started
  });
  // a cancel that came during the plan or the registration: the migration is never started
  if (options.signal?.aborted)
    return end('cancelled', 'cancelled before RunTask: no task was started', [], []);
  let output;
  try {
    output = await api.runTask(request);
  } catch (error) {
    return end('failed', `RunTask refused: ${errorMessage(error)}`, [], []);
  }
  const tasks = output.tasks ?? [];
  const taskArns = tasks.flatMap(task => (task.taskArn ? [task.taskArn] : []));
  if (taskArns.length === 0) {
    const failures = (output.failures ?? []).map(failure =>
      `${failure.arn ?? ''} ${failure.reason ?? ''} ${failure.detail ?? ''}`.trim()
    );
    return end(
      'failed',
      `RunTask started no task${failures.length ? ': ' + failures.join('; ') : ''}`,
      [],
      []
    );
  }
  options.tracker?.taskArns.push(...taskArns);
  logger.info(`run-task: started ${taskArns.join(', ')} (${taskDefinitionArn})`);
  if (!options.wait) {
    return end('started', 'started, not watched (wait-for-task-stopped: false)', taskArns, tasks);
  }

  if (options.tracker) options.tracker.watching = true;
  let last: Task[] = tasks;
  try {
    const stoppedTasks = await waitUntil<Task[] | 'cancelled'>(
      async () => {
        if (options.signal?.aborted) return { done: true, value: 'cancelled' };
        return lookPolitely(async () => {
          const described = await api.describeTasks({ cluster: request.cluster, tasks: taskArns });
          last = described.tasks ?? last;
          const line = last.map(task => `${shortId(task.taskArn)} ${task.lastStatus ?? '?'}`).join(', ');
          // a progress line per poll, like every other wait (the backoff keeps them few)
          logger.info(`run-task: ${line} (${formatDuration(clock.now() - started)} elapsed)`);
          const allStopped =
            last.length === taskArns.length && last.every(task => task.lastStatus === 'STOPPED');
          return allStopped ? { done: true, value: last } : { done: false, progress: line };
        });
      },
      {
        what: `run-task ${taskArns.map(shortId).join(', ')} to stop`,
        timeoutMs: options.timeoutMs,
        intervalMs: options.intervalMs,
        backoff: 1.25,
        maxIntervalMs: options.intervalMs * 4,
        clock
      }
    );
    if (stoppedTasks === 'cancelled') {
      const lines = await stopRunTasks(
        api,
        options.tracker ?? { cluster: request.cluster ?? '', taskArns, watching: true, stopped: false },
        logger
      );
      const stoppedBy = lines.length > 0 ? lines.join('; ') : 'the cancel hook stopped it (StopTask)';
      return end('cancelled', `cancelled while waiting for the task; ${stoppedBy}`, taskArns, last);
    }
    const verdicts = stoppedTasks.map(task => judgeRunTask(task, options.essentialContainers));
    const failed = verdicts.find(verdict => !verdict.ok);
    return failed
      ? end('failed', failed.reason, taskArns, stoppedTasks)
      : end('succeeded', verdicts.map(verdict => verdict.reason).join('; '), taskArns, stoppedTasks);
  } catch (error) {
    if (!(error instanceof PollTimeoutError)) throw error;
    return end('timed-out', `${error.message}; the task is still running (not stopped)`, taskArns, last);
  } finally {
    if (options.tracker) options.tracker.watching = false;
  }
}

/**
 * A stopped one-off task succeeded when every essential container exited 0. One that never started
 * (TaskFailedToStart: CannotPullContainerError, ResourceInitializationError...) or was stopped before
 * its essential containers exited failed. The reason is printed the way service watches print stopped tasks.
 * @internal exported for its tests; runTaskBeforeDeploy is the one caller
 */
export function judgeRunTask(task: Task, essential: readonly string[]): { ok: boolean; reason: string } {
  const id = shortId(task.taskArn);
  const details = stoppedTaskDetails(task);
  if (task.stopCode === 'TaskFailedToStart' || !task.startedAt)
    return { ok: false, reason: `task ${id} never started: ${details}` };
  const containers = task.containers ?? [];
  const bad = essential.filter(name => containers.find(container => container.name === name)?.exitCode !== 0);
  if (bad.length > 0) return { ok: false, reason: `task ${id} failed: ${details}` };
  return { ok: true, reason: `task ${id}: ${essential.map(name => `${name} exit 0`).join(', ')}` };
}

/**
 * Stops the one-off tasks this step is waiting for (StopTask), once: the cancel hook and the wait loop
 * may both ask. Returns a line per task for the report. A task not watched is left running (the deploy
 * went on without it).
 */
export async function stopRunTasks(api: EcsApi, tracker: RunTaskTracker, logger: Logger): Promise<string[]> {
  if (tracker.stopped || !tracker.watching || tracker.taskArns.length === 0) return [];
  tracker.stopped = true;
  return Promise.all(
    tracker.taskArns.map(async taskArn => {
      try {
        await api.stopTask({ cluster: tracker.cluster, task: taskArn, reason: 'deploy-ecs step cancelled' });
        const line = `run-task ${shortId(taskArn)} stopped (StopTask)`;
        logger.info(line);
        return line;
      } catch (error) {
        return `run-task ${shortId(taskArn)} could not be stopped (${errorMessage(error)}); it may still run`;
      }
    })
  );
}

/**
 * The step's failure when the task did not succeed: why, and what changed and what is left (no service
 * was updated; the revisions registered stay, as every revision does; a task still running says so).
 */
export function runTaskFailure(result: RunTaskResult, registered: readonly string[]): string {
  const left =
    registered.length > 0 ? `registered ${registered.join(', ')} (left registered)` : 'nothing registered';
  const what =
    result.state === 'failed'
      ? 'run-task failed'
      : result.state === 'timed-out'
        ? 'run-task timed out'
        : 'run-task';
  return `${what}: ${result.reason}; no service was updated; ${left}`;
}

function shortId(taskArn: string | undefined): string {
  return taskArn?.split('/').pop() ?? 'unknown';
}
