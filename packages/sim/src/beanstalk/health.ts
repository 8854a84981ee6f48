/**
 * Enhanced health as Beanstalk reports it (DescribeEnvironmentHealth, DescribeInstancesHealth, what
 * `eb health` shows), derived from what the environment's single instance runs:
 *  - the environment's color/status and the causes its state machine set (deploying, command failed);
 *  - while the instance runs containers that crash, cannot be pulled or fail their health checks
 *    (`env.failing`): "100.0 % of the requests are failing with HTTP 5xx.", "Process default has been
 *    unhealthy for <time> (Target.FailedHealthChecks).", and on the instance the ECS cause
 *    ("ECS task stopped due to: Essential container in task exited. (...)") and the failed deployment;
 *  - request metrics of a steady synthetic load (60 requests per 10 s window): all 2xx while a
 *    healthy version serves, all 5xx while failing, none before the first version runs.
 */
import type { Environment } from './model.js';

export const HEALTH_WINDOW_SECONDS = 10;
const REQUESTS_PER_WINDOW = 60;
const HEALTHY_LATENCY = {
  P999: 0.412,
  P99: 0.208,
  P95: 0.097,
  P90: 0.061,
  P85: 0.044,
  P75: 0.027,
  P50: 0.011,
  P10: 0.003
};
/** the proxy answers 502 at once when nothing listens behind it */
const FAILING_LATENCY = {
  P999: 0.004,
  P99: 0.003,
  P95: 0.002,
  P90: 0.002,
  P85: 0.001,
  P75: 0.001,
  P50: 0.001,
  P10: 0.0
};

export const ENVIRONMENT_ATTRIBUTES = [
  'Status',
  'Color',
  'Causes',
  'ApplicationMetrics',
  'InstancesHealth',
  'HealthStatus',
  'RefreshedAt'
] as const;
export const INSTANCE_ATTRIBUTES = [
  'HealthStatus',
  'Color',
  'Causes',
  'ApplicationMetrics',
  'RefreshedAt',
  'LaunchedAt',
  'System',
  'Deployment',
  'AvailabilityZone',
  'InstanceType'
] as const;

/** `SystemType` of aws:elasticbeanstalk:healthreporting:system; enhanced unless set to basic. */
export function isEnhanced(env: Environment): boolean {
  return env.options.get('aws:elasticbeanstalk:healthreporting:system:SystemType')?.Value !== 'basic';
}

/** Health data is refreshed every 10 s, as Beanstalk's agent reports. */
export function refreshedAt(nowMs: number): Date {
  return new Date(Math.floor(nowMs / (HEALTH_WINDOW_SECONDS * 1000)) * HEALTH_WINDOW_SECONDS * 1000);
}

/** "45 seconds", "3 minutes", "2 hours", "1 day": how Beanstalk words how long something lasted. */
export function sinceWords(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const [value, unit] =
    seconds < 60
      ? [seconds, 'second']
      : seconds < 3600
        ? [Math.floor(seconds / 60), 'minute']
        : seconds < 86_400
          ? [Math.floor(seconds / 3600), 'hour']
          : [Math.floor(seconds / 86_400), 'day'];
  return `${value} ${unit}${value === 1 ? '' : 's'}`;
}

function failingCauses(env: Environment, nowMs: number): string[] {
  if (!env.failing) return [];
  return [
    '100.0 % of the requests are failing with HTTP 5xx.',
    `Process default has been unhealthy for ${sinceWords(nowMs - env.failing.since)} (Target.FailedHealthChecks).`
  ];
}

export function environmentCauses(env: Environment, nowMs: number): string[] {
  return unique([...env.causes, ...failingCauses(env, nowMs)]);
}

export function instanceCauses(env: Environment, nowMs: number): string[] {
  if (!env.failing) return env.status === 'Updating' ? [...env.causes] : [];
  const deployment = env.deployment;
  return unique([
    env.failing.cause,
    ...failingCauses(env, nowMs),
    ...(deployment?.status === 'Failed'
      ? [
          `Application deployment failed at ${deployment.at.toISOString().replace(/\.\d{3}Z$/, 'Z')} with exit status 1 and error: Engine execution has encountered an error.`
        ]
      : [])
  ]);
}

/** Request counts and latency (seconds) of the last 10 s window. */
export function applicationMetrics(env: Environment): Record<string, unknown> {
  const serving = env.failing || env.serving.healthy;
  if (!serving) return {};
  const failing = !!env.failing;
  return {
    Duration: HEALTH_WINDOW_SECONDS,
    RequestCount: REQUESTS_PER_WINDOW,
    StatusCodes: {
      Status2xx: failing ? 0 : REQUESTS_PER_WINDOW,
      Status3xx: 0,
      Status4xx: 0,
      Status5xx: failing ? REQUESTS_PER_WINDOW : 0
    },
    Latency: failing ? FAILING_LATENCY : HEALTHY_LATENCY
  };
}

/** How many instances are in each health status (the one instance is in the environment's). */
export function instancesHealth(env: Environment): Record<string, number> {
  const counts: Record<string, number> = {
    NoData: 0,
    Unknown: 0,
    Pending: 0,
    Ok: 0,
    Info: 0,
    Warning: 0,
    Degraded: 0,
    Severe: 0
  };
  if (env.healthStatus in counts) counts[env.healthStatus] = 1;
  return counts;
}

/** CPU and load of the instance: busy while a version serves, idle otherwise. */
export function systemOf(env: Environment): Record<string, unknown> {
  const busy = env.serving.healthy;
  return {
    CPUUtilization: {
      User: busy ? 6.2 : 0.4,
      Nice: 0,
      System: busy ? 1.9 : 0.3,
      Idle: busy ? 91.6 : 99.2,
      IOWait: 0.1,
      IRQ: 0,
      SoftIRQ: busy ? 0.2 : 0.1
    },
    LoadAverage: busy ? [0.12, 0.08, 0.05] : [0.01, 0.02, 0.0]
  };
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
