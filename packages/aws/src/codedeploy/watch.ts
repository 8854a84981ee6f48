import type { DeploymentInfo, DeploymentTarget, LifecycleEvent } from '@aws-sdk/client-codedeploy';
import {
  PollTimeoutError,
  errorMessage,
  formatDuration,
  redactUrlsIn,
  waitUntil,
  type Clock,
  type Logger,
  type PollResult
} from '@deploy-suite/core';
import { awsErrorName, lookPolitely } from '../errors.js';
import type { EcsApi } from '../ecs/client.js';
import { collectTaskFailures, type StoppedTaskTracking } from '../ecs/watch.js';
import type { CodeDeployApi } from './client.js';

/** Statuses after which CodeDeploy does nothing more with a deployment. */
const ENDED = new Set(['Succeeded', 'Failed', 'Stopped']);

/** True while CodeDeploy may still change the deployment (StopDeployment accepts it). */
export function isActive(status: string | undefined): boolean {
  return status !== undefined && !ENDED.has(status);
}

/** What to do with a deployment waiting in Ready (deploymentReadyOption STOP_DEPLOYMENT): as `on-pause`. */
export type OnReady = 'wait' | 'continue' | 'stop';

/**
 * How a watched CodeDeploy deployment ended. deployed: CodeDeploy says Succeeded and the service's PRIMARY
 * task set runs the revision; failed: Failed, Stopped, or Succeeded on another revision; paused: waiting
 * in Ready (on-pause stop); timed-out: still active at the deadline.
 */
export interface CodeDeployOutcome {
  state: 'deployed' | 'failed' | 'paused' | 'timed-out';
  deploymentId: string;
  /** CodeDeploy's status when the watch ended */
  status?: string;
  reason?: string;
  /** the deployment CodeDeploy started to roll this one back (automatic rollback, or StopDeployment) */
  rollbackDeploymentId?: string;
  /** `BeforeInstall Succeeded (1s)`, ... in the order CodeDeploy runs them, for the summary */
  lifecycleEvents: string[];
}

export interface CodeDeployWatchOptions {
  cluster: string;
  service: string;
  /** the revision the deployment must leave on the PRIMARY task set */
  taskDefinitionArn: string;
  timeoutMs: number;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
  onReady?: OnReady;
  /** what the wait is for, in the timeout message ('deployment', 'rollback') */
  what: string;
}

/** One lifecycle event in a line: `Install Failed (42s): ECS_UPDATE_ERROR: ...`. Diagnostics are redacted. */
export function describeLifecycleEvent(event: LifecycleEvent): string {
  const took =
    event.startTime && event.endTime
      ? ` (${formatDuration(event.endTime.getTime() - event.startTime.getTime())})`
      : '';
  const diagnostics = event.diagnostics;
  // The log tail is the hook's own output: it may print anything, so it is never shown.
  const why = diagnostics?.message
    ? `: ${diagnostics.errorCode ? `${diagnostics.errorCode}: ` : ''}${redactUrlsIn(diagnostics.message)}`
    : '';
  return `${event.lifecycleEventName ?? '?'} ${event.status ?? '?'}${took}${why}`;
}

/** Why a deployment did not succeed, in CodeDeploy's words: its error information and the failed event. */
export function describeDeploymentFailure(info: DeploymentInfo, events: readonly LifecycleEvent[]): string {
  const error = info.errorInformation;
  const parts = [`CodeDeploy deployment ${info.deploymentId ?? '?'} ${info.status ?? 'ended'}`];
  if (error?.code || error?.message)
    parts.push(`${error.code ?? 'error'}: ${redactUrlsIn(error.message ?? '(no message)')}`);
  const failed = events.find(event => event.status === 'Failed');
  if (failed) {
    // CodeDeploy often repeats its error message in the event's diagnostics: say it once
    const same = failed.diagnostics?.message !== undefined && failed.diagnostics.message === error?.message;
    parts.push(
      `lifecycle event ${same ? `${failed.lifecycleEventName ?? '?'} ${failed.status}` : describeLifecycleEvent(failed)}`
    );
  }
  if (info.rollbackInfo?.rollbackDeploymentId)
    parts.push(`CodeDeploy rolls back with deployment ${info.rollbackInfo.rollbackDeploymentId}`);
  return parts.join('; ');
}

/** Blue 90% (2/2 running), Green 10% (2/2 running): where the traffic is. */
function describeTaskSets(target: DeploymentTarget | undefined): string | undefined {
  const sets = target?.ecsTarget?.taskSetsInfo ?? [];
  if (sets.length === 0) return undefined;
  return sets
    .map(
      set =>
        `${set.taskSetLabel ?? set.identifer ?? '?'} ${set.trafficWeight ?? 0}% (${set.runningCount ?? 0}/${set.desiredCount ?? 0} running)`
    )
    .join(', ');
}

/** The ECS target of a deployment; undefined before CodeDeploy has started it. */
async function readTarget(
  api: CodeDeployApi,
  deploymentId: string,
  known: { targetId?: string }
): Promise<DeploymentTarget | undefined> {
  try {
    if (!known.targetId) {
      const ids = (await api.listDeploymentTargets({ deploymentId })).targetIds ?? [];
      known.targetId = ids[0];
      if (!known.targetId) return undefined;
    }
    return (await api.getDeploymentTarget({ deploymentId, targetId: known.targetId })).deploymentTarget;
  } catch (error) {
    if (awsErrorName(error) === 'DeploymentNotStartedException') return undefined;
    throw error;
  }
}

/** The revision of the service's PRIMARY task set (CODE_DEPLOY services have task sets, not deployments). */
export async function primaryTaskSetRevision(
  ecs: EcsApi,
  cluster: string,
  service: string
): Promise<string | undefined> {
  const described = (await ecs.describeServices({ cluster, services: [service] })).services?.[0];
  return (
    described?.taskSets?.find(set => set.status === 'PRIMARY')?.taskDefinition ?? described?.taskDefinition
  );
}

/**
 * Watches one CodeDeploy deployment by CodeDeploy's own account (GetDeployment, and its ECS target's
 * lifecycle events, each printed once as it changes) until it ends or the deadline passes. Succeeded is
 * deployed only when the service's PRIMARY task set then runs the revision. Throttled looks are retried
 * on the next poll; other errors end the watch.
 */
export async function watchCodeDeployment(
  api: CodeDeployApi,
  ecs: EcsApi,
  deploymentId: string,
  options: CodeDeployWatchOptions
): Promise<CodeDeployOutcome> {
  const { logger, service } = options;
  const printed = new Map<string, string>();
  const known: { targetId?: string } = {};
  let events: LifecycleEvent[] = [];
  let continued = false;
  let terminationAnnounced = false;
  // The replacement task set's stopped tasks, printed as they stop (reason, exit code), as for ECS deployments.
  const stopped: StoppedTaskTracking = {
    target: { service, taskDefinitionArn: options.taskDefinitionArn },
    describedTasks: new Set(),
    failures: []
  };
  const calls = { listTasks: 0, describeTasks: 0 };
  const withTasks = (reason: string): string =>
    stopped.failures.length === 0
      ? reason
      : `${reason}; ${stopped.failures.length} task${stopped.failures.length > 1 ? 's' : ''} of ${options.taskDefinitionArn} stopped (last: ${stopped.failures[stopped.failures.length - 1].reason})`;
  const lines = () => events.map(describeLifecycleEvent);
  type Ended = Omit<CodeDeployOutcome, 'deploymentId' | 'lifecycleEvents'>;
  const look = async (): Promise<PollResult<Ended>> => {
    const info = (await api.getDeployment({ deploymentId })).deploymentInfo ?? {};
    const target =
      info.status === 'Created' || info.status === 'Queued'
        ? undefined
        : await readTarget(api, deploymentId, known);
    events = target?.ecsTarget?.lifecycleEvents ?? events;
    // The task set running this deployment's revision (tasks are started by the task set's id).
    const replacement = target?.ecsTarget?.taskSetsInfo?.find(
      set => set.identifer && set.taskSetLabel === 'Green'
    )?.identifer;
    if (replacement && info.status !== 'Succeeded') {
      await collectTaskFailures(ecs, options.cluster, stopped, replacement, calls, logger);
    }
    for (const event of events) {
      const name = event.lifecycleEventName ?? '?';
      if (event.status === 'Pending' || printed.get(name) === event.status) continue;
      printed.set(name, event.status ?? '?');
      logger.info(`  ${service}: ${deploymentId} ${describeLifecycleEvent(event)}`);
    }
    const rollbackDeploymentId = info.rollbackInfo?.rollbackDeploymentId;
    switch (info.status) {
      case 'Succeeded': {
        const running = await primaryTaskSetRevision(ecs, options.cluster, service);
        if (running === options.taskDefinitionArn) {
          return { done: true, value: { state: 'deployed', status: info.status } };
        }
        return {
          done: true,
          value: {
            state: 'failed',
            status: info.status,
            reason: `CodeDeploy reports ${deploymentId} Succeeded, but the PRIMARY task set of ${service} runs ${running ?? 'nothing'}, not ${options.taskDefinitionArn}`
          }
        };
      }
      case 'Failed':
      case 'Stopped':
        return {
          done: true,
          value: {
            state: 'failed',
            status: info.status,
            reason: withTasks(describeDeploymentFailure(info, events)),
            rollbackDeploymentId
          }
        };
      case 'Ready': {
        const onReady = options.onReady ?? 'wait';
        if (onReady === 'stop') {
          return {
            done: true,
            value: {
              state: 'paused',
              status: info.status,
              reason: `${deploymentId} waits in Ready for traffic to be rerouted (aws deploy continue-deployment --deployment-id ${deploymentId} --deployment-wait-type READY_WAIT)`
            }
          };
        }
        if (onReady === 'continue' && !continued) {
          await api.continueDeployment({ deploymentId, deploymentWaitType: 'READY_WAIT' });
          continued = true;
          logger.info(`  ${service}: ${deploymentId} was Ready; continued it (production traffic moves now)`);
        }
        return {
          done: false,
          progress: `${deploymentId} Ready: waiting for production traffic to be rerouted`
        };
      }
      default: {
        if (info.instanceTerminationWaitTimeStarted && !terminationAnnounced) {
          terminationAnnounced = true;
          logger.info(
            `  ${service}: ${deploymentId} moved all traffic; CodeDeploy's termination wait of the original task set started`
          );
        }
        const current = events.find(event => event.status === 'InProgress')?.lifecycleEventName;
        const sets = describeTaskSets(target);
        return {
          done: false,
          progress:
            `${deploymentId} ${info.status ?? '?'}` +
            (current ? `, ${current}` : '') +
            (info.instanceTerminationWaitTimeStarted ? ', termination wait' : '') +
            (sets ? `; ${sets}` : '')
        };
      }
    }
  };
  try {
    const value = await waitUntil(() => lookPolitely(look), {
      what: `CodeDeploy ${options.what} ${deploymentId} of ${service}`,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      clock: options.clock,
      onProgress: (progress, elapsed) => {
        if (progress) logger.info(`  ${service}: ${progress} (${formatDuration(elapsed)})`);
      }
    });
    return { ...value, deploymentId, lifecycleEvents: lines() };
  } catch (error) {
    if (!(error instanceof PollTimeoutError)) throw error;
    return {
      state: 'timed-out',
      deploymentId,
      reason: errorMessage(error),
      lifecycleEvents: lines()
    };
  }
}
