import type { Task, UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
import { errorMessage, formatDuration, type Clock, type Logger } from '@deploy-suite/core';
import { awsErrorName, isTransientAwsError } from '../errors.js';
import type { EcsApi } from './client.js';
import { primaryDeployment } from './services.js';
import { watchDeployments, type WatchOutcome } from './watch.js';
import {
  watchServiceDeployments,
  type DeploymentOutcome,
  type DeploymentTarget,
  type OnPause
} from './deployment-watch.js';
import { identifyServiceDeployments } from './service-deployments.js';
import { judgeServiceDeployment } from './judge.js';
import type { TaskFailure } from './assess.js';

/** How this step rolls back a service deployment ECS is still running (see `nativeRollback`). */
interface NativeRollback {
  serviceDeploymentArn: string;
  /** stop: StopServiceDeployment ROLLBACK (in flight); continue-rollback: ContinueServiceDeployment ROLLBACK (paused); watch: ECS is rolling it back already */
  action: 'stop' | 'continue-rollback' | 'watch';
  hookId?: string;
}

/** One service to put on a revision. */
export interface RolloutStep {
  service: string;
  taskDefinitionArn: string;
  /** the service's strategy, for progress lines (ROLLING when not given) */
  strategy?: string;
  /**
   * UpdateService fields besides cluster, service and task definition. Absent fields are not sent, so the
   * service keeps what it has (aws-actions sends `volumeConfigurations: []` on every update).
   */
  update?: Pick<
    UpdateServiceCommandInput,
    'forceNewDeployment' | 'desiredCount' | 'enableECSManagedTags' | 'propagateTags' | 'volumeConfigurations'
  >;
  /**
   * An ECS deployment already heading to this revision (ECS's circuit-breaker rollback, or one still settling):
   * it is watched and no UpdateService is made. `null`: nothing to update or watch, the service is there.
   */
  existingDeploymentId?: string | null;
  /**
   * Roll this service deployment back natively instead of updating: ECS returns the service to its last
   * completed revision (`taskDefinitionArn`, for the messages) and the step waits for ROLLBACK_SUCCESSFUL.
   */
  nativeRollback?: NativeRollback;
}

/** How one step of a rollout ended. */
export interface RolloutResult {
  service: string;
  taskDefinitionArn: string;
  /** the rolling deployment this rollout created (or watched) */
  deploymentId?: string;
  /** the service deployment this rollout created (or rolled back), when the account has the API */
  serviceDeploymentArn?: string;
  /**
   * deployed: this deployment is SUCCESSFUL (a native rollback: ROLLBACK_SUCCESSFUL); started: updated, not
   * watched; there: nothing to do; paused: waiting at a PAUSE hook (on-pause: stop); superseded: another
   * actor's deployment replaced it; failed: the update or the deployment failed (or the watch ran out);
   * not-started: an earlier step failed first
   */
  state: 'deployed' | 'started' | 'there' | 'failed' | 'not-started' | 'paused' | 'superseded';
  reason?: string;
  /** set when the UpdateService call itself failed */
  updateFailed?: boolean;
  /** what the rolling-view watcher saw (accounts without the service-deployment API) */
  watched?: WatchOutcome;
  /** what the service-deployment watcher saw */
  deployment?: DeploymentOutcome;
  /** the PAUSE hook waiting for action (paused) */
  hookId?: string;
  /** stopped tasks of this revision that proved it broken (crash, failed health check), as DescribeTasks returned them */
  stoppedTasks?: Task[];
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
  /** what to do at a PAUSE lifecycle hook; default wait */
  onPause?: OnPause;
  /** told of each UpdateService that started a deployment, as it happens (a step's progress record) */
  onUpdated?: (step: RolloutStep, deploymentId: string | undefined, serviceDeploymentArn?: string) => void;
  /** once aborted (the runner cancelled the step), no further service is updated */
  signal?: AbortSignal;
}

/** Why a watched deployment did not end deployed, in the watcher's words; undefined when it gave none. */
export function reasonOf(outcome: WatchOutcome | undefined): string | undefined {
  return outcome && 'reason' in outcome ? outcome.reason : undefined;
}

/** A service-deployment outcome in a sentence: what ECS did and why. */
function describeDeploymentOutcome(outcome: DeploymentOutcome): string {
  const why = outcome.reason ? `: ${outcome.reason}` : '';
  switch (outcome.state) {
    case 'rolled-back':
      return (
        (outcome.judgement?.state === 'rolled-back' && outcome.judgement.byCircuitBreaker
          ? 'the ECS deployment circuit breaker rolled back'
          : 'ECS rolled the deployment back') + why
      );
    case 'rolling-back':
      return `ECS is rolling the deployment back${why}`;
    case 'rollback-failed':
      return `ECS could not roll the deployment back (ROLLBACK_FAILED)${why}`;
    case 'stopped':
      return `ECS stopped the deployment${why}`;
    case 'superseded':
      return `superseded by ${outcome.replacedBy ?? 'a newer service deployment'} (not this step's)`;
    case 'paused':
      return `paused at lifecycle hook ${outcome.hookId ?? '?'}`;
    default:
      return outcome.reason ?? outcome.state;
  }
}

/**
 * The one ECS rollout, used by deploy-ecs (its deploy and its own rollback) and by actions/rollback:
 * UpdateService (or a native rollback) -> the service deployment this step started, confirmed by its
 * revision -> watch by ECS's own status, for every strategy -> one result per service. Accounts without
 * the service-deployment API fall back to the rolling view (the PRIMARY deployment UpdateService returned).
 * Nothing here decides what to roll out.
 */
export async function rollout(
  api: EcsApi,
  steps: readonly RolloutStep[],
  options: RolloutOptions
): Promise<RolloutResult[]> {
  const { cluster, logger, clock } = options;
  const results: RolloutResult[] = [];
  const updates = new Map<RolloutResult, { currentServiceDeployment?: string; updatedAt: number }>();
  let stopped = false;
  for (const step of steps) {
    const base = { service: step.service, taskDefinitionArn: step.taskDefinitionArn, startedAt: clock.now() };
    if (stopped || options.signal?.aborted) {
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
    if (step.nativeRollback) {
      const result = await startNativeRollback(api, step, step.nativeRollback, logger);
      if (result?.state === 'started') options.onUpdated?.(step, undefined, result.serviceDeploymentArn);
      if (result) {
        results.push({ ...base, ...result });
        continue;
      }
      // The deployment finished before it could be stopped: go back by a new deployment instead.
    }
    try {
      const updatedAt = clock.now();
      const output = await api.updateService({
        cluster,
        service: step.service,
        taskDefinition: step.taskDefinitionArn,
        ...step.update
      });
      const deploymentId = primaryDeployment(output.service)?.id;
      logger.info(options.describeUpdate(step, deploymentId));
      options.onUpdated?.(step, deploymentId, output.service?.currentServiceDeployment);
      const result: RolloutResult = { ...base, state: 'started', deploymentId };
      updates.set(result, { currentServiceDeployment: output.service?.currentServiceDeployment, updatedAt });
      results.push(result);
    } catch (error) {
      const reason = `UpdateService failed: ${errorMessage(error)}`;
      logger.error(`${step.service}: ${reason}`);
      results.push({ ...base, state: 'failed', reason, updateFailed: true });
      if (options.stopOnFirstFailure) stopped = true;
    }
  }
  const toWatch = results.filter(
    result => result.state === 'started' && (result.deploymentId || result.serviceDeploymentArn)
  );
  if (!options.watch || stopped || toWatch.length === 0) {
    if (updates.size > 0) await identifyInto(api, cluster, updates, logger, false);
    return results;
  }
  if (options.announceWatch) {
    logger.info(
      `Watching ${toWatch.map(result => result.service).join(', ')} (deadline ${formatDuration(options.timeoutMs)})`
    );
  }
  const identified = updates.size === 0 || (await identifyInto(api, cluster, updates, logger, true));
  const byServiceDeployment = identified ? toWatch.filter(result => result.serviceDeploymentArn) : [];
  const byRollingView = toWatch.filter(result => !byServiceDeployment.includes(result));
  if (byServiceDeployment.length > 0) {
    await watchByServiceDeployment(api, steps, results, byServiceDeployment, options);
  }
  if (byRollingView.length > 0) await watchByRollingView(api, byRollingView, options);
  return results;
}

/** Starts the native rollback of one step; undefined when the deployment already finished (update instead). */
async function startNativeRollback(
  api: EcsApi,
  step: RolloutStep,
  native: NativeRollback,
  logger: Logger
): Promise<Pick<RolloutResult, 'state' | 'serviceDeploymentArn' | 'reason'> | undefined> {
  const arn = native.serviceDeploymentArn;
  try {
    if (native.action === 'stop') {
      await api.stopServiceDeployment({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' });
      logger.info(`  ${step.service}: StopServiceDeployment ROLLBACK on ${arn}; ECS rolls it back`);
    } else if (native.action === 'continue-rollback') {
      await api.continueServiceDeployment({
        serviceDeploymentArn: arn,
        hookId: native.hookId,
        action: 'ROLLBACK'
      });
      logger.info(`  ${step.service}: ContinueServiceDeployment ROLLBACK at hook ${native.hookId} on ${arn}`);
    }
    // action watch: ECS is rolling it back already; the caller said so
    return { state: 'started', serviceDeploymentArn: arn };
  } catch (error) {
    if (awsErrorName(error) !== 'ConflictException' && awsErrorName(error) !== 'InvalidParameterException') {
      return {
        state: 'failed',
        serviceDeploymentArn: arn,
        reason: `native rollback failed: ${errorMessage(error)}`
      };
    }
    // It ended between the last look and this call: ECS may have rolled it back itself (then there is
    // nothing to stack on it), or another deployment replaced it (then it is not this step's any more).
    const output = await api.describeServiceDeployments({ serviceDeploymentArns: [arn] });
    const now = output.serviceDeployments?.[0];
    const judgement = now ? judgeServiceDeployment(now) : undefined;
    if (judgement?.state === 'rolled-back' || judgement?.state === 'rolling-back') {
      logger.info(`  ${step.service}: ECS is already rolling ${arn} back (${now?.status}); waiting for it`);
      return { state: 'started', serviceDeploymentArn: arn };
    }
    if (judgement?.state === 'superseded') {
      return {
        state: 'superseded',
        serviceDeploymentArn: arn,
        reason: `${arn} was superseded by another deployment; not rolled back`
      };
    }
    logger.info(
      `  ${step.service}: ${arn} can no longer be rolled back natively (${errorMessage(error)}); updating back instead`
    );
    return undefined;
  }
}

/** Sets `serviceDeploymentArn` on each update's result; false (saying so) when the rolling view must do. */
async function identifyInto(
  api: EcsApi,
  cluster: string,
  updates: Map<RolloutResult, { currentServiceDeployment?: string; updatedAt: number }>,
  logger: Logger,
  watching: boolean
): Promise<boolean> {
  const entries = [...updates];
  let identification: Awaited<ReturnType<typeof identifyServiceDeployments>>;
  try {
    identification = await identifyServiceDeployments(
      api,
      cluster,
      entries.map(([result, update]) => ({
        service: result.service,
        taskDefinitionArn: result.taskDefinitionArn,
        ...update
      }))
    );
  } catch (error) {
    // A throttled or lost describe must not end a deploy that is under way: the rolling view can still judge it.
    if (!isTransientAwsError(error)) throw error;
    identification = { kind: 'unavailable', reason: `${awsErrorName(error) ?? errorMessage(error)}` };
  }
  if (identification.kind === 'unavailable') {
    logger.warning(
      `Cannot tell this step's service deployments (${identification.reason})` +
        (watching ? '; watching the rolling deployment ids instead (ROLLING semantics). ' : '. ') +
        'Grant ecs:DescribeServiceDeployments and ecs:DescribeServiceRevisions to judge every strategy by ECS.'
    );
    return false;
  }
  for (const [result] of entries) {
    result.serviceDeploymentArn = identification.arns.get(result.service);
    logger.info(`  ${result.service}: service deployment ${result.serviceDeploymentArn}`);
  }
  return true;
}

async function watchByServiceDeployment(
  api: EcsApi,
  steps: readonly RolloutStep[],
  results: RolloutResult[],
  toWatch: RolloutResult[],
  options: RolloutOptions
): Promise<void> {
  const targets: DeploymentTarget[] = toWatch.map(result => {
    const step = steps[results.indexOf(result)];
    return {
      service: result.service,
      serviceDeploymentArn: result.serviceDeploymentArn!,
      taskDefinitionArn: result.taskDefinitionArn,
      strategy: step?.strategy ?? 'ROLLING',
      deploymentId: result.deploymentId,
      // a native rollback that fell back to an update is a deployment again
      expect: step?.nativeRollback && !result.deploymentId ? 'rollback' : 'deploy'
    };
  });
  const watch = await watchServiceDeployments(api, {
    cluster: options.cluster,
    targets,
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs,
    logger: options.logger,
    clock: options.clock,
    onPause: options.onPause ?? 'wait',
    stopOnFirstFailure: options.stopOnFirstFailure,
    what: options.what
  });
  for (const [index, result] of toWatch.entries()) {
    const outcome = watch.outcomes[index];
    const expect = targets[index].expect;
    result.deployment = outcome;
    result.stoppedTasks = tasksOf(watch.taskFailures[result.service]);
    if (expect === 'rollback') {
      if (outcome.state === 'rolled-back') result.state = 'deployed';
      else {
        result.state = 'failed';
        result.reason = `the rollback ended ${outcome.state}: ${describeDeploymentOutcome(outcome)}`;
      }
      continue;
    }
    if (outcome.state === 'deployed') result.state = 'deployed';
    else if (outcome.state === 'paused') {
      result.state = 'paused';
      result.hookId = outcome.hookId;
      result.reason = describeDeploymentOutcome(outcome);
    } else if (outcome.state === 'superseded') {
      result.state = 'superseded';
      result.reason = describeDeploymentOutcome(outcome);
    } else {
      result.state = 'failed';
      result.reason = describeDeploymentOutcome(outcome);
    }
  }
}

async function watchByRollingView(
  api: EcsApi,
  toWatch: RolloutResult[],
  options: RolloutOptions
): Promise<void> {
  const watch = await watchDeployments(api, {
    cluster: options.cluster,
    targets: toWatch.map(result => ({
      service: result.service,
      deploymentId: result.deploymentId!,
      taskDefinitionArn: result.taskDefinitionArn
    })),
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs,
    logger: options.logger,
    clock: options.clock,
    stopOnFirstFailure: options.stopOnFirstFailure,
    what: options.what
  });
  for (const result of toWatch) {
    const watched = watch.outcomes.find(outcome => outcome.service === result.service);
    result.watched = watched;
    result.stoppedTasks = tasksOf(watch.taskFailures[result.service]);
    if (watched?.state === 'deployed') result.state = 'deployed';
    else {
      result.state = 'failed';
      result.reason = reasonOf(watched) ?? watched?.state ?? 'not seen';
    }
  }
}

function tasksOf(failures: readonly TaskFailure[] | undefined): Task[] {
  return (failures ?? []).flatMap(failure => (failure.task ? [failure.task] : []));
}
