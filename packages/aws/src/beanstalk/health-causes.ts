import { errorMessage, redactUrlsIn, type Logger } from '@deploy-suite/core';
import { awsErrorName, isTransientAwsError } from '../errors.js';
import type { BeanstalkApi, EnvironmentHealth, SingleInstanceHealth } from './api.js';

/**
 * Beanstalk's own reasons for an environment's health (enhanced health: DescribeEnvironmentHealth and,
 * for instances that are not Ok, DescribeInstancesHealth), what `eb health` shows. Read while waiting
 * (printed when they change) and once more on failure. Never decides anything and never throws: a basic
 * health environment or a missing permission is said once, and the deploy is judged as before.
 */

/** One look at the environment's health. */
export interface HealthView {
  color?: string;
  status?: string;
  /** the environment's causes, as Beanstalk words them */
  causes: string[];
  /** instances per health status, only the statuses with instances */
  instances: Record<string, number>;
  /** requests of the last window, e.g. "60 requests in 10s: 100% 5xx" */
  requests?: string;
  /** the instances that are not Ok, with their own causes */
  unhealthy: Array<{ id: string; status: string; causes: string[] }>;
}

/** Instances shown by id at most; the others are counted in InstancesHealth. */
const MAX_INSTANCES_SHOWN = 10;
/** Statuses that need no instance causes. */
const OK_STATUSES = new Set(['Ok', 'NoData']);

/**
 * A cause with the elapsed times in it replaced, so "unhealthy for 45 seconds" and "... for 3 minutes" are
 * the same cause: printed again only when the reason changes, not on every poll.
 * @internal exported for its tests
 */
export function normalizeCause(cause: string): string {
  return cause
    .replace(/\b\d+(\.\d+)? (second|minute|hour|day)s?\b/g, '<time>')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z?\b/g, '<time>');
}

/**
 * What makes two looks the same for the reader: status, causes (times aside), instance states.
 * @internal exported for its tests
 */
export function healthViewKey(view: HealthView): string {
  return JSON.stringify([
    view.status ?? '',
    view.color ?? '',
    view.causes.map(normalizeCause),
    view.instances,
    view.unhealthy.map(instance => [instance.id, instance.status, instance.causes.map(normalizeCause)])
  ]);
}

/** The request metrics of DescribeEnvironmentHealth in words; undefined before anything serves. */
function requestsOf(metrics: EnvironmentHealth['ApplicationMetrics']): string | undefined {
  const count = metrics?.RequestCount;
  if (!count) return undefined;
  const codes = metrics.StatusCodes ?? {};
  const share = (value: number | undefined) => Math.round(((value ?? 0) / count) * 100);
  const parts = [
    ['2xx', codes.Status2xx],
    ['3xx', codes.Status3xx],
    ['4xx', codes.Status4xx],
    ['5xx', codes.Status5xx]
  ]
    .filter(([, value]) => ((value as number | undefined) ?? 0) > 0)
    .map(([name, value]) => `${share(value as number)}% ${name}`);
  const p99 = metrics.Latency?.P99;
  return (
    `${count} requests in ${metrics.Duration ?? '?'}s` +
    (parts.length ? `: ${parts.join(', ')}` : '') +
    (p99 !== undefined ? `, p99 ${p99}s` : '')
  );
}

/**
 * Builds the view from the two answers (pure; table-tested).
 * @internal exported for its tests
 */
export function healthViewOf(health: EnvironmentHealth, instances: SingleInstanceHealth[] = []): HealthView {
  const counts = Object.entries(health.InstancesHealth ?? {}).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0
  );
  return {
    color: health.Color,
    status: health.HealthStatus,
    causes: health.Causes ?? [],
    instances: Object.fromEntries(counts),
    requests: requestsOf(health.ApplicationMetrics),
    unhealthy: instances
      .filter(instance => !OK_STATUSES.has(instance.HealthStatus ?? 'NoData'))
      .slice(0, MAX_INSTANCES_SHOWN)
      .map(instance => ({
        id: instance.InstanceId ?? '?',
        status: instance.HealthStatus ?? 'Unknown',
        causes: instance.Causes ?? []
      }))
  };
}

/** The view as log lines: a headline, then each cause; causes read from AWS lose URL credentials. */
export function healthViewLines(environment: string, view: HealthView): string[] {
  const instances = Object.entries(view.instances)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const head = [
    `Health of ${environment}: ${view.status ?? 'unknown'}${view.color ? ` (${view.color})` : ''}`,
    instances ? `instances: ${instances}` : '',
    view.requests ?? ''
  ]
    .filter(Boolean)
    .join('; ');
  const lines = [head];
  if (view.causes.length === 0) lines.push('  no causes given');
  for (const cause of view.causes) lines.push(`  cause: ${redactUrlsIn(cause)}`);
  for (const instance of view.unhealthy) {
    if (instance.causes.length === 0) lines.push(`  ${instance.id} (${instance.status})`);
    for (const cause of instance.causes)
      lines.push(`  ${instance.id} (${instance.status}): ${redactUrlsIn(cause)}`);
  }
  return lines;
}

function isDenied(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'AccessDenied' || name === 'AccessDeniedException';
}

/** Beanstalk's answer for a basic-health environment (the message the EB CLI checks for). */
function isBasicHealth(error: unknown): boolean {
  return awsErrorName(error) === 'InvalidRequestException' && /not supported/i.test(errorMessage(error));
}

/**
 * Reads the causes on each look and prints them when they changed. One per watched environment;
 * after a basic-health answer or a refusal it makes no more calls.
 */
export class HealthCauses {
  private off = false;
  private instancesOff = false;
  private lastKey?: string;

  constructor(
    private readonly api: Pick<BeanstalkApi, 'describeEnvironmentHealth' | 'describeInstancesHealth'>,
    private readonly environment: string,
    private readonly logger: Logger
  ) {}

  /** One look (one or two describe calls); undefined when causes are not available. Never throws. */
  async read(): Promise<HealthView | undefined> {
    if (this.off || !this.api.describeEnvironmentHealth) return undefined;
    let health: EnvironmentHealth;
    try {
      health = await this.api.describeEnvironmentHealth(this.environment);
    } catch (error) {
      this.stopOn(error, 'elasticbeanstalk:DescribeEnvironmentHealth');
      return undefined;
    }
    const notOk = Object.entries(health.InstancesHealth ?? {}).some(
      ([status, count]) => typeof count === 'number' && count > 0 && !OK_STATUSES.has(status)
    );
    let instances: SingleInstanceHealth[] = [];
    if (notOk && !this.instancesOff && this.api.describeInstancesHealth) {
      try {
        instances = await this.api.describeInstancesHealth(this.environment);
      } catch (error) {
        if (isDenied(error)) {
          this.instancesOff = true;
          this.logger.warning(
            `Instance health causes not shown: elasticbeanstalk:DescribeInstancesHealth is not allowed ` +
              `(grant it to see each instance's causes); the deploy is judged as before`
          );
        } else this.logger.debug(`DescribeInstancesHealth failed: ${errorMessage(error)}`);
      }
    }
    return healthViewOf(health, instances);
  }

  /** Prints the view when it differs from the last one printed; returns whether it printed. */
  printIfChanged(view: HealthView | undefined): boolean {
    if (!view) return false;
    const key = healthViewKey(view);
    if (key === this.lastKey) return false;
    this.lastKey = key;
    for (const line of healthViewLines(this.environment, view)) this.logger.info(line);
    return true;
  }

  private stopOn(error: unknown, permission: string): void {
    if (isBasicHealth(error)) {
      this.off = true;
      this.logger.info(
        `Health causes are not available: ${this.environment} uses basic health reporting ` +
          '(enhanced health gives the causes `eb health` shows)'
      );
    } else if (isDenied(error)) {
      this.off = true;
      this.logger.warning(
        `Health causes not shown: ${permission} is not allowed (grant it to see why Beanstalk judges the ` +
          'environment as it does); the deploy is judged as before'
      );
    } else if (isTransientAwsError(error)) {
      this.logger.debug(`DescribeEnvironmentHealth failed (${errorMessage(error)}); trying on the next look`);
    } else {
      this.off = true;
      this.logger.debug(`Health causes not shown: DescribeEnvironmentHealth failed: ${errorMessage(error)}`);
    }
  }
}
