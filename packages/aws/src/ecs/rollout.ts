import type { UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
import { errorMessage, formatDuration, type Clock, type Logger } from '@deploy-suite/core';
import type { EcsApi } from './client.js';
import { primaryDeployment } from './services.js';
import { watchDeployments, type WatchOutcome } from './watch.js';

/** One service to put on a revision. */
export interface RolloutStep {
  service: string;
  taskDefinitionArn: string;
  /** UpdateService fields besides cluster, service and task definition */
  update?: Pick<UpdateServiceCommandInput, 'forceNewDeployment' | 'desiredCount'>;
  /**
   * An ECS deployment already heading to this revision (ECS's circuit-breaker rollback, or one still settling):
   * it is watched and no UpdateService is made. `null`: nothing to update or watch, the service is there.
   */
  existingDeploymentId?: string | null;
}

/** How one step of a rollout ended. */
export interface RolloutResult {
  service: string;
  taskDefinitionArn: string;
  /** the deployment this rollout created (or watched) */
  deploymentId?: string;
  /**
   * deployed: this deployment is SUCCESSFUL; started: updated, not watched; there: nothing to do;
   * failed: the update or the deployment failed (or the watch ran out); not-started: an earlier step failed first
   */
  state: 'deployed' | 'started' | 'there' | 'failed' | 'not-started';
  reason?: string;
  /** set when the UpdateService call itself failed */
  updateFailed?: boolean;
  /** what the watcher saw, when it watched */
  watched?: WatchOutcome;
  /** the clock's time when this step started */
  startedAt: number;
}

export interface RolloutOptions {
  cluster: string;
  logger: Logger;
  clock: Clock;
  /** watch each deployment until it is deployed or failed; false: start them and report `started` */
  watch: boolean;
  timeoutMs: number;
  intervalMs: number;
  /** all or nothing: stop updating, and stop watching, at the first failure */
  stopOnFirstFailure: boolean;
  /** what the wait is for, for the timeout message ('deployment', 'rollback') */
  what: string;
  /** the log line after an update, e.g. `Updated web to web:7 (deployment ecs-svc/1)` */
  describeUpdate: (step: RolloutStep, deploymentId: string | undefined) => string;
  /** print `Watching a, b (deadline 10m)` before the watch */
  announceWatch: boolean;
}

/** Why a watched deployment did not end deployed, in the watcher's words; undefined when it gave none. */
export function reasonOf(outcome: WatchOutcome | undefined): string | undefined {
  return outcome && 'reason' in outcome ? outcome.reason : undefined;
}

/**
 * The one ECS rollout, used by deploy-ecs (its deploy and its own rollback) and by actions/rollback:
 * UpdateService -> the deployment this update created (the PRIMARY it returns) -> watch with the shared
 * "deployed means deployed" watcher -> one result per service. Nothing here decides what to roll out.
 */
export async function rollout(
  api: EcsApi,
  steps: readonly RolloutStep[],
  options: RolloutOptions
): Promise<RolloutResult[]> {
  const { cluster, logger, clock } = options;
  const results: RolloutResult[] = [];
  let stopped = false;
  for (const step of steps) {
    const base = { service: step.service, taskDefinitionArn: step.taskDefinitionArn, startedAt: clock.now() };
    if (stopped) {
      results.push({ ...base, state: 'not-started' });
      continue;
    }
    if (step.existingDeploymentId !== undefined) {
      results.push(
        step.existingDeploymentId === null
          ? { ...base, state: 'there' }
          : { ...base, state: 'started', deploymentId: step.existingDeploymentId }
      );
      continue;
    }
    try {
      const output = await api.updateService({
        cluster,
        service: step.service,
        taskDefinition: step.taskDefinitionArn,
        ...step.update
      });
      const deploymentId = primaryDeployment(output.service)?.id;
      logger.info(options.describeUpdate(step, deploymentId));
      results.push({ ...base, state: 'started', deploymentId });
    } catch (error) {
      const reason = `UpdateService failed: ${errorMessage(error)}`;
      logger.error(`${step.service}: ${reason}`);
      results.push({ ...base, state: 'failed', reason, updateFailed: true });
      if (options.stopOnFirstFailure) stopped = true;
    }
  }
  const toWatch = results.filter(result => result.state === 'started' && result.deploymentId);
  if (!options.watch || stopped || toWatch.length === 0) return results;

  if (options.announceWatch) {
    logger.info(
      `Watching ${toWatch.map(result => result.service).join(', ')} (deadline ${formatDuration(options.timeoutMs)})`
    );
  }
  const watch = await watchDeployments(api, {
    cluster,
    targets: toWatch.map(result => ({
      service: result.service,
      deploymentId: result.deploymentId!,
      taskDefinitionArn: result.taskDefinitionArn
    })),
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs,
    logger,
    clock,
    stopOnFirstFailure: options.stopOnFirstFailure,
    what: options.what
  });
  for (const result of toWatch) {
    const watched = watch.outcomes.find(outcome => outcome.service === result.service);
    result.watched = watched;
    if (watched?.state === 'deployed') result.state = 'deployed';
    else {
      result.state = 'failed';
      result.reason = reasonOf(watched) ?? watched?.state ?? 'not seen';
    }
  }
  return results;
}
