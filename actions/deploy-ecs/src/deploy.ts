import type { Logger, Clock } from '@deploy-suite/core';
import { ActionError, errorMessage, formatDuration, realClock } from '@deploy-suite/core';
import {
  recordKnownGood,
  watchDeployments,
  type EcsApi,
  type WatchOutcome,
  type WatchTarget
} from '@deploy-suite/aws/ecs';
import type { DeployEcsInputs } from './inputs.js';
import type { ServicePlan } from './plan.js';
import { formatDiff, type DiffLine } from './diff.js';

/** The rollback wait gets the deploy's budget again, and never less than this. */
export const MIN_ROLLBACK_WAIT_MS = 10 * 60_000;

export type DeployStatus = 'deployed' | 'rolled-back' | 'failed' | 'planned' | 'started';
export type ServiceResultKind = 'deployed' | 'unchanged' | 'planned' | 'started' | 'rolled-back' | 'failed';

/** What happened to one service; also the shape of the `services` output. */
export interface ServiceResult {
  service: string;
  previousTaskDefinitionArn: string;
  taskDefinitionArn?: string;
  deploymentId?: string;
  result: ServiceResultKind;
  reason?: string;
  durationSeconds: number;
  images: string[];
  diff: DiffLine[];
}

export interface DeployResult {
  status: DeployStatus;
  /** why the step failed or rolled back */
  reason?: string;
  services: ServiceResult[];
}

export interface DeployDeps {
  api: EcsApi;
  logger: Logger;
  clock?: Clock;
  /** when records are written; defaults to the clock's now */
  now?: () => Date;
}

interface Changed {
  plan: ServicePlan;
  taskDefinitionArn: string;
  deploymentId?: string;
  startedAt: number;
  result?: ServiceResult;
}

/**
 * Registers, updates every service, watches until each is really deployed, and when one is not, puts
 * every service this step changed back on the revision it ran before (all or nothing). Never
 * deregisters anything. The plan was checked before: from here on every call may change AWS.
 */
export async function executeDeployment(
  inputs: DeployEcsInputs,
  plans: ServicePlan[],
  deps: DeployDeps
): Promise<DeployResult> {
  const { api, logger } = deps;
  const clock = deps.clock ?? realClock;
  const now = deps.now ?? (() => new Date(clock.now()));

  await logger.group('Changes', async () => {
    for (const plan of plans)
      logger.info(`${plan.service} (${plan.currentTaskDefinitionArn}):\n${formatDiff(plan.diff)}`);
  });
  const base = (plan: ServicePlan, result: ServiceResultKind, reason?: string): ServiceResult => ({
    service: plan.service,
    previousTaskDefinitionArn: plan.currentTaskDefinitionArn,
    result,
    reason,
    durationSeconds: 0,
    images: plan.images,
    diff: plan.diff
  });
  if (inputs.dryRun) {
    logger.info('dry-run: nothing registered or updated');
    return {
      status: 'planned',
      services: plans.map(plan => base(plan, plan.unchanged ? 'unchanged' : 'planned'))
    };
  }

  const unchanged = plans.filter(plan => plan.unchanged);
  for (const plan of unchanged) logger.info(`${plan.service}: already runs this task definition; left alone`);
  const toChange = plans.filter(plan => !plan.unchanged);
  const changed: Changed[] = [];
  const finish = (status: DeployStatus, reason?: string): DeployResult => ({
    status,
    reason,
    services: plans.map(plan => {
      const entry = changed.find(candidate => candidate.plan === plan);
      if (entry?.result) return entry.result;
      if (plan.unchanged)
        return { ...base(plan, 'unchanged'), taskDefinitionArn: plan.currentTaskDefinitionArn };
      return base(
        plan,
        status === 'deployed' ? 'deployed' : 'failed',
        reason ? 'not updated: ' + reason : undefined
      );
    })
  });

  // Register each distinct rendered task definition once.
  const registered = new Map<string, string>();
  try {
    for (const plan of toChange) {
      if (registered.has(plan.sourceKey)) continue;
      const output = await api.registerTaskDefinition(plan.taskDefinition);
      const arn = output.taskDefinition?.taskDefinitionArn;
      if (!arn) throw new Error('RegisterTaskDefinition returned no ARN');
      registered.set(plan.sourceKey, arn);
      logger.info(`Registered ${arn}`);
    }
  } catch (error) {
    // Nothing was updated yet: registered revisions are harmless and stay for inspection.
    throw new ActionError('aws', `Registering the task definition failed: ${errorMessage(error)}`, {
      cause: error
    });
  }

  // Update every service, keeping the id of the deployment each update created.
  let updateFailure: string | undefined;
  for (const plan of toChange) {
    const taskDefinitionArn = registered.get(plan.sourceKey)!;
    const entry: Changed = { plan, taskDefinitionArn, startedAt: clock.now() };
    try {
      const output = await api.updateService({
        cluster: inputs.cluster,
        service: plan.service,
        taskDefinition: taskDefinitionArn,
        forceNewDeployment: inputs.forceNewDeployment,
        desiredCount: inputs.desiredCount
      });
      changed.push(entry);
      const primary = output.service?.deployments?.find(deployment => deployment.status === 'PRIMARY');
      entry.deploymentId = primary?.id;
      logger.info(
        `Updated ${plan.service} to ${taskDefinitionArn} (deployment ${entry.deploymentId ?? 'unknown'})`
      );
    } catch (error) {
      updateFailure = `updating ${plan.service} failed: ${errorMessage(error)}`;
      logger.error(updateFailure);
      break;
    }
  }

  if (!updateFailure && !inputs.waitForServiceStability) {
    for (const entry of changed)
      entry.result = resultOf(entry, 'started', clock, 'not watched (wait-for-service-stability: false)');
    return finish('started');
  }

  let failure = updateFailure;
  let outcomes: WatchOutcome[] = [];
  if (!failure && changed.length > 0) {
    const targets: WatchTarget[] = changed.map(entry => ({
      service: entry.plan.service,
      deploymentId: entry.deploymentId ?? '',
      taskDefinitionArn: entry.taskDefinitionArn
    }));
    logger.info(
      `Watching ${targets.map(target => target.service).join(', ')} (deadline ${formatDuration(inputs.waitMs)})`
    );
    const watch = await watchDeployments(api, {
      cluster: inputs.cluster,
      targets,
      timeoutMs: inputs.waitMs,
      intervalMs: inputs.pollIntervalMs,
      logger,
      clock,
      stopOnFirstFailure: true
    });
    outcomes = watch.outcomes;
    const bad =
      outcomes.find(outcome => outcome.state === 'failed') ??
      outcomes.find(outcome => outcome.state !== 'deployed');
    if (bad) failure = `${bad.service}: ${'reason' in bad ? bad.reason : bad.state}`;
  }

  if (!failure) {
    const at = now();
    for (const entry of changed) {
      entry.result = resultOf(entry, 'deployed', clock);
      try {
        await recordKnownGood(api, entry.plan.serviceArn, entry.taskDefinitionArn, at);
      } catch (error) {
        logger.warning(
          `${entry.plan.service} is deployed, but recording it as last known-good failed (${errorMessage(error)}); ` +
            'grant ecs:TagResource so actions/rollback can find it'
        );
      }
    }
    return finish('deployed');
  }

  logger.error(`Deployment failed: ${failure}`);
  for (const outcome of outcomes) {
    if (outcome.state !== 'deployed' && 'reason' in outcome)
      logger.error(`  ${outcome.service}: ${outcome.reason}`);
  }
  if (!inputs.rollbackOnFailure || changed.length === 0) {
    for (const entry of changed) {
      const outcome = outcomes.find(candidate => candidate.service === entry.plan.service);
      entry.result = resultOf(
        entry,
        outcome?.state === 'deployed' ? 'deployed' : 'failed',
        clock,
        reasonOf(outcome) ?? failure
      );
    }
    return finish('failed', failure);
  }
  const rolledBack = await rollBack(inputs, changed, outcomes, deps, clock);
  for (const entry of changed) {
    const outcome = outcomes.find(candidate => candidate.service === entry.plan.service);
    const back = rolledBack.get(entry.plan.service);
    const why = reasonOf(outcome) ?? failure;
    entry.result = back?.ok
      ? resultOf(entry, 'rolled-back', clock, why)
      : resultOf(entry, 'failed', clock, `${why}; rollback did not finish: ${back?.reason ?? 'unknown'}`);
  }
  const allBack = changed.every(entry => rolledBack.get(entry.plan.service)?.ok);
  return finish(
    allBack ? 'rolled-back' : 'failed',
    allBack ? failure : `${failure}; and the rollback did not finish`
  );
}

function reasonOf(outcome: WatchOutcome | undefined): string | undefined {
  return outcome && 'reason' in outcome ? outcome.reason : undefined;
}

function resultOf(entry: Changed, result: ServiceResultKind, clock: Clock, reason?: string): ServiceResult {
  return {
    service: entry.plan.service,
    previousTaskDefinitionArn: entry.plan.currentTaskDefinitionArn,
    taskDefinitionArn: entry.taskDefinitionArn,
    deploymentId: entry.deploymentId,
    result,
    reason,
    durationSeconds: Math.round((clock.now() - entry.startedAt) / 1000),
    images: entry.plan.images,
    diff: entry.plan.diff
  };
}

/**
 * Puts every changed service back on the revision it ran before. Where ECS's circuit breaker already
 * started its own rollback deployment, that deployment is watched instead of starting another one.
 */
async function rollBack(
  inputs: DeployEcsInputs,
  changed: Changed[],
  outcomes: WatchOutcome[],
  deps: DeployDeps,
  clock: Clock
): Promise<Map<string, { ok: boolean; reason?: string }>> {
  const { api, logger } = deps;
  const results = new Map<string, { ok: boolean; reason?: string }>();
  const targets: WatchTarget[] = [];
  logger.info(`Rolling back ${changed.map(entry => entry.plan.service).join(', ')}`);
  for (const entry of changed) {
    const outcome = outcomes.find(candidate => candidate.service === entry.plan.service);
    if (outcome?.state === 'failed' && outcome.circuitBreakerRollback?.deploymentId) {
      const ecsRollback = outcome.circuitBreakerRollback;
      logger.info(
        `  ${entry.plan.service}: ECS circuit breaker is already rolling back to ${ecsRollback.taskDefinitionArn}; waiting for it`
      );
      targets.push({ service: entry.plan.service, ...ecsRollback });
      continue;
    }
    try {
      const output = await api.updateService({
        cluster: inputs.cluster,
        service: entry.plan.service,
        taskDefinition: entry.plan.currentTaskDefinitionArn,
        desiredCount: inputs.desiredCount === undefined ? undefined : entry.plan.currentDesiredCount
      });
      const primary = output.service?.deployments?.find(deployment => deployment.status === 'PRIMARY');
      logger.info(
        `  ${entry.plan.service}: back to ${entry.plan.currentTaskDefinitionArn} (deployment ${primary?.id ?? 'unknown'})`
      );
      targets.push({
        service: entry.plan.service,
        deploymentId: primary?.id ?? '',
        taskDefinitionArn: entry.plan.currentTaskDefinitionArn
      });
    } catch (error) {
      results.set(entry.plan.service, { ok: false, reason: `UpdateService failed: ${errorMessage(error)}` });
    }
  }
  if (targets.length === 0) return results;
  const watch = await watchDeployments(api, {
    cluster: inputs.cluster,
    targets,
    // A tight deploy deadline must not cut the way back short.
    timeoutMs: Math.max(inputs.waitMs, MIN_ROLLBACK_WAIT_MS),
    intervalMs: inputs.pollIntervalMs,
    logger,
    clock,
    stopOnFirstFailure: false,
    what: 'rollback'
  });
  for (const outcome of watch.outcomes) {
    results.set(
      outcome.service,
      outcome.state === 'deployed' ? { ok: true } : { ok: false, reason: reasonOf(outcome) ?? outcome.state }
    );
  }
  return results;
}
