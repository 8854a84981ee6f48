import type { Deployment, Service, Task } from '@aws-sdk/client-ecs';
import { formatDuration } from '@deploy-suite/core';

/** The deployment one step started and is waiting for: the id UpdateService returned, and its revision. */
export interface WatchTarget {
  service: string;
  deploymentId: string;
  taskDefinitionArn: string;
}

/** Why a task of the watched revision counts as evidence that the revision does not work. */
export interface TaskFailure {
  taskArn: string;
  reason: string;
  /** the stopped task as DescribeTasks returned it (set by the watches), for its containers' logs */
  task?: Task;
}

/** What one look at a service says about the watched deployment. */
export type Verdict =
  | { state: 'in-progress'; progress: string }
  | { state: 'deployed'; progress: string }
  | {
      state: 'failed';
      reason: string;
      progress: string;
      /** set when ECS's circuit breaker has already started a rollback deployment: wait for it, do not fight it */
      circuitBreakerRollback?: { deploymentId: string; taskDefinitionArn: string };
    };

const CIRCUIT_BREAKER_ROLLBACK = /circuit breaker: rolling back/i;

/** True for the PRIMARY deployment ECS creates when its circuit breaker rolls a failed deployment back. */
function isCircuitBreakerRollback(deployment: Deployment | undefined): boolean {
  return CIRCUIT_BREAKER_ROLLBACK.test(deployment?.rolloutStateReason ?? '');
}

/** `backend-service: 1/2 running, 1 pending, rollout IN_PROGRESS, 0 failed tasks, 1m 20s` */
export function progressLine(service: string, deployment: Deployment | undefined, elapsedMs: number): string {
  if (!deployment) return `${service}: deployment not listed, ${formatDuration(elapsedMs)}`;
  const parts = [
    `${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0} running`,
    `${deployment.pendingCount ?? 0} pending`,
    `rollout ${deployment.rolloutState ?? 'unknown'}`
  ];
  if (deployment.failedTasks) parts.push(`${deployment.failedTasks} failed tasks`);
  return `${service}: ${parts.join(', ')}, ${formatDuration(Math.round(elapsedMs / 1000) * 1000)}`;
}

/**
 * Decides, from one DescribeServices entry, whether the deployment this step started is deployed, still
 * rolling out, or has failed. "Deployed" means exactly: this deployment is PRIMARY, its rollout is
 * COMPLETED and it runs the revision this step registered. A service that is stable on another revision
 * (after a circuit-breaker rollback) is a failure, never a success. `taskFailures` are stopped tasks of
 * the watched revision that already prove it broken; one is enough to fail fast.
 */
export function assessDeployment(
  service: Service,
  target: WatchTarget,
  taskFailures: readonly TaskFailure[],
  elapsedMs: number
): Verdict {
  const deployments = service.deployments ?? [];
  const ours = deployments.find(deployment => deployment.id === target.deploymentId);
  const primary = deployments.find(deployment => deployment.status === 'PRIMARY');
  const progress = progressLine(target.service, ours, elapsedMs);

  if (service.status && service.status !== 'ACTIVE') {
    return { state: 'failed', progress, reason: `the service is ${service.status}` };
  }
  // ECS's own rollback, seen while it runs (the PRIMARY says so) or after it finished (the failed
  // deployment is gone, but the service events still say "(deployment <ours>) deployment failed").
  const failedEvent = service.events?.find(event =>
    event.message?.includes(`(deployment ${target.deploymentId}) deployment failed`)
  );
  if (
    primary &&
    primary.id !== target.deploymentId &&
    (isCircuitBreakerRollback(primary) ||
      (failedEvent && primary.taskDefinition !== target.taskDefinitionArn))
  ) {
    const why = ours?.rolloutStateReason ?? failedEvent?.message?.replace(/^\(service [^)]*\) /, '');
    return {
      state: 'failed',
      progress,
      reason:
        `the ECS deployment circuit breaker ${primary.rolloutState === 'COMPLETED' ? 'rolled back' : 'is rolling back'} ` +
        `to ${primary.taskDefinition ?? 'the previous revision'}` +
        (why ? `: ${why}` : ''),
      circuitBreakerRollback: {
        deploymentId: primary.id ?? '',
        taskDefinitionArn: primary.taskDefinition ?? ''
      }
    };
  }
  if (!ours) {
    return {
      state: 'failed',
      progress,
      reason:
        `deployment ${target.deploymentId} is no longer listed; the service now runs ` +
        `${primary?.taskDefinition ?? 'an unknown revision'} (deployment ${primary?.id ?? 'unknown'})`
    };
  }
  if (ours.rolloutState === 'FAILED') {
    return { state: 'failed', progress, reason: ours.rolloutStateReason || 'the rollout FAILED' };
  }
  if (ours.status !== 'PRIMARY') {
    return {
      state: 'failed',
      progress,
      reason: `deployment ${target.deploymentId} was replaced by deployment ${primary?.id ?? 'unknown'} (${primary?.taskDefinition ?? 'unknown revision'})`
    };
  }
  if (ours.taskDefinition !== target.taskDefinitionArn) {
    return {
      state: 'failed',
      progress,
      reason: `deployment ${target.deploymentId} runs ${ours.taskDefinition}, not ${target.taskDefinitionArn}`
    };
  }
  if (taskFailures.length > 0) {
    const [first] = taskFailures;
    const more = taskFailures.length > 1 ? ` (and ${taskFailures.length - 1} more failed tasks)` : '';
    return {
      state: 'failed',
      progress,
      reason: `task ${shortTaskId(first.taskArn)} stopped: ${first.reason}${more}`
    };
  }
  if (ours.rolloutState === 'COMPLETED') return { state: 'deployed', progress };
  // Services whose deployments ECS does not report a rollout state for (external controllers): steady and alone.
  if (
    ours.rolloutState === undefined &&
    deployments.length === 1 &&
    (ours.runningCount ?? 0) === (ours.desiredCount ?? -1)
  ) {
    return { state: 'deployed', progress };
  }
  return { state: 'in-progress', progress };
}

const STOP_EVIDENCE: Array<{ pattern: RegExp; label: string }> = [
  { pattern: /CannotPullContainerError/i, label: 'image pull failed' },
  { pattern: /ResourceInitializationError/i, label: 'resources could not be initialised' },
  { pattern: /CannotStartContainerError|CannotCreateContainerError/i, label: 'container could not start' },
  { pattern: /failed (ELB|container|load balancer)? ?health checks?/i, label: 'health check failed' },
  { pattern: /Essential container in task exited/i, label: 'essential container exited' }
];

/**
 * Whether a stopped task proves its revision broken, and why, with the `stoppedReason` and the exit
 * codes of its containers. Tasks stopped by the scheduler during a normal rollout or scale-in are not.
 */
export function classifyStoppedTask(task: Task): TaskFailure | undefined {
  if (task.lastStatus !== 'STOPPED' && task.desiredStatus !== 'STOPPED') return undefined;
  const containers = task.containers ?? [];
  const text = [task.stoppedReason ?? '', ...containerReasons(task)].join(' ');
  const matched = STOP_EVIDENCE.find(evidence => evidence.pattern.test(text));
  const nonZeroExit = containers.some(container => (container.exitCode ?? 0) !== 0);
  const failedToStart = task.stopCode === 'TaskFailedToStart';
  if (!matched && !failedToStart && !(nonZeroExit && task.stopCode === 'EssentialContainerExited'))
    return undefined;
  return { taskArn: task.taskArn ?? 'unknown', reason: stoppedTaskDetails(task) };
}

/**
 * How a stopped task is printed wherever one is judged (service watches, deploy-ecs's run-task): its
 * `stoppedReason` (else its stop code), the reasons of containers that have no exit code (they never
 * ran: CannotPullContainerError...), and every exit code with the container's reason.
 */
export function stoppedTaskDetails(task: Task): string {
  const exits = (task.containers ?? [])
    .filter(container => container.exitCode !== undefined && container.exitCode !== null)
    .map(
      container =>
        `${container.name} exit ${container.exitCode}${container.reason ? ` (${container.reason})` : ''}`
    );
  const details = [task.stoppedReason || task.stopCode || 'stopped', ...containerReasons(task), ...exits];
  return [...new Set(details.filter(Boolean))].join('; ');
}

function containerReasons(task: Task): string[] {
  return (task.containers ?? [])
    .filter(container => container.exitCode === undefined && container.reason)
    .map(container => `${container.name}: ${container.reason}`);
}

function shortTaskId(taskArn: string): string {
  return taskArn.split('/').pop() ?? taskArn;
}

/**
 * Whether it is worth listing the stopped tasks of a deployment on this poll. ECS counts failed tasks on
 * the deployment and writes an event whenever it starts a replacement, so the task list is read only
 * when one of those moved (or when ECS does not report failed tasks at all).
 */
export function stoppedTaskCheckNeeded(
  current: Deployment | undefined,
  previous: Deployment | undefined,
  newEvents: number
): boolean {
  if (!current) return false;
  if (current.failedTasks === undefined) return true;
  if (newEvents > 0) return true;
  return current.failedTasks > (previous?.failedTasks ?? 0);
}
