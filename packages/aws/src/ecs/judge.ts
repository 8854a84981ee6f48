import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import { formatDuration } from '@deploy-suite/core';

/** Statuses of a service deployment that ECS is still working on. */
export const UNFINISHED_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'STOP_REQUESTED',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS'
] as const;

/**
 * What one look at a service deployment says. Final: deployed, rolled-back, rollback-failed, stopped,
 * superseded. Not final: in-progress, paused (a PAUSE hook waits for ContinueServiceDeployment),
 * rolling-back (ECS is undoing it already: never stack another rollback on it).
 */
export type Judgement =
  | { state: 'in-progress'; stage?: string }
  | { state: 'paused'; hookId: string; stage?: string; expiresAt?: Date }
  | { state: 'rolling-back'; reason: string; byCircuitBreaker: boolean }
  | { state: 'deployed' }
  | { state: 'rolled-back'; reason: string; byCircuitBreaker: boolean }
  | { state: 'rollback-failed'; reason: string }
  | { state: 'stopped'; reason: string }
  | { state: 'superseded'; reason: string };

type JudgementState = Judgement['state'];

const FINAL: readonly JudgementState[] = [
  'deployed',
  'rolled-back',
  'rollback-failed',
  'stopped',
  'superseded'
];

export function isFinal(judgement: Judgement): boolean {
  return FINAL.includes(judgement.state);
}

const SUPERSEDED = /superseded/i;

/**
 * Judges a service deployment by ECS's own status, for every strategy: SUCCESSFUL is deployed (so
 * never before a blue/green bake time ends); ROLLBACK_*, STOPPED are failures with ECS's reasons; a
 * deployment stopped because a newer one replaced it is `superseded`, which is not this step's failure.
 */
export function judgeServiceDeployment(deployment: ServiceDeployment): Judgement {
  const reason = failureReason(deployment);
  const byCircuitBreaker = deployment.deploymentCircuitBreaker?.status === 'TRIGGERED';
  switch (deployment.status) {
    case 'SUCCESSFUL':
      return { state: 'deployed' };
    case 'ROLLBACK_SUCCESSFUL':
      return { state: 'rolled-back', reason, byCircuitBreaker };
    case 'ROLLBACK_FAILED':
      return { state: 'rollback-failed', reason };
    case 'STOPPED':
      return SUPERSEDED.test(deployment.statusReason ?? '')
        ? { state: 'superseded', reason: deployment.statusReason ?? 'superseded' }
        : { state: 'stopped', reason };
    case 'ROLLBACK_REQUESTED':
    case 'ROLLBACK_IN_PROGRESS':
    case 'STOP_REQUESTED':
      return { state: 'rolling-back', reason, byCircuitBreaker };
    default: {
      const stage = deployment.lifecycleStage;
      const waiting = deployment.lifecycleHookDetails?.find(
        hook => hook.targetType === 'PAUSE' && hook.status === 'AWAITING_ACTION' && hook.hookId
      );
      if (waiting) return { state: 'paused', hookId: waiting.hookId!, stage, expiresAt: waiting.expiresAt };
      return { state: 'in-progress', stage };
    }
  }
}

/**
 * ECS's own words for why a deployment failed: status reason, rollback reason, alarms, circuit breaker.
 * @internal exported for its tests
 */
export function failureReason(deployment: ServiceDeployment): string {
  const parts: string[] = [];
  if (deployment.statusReason) parts.push(deployment.statusReason);
  const rollback = deployment.rollback?.reason;
  if (rollback && rollback !== deployment.statusReason) parts.push(`rollback: ${rollback}`);
  const triggered = deployment.alarms?.triggeredAlarmNames ?? [];
  if (triggered.length > 0 && !parts.some(part => triggered.every(name => part.includes(name)))) {
    parts.push(`alarms in ALARM: ${triggered.join(', ')}`);
  }
  const breaker = deployment.deploymentCircuitBreaker;
  if (breaker?.status === 'TRIGGERED') {
    parts.push(`circuit breaker: ${breaker.failureCount ?? '?'} of ${breaker.threshold ?? '?'} tasks failed`);
  }
  return parts.length > 0 ? parts.join('; ') : `service deployment ${deployment.status ?? 'unknown'}`;
}

/**
 * `web: BLUE_GREEN IN_PROGRESS, stage BAKE_TIME, production 100% / test 100%, 2/2 running, 1m 20s`:
 * the lifecycle stage, traffic weights, target task counts and circuit-breaker count of one look.
 */
export function serviceDeploymentProgress(
  service: string,
  strategy: string,
  deployment: ServiceDeployment | undefined,
  elapsedMs: number
): string {
  const elapsed = formatDuration(Math.round(elapsedMs / 1000) * 1000);
  if (!deployment) return `${service}: service deployment not seen yet, ${elapsed}`;
  const target = deployment.targetServiceRevision;
  const parts = [`${strategy} ${deployment.status ?? 'UNKNOWN'}`];
  if (deployment.lifecycleStage) parts.push(`stage ${deployment.lifecycleStage}`);
  if (
    target?.requestedProductionTrafficWeight !== undefined ||
    target?.requestedTestTrafficWeight !== undefined
  ) {
    parts.push(
      `production ${target.requestedProductionTrafficWeight ?? 0}% / test ${target.requestedTestTrafficWeight ?? 0}%`
    );
  }
  parts.push(`${target?.runningTaskCount ?? 0}/${target?.requestedTaskCount ?? 0} running`);
  if (target?.pendingTaskCount) parts.push(`${target.pendingTaskCount} pending`);
  const breaker = deployment.deploymentCircuitBreaker;
  if (breaker?.failureCount) parts.push(`${breaker.failureCount}/${breaker.threshold ?? '?'} failed tasks`);
  const paused = deployment.lifecycleHookDetails?.find(hook => hook.status === 'AWAITING_ACTION');
  if (paused) parts.push(`hook ${paused.hookId} awaiting action`);
  return `${service}: ${parts.join(', ')}, ${elapsed}`;
}
