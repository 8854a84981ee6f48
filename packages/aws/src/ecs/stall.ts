import type { Service } from '@aws-sdk/client-ecs';
import type { Logger } from '@deploy-suite/core';

/** How many of a service's newest events a deadline prints. */
const EVENTS_AT_DEADLINE = 5;

/**
 * What a service is still waiting for when a watch runs out of time, from its last DescribeServices:
 * running vs desired, and each deployment's counts and rollout state, then its newest events. A deadline
 * says this rather than only "timed out" (users pasted it from the console by hand).
 * @internal exported for its tests; the watches print it through `reportStall`
 */
export function stallLines(name: string, service: Service | undefined): string[] {
  if (!service) return [`${name}: not described yet`];
  const lines = [
    `${name}: ${service.runningCount ?? 0}/${service.desiredCount ?? 0} running, ${service.pendingCount ?? 0} pending`
  ];
  for (const deployment of service.deployments ?? []) {
    const failed = deployment.failedTasks ? `, ${deployment.failedTasks} failed tasks` : '';
    const why = deployment.rolloutStateReason ? ` (${deployment.rolloutStateReason})` : '';
    lines.push(
      `  deployment ${deployment.id ?? '?'} ${deployment.status ?? '?'} on ${deployment.taskDefinition?.split('/').pop() ?? '?'}: ` +
        `${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0} running, ${deployment.pendingCount ?? 0} pending${failed}, ` +
        `rollout ${deployment.rolloutState ?? 'unknown'}${why}`
    );
  }
  const events = (service.events ?? []).slice(0, EVENTS_AT_DEADLINE).reverse();
  if (events.length > 0) lines.push(`  last service events:`);
  for (const event of events) {
    lines.push(`    ${event.createdAt?.toISOString() ?? ''} ${event.message ?? ''}`.trimEnd());
  }
  return lines;
}

/** Prints, at a watch's deadline, what each unfinished service is still waiting for. */
export function reportStall(
  logger: Logger,
  what: string,
  services: ReadonlyArray<{ name: string; service: Service | undefined }>
): void {
  if (services.length === 0) return;
  logger.info(`The ${what} ran out of time; still pending:`);
  for (const { name, service } of services)
    for (const line of stallLines(name, service)) logger.info(`  ${line}`);
}
