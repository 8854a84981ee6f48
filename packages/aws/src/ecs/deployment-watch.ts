import type { Deployment, Service, ServiceDeployment, ServiceEvent } from '@aws-sdk/client-ecs';
import {
  PollTimeoutError,
  formatDuration,
  realClock,
  waitUntil,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import { SERVICE_DEPLOYMENTS_BATCH, describeServicesByName, type EcsApi } from './client.js';
import { lookPolitely } from '../errors.js';
import { progressLine, stoppedTaskCheckNeeded, type TaskFailure } from './assess.js';
import { collectTaskFailures } from './watch.js';
import { reportStall } from './stall.js';
import { isFinal, judgeServiceDeployment, serviceDeploymentProgress, type Judgement } from './judge.js';

/** What to do when a PAUSE lifecycle hook waits for action: keep waiting, continue it, or end the step. */
export type OnPause = 'wait' | 'continue' | 'stop';

/** One service deployment to watch: the one this step started, or the one it is rolling back natively. */
export interface DeploymentTarget {
  service: string;
  serviceDeploymentArn: string;
  /** the task definition the deployment puts on the service (stopped tasks of it are evidence) */
  taskDefinitionArn: string;
  strategy: string;
  /** the rolling-view deployment id UpdateService returned: its failed-task count and tasks (`startedBy`) */
  deploymentId?: string;
  /** deploy: SUCCESSFUL is the goal; rollback: this step asked ECS to roll it back, ROLLBACK_SUCCESSFUL is */
  expect: 'deploy' | 'rollback';
}

/**
 * How one watched deployment ended. `failed-tasks`: stopped tasks of the new revision prove it broken
 * while ECS still deploys it (the caller rolls it back natively); `in-flight`: still going when the watch
 * ended (deadline, or another service failed first).
 */
type DeploymentOutcomeState =
  | 'deployed'
  | 'paused'
  | 'rolled-back'
  | 'rollback-failed'
  | 'stopped'
  | 'superseded'
  | 'failed-tasks'
  | 'rolling-back'
  | 'in-flight';

export interface DeploymentOutcome {
  service: string;
  serviceDeploymentArn: string;
  state: DeploymentOutcomeState;
  /** the last judgement of ECS's service deployment */
  judgement?: Judgement;
  /** the last look, as printed */
  progress: string;
  reason?: string;
  hookId?: string;
  /** the deployment that replaced this one (superseded) */
  replacedBy?: string;
  /** the last DescribeServiceDeployments entry, for rollback targets and summaries */
  deployment?: ServiceDeployment;
  elapsedMs: number;
}

export interface DeploymentWatchOptions {
  cluster: string;
  targets: readonly DeploymentTarget[];
  timeoutMs: number;
  intervalMs: number;
  logger: Logger;
  clock?: Clock;
  onPause: OnPause;
  /** end the watch at the first failure (all-or-nothing deploys roll everything back anyway) */
  stopOnFirstFailure: boolean;
  what: string;
}

export interface DeploymentWatchResult {
  outcomes: DeploymentOutcome[];
  calls: {
    describeServiceDeployments: number;
    describeServices: number;
    listTasks: number;
    describeTasks: number;
    continueServiceDeployment: number;
    polls: number;
  };
  taskFailures: Record<string, TaskFailure[]>;
}

interface Tracked {
  target: DeploymentTarget;
  outcome?: DeploymentOutcomeState;
  judgement?: Judgement;
  deployment?: ServiceDeployment;
  progress?: string;
  reason?: string;
  replacedBy?: string;
  failures: TaskFailure[];
  describedTasks: Set<string>;
  announcedHooks: Set<string>;
  lastRolling?: Deployment;
  lastFailureCount?: number;
  /** the last DescribeServices answer, for what is still pending at the deadline */
  lastService?: Service;
}

/**
 * Whether tasks of the new revision failed since the last look: its failed-task count (rolling view) or the
 * circuit breaker's count (service deployment) moved. Only where ECS counts neither does a stop event do.
 */
function newTasksFailed(
  rolling: Deployment,
  entry: Tracked,
  deployment: ServiceDeployment,
  fresh: readonly ServiceEvent[]
): boolean {
  const breakerCount = deployment.deploymentCircuitBreaker?.failureCount;
  if (breakerCount !== undefined && breakerCount > (entry.lastFailureCount ?? 0)) return true;
  const stopEvents = fresh.filter(event => stoppedTaskIds(event.message ?? '').length > 0).length;
  return stoppedTaskCheckNeeded(
    rolling,
    entry.lastRolling,
    rolling.failedTasks === undefined ? stopEvents : 0
  );
}

const STOPPED_TASKS = /has stopped \d+ running tasks?: ((?:\(task [^)]+\)\s*)+)/;

/**
 * The task ids an ECS "has stopped N running tasks: (task a) (task b)." event names.
 * @internal exported for its tests
 */
export function stoppedTaskIds(message: string): string[] {
  const match = STOPPED_TASKS.exec(message);
  if (!match) return [];
  return [...match[1].matchAll(/\(task ([^)]+)\)/g)].map(found => found[1]);
}

/** The outcome a final judgement ends the watch of a target with (the caller reads it by `expect`). */
function outcomeOf(judgement: Judgement): DeploymentOutcomeState | undefined {
  return isFinal(judgement) ? (judgement.state as DeploymentOutcomeState) : undefined;
}

/**
 * Watches service deployments of any strategy by ECS's own verdict. Each poll is one DescribeServiceDeployments
 * (up to 20 ARNs) and one DescribeServices (up to 10 services) for events and counts; ListTasks/DescribeTasks
 * run only when the new revision's failed-task count or a stop event moved, for tasks not described before. Prints a progress line per
 * service, each new event once, and what it waits for at a PAUSE hook.
 */
export async function watchServiceDeployments(
  api: EcsApi,
  options: DeploymentWatchOptions
): Promise<DeploymentWatchResult> {
  const { cluster, logger } = options;
  const clock = options.clock ?? realClock;
  const started = clock.now();
  const calls = {
    describeServiceDeployments: 0,
    describeServices: 0,
    listTasks: 0,
    describeTasks: 0,
    continueServiceDeployment: 0,
    polls: 0
  };
  const seenEvents = new Set<string>();
  const tracked = options.targets.map((target): Tracked => ({
    target,
    failures: [],
    describedTasks: new Set(),
    announcedHooks: new Set()
  }));
  const open = (): Tracked[] => tracked.filter(entry => entry.outcome === undefined);
  // A failure ends an all-or-nothing watch: one ECS is rolling back already counts.
  const failedOne = (): boolean =>
    tracked.some(
      entry =>
        entry.target.expect === 'deploy' &&
        ((entry.outcome !== undefined && entry.outcome !== 'deployed' && entry.outcome !== 'paused') ||
          (entry.outcome === undefined && entry.judgement?.state === 'rolling-back'))
    );

  const poll = async (): Promise<boolean> => {
    calls.polls++;
    const watching = open();
    const deployments = new Map<string, ServiceDeployment>();
    for (let index = 0; index < watching.length; index += SERVICE_DEPLOYMENTS_BATCH) {
      calls.describeServiceDeployments++;
      const output = await api.describeServiceDeployments({
        serviceDeploymentArns: watching
          .slice(index, index + SERVICE_DEPLOYMENTS_BATCH)
          .map(entry => entry.target.serviceDeploymentArn)
      });
      for (const deployment of output.serviceDeployments ?? []) {
        if (deployment.serviceDeploymentArn) deployments.set(deployment.serviceDeploymentArn, deployment);
      }
    }
    const { found: services } = await describeServicesByName(
      api,
      cluster,
      [...new Set(watching.map(entry => entry.target.service))],
      () => calls.describeServices++
    );
    const elapsed = clock.now() - started;
    for (const entry of watching) {
      const { target } = entry;
      const deployment = deployments.get(target.serviceDeploymentArn);
      const service = services.get(target.service);
      if (service) entry.lastService = service;
      const since = deployment?.createdAt?.valueOf() ?? Number.NEGATIVE_INFINITY;
      const fresh = freshEvents(service?.events ?? [], seenEvents, since);
      for (const event of fresh) logger.info(`  ${target.service} event: ${event.message ?? ''}`);
      entry.deployment = deployment ?? entry.deployment;
      const rolling = rollingDeploymentOf(service, target);
      entry.progress =
        target.strategy === 'ROLLING' && rolling
          ? // today's rolling line, with ECS's verdict beside it
            `${progressLine(target.service, rolling, elapsed)}, service deployment ${deployment?.status ?? 'not seen'}`
          : serviceDeploymentProgress(target.service, target.strategy, deployment, elapsed);
      logger.info(entry.progress);
      if (!deployment) {
        if (!service) {
          entry.outcome = 'stopped';
          entry.reason = 'the service was not found';
        }
        continue;
      }
      const judgement = judgeServiceDeployment(deployment);
      entry.judgement = judgement;
      if (judgement.state === 'superseded') {
        entry.replacedBy =
          service?.currentServiceDeployment &&
          service.currentServiceDeployment !== target.serviceDeploymentArn
            ? service.currentServiceDeployment
            : undefined;
      }
      const final = outcomeOf(judgement);
      if (
        target.expect === 'deploy' &&
        rolling &&
        entry.failures.length === 0 &&
        (judgement.state === 'rolling-back' || final === 'rolled-back' || final === 'stopped')
      ) {
        // ECS ended it (circuit breaker) before this watch read a stopped task: read them now, they say why
        // (and their containers' logs are what the step shows).
        await collectTaskFailures(api, cluster, entry, rolling.id ?? '', calls, logger);
      }
      if (final) {
        entry.outcome = final;
        entry.reason = 'reason' in judgement ? judgement.reason : undefined;
        continue;
      }
      if (judgement.state === 'rolling-back' && target.expect === 'deploy') {
        // ECS rolls it back itself (circuit breaker, alarm, hook, someone's StopServiceDeployment):
        // watch that to its end; never start a second rollback on top of it.
        if (!entry.announcedHooks.has('rolling-back')) {
          entry.announcedHooks.add('rolling-back');
          logger.info(
            `  ${target.service}: ECS is rolling this deployment back (${judgement.reason}); waiting for it`
          );
        }
        continue;
      }
      if (judgement.state === 'paused') {
        if (await handlePause(api, entry, judgement.hookId, options, calls, logger)) continue;
      }
      if (target.expect === 'deploy' && judgement.state !== 'rolling-back') {
        if (rolling && newTasksFailed(rolling, entry, deployment, fresh)) {
          await collectTaskFailures(api, cluster, entry, rolling.id ?? '', calls, logger);
        }
        entry.lastRolling = rolling;
        entry.lastFailureCount = deployment.deploymentCircuitBreaker?.failureCount ?? 0;
        if (entry.failures.length > 0) {
          const [first] = entry.failures;
          const more =
            entry.failures.length > 1 ? ` (and ${entry.failures.length - 1} more failed tasks)` : '';
          entry.outcome = 'failed-tasks';
          entry.reason = `task ${first.taskArn.split('/').pop()} stopped: ${first.reason}${more}`;
        }
      }
    }
    return open().length === 0 || (options.stopOnFirstFailure && failedOne());
  };

  let timedOut: PollTimeoutError | undefined;
  try {
    await waitUntil(
      async () => {
        // A throttled or failed describe (after the SDK's own retries) is transient until the deadline.
        const look = await lookPolitely(async () =>
          (await poll())
            ? { done: true as const, value: undefined }
            : {
                done: false as const,
                progress: tracked.map(entry => entry.progress ?? entry.target.service).join('; ')
              }
        );
        if (!look.done && look.progress?.startsWith('a describe call failed')) {
          logger.info(`  ${look.progress} (${formatDuration(clock.now() - started)} elapsed)`);
        }
        return look;
      },
      {
        what: `${options.what} of ${tracked.map(entry => entry.target.service).join(', ')}`,
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
      options.what,
      open().map(entry => ({ name: entry.target.service, service: entry.lastService }))
    );
  }
  const elapsedMs = clock.now() - started;
  const outcomes = tracked.map((entry): DeploymentOutcome => {
    const progress = entry.progress ?? `${entry.target.service}: not seen yet`;
    const base = {
      service: entry.target.service,
      serviceDeploymentArn: entry.target.serviceDeploymentArn,
      judgement: entry.judgement,
      deployment: entry.deployment,
      progress,
      elapsedMs
    };
    if (entry.outcome) {
      return {
        ...base,
        state: entry.outcome,
        reason: entry.reason,
        hookId: entry.judgement?.state === 'paused' ? entry.judgement.hookId : undefined,
        replacedBy: entry.replacedBy
      };
    }
    const rollingBack = entry.judgement?.state === 'rolling-back';
    const reason = timedOut
      ? `${timedOut.message.split(';')[0]}; last seen: ${progress}`
      : 'watch stopped because another service failed';
    return {
      ...base,
      state: rollingBack ? 'rolling-back' : 'in-flight',
      reason,
      hookId: entry.judgement?.state === 'paused' ? entry.judgement.hookId : undefined
    };
  });
  return {
    outcomes,
    calls,
    taskFailures: Object.fromEntries(tracked.map(entry => [entry.target.service, entry.failures]))
  };
}

/** Acts on a PAUSE hook by `on-pause`; true when the service needs no more looks this poll. */
async function handlePause(
  api: EcsApi,
  entry: Tracked,
  hookId: string,
  options: DeploymentWatchOptions,
  calls: DeploymentWatchResult['calls'],
  logger: Logger
): Promise<boolean> {
  const { target } = entry;
  if (target.expect === 'rollback') return true;
  if (options.onPause === 'stop') {
    logger.info(
      `  ${target.service}: paused at lifecycle hook ${hookId}; on-pause: stop ends this step (continue it with ` +
        `aws ecs continue-service-deployment --service-deployment-arn ${target.serviceDeploymentArn} --hook-id ${hookId})`
    );
    entry.outcome = 'paused';
    return true;
  }
  if (entry.announcedHooks.has(hookId)) return true;
  entry.announcedHooks.add(hookId);
  if (options.onPause === 'continue') {
    calls.continueServiceDeployment++;
    await api.continueServiceDeployment({
      serviceDeploymentArn: target.serviceDeploymentArn,
      hookId,
      action: 'CONTINUE'
    });
    logger.info(`  ${target.service}: lifecycle hook ${hookId} continued (on-pause: continue)`);
  } else {
    logger.info(
      `  ${target.service}: waiting at PAUSE lifecycle hook ${hookId} for ContinueServiceDeployment (on-pause: wait)`
    );
  }
  return true;
}

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

/** The rolling-view deployment of a target: the id UpdateService returned, else the PRIMARY on its revision. */
function rollingDeploymentOf(service: Service | undefined, target: DeploymentTarget): Deployment | undefined {
  const deployments = service?.deployments ?? [];
  return (
    (target.deploymentId
      ? deployments.find(deployment => deployment.id === target.deploymentId)
      : undefined) ??
    deployments.find(
      deployment => deployment.status === 'PRIMARY' && deployment.taskDefinition === target.taskDefinitionArn
    )
  );
}
