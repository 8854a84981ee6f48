import {
  ActionError,
  errorMessage,
  formatDuration,
  PollTimeoutError,
  realClock,
  waitUntil,
  type Clock
} from '@deploy-suite/core';
import { awsErrorName, lookPolitely } from '../errors.js';
import type { Logger } from '@deploy-suite/core';
import type {
  BeanstalkApi,
  ConfigurationOptionSetting,
  EnvironmentDescription,
  EventDescription
} from './api.js';
import { judgeReadyForUpdate, judgeUpdate, type UpdateWatch } from './decisions.js';
import type { HealthColour } from './health.js';
import { HealthCauses } from './health-causes.js';

/** Prints each Beanstalk event once, oldest first; ERROR/FATAL and WARN also become annotations. */
export class EventPrinter {
  private readonly seen = new Set<string>();
  readonly printed: EventDescription[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly title: string
  ) {}

  static key(event: EventDescription): string {
    const at = event.EventDate ? new Date(event.EventDate).toISOString() : '';
    return `${at}|${event.Severity ?? ''}|${event.RequestId ?? ''}|${event.Message ?? ''}`;
  }

  /** Prints the events not printed before; returns them oldest first. */
  print(events: readonly EventDescription[]): EventDescription[] {
    // DescribeEvents answers newest first: reversed, events of the same time keep the order they happened in.
    const fresh = [...events]
      .reverse()
      .filter(event => !this.seen.has(EventPrinter.key(event)))
      .sort((a, b) => time(a) - time(b));
    for (const event of fresh) {
      this.seen.add(EventPrinter.key(event));
      this.printed.push(event);
      const line = formatEvent(event);
      if (event.Severity === 'ERROR' || event.Severity === 'FATAL')
        this.logger.error(line, { title: this.title });
      else if (event.Severity === 'WARN') this.logger.warning(line, { title: this.title });
      else this.logger.info(line);
    }
    return fresh;
  }
}

function time(event: EventDescription): number {
  return event.EventDate ? new Date(event.EventDate).getTime() : 0;
}

export function formatEvent(event: EventDescription): string {
  const at = event.EventDate ? new Date(event.EventDate).toISOString().replace('.000Z', 'Z') : '?';
  return `${at} ${(event.Severity ?? 'INFO').padEnd(5)} ${event.Message ?? ''}`;
}

export interface WatchTiming {
  /** absolute time (clock ms) after which the wait fails */
  deadline: number;
  /** first delay between polls; polls back off gently up to twice this */
  pollIntervalMs: number;
  clock?: Clock;
  random?: () => number;
}

function pollOptions(what: string, timing: WatchTiming, logger: Logger) {
  const clock = timing.clock ?? realClock;
  let lastProgress: string | undefined;
  let lastPrintedAt = -Infinity;
  return {
    what,
    timeoutMs: Math.max(0, timing.deadline - clock.now()),
    intervalMs: timing.pollIntervalMs,
    backoff: 1.2,
    maxIntervalMs: timing.pollIntervalMs * 2,
    clock,
    random: timing.random,
    // A progress line when something changed, and at least once a minute so a long wait shows life.
    onProgress: (progress: string | undefined, elapsedMs: number) => {
      if (!progress) return;
      if (progress !== lastProgress || elapsedMs - lastPrintedAt >= 60_000) {
        logger.info(`  … ${progress} (${formatDuration(elapsedMs)} elapsed)`);
        lastProgress = progress;
        lastPrintedAt = elapsedMs;
      }
    }
  };
}

/** Waits until a busy environment (another deploy, a configuration change) is Ready again. */
async function waitForEnvironmentReady(
  api: BeanstalkApi,
  target: { application: string; environment: string },
  timing: WatchTiming,
  logger: Logger
): Promise<EnvironmentDescription> {
  try {
    return await waitUntil(
      () =>
        lookPolitely(async () => {
          const environment = await api.describeEnvironment(target.application, target.environment);
          const decision = judgeReadyForUpdate(environment);
          if (decision.kind === 'fail') {
            throw new ActionError('deployment', `Environment ${target.environment}: ${decision.reason}`);
          }
          if (decision.kind === 'success') return { done: true, value: environment! };
          return { done: false, progress: decision.progress };
        }),
      pollOptions(`environment ${target.environment} to be Ready before updating it`, timing, logger)
    );
  } catch (error) {
    if (error instanceof PollTimeoutError) {
      throw new ActionError(
        'timeout',
        `${error.message}. Another update is still running on ${target.environment}; ` +
          'raise "wait-for-minutes" or let the other update finish first'
      );
    }
    throw error;
  }
}

export type EnvironmentWatchOutcome =
  | { ok: true; environment: EnvironmentDescription; message: string }
  | { ok: false; reason: string; timedOut: boolean; environment?: EnvironmentDescription };

interface WatchRequest {
  application: string;
  environment: string;
  requestedLabel: string;
  previousLabel?: string;
  previousHealth?: string;
  acceptedHealth: readonly HealthColour[];
  /** epoch ms of the UpdateEnvironment call */
  updateRequestedAt: number;
  /** DescribeEvents StartTime: when the deploy began */
  eventsSince: Date;
}

/**
 * Watches an update until the environment is Ready on the requested label with accepted health, or
 * fails fast (ERROR event, Ready on another label, Red health) or passes the deadline. Each poll makes
 * three describe calls (DescribeEnvironments, DescribeEvents, DescribeEnvironmentHealth; a fourth,
 * DescribeInstancesHealth, while an instance is not Ok), far under Beanstalk's ~2/s describe limit.
 */
async function watchEnvironmentUpdate(
  api: BeanstalkApi,
  request: WatchRequest,
  timing: WatchTiming,
  logger: Logger,
  printer = new EventPrinter(logger, `Elastic Beanstalk ${request.environment}`)
): Promise<EnvironmentWatchOutcome> {
  const watch: UpdateWatch = {
    requestedLabel: request.requestedLabel,
    previousLabel: request.previousLabel,
    previousHealth: request.previousHealth,
    updateRequestedAt: request.updateRequestedAt,
    acceptedHealth: request.acceptedHealth,
    updateSeen: false,
    polls: 0
  };
  const events: EventDescription[] = [];
  let last: EnvironmentDescription | undefined;
  // Beanstalk's own causes (enhanced health), printed when they change: why it is still waiting or failing.
  const causes = new HealthCauses(api, request.environment, logger);
  try {
    return await waitUntil<EnvironmentWatchOutcome>(
      () =>
        lookPolitely<EnvironmentWatchOutcome>(async () => {
          const [environment, recent, health] = await Promise.all([
            api.describeEnvironment(request.application, request.environment),
            api.describeEvents({
              application: request.application,
              environment: request.environment,
              startTime: request.eventsSince
            }),
            causes.read()
          ]);
          last = environment ?? last;
          events.push(...printer.print(recent));
          causes.printIfChanged(health);
          const { decision, updateSeen } = judgeUpdate(environment, events, watch);
          watch.updateSeen = updateSeen;
          watch.polls += 1;
          if (decision.kind === 'success')
            return { done: true, value: { ok: true, environment: environment!, message: decision.message } };
          if (decision.kind === 'fail') {
            return {
              done: true,
              value: { ok: false, reason: decision.reason, timedOut: false, environment: last }
            };
          }
          return { done: false, progress: decision.progress };
        }),
      pollOptions(`${request.environment} to be Ready on ${request.requestedLabel}`, timing, logger)
    );
  } catch (error) {
    if (error instanceof PollTimeoutError) {
      return { ok: false, reason: error.message, timedOut: true, environment: last };
    }
    throw error;
  }
}

/** Beanstalk's answer when an update is requested while another one runs. */
function isEnvironmentBusyError(error: unknown): boolean {
  return (
    awsErrorName(error) === 'InvalidParameterValue' &&
    /invalid state|must be ready/i.test(errorMessage(error))
  );
}

export interface DeployLabelRequest {
  application: string;
  environment: string;
  label: string;
  acceptedHealth: readonly HealthColour[];
  optionSettings?: ConfigurationOptionSetting[];
  /** DescribeEvents StartTime when UpdateEnvironment answers without DateUpdated (when the deploy or rollback began) */
  eventsSince: Date;
}

export interface DeployLabelResult {
  outcome: EnvironmentWatchOutcome;
  /** the environment as it was just before UpdateEnvironment */
  before: EnvironmentDescription;
  printer: EventPrinter;
}

/**
 * Puts an environment on a version label and watches it: waits for a busy environment to be Ready,
 * calls UpdateEnvironment (again after waiting, if another update slipped in between), then watches.
 * Shared by deploy-beanstalk (deploy and its rollback) and actions/rollback.
 */
export async function deployLabel(
  api: BeanstalkApi,
  request: DeployLabelRequest,
  timing: WatchTiming,
  logger: Logger,
  printer = new EventPrinter(logger, `Elastic Beanstalk ${request.environment}`)
): Promise<DeployLabelResult> {
  const clock = timing.clock ?? realClock;
  const target = { application: request.application, environment: request.environment };
  for (;;) {
    let before = await api.describeEnvironment(request.application, request.environment);
    if (before && before.Status !== 'Ready') {
      logger.info(
        `Environment ${request.environment} is ${before.Status} (another update is running); waiting for Ready first`
      );
    }
    before = await waitForEnvironmentReady(api, target, timing, logger);
    let updateRequestedAt = clock.now();
    let updateDated = false;
    try {
      const updated = await api.updateEnvironment({
        application: request.application,
        environment: request.environment,
        label: request.label,
        optionSettings: request.optionSettings
      });
      // Judge events against the service's own time of the update, not the runner's clock: clocks drift
      // (and a simulator's clock runs fast), and an old ERROR must not fail a new deploy.
      // The same goes for which events to print: DescribeEvents' StartTime is the service's time of this
      // update (inclusive), so a runner clock behind AWS's does not print older events as this deploy's.
      if (updated.DateUpdated) {
        updateRequestedAt = new Date(updated.DateUpdated).getTime();
        updateDated = true;
      }
    } catch (error) {
      if (isEnvironmentBusyError(error) && clock.now() < timing.deadline) {
        logger.info(`Environment ${request.environment} became busy before the update; waiting again`);
        continue;
      }
      throw error;
    }
    logger.info(
      `UpdateEnvironment: ${request.environment} ${before.VersionLabel ?? '(none)'} -> ${request.label}`
    );
    const outcome = await watchEnvironmentUpdate(
      api,
      {
        application: request.application,
        environment: request.environment,
        requestedLabel: request.label,
        previousLabel: before.VersionLabel,
        previousHealth: before.Health,
        acceptedHealth: request.acceptedHealth,
        updateRequestedAt,
        eventsSince: updateDated ? new Date(updateRequestedAt) : request.eventsSince
      },
      timing,
      logger,
      printer
    );
    return { outcome, before, printer };
  }
}

/**
 * Puts an environment back on a label that ran before, in a log group of its own: the rollback of
 * deploy-beanstalk (after a failed deploy) and of actions/rollback, over the same deploy-and-watch.
 */
export async function rollBackToLabel(
  api: BeanstalkApi,
  request: Omit<DeployLabelRequest, 'eventsSince' | 'optionSettings'>,
  timing: WatchTiming,
  logger: Logger,
  printer?: EventPrinter
): Promise<DeployLabelResult> {
  const clock = timing.clock ?? realClock;
  return logger.group(`Rolling back ${request.environment} to ${request.label}`, () =>
    deployLabel(api, { ...request, eventsSince: new Date(clock.now()) }, timing, logger, printer)
  );
}
