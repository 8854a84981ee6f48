import type { Logger, Clock } from '@deploy-suite/core';
import { ActionError, errorMessage, realClock } from '@deploy-suite/core';
import {
  currentTaskDefinition,
  describeProfile,
  describeServicesByName,
  reasonOf,
  recordKnownGoodOrWarn,
  rollout,
  runTaskFailure,
  type RunTaskResult,
  waitUntilServicesIdle,
  type EcsApi,
  type RolloutResult,
  type RolloutStep,
  type WatchOutcome
} from '@deploy-suite/aws/ecs';
import type { DeployEcsInputs } from './inputs.js';
import type { ServicePlan } from './plan.js';
import { plannedRunTask, ranTaskDefinition, runFirstServiceTask } from './run-task.js';
import { formatDiff, type DiffLine } from './diff.js';
import type { DeployProgress } from './progress.js';
import type { CodeDeployApi } from '@deploy-suite/aws/codedeploy';
import { deployThroughCodeDeploy, rollBackThroughCodeDeploy, type CodeDeployRollout } from './codedeploy.js';
import type { StoppedTaskLogs } from '@deploy-suite/aws/logs/lazy';

/** The rollback wait gets the deploy's budget again, and never less than this. */
const MIN_ROLLBACK_WAIT_MS = 10 * 60_000;

type DeployStatus =
  'deployed' | 'rolled-back' | 'failed' | 'planned' | 'started' | 'paused' | 'superseded' | 'cancelled';
type ServiceResultKind =
  | 'deployed'
  | 'unchanged'
  | 'planned'
  | 'started'
  | 'rolled-back'
  | 'failed'
  | 'paused'
  | 'superseded'
  | 'cancelled';

/** The least time a deploy keeps for its own watch after waiting for other deployments. */
const MIN_WATCH_AFTER_BUSY_MS = 60_000;

/** What happened to one service; also the shape of the `services` output. */
export interface ServiceResult {
  service: string;
  previousTaskDefinitionArn: string;
  taskDefinitionArn?: string;
  deploymentId?: string;
  /** ECS's service deployment this step started (accounts with the service-deployment API) */
  serviceDeploymentArn?: string;
  /** ROLLING, BLUE_GREEN, LINEAR or CANARY */
  strategy: string;
  /** what the plan read: strategy, load balancers, hooks, alarms, circuit breaker */
  profile: string;
  /** the PAUSE lifecycle hook waiting for action (result paused) */
  hookId?: string;
  /** CODE_DEPLOY services: the CodeDeploy deployment this step created, and its lifecycle events */
  codeDeployDeploymentId?: string;
  lifecycleEvents?: string[];
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
  /** run-task: the one-off task (a migration) run before the services were updated */
  runTask?: RunTaskResult;
  /** the container logs of the stopped tasks that failed it, as markdown for the summary */
  logExcerpts?: string;
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
  /** CodeDeploy, for services of the CODE_DEPLOY controller */
  codeDeploy?: CodeDeployApi;
  /** prints (and returns for the summary) the container logs of stopped tasks of a failed deploy */
  stoppedTaskLogs?: StoppedTaskLogs;
}

interface Changed {
  plan: ServicePlan;
  taskDefinitionArn: string;
  deploymentId?: string;
  rollout: RolloutResult;
  startedAt: number;
  result?: ServiceResult;
  codeDeployDeploymentId?: string;
  lifecycleEvents?: string[];
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
    strategy: plan.profile.strategy,
    profile: describeProfile(plan.profile),
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
      services: plans.map(plan => base(plan, plan.unchanged ? 'unchanged' : 'planned')),
      runTask: inputs.runTask && plannedRunTask(plans[0], logger)
    };
  }

  const unchanged = plans.filter(plan => plan.unchanged);
  for (const plan of unchanged) logger.info(`${plan.service}: already runs this task definition; left alone`);
  const toChange = plans.filter(plan => !plan.unchanged);
  let changed: Changed[] = [];
  let runTask: RunTaskResult | undefined;
  // set once the failure is known; finish() reads it, whichever way the step ends after that
  const diagnostics: { logExcerpts?: string } = {};
  const finish = (status: DeployStatus, reason?: string): DeployResult => ({
    status,
    reason,
    runTask,
    ...(diagnostics.logExcerpts ? { logExcerpts: diagnostics.logExcerpts } : {}),
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

  // Someone else's deployment in progress: wait for it (or fail) before changing anything.
  let watchMs = inputs.waitMs;
  if (toChange.length > 0) {
    const busySince = clock.now();
    const idle = await waitUntilServicesIdle(api, {
      cluster: inputs.cluster,
      services: toChange.map(plan => plan.service),
      ifBusy: inputs.ifBusy,
      timeoutMs: inputs.waitMs,
      intervalMs: inputs.pollIntervalMs,
      logger,
      clock
    });
    if (idle === 'waited') {
      watchMs = Math.max(inputs.waitMs - (clock.now() - busySince), MIN_WATCH_AFTER_BUSY_MS);
      await refreshCurrentRevisions(api, inputs.cluster, toChange, logger);
    }
  }

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

  // run-task (a migration): the first service's revision runs once, before any service is updated.
  if (inputs.runTask) {
    const first = plans[0];
    runTask = await runFirstServiceTask(
      inputs,
      first,
      registered.get(first.sourceKey),
      { ...deps, clock },
      watchMs
    );
    if (runTask.state !== 'succeeded' && runTask.state !== 'started') {
      // what the migration printed before it stopped: the same excerpt as a crashed service task's
      diagnostics.logExcerpts = await deps.stoppedTaskLogs?.([
        {
          label: 'run-task',
          taskDefinition: ranTaskDefinition(inputs, first),
          tasks: runTask.tasks.filter(task => task.lastStatus === 'STOPPED')
        }
      ]);
      return finish('failed', runTaskFailure(runTask, [...registered.values()]));
    }
    watchMs = Math.max(watchMs - runTask.elapsedMs, MIN_WATCH_AFTER_BUSY_MS);
  }

  // Update every service (all or nothing: the first failure stops the rest), then watch them together.
  // CODE_DEPLOY services go through CodeDeploy afterwards, unless an ECS one failed first.
  const viaEcs = toChange.filter(plan => !plan.codeDeploy);
  const viaCodeDeploy = toChange.filter(plan => plan.codeDeploy);
  const ordered = [...viaEcs, ...viaCodeDeploy];
  const ecsSince = clock.now();
  const started: RolloutResult[] = await rollout(
    api,
    viaEcs.map(plan => ({
      service: plan.service,
      taskDefinitionArn: registered.get(plan.sourceKey)!,
      strategy: plan.profile.strategy,
      update: {
        forceNewDeployment: inputs.forceNewDeployment,
        desiredCount: inputs.desiredCount,
        ...inputs.serviceSettings
      }
    })),
    {
      cluster: inputs.cluster,
      logger,
      clock,
      watch: inputs.waitForServiceStability,
      onPause: inputs.onPause,
      timeoutMs: watchMs,
      intervalMs: inputs.pollIntervalMs,
      stopOnFirstFailure: true,
      what: 'deployment',
      describeUpdate: (step, id) =>
        `Updated ${step.service} to ${step.taskDefinitionArn} (deployment ${id ?? 'unknown'})`,
      announceWatch: true,
      signal: deps.signal,
      onUpdated: (step, deploymentId, serviceDeploymentArn) => {
        const plan = viaEcs.find(candidate => candidate.service === step.service)!;
        deps.progress?.updated.push({
          service: plan.service,
          previousTaskDefinitionArn: plan.currentTaskDefinitionArn,
          previousDesiredCount: plan.currentDesiredCount,
          taskDefinitionArn: step.taskDefinitionArn,
          deploymentId,
          serviceDeploymentArn,
          strategy: plan.profile.strategy,
          profile: describeProfile(plan.profile)
        });
      }
    }
  );
  started.push(
    ...(await deployThroughCodeDeploy(inputs, viaCodeDeploy, registered, started, {
      ...deps,
      clock,
      // one step, one deadline: what the ECS services' watch took is not given again
      waitMs:
        viaEcs.length > 0 ? Math.max(watchMs - (clock.now() - ecsSince), MIN_WATCH_AFTER_BUSY_MS) : watchMs
    }))
  );
  changed = [];
  for (const [index, result] of started.entries()) {
    if (result.updateFailed || result.state === 'not-started') continue;
    const codeDeploy = (result as Partial<CodeDeployRollout>).codeDeploy;
    changed.push({
      plan: ordered[index],
      taskDefinitionArn: result.taskDefinitionArn,
      deploymentId: result.deploymentId,
      rollout: result,
      startedAt: result.startedAt,
      codeDeployDeploymentId: codeDeploy?.deploymentId,
      lifecycleEvents: codeDeploy?.outcome?.lifecycleEvents
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
    const bad = started.find(result => result.state === 'failed');
    if (bad) failure = `${bad.service}: ${bad.reason ?? 'failed'}`;
  }

  if (!failure) {
    const at = now();
    for (const entry of changed) {
      const state = entry.rollout.state;
      const kind: ServiceResultKind = state === 'paused' || state === 'superseded' ? state : 'deployed';
      entry.result = resultOf(entry, kind, clock, kind === 'deployed' ? undefined : entry.rollout.reason);
      if (kind !== 'deployed') continue;
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
    const superseded = changed.find(entry => entry.rollout.state === 'superseded');
    if (superseded) {
      const why = `${superseded.plan.service}: ${superseded.rollout.reason}; nothing was rolled back`;
      logger.warning(`Deployment superseded: ${why}`);
      return finish('superseded', why);
    }
    const paused = changed.find(entry => entry.rollout.state === 'paused');
    if (paused) return finish('paused', `${paused.plan.service}: ${paused.rollout.reason}`);
    return finish('deployed');
  }

  logger.error(`Deployment failed: ${failure}`);
  for (const outcome of outcomes) {
    if (outcome.state !== 'deployed' && 'reason' in outcome)
      logger.error(`  ${outcome.service}: ${outcome.reason}`);
  }
  diagnostics.logExcerpts = await deps.stoppedTaskLogs?.(
    changed.map(entry => ({
      label: entry.plan.service,
      taskDefinition: entry.plan.taskDefinition,
      tasks: entry.rollout.stoppedTasks ?? []
    }))
  );
  if (!inputs.rollbackOnFailure || changed.length === 0) {
    for (const entry of changed) {
      const state = entry.rollout.state;
      const kind: ServiceResultKind =
        state === 'deployed' || state === 'superseded' || state === 'paused' ? state : 'failed';
      entry.result = resultOf(entry, kind, clock, entry.rollout.reason ?? failure);
    }
    return finish('failed', failure);
  }
  if (deps.signal?.aborted) return finish('failed', `${failure}; cancelled before the rollback`);
  // Deployments another actor replaced are theirs now: never roll those back.
  const ours = changed.filter(entry => entry.rollout.state !== 'superseded');
  for (const entry of changed.filter(candidate => !ours.includes(candidate))) {
    entry.result = resultOf(entry, 'superseded', clock, `${entry.rollout.reason}; not rolled back`);
  }
  const rolledBack = await rollBack(inputs, ours, outcomes, deps, clock);
  for (const entry of ours) {
    const outcome = outcomes.find(candidate => candidate.service === entry.plan.service);
    const back = rolledBack.get(entry.plan.service);
    const why = entry.rollout.reason ?? reasonOf(outcome) ?? failure;
    entry.result = back?.ok
      ? resultOf(entry, 'rolled-back', clock, why)
      : resultOf(entry, 'failed', clock, `${why}; rollback did not finish: ${back?.reason ?? 'unknown'}`);
  }
  const allBack = ours.every(entry => rolledBack.get(entry.plan.service)?.ok);
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
    serviceDeploymentArn: entry.rollout.serviceDeploymentArn,
    strategy: entry.plan.profile.strategy,
    profile: describeProfile(entry.plan.profile),
    hookId: entry.rollout.hookId,
    codeDeployDeploymentId: entry.codeDeployDeploymentId,
    lifecycleEvents: entry.lifecycleEvents,
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
  const waitMs = Math.max(inputs.waitMs, MIN_ROLLBACK_WAIT_MS);
  // CODE_DEPLOY services go back by CodeDeploy, alongside the ECS rollout of the others.
  const viaCodeDeploy = rollBackThroughCodeDeploy(inputs, changed, { ...deps, clock, waitMs });
  const steps = changed
    .filter(entry => !entry.codeDeployDeploymentId)
    .map(entry => rollbackStep(entry, outcomes, inputs, logger));
  const results = await rollout(api, steps, {
    cluster: inputs.cluster,
    logger,
    clock,
    watch: true,
    // A tight deploy deadline must not cut the way back short.
    timeoutMs: waitMs,
    intervalMs: inputs.pollIntervalMs,
    stopOnFirstFailure: false,
    // Going back does not wait for an approval: a PAUSE hook on the way back is continued.
    onPause: 'continue',
    what: 'rollback',
    describeUpdate: (step, id) =>
      `  ${step.service}: back to ${step.taskDefinitionArn} (deployment ${id ?? 'unknown'})`,
    announceWatch: false,
    onUpdated: (step, deploymentId, serviceDeploymentArn) =>
      deps.progress?.rollbacks.push({
        service: step.service,
        taskDefinitionArn: step.taskDefinitionArn,
        deploymentId,
        serviceDeploymentArn
      })
  });
  return new Map([
    ...results.map(
      result =>
        [
          result.service,
          result.state === 'deployed' ? { ok: true } : { ok: false, reason: result.reason ?? result.state }
        ] as const
    ),
    ...(await viaCodeDeploy)
  ]);
}

/**
 * How one changed service goes back. By ECS's service deployment: in flight -> StopServiceDeployment
 * ROLLBACK; paused -> ContinueServiceDeployment ROLLBACK; ECS rolling back or rolled back -> wait for (or
 * confirm) its end; finished (SUCCESSFUL, STOPPED, ROLLBACK_FAILED) -> UpdateService to the
 * previous revision. Without the API: the rolling view's circuit-breaker rollback, else UpdateService.
 */
function rollbackStep(
  entry: Changed,
  outcomes: WatchOutcome[],
  inputs: DeployEcsInputs,
  logger: Logger
): RolloutStep {
  const service = entry.plan.service;
  const previous = entry.plan.currentTaskDefinitionArn;
  const update: RolloutStep = {
    service,
    taskDefinitionArn: previous,
    strategy: entry.plan.profile.strategy,
    update: { desiredCount: inputs.desiredCount === undefined ? undefined : entry.plan.currentDesiredCount }
  };
  const deployment = entry.rollout.deployment;
  if (deployment) {
    const arn = deployment.serviceDeploymentArn;
    const native = (action: 'stop' | 'continue-rollback' | 'watch', hookId?: string): RolloutStep => ({
      ...update,
      nativeRollback: { serviceDeploymentArn: arn, action, hookId }
    });
    switch (deployment.state) {
      case 'rolled-back':
      case 'rolling-back': {
        // ECS rolls it back itself (circuit breaker, alarm, hook): confirm its end, never stack another.
        const judgement = deployment.judgement;
        const byBreaker =
          (judgement?.state === 'rolling-back' || judgement?.state === 'rolled-back') &&
          judgement.byCircuitBreaker;
        logger.info(
          `  ${service}: ${byBreaker ? 'ECS circuit breaker' : 'ECS'} is already rolling back to ${previous}; waiting for it`
        );
        return native('watch');
      }
      case 'paused':
        return native('continue-rollback', deployment.hookId);
      case 'in-flight':
      case 'failed-tasks':
        // still waiting at a PAUSE hook (the deadline passed there): the hook's own ROLLBACK answer
        return deployment.hookId ? native('continue-rollback', deployment.hookId) : native('stop');
      default:
        return update;
    }
  }
  const outcome = outcomes.find(candidate => candidate.service === service);
  if (outcome?.state === 'failed' && outcome.circuitBreakerRollback?.deploymentId) {
    const ecsRollback = outcome.circuitBreakerRollback;
    logger.info(
      `  ${service}: ECS circuit breaker is already rolling back to ${ecsRollback.taskDefinitionArn}; waiting for it`
    );
    return {
      service,
      taskDefinitionArn: ecsRollback.taskDefinitionArn,
      existingDeploymentId: ecsRollback.deploymentId
    };
  }
  return update;
}

/** After waiting for another deployment, what each service runs now is what a rollback returns to. */
async function refreshCurrentRevisions(
  api: EcsApi,
  cluster: string,
  plans: ServicePlan[],
  logger: Logger
): Promise<void> {
  const { found } = await describeServicesByName(
    api,
    cluster,
    plans.map(plan => plan.service)
  );
  for (const plan of plans) {
    const service = found.get(plan.service);
    if (!service) continue;
    const now = currentTaskDefinition(service);
    if (now && now !== plan.currentTaskDefinitionArn) {
      logger.info(`${plan.service}: now runs ${now} (was ${plan.currentTaskDefinitionArn} when planned)`);
      plan.currentTaskDefinitionArn = now;
      plan.currentDesiredCount = service.desiredCount ?? plan.currentDesiredCount;
    }
  }
}
