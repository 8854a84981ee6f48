import type { Logger, Clock } from '@deploy-suite/core';
import { ActionError, errorMessage, realClock } from '@deploy-suite/core';
import {
  reasonOf,
  recordKnownGoodOrWarn,
  rollout,
  type EcsApi,
  type RolloutStep,
  type WatchOutcome
} from '@deploy-suite/aws/ecs';
import type { DeployEcsInputs } from './inputs.js';
import type { ServicePlan } from './plan.js';
import { formatDiff, type DiffLine } from './diff.js';
import type { DeployProgress } from './progress.js';

/** The rollback wait gets the deploy's budget again, and never less than this. */
const MIN_ROLLBACK_WAIT_MS = 10 * 60_000;

type DeployStatus = 'deployed' | 'rolled-back' | 'failed' | 'planned' | 'started' | 'cancelled';
type ServiceResultKind =
  'deployed' | 'unchanged' | 'planned' | 'started' | 'rolled-back' | 'failed' | 'cancelled';

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
  /** what this step changed so far, for the final report and the cancel hook */
  progress?: DeployProgress;
  /** aborted when the runner cancels the step: no new change is started after that */
  signal?: AbortSignal;
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
  if (inputs.desiredCount === 0) {
    logger.warning(
      'Input "desired-count" is 0: the services will run no task, so nothing proves the new revision works. ' +
        'It is not recorded as last known-good (actions/rollback will not pick it)'
    );
  }
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
  let changed: Changed[] = [];
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
      deps.progress?.registered.push(arn);
      logger.info(`Registered ${arn}`);
    }
  } catch (error) {
    // Nothing was updated yet: registered revisions are harmless and stay for inspection.
    throw new ActionError('aws', `Registering the task definition failed: ${errorMessage(error)}`, {
      cause: error
    });
  }

  // Update every service (all or nothing: the first failure stops the rest), then watch them together.
  const started = await rollout(
    api,
    toChange.map(plan => ({
      service: plan.service,
      taskDefinitionArn: registered.get(plan.sourceKey)!,
      update: { forceNewDeployment: inputs.forceNewDeployment, desiredCount: inputs.desiredCount }
    })),
    {
      cluster: inputs.cluster,
      logger,
      clock,
      watch: inputs.waitForServiceStability,
      timeoutMs: inputs.waitMs,
      intervalMs: inputs.pollIntervalMs,
      stopOnFirstFailure: true,
      what: 'deployment',
      describeUpdate: (step, id) =>
        `Updated ${step.service} to ${step.taskDefinitionArn} (deployment ${id ?? 'unknown'})`,
      announceWatch: true,
      signal: deps.signal,
      onUpdated: (step, deploymentId) => {
        const plan = toChange.find(candidate => candidate.service === step.service)!;
        deps.progress?.updated.push({
          service: plan.service,
          previousTaskDefinitionArn: plan.currentTaskDefinitionArn,
          previousDesiredCount: plan.currentDesiredCount,
          taskDefinitionArn: step.taskDefinitionArn,
          deploymentId
        });
      }
    }
  );
  changed = [];
  for (const [index, result] of started.entries()) {
    if (result.updateFailed || result.state === 'not-started') continue;
    changed.push({
      plan: toChange[index],
      taskDefinitionArn: result.taskDefinitionArn,
      deploymentId: result.deploymentId,
      startedAt: result.startedAt
    });
  }
  const updateFailed = started.find(result => result.updateFailed);
  const updateFailure = updateFailed && `${updateFailed.service}: ${updateFailed.reason}`;

  if (!updateFailure && !inputs.waitForServiceStability) {
    for (const entry of changed)
      entry.result = resultOf(entry, 'started', clock, 'not watched (wait-for-service-stability: false)');
    return finish('started');
  }

  const outcomes: WatchOutcome[] = started.flatMap(result => (result.watched ? [result.watched] : []));
  let failure = updateFailure;
  if (!failure) {
    const bad =
      outcomes.find(outcome => outcome.state === 'failed') ??
      outcomes.find(outcome => outcome.state !== 'deployed');
    if (bad) failure = `${bad.service}: ${reasonOf(bad)}`;
  }

  if (!failure) {
    const at = now();
    for (const entry of changed) {
      entry.result = resultOf(entry, 'deployed', clock);
      if (inputs.desiredCount === 0) continue; // no task ran it: no proof it is good
      if (!inputs.recordKnownGood) continue;
      await recordKnownGoodOrWarn(
        api,
        { name: entry.plan.service, arn: entry.plan.serviceArn },
        entry.taskDefinitionArn,
        at,
        logger,
        'deployed'
      );
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
  if (deps.signal?.aborted) return finish('failed', `${failure}; cancelled before the rollback`);
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
  logger.info(`Rolling back ${changed.map(entry => entry.plan.service).join(', ')}`);
  const steps: RolloutStep[] = changed.map(entry => {
    const outcome = outcomes.find(candidate => candidate.service === entry.plan.service);
    if (outcome?.state === 'failed' && outcome.circuitBreakerRollback?.deploymentId) {
      const ecsRollback = outcome.circuitBreakerRollback;
      logger.info(
        `  ${entry.plan.service}: ECS circuit breaker is already rolling back to ${ecsRollback.taskDefinitionArn}; waiting for it`
      );
      return {
        service: entry.plan.service,
        taskDefinitionArn: ecsRollback.taskDefinitionArn,
        existingDeploymentId: ecsRollback.deploymentId
      };
    }
    return {
      service: entry.plan.service,
      taskDefinitionArn: entry.plan.currentTaskDefinitionArn,
      update: { desiredCount: inputs.desiredCount === undefined ? undefined : entry.plan.currentDesiredCount }
    };
  });
  const results = await rollout(api, steps, {
    cluster: inputs.cluster,
    logger,
    clock,
    watch: true,
    // A tight deploy deadline must not cut the way back short.
    timeoutMs: Math.max(inputs.waitMs, MIN_ROLLBACK_WAIT_MS),
    intervalMs: inputs.pollIntervalMs,
    stopOnFirstFailure: false,
    what: 'rollback',
    describeUpdate: (step, id) =>
      `  ${step.service}: back to ${step.taskDefinitionArn} (deployment ${id ?? 'unknown'})`,
    announceWatch: false,
    onUpdated: (step, deploymentId) =>
      deps.progress?.rollbacks.push({
        service: step.service,
        taskDefinitionArn: step.taskDefinitionArn,
        deploymentId
      })
  });
  return new Map(
    results.map(result => [
      result.service,
      result.state === 'deployed' ? { ok: true } : { ok: false, reason: result.reason ?? result.state }
    ])
  );
}
