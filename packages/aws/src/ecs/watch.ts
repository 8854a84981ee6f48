import type { Deployment, Service, ServiceEvent } from '@aws-sdk/client-ecs';
import type { Logger } from '@deploy-suite/core';
import {
  waitUntil,
  PollTimeoutError,
  realClock,
  type Clock,
  errorMessage,
  formatDuration
} from '@deploy-suite/core';
import { lookPolitely } from '../errors.js';
import type { EcsApi } from './client.js';
import { DESCRIBE_TASKS_BATCH, describeServicesByName } from './client.js';
import {
  assessDeployment,
  classifyStoppedTask,
  stoppedTaskCheckNeeded,
  type TaskFailure,
  type Verdict,
  type WatchTarget
} from './assess.js';
import { reportStall } from './stall.js';

export interface WatchOptions {
  cluster: string;
  targets: readonly WatchTarget[];
  /** overall deadline for the whole watch */
  timeoutMs: number;
  /** first delay between polls; grows gently up to 4x */
  intervalMs: number;
  logger: Logger;
  clock?: Clock;
  /** stop at the first failed service (a deploy that will roll back anyway); default true */
  stopOnFirstFailure?: boolean;
  /** service events older than this (ms since epoch, ECS's clock) are not printed; default: the watched deployment's createdAt */
  eventsSince?: number;
  /** what the wait is for, for the timeout message; default 'deployment' */
  what?: string;
}

/** How one watched service ended. `timed-out` and `stopped` carry the last progress line. */
export type WatchOutcome =
  | (Verdict & { service: string; elapsedMs: number })
  | { state: 'timed-out'; service: string; progress: string; reason: string; elapsedMs: number }
  | { state: 'stopped'; service: string; progress: string; reason: string; elapsedMs: number };

export interface WatchResult {
  outcomes: WatchOutcome[];
  /** DescribeServices / ListTasks / DescribeTasks calls made, for the log and the benchmark */
  calls: { describeServices: number; listTasks: number; describeTasks: number; polls: number };
  /** stopped tasks of watched revisions that proved them broken, per service */
  taskFailures: Record<string, TaskFailure[]>;
}

interface Tracked {
  target: WatchTarget;
  verdict?: Verdict;
  lastDeployment?: Deployment;
  /** the last DescribeServices answer, for what is still pending at the deadline */
  lastService?: Service;
  describedTasks: Set<string>;
  failures: TaskFailure[];
}

/**
 * Watches several service deployments together until each is deployed or failed, with one batched
 * DescribeServices per poll (10 services a call), its own poll loop (never the SDK waiters' defaults)
 * and an overall deadline. Prints a progress line per service and each new service event once.
 * Stopped tasks are listed only when the deployment's failed-task count or its events moved, and each
 * stopped task is described once.
 */
export async function watchDeployments(api: EcsApi, options: WatchOptions): Promise<WatchResult> {
  const { cluster, logger } = options;
  const clock = options.clock ?? realClock;
  const started = clock.now();
  const stopOnFirstFailure = options.stopOnFirstFailure ?? true;
  const seenEvents = new Set<string>();
  const calls = { describeServices: 0, listTasks: 0, describeTasks: 0, polls: 0 };
  const tracked = new Map<string, Tracked>(
    options.targets.map(target => [target.service, { target, describedTasks: new Set(), failures: [] }])
  );

  const pending = (): Tracked[] =>
    [...tracked.values()].filter(
      entry => entry.verdict?.state !== 'deployed' && entry.verdict?.state !== 'failed'
    );

  const poll = async (): Promise<boolean> => {
    calls.polls++;
    const open = pending();
    const { found: services } = await describeServicesByName(
      api,
      cluster,
      open.map(entry => entry.target.service),
      () => calls.describeServices++
    );
    const elapsed = clock.now() - started;
    for (const entry of open) {
      const service = services.get(entry.target.service);
      if (!service) {
        entry.verdict = {
          state: 'failed',
          progress: `${entry.target.service}: missing`,
          reason: 'the service was not found'
        };
        continue;
      }
      entry.lastService = service;
      const deployment = service.deployments?.find(candidate => candidate.id === entry.target.deploymentId);
      // Events and deployments carry the same (ECS) clock, so "new" is judged against the deployment's start.
      const since = options.eventsSince ?? deployment?.createdAt?.valueOf() ?? Number.NEGATIVE_INFINITY;
      const newEvents = freshEvents(service.events ?? [], seenEvents, since);
      for (const event of newEvents) logger.info(`  ${entry.target.service} event: ${event.message ?? ''}`);
      if (stoppedTaskCheckNeeded(deployment, entry.lastDeployment, newEvents.length)) {
        await collectTaskFailures(api, cluster, entry, entry.target.deploymentId, calls, logger);
      }
      entry.lastDeployment = deployment;
      entry.verdict = assessDeployment(service, entry.target, entry.failures, elapsed);
      logger.info(entry.verdict.progress);
    }
    const failed = [...tracked.values()].some(entry => entry.verdict?.state === 'failed');
    return pending().length === 0 || (stopOnFirstFailure && failed);
  };

  let timedOut: PollTimeoutError | undefined;
  try {
    await waitUntil(
      async () => {
        // A throttled or failed describe (after the SDK's own retries) is transient until the deadline:
        // the loop backs off and looks again, and the progress line says so.
        const look = await lookPolitely(async () =>
          (await poll())
            ? { done: true as const, value: undefined }
            : { done: false as const, progress: progressSummary(tracked) }
        );
        if (!look.done && look.progress?.startsWith('a describe call failed')) {
          logger.info(`  ${look.progress} (${formatDuration(clock.now() - started)} elapsed)`);
        }
        return look;
      },
      {
        what: `${options.what ?? 'deployment'} of ${[...tracked.keys()].join(', ')}`,
        timeoutMs: options.timeoutMs,
        intervalMs: options.intervalMs,
        backoff: 1.25,
        maxIntervalMs: options.intervalMs * 4,
        clock
      }
    );
  } catch (error) {
    if (!(error instanceof PollTimeoutError)) throw error;
    timedOut = error;
    reportStall(
      logger,
      options.what ?? 'deployment',
      pending().map(entry => ({ name: entry.target.service, service: entry.lastService }))
    );
  }

  const elapsedMs = clock.now() - started;
  const outcomes: WatchOutcome[] = [...tracked.values()].map(entry => {
    const verdict = entry.verdict;
    const progress = verdict?.progress ?? `${entry.target.service}: not seen yet`;
    if (verdict && (verdict.state === 'deployed' || verdict.state === 'failed')) {
      return { ...verdict, service: entry.target.service, elapsedMs };
    }
    if (timedOut) {
      return {
        state: 'timed-out',
        service: entry.target.service,
        progress,
        elapsedMs,
        reason: `${timedOut.message.split(';')[0]}; last seen: ${progress}`
      };
    }
    return {
      state: 'stopped',
      service: entry.target.service,
      progress,
      elapsedMs,
      reason: 'watch stopped because another service failed'
    };
  });
  const taskFailures = Object.fromEntries(
    [...tracked.values()].map(entry => [entry.target.service, entry.failures])
  );
  return { outcomes, calls, taskFailures };
}

function progressSummary(tracked: Map<string, Tracked>): string {
  return [...tracked.values()]
    .map(entry => entry.verdict?.progress ?? `${entry.target.service}: not seen yet`)
    .join('; ');
}

/** Service events not printed yet and not older than the watch, oldest first. */
function freshEvents(events: readonly ServiceEvent[], seen: Set<string>, since: number): ServiceEvent[] {
  const fresh: ServiceEvent[] = [];
  for (const event of events) {
    const key = event.id ?? `${event.createdAt?.valueOf()}:${event.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (event.createdAt && event.createdAt.valueOf() < since) continue;
    fresh.push(event);
  }
  return fresh.reverse();
}

/** What reading a deployment's stopped tasks needs to know and keeps, in either watch. */
export interface StoppedTaskTracking {
  target: { service: string; taskDefinitionArn: string };
  /** stopped tasks already described: each is described once */
  describedTasks: Set<string>;
  /** stopped tasks of the watched revision that prove it broken */
  failures: TaskFailure[];
}

/**
 * Lists the deployment's stopped tasks and describes only the ones not described before; keeps those of
 * the watched revision that prove it broken. Used by this watch and by the service-deployment watch.
 */
export async function collectTaskFailures(
  api: EcsApi,
  cluster: string,
  entry: StoppedTaskTracking,
  deploymentId: string,
  calls: { listTasks: number; describeTasks: number },
  logger: Logger
): Promise<void> {
  try {
    calls.listTasks++;
    const listed = await api.listTasks({ cluster, startedBy: deploymentId, desiredStatus: 'STOPPED' });
    const fresh = (listed.taskArns ?? []).filter(arn => !entry.describedTasks.has(arn));
    for (let index = 0; index < fresh.length; index += DESCRIBE_TASKS_BATCH) {
      const batch = fresh.slice(index, index + DESCRIBE_TASKS_BATCH);
      calls.describeTasks++;
      const described = await api.describeTasks({ cluster, tasks: batch });
      for (const arn of batch) entry.describedTasks.add(arn);
      for (const task of described.tasks ?? []) {
        if (task.taskDefinitionArn !== entry.target.taskDefinitionArn) continue;
        const failure = classifyStoppedTask(task);
        if (failure) {
          // the task itself too: container log excerpts read its containers' streams
          entry.failures.push({ ...failure, task });
          logger.info(`  ${entry.target.service} task stopped: ${failure.reason}`);
        }
      }
    }
  } catch (error) {
    // Reading stopped tasks only sharpens the verdict; the deployment's own state still decides it.
    logger.warning(`Could not read stopped tasks of ${entry.target.service}: ${errorMessage(error)}`);
  }
}
