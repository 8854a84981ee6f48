import type { EnvironmentDescription, EventDescription } from './api.js';
import type { HealthColour } from './health.js';

/**
 * The pure decisions of the Beanstalk watcher: given what DescribeEnvironments and DescribeEvents
 * returned, is the deploy done, failed, or still under way? Table-tested over AWS-shaped outputs.
 */

/** What the watcher knows about the update it is watching. */
export interface UpdateWatch {
  /** the label this update asked for */
  requestedLabel: string;
  /** the label the environment ran before the update (undefined for an environment with none) */
  previousLabel?: string;
  /** the health colour before the update: Red then does not fail an update that is meant to fix it */
  previousHealth?: string;
  /** when UpdateEnvironment was called (epoch ms); ERROR events before it belong to someone else */
  updateRequestedAt: number;
  /** health colours that count as healthy */
  acceptedHealth: readonly HealthColour[];
  /** a describe or an event has shown that the update started */
  updateSeen: boolean;
  /** describes made since the update */
  polls: number;
}

export type WatchDecision =
  | { kind: 'success'; message: string }
  | { kind: 'wait'; progress: string }
  | { kind: 'fail'; reason: string };

/**
 * Describes that may pass before an update shows up at all: DescribeEnvironments is eventually
 * consistent, so the first look after UpdateEnvironment can still show the old Ready state.
 * @internal exported for its tests; the actions do not use it
 */
export const UPDATE_START_GRACE_POLLS = 3;

const FAILING_STATUSES = new Set(['Terminating', 'Terminated']);

function isErrorEvent(event: EventDescription): boolean {
  return event.Severity === 'ERROR' || event.Severity === 'FATAL';
}

function eventTime(event: EventDescription): number {
  return event.EventDate ? new Date(event.EventDate).getTime() : 0;
}

/** ERROR/FATAL events dated at or after `since`, oldest first (events of the same time keep their order). */
function errorsAfter(events: readonly EventDescription[], since: number): EventDescription[] {
  return [...events]
    .filter(event => isErrorEvent(event) && eventTime(event) >= since)
    .sort((a, b) => eventTime(a) - eventTime(b));
}

/** How close to the first ERROR other ERRORs count as the same failure (Beanstalk logs a burst at once). */
const ERROR_BURST_MS = 1_000;

/**
 * Why the update failed, from its first burst of ERROR events: Beanstalk writes the cause
 * ("[Instance: i-…] ECS task stopped due to: …") together with generic lines ("Failed to deploy
 * application."), all at the same time, so one event alone may say nothing useful. Undefined when none.
 */
function errorReason(events: readonly EventDescription[], since: number): string | undefined {
  const errors = errorsAfter(events, since);
  if (errors.length === 0) return undefined;
  const burstEnd = eventTime(errors[0]) + ERROR_BURST_MS;
  const messages = errors
    .filter(event => eventTime(event) < burstEnd)
    .map(event => event.Message ?? '(no message)');
  return [...new Set(messages)].join(' | ');
}

function describeState(environment: EnvironmentDescription): string {
  const parts = [
    `status ${environment.Status ?? 'unknown'}`,
    `health ${environment.Health ?? 'unknown'}`,
    `version ${environment.VersionLabel ?? '(none)'}`
  ];
  if (environment.HealthStatus) parts[1] += ` (${environment.HealthStatus})`;
  return parts.join(', ');
}

/**
 * Judges one look at the environment. `events` are the environment's events since the deploy began;
 * returns the decision and whether the update has now been seen to start.
 */
export function judgeUpdate(
  environment: EnvironmentDescription | undefined,
  events: readonly EventDescription[],
  watch: UpdateWatch
): { decision: WatchDecision; updateSeen: boolean } {
  const requested = watch.requestedLabel;
  if (!environment) {
    return {
      decision: { kind: 'fail', reason: 'the environment no longer exists' },
      updateSeen: watch.updateSeen
    };
  }
  const status = environment.Status ?? 'unknown';
  const health = environment.Health ?? 'unknown';
  const label = environment.VersionLabel;
  if (FAILING_STATUSES.has(status)) {
    return {
      decision: { kind: 'fail', reason: `the environment is ${status}` },
      updateSeen: watch.updateSeen
    };
  }
  const error = errorReason(events, watch.updateRequestedAt);
  if (error) {
    return { decision: { kind: 'fail', reason: `Beanstalk reported an error: ${error}` }, updateSeen: true };
  }
  const eventsSinceUpdate = events.some(event => eventTime(event) >= watch.updateRequestedAt);
  const updateSeen =
    watch.updateSeen ||
    status !== 'Ready' ||
    eventsSinceUpdate ||
    (label === requested && requested !== watch.previousLabel);
  const state = describeState(environment);

  if (status !== 'Ready') {
    if (health === 'Red' && watch.previousHealth !== 'Red') {
      return {
        decision: { kind: 'fail', reason: `health turned Red during the update (${state})` },
        updateSeen
      };
    }
    return { decision: { kind: 'wait', progress: state }, updateSeen };
  }

  if (!updateSeen && watch.polls < UPDATE_START_GRACE_POLLS) {
    return { decision: { kind: 'wait', progress: `${state}; waiting for the update to start` }, updateSeen };
  }
  if (label !== requested) {
    const reason = updateSeen
      ? `the environment is Ready on version ${label ?? '(none)'}, not ${requested}: the deployment failed and ` +
        'Beanstalk went back to the previous version'
      : `the environment stayed Ready on version ${label ?? '(none)'}: the update to ${requested} never started`;
    return { decision: { kind: 'fail', reason }, updateSeen };
  }
  if ((watch.acceptedHealth as readonly string[]).includes(health)) {
    return {
      decision: { kind: 'success', message: `Ready on ${requested} with health ${health}` },
      updateSeen
    };
  }
  if (health === 'Red') {
    return {
      decision: { kind: 'fail', reason: `the environment is Ready on ${requested} but its health is Red` },
      updateSeen
    };
  }
  return {
    decision: {
      kind: 'wait',
      progress: `${state}; waiting for health ${watch.acceptedHealth.join(' or ')}`
    },
    updateSeen
  };
}

/** What to do after a failed deploy: roll back to the label the environment ran before, if there is one. */
export type RollbackPlan = { kind: 'rollback'; to: string } | { kind: 'none'; reason: string };

export function planRollback(options: {
  rollbackOnFailure: boolean;
  previousLabel?: string;
  requestedLabel: string;
  /** whether UpdateEnvironment was called at all (a failure before it changed nothing) */
  environmentTouched: boolean;
}): RollbackPlan {
  if (!options.environmentTouched) {
    return { kind: 'none', reason: 'the environment was not changed' };
  }
  if (!options.rollbackOnFailure) {
    return { kind: 'none', reason: 'rollback-on-failure is false' };
  }
  if (!options.previousLabel) {
    return { kind: 'none', reason: 'the environment ran no version before this deploy' };
  }
  if (options.previousLabel === options.requestedLabel) {
    return {
      kind: 'none',
      reason: `the environment already ran ${options.requestedLabel} before this deploy`
    };
  }
  return { kind: 'rollback', to: options.previousLabel };
}

/** One look while waiting for a busy environment to become Ready before updating it. */
export function judgeReadyForUpdate(environment: EnvironmentDescription | undefined): WatchDecision {
  if (!environment) return { kind: 'fail', reason: 'the environment no longer exists' };
  const status = environment.Status ?? 'unknown';
  if (FAILING_STATUSES.has(status)) return { kind: 'fail', reason: `the environment is ${status}` };
  if (status === 'Ready') return { kind: 'success', message: 'Ready' };
  return { kind: 'wait', progress: `busy: ${describeState(environment)}` };
}
