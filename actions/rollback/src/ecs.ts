import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  ActionError,
  errorMessage,
  inputError,
  realClock,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import {
  activeRevisions,
  currentTaskDefinition,
  describeNamedServices,
  describeServicesByName,
  profileService,
  unsupportedController,
  waitUntilServicesIdle,
  familyRevision,
  findTaskDefinition,
  parseTaskDefinitionReference,
  primaryDeployment,
  readKnownGood,
  recordKnownGoodOrWarn,
  rollbackTags,
  rollout,
  successfulDeployments,
  type EcsApi
} from '@deploy-suite/aws/ecs';
import type { EcrImageLookup } from '@deploy-suite/aws/ecr';
import type { CodeDeployApi } from '@deploy-suite/aws/codedeploy';
import {
  planCodeDeployRollback,
  rollBackThroughCodeDeploy,
  type CodeDeployRollbackPlan
} from './codedeploy.js';
import type { StoppedTaskLogs } from '@deploy-suite/aws/logs/lazy';
import type { StoppedTasksOf } from '@deploy-suite/aws/logs';
import { checkImages, type ImageCheck } from './images.js';
import type { EcsRollbackInputs } from './inputs.js';
import {
  SOURCE_TEXT,
  pickRollbackTarget,
  type EcsNeed,
  type EcsTargetFacts,
  type TargetSource
} from './target.js';

export type RollbackStatus =
  | 'rolled-back'
  | 'already-there'
  | 'planned'
  | 'started'
  | 'failed'
  /** the guard (only-if-current) found another revision running: left alone */
  | 'skipped'
  /** mode record-known-good: what runs was recorded as known-good */
  | 'recorded';

export interface EcsDeps {
  api: EcsApi;
  ecr: EcrImageLookup;
  logger: Logger;
  clock?: Clock;
  /** when records are written; defaults to the clock's now */
  now?: () => Date;
  /** who asked for the rollback (GITHUB_ACTOR), for the service tags */
  actor?: string;
  /** CodeDeploy, for services of the CODE_DEPLOY controller (refused without it) */
  codeDeploy?: CodeDeployApi;
  /** prints (and returns for the summary) the container logs of stopped tasks of a failed rollback */
  stoppedTaskLogs?: StoppedTaskLogs;
}

/** The checked plan for one service: nothing has changed yet. */
export interface EcsServicePlan {
  service: string;
  serviceArn: string;
  /** the task definition the service runs now */
  from: string;
  to: string;
  source: TargetSource;
  why: string;
  alreadyThere: boolean;
  /** only-if-current names another revision than the one running: why the service is left alone */
  skipped?: string;
  /** already there, but ECS is still rolling onto it (e.g. its circuit breaker): the deployment to watch */
  settlingDeploymentId?: string;
  images: ImageCheck[];
  /** ROLLING, BLUE_GREEN, LINEAR, CANARY or CODE_DEPLOY */
  strategy: string;
  /** CODE_DEPLOY services: the group and the AppSpec the rollback deployment uses */
  codeDeploy?: CodeDeployRollbackPlan;
}

export interface ServiceOutcome {
  service: string;
  from: string;
  to: string;
  source: TargetSource;
  why: string;
  result: RollbackStatus;
  reason?: string;
  deploymentId?: string;
  /** the service deployment of the rollback (accounts with the service-deployment API) */
  serviceDeploymentArn?: string;
  strategy?: string;
  durationSeconds: number;
}

export interface RollbackResult {
  status: RollbackStatus;
  services: ServiceOutcome[];
  /** simulated or real ms from the start of the step until every watched service was steady */
  elapsedMs: number;
  /** the container logs of the target's stopped tasks (a rollback that failed), as markdown for the summary */
  logExcerpts?: string;
  /** Beanstalk: a failed rollback's health causes and tail logs, as markdown for the summary */
  diagnosis?: string;
}

/**
 * Describe-only: finds each service, picks its target (saying which source and why), and checks the
 * target before anything changes: ACTIVE, in the service's family when named explicitly, and every ECR
 * image it references still there (unless `force`). Any problem is thrown before the first mutating call.
 */
export async function planEcsRollback(inputs: EcsRollbackInputs, deps: EcsDeps): Promise<EcsServicePlan[]> {
  const { api, logger } = deps;
  const described = await describeNamedServices(
    api,
    inputs.cluster,
    inputs.services,
    'Check the name (or was it deleted?), "cluster" and the region'
  );

  const plans: EcsServicePlan[] = [];
  const problems: string[] = [];
  for (const name of inputs.services) {
    const service = described.get(name)!;
    const plan = await planService(inputs, service, name, deps, problems);
    if (plan) plans.push(plan);
  }
  if (problems.length > 0) {
    throw new ActionError(
      'deployment',
      `Rollback refused before any change:\n${problems.map(problem => `  - ${problem}`).join('\n')}`
    );
  }
  for (const plan of plans.filter(candidate => !candidate.skipped)) {
    logger.info(
      plan.alreadyThere
        ? `${plan.service}: already on ${familyRevision(plan.to)} (${SOURCE_TEXT[plan.source]})`
        : `${plan.service}: ${familyRevision(plan.from)} -> ${familyRevision(plan.to)}`
    );
  }
  return plans;
}

/**
 * only-if-current: the service must still run the revision the caller names (the one its run deployed).
 * Another run that has deployed since owns the service now: its revision is not this run's to undo.
 */
export function guardProblem(
  inputs: EcsRollbackInputs,
  service: string,
  current: string
): string | undefined {
  const expected = inputs.onlyIfCurrent.get(service) ?? inputs.onlyIfCurrent.get('*');
  if (!expected || expected === current) return undefined;
  return (
    `skipped: it runs ${familyRevision(current) || '(nothing)'}, not ${familyRevision(expected)} (only-if-current); ` +
    "another deploy has replaced this run's revision since"
  );
}

async function planService(
  inputs: EcsRollbackInputs,
  service: Service,
  name: string,
  deps: EcsDeps,
  problems: string[]
): Promise<EcsServicePlan | undefined> {
  const { api, logger } = deps;
  const primary = primaryDeployment(service);
  const current = currentTaskDefinition(service);
  const profile = profileService(service);
  const refused = unsupportedController(name, profile, { viaCodeDeploy: Boolean(deps.codeDeploy) });
  if (refused) {
    problems.push(refused);
    return undefined;
  }
  const currentFamily = parseTaskDefinitionReference(current)?.family;
  const serviceArn = service.serviceArn ?? name;
  const skipped = guardProblem(inputs, name, current);
  if (skipped) {
    logger.info(`${name}: ${skipped}: not rolled back`);
    const base = { service: name, serviceArn, from: current, to: current, source: 'explicit' as const };
    return { ...base, why: skipped, alreadyThere: false, skipped, images: [], strategy: profile.strategy };
  }
  const request = inputs.toByService.get(name) ?? inputs.to;
  const facts: EcsTargetFacts = { current, request };
  let explicit: TaskDefinition | undefined;

  if (request.kind === 'revision') {
    if (currentFamily && request.family !== currentFamily) {
      throw inputError(
        `Input "to" names ${request.text}, a revision of family ${request.family}, but ${name} runs family ` +
          `${currentFamily} (${familyRevision(current)}); give a revision of ${currentFamily}`
      );
    }
    explicit = await describeTaskDefinition(api, request.arn ?? request.text);
    if (!explicit) {
      throw inputError(`Input "to": task definition ${request.text} does not exist (for ${name})`);
    }
    facts.explicitArn = explicit.taskDefinitionArn;
  }

  const fetch = async (need: EcsNeed): Promise<void> => {
    if (need === 'record') {
      try {
        facts.record = (await readKnownGood(api, serviceArn)) ?? null;
      } catch (error) {
        logger.warning(
          `${name}: could not read the known-good record (${errorMessage(error)}); grant ecs:ListTagsForResource`
        );
        facts.record = null;
      }
    } else if (need === 'history') {
      facts.history = await successfulDeployments(api, inputs.cluster, name);
    } else {
      facts.revisions = currentFamily ? await activeRevisions(api, currentFamily) : [];
    }
  };

  // Pick, then check the pick: a chosen revision that is gone or INACTIVE sends the choice to the next
  // source (an explicit one is refused instead). Bounded: each round marks one more candidate unusable.
  for (let round = 0; round < 30; round++) {
    const pick = pickRollbackTarget(facts);
    if (pick.kind === 'need') {
      await fetch(pick.need);
      continue;
    }
    if (pick.kind === 'none') {
      problems.push(`${name}: ${pick.why}`);
      return undefined;
    }
    const to = pick.target;
    const base = {
      service: name,
      serviceArn,
      from: current,
      to,
      source: pick.source,
      why: pick.why,
      strategy: profile.strategy
    };
    if (to === current) {
      logger.info(`${name}: target ${familyRevision(to)} from ${SOURCE_TEXT[pick.source]}: ${pick.why}`);
      const settling = primary?.rolloutState && primary.rolloutState !== 'COMPLETED' ? primary.id : undefined;
      logger.info(
        `${name}: already runs ${familyRevision(to)}; nothing to change` +
          (settling ? ` (ECS deployment ${settling} is still rolling onto it: it will be watched)` : '')
      );
      return { ...base, alreadyThere: true, settlingDeploymentId: settling, images: [] };
    }
    const target = explicit ?? (await describeTaskDefinition(api, to));
    const unusable = !target
      ? 'does not exist'
      : target.status !== 'ACTIVE'
        ? `is ${target.status ?? 'not ACTIVE'} (deregistered)`
        : undefined;
    if (unusable && pick.source !== 'explicit') {
      logger.info(
        `${name}: ${familyRevision(to)} from ${SOURCE_TEXT[pick.source]} ${unusable}; trying the next source`
      );
      facts.unusable = { ...facts.unusable, [to]: unusable };
      continue;
    }
    if (unusable || !target) {
      problems.push(
        `${name}: the target ${familyRevision(to)} ${unusable}; ECS starts no new tasks from it. ` +
          'Register it again or give another "to"'
      );
      return undefined;
    }
    logger.info(`${name}: target ${familyRevision(to)} from ${SOURCE_TEXT[pick.source]}: ${pick.why}`);
    const images = await imageChecks(inputs, target, name, deps, problems);
    if (profile.controller !== 'CODE_DEPLOY' || !deps.codeDeploy)
      return { ...base, alreadyThere: false, images };
    const codeDeploy = await planCodeDeployRollback(inputs, name, deps.codeDeploy);
    if (typeof codeDeploy === 'string') {
      problems.push(codeDeploy);
      return undefined;
    }
    return { ...base, alreadyThere: false, images, codeDeploy };
  }
  throw new Error('pickRollbackTarget did not settle on a target');
}

async function imageChecks(
  inputs: EcsRollbackInputs,
  target: TaskDefinition,
  name: string,
  deps: EcsDeps,
  problems: string[]
): Promise<ImageCheck[]> {
  const { logger } = deps;
  const to = target.taskDefinitionArn ?? '';
  let images: ImageCheck[];
  if (inputs.force) {
    logger.warning(`${name}: force: the images of ${familyRevision(to)} are not checked in ECR`);
    images = (target.containerDefinitions ?? []).map(container => ({
      image: container.image ?? '',
      container: container.name ?? '?',
      state: 'unchecked' as const
    }));
  } else {
    images = await checkImages(deps.ecr, target.containerDefinitions ?? []);
    for (const check of images) {
      logger.info(
        `  ${name} image ${check.container}: ${check.image} (${check.state === 'not-ecr' ? 'not in ECR, not checked' : check.state})`
      );
    }
    for (const check of images.filter(check => check.state === 'missing')) {
      problems.push(
        `${name}: image ${check.image} of container ${check.container} in ${familyRevision(to)} no longer exists in ECR ` +
          `(${check.why}); a lifecycle policy may have expired it. Push it again, pick another "to", or set force: true`
      );
    }
  }
  return images;
}

async function describeTaskDefinition(api: EcsApi, reference: string): Promise<TaskDefinition | undefined> {
  return (await findTaskDefinition(api, reference))?.taskDefinition;
}

/**
 * Updates every service that is not already on its target, then watches them all together with the
 * shared rollout ("deployed means deployed": this deployment SUCCESSFUL on the target). Each service is
 * reported on its own; one failure does not stop the others from going back. A service that arrives is
 * recorded as known-good (it now runs the target, deployed and steady) with the rollback's details.
 */
export async function executeEcsRollback(
  inputs: EcsRollbackInputs,
  plans: EcsServicePlan[],
  deps: EcsDeps
): Promise<RollbackResult> {
  const { api, logger } = deps;
  const clock = deps.clock ?? realClock;
  const started = clock.now();
  const now = deps.now ?? (() => new Date(clock.now()));
  const outcome = (
    plan: EcsServicePlan,
    result: RollbackStatus,
    extra: Partial<ServiceOutcome> = {}
  ): ServiceOutcome => ({
    service: plan.service,
    from: plan.from,
    to: plan.to,
    source: plan.source,
    why: plan.why,
    strategy: plan.strategy,
    result,
    durationSeconds: 0,
    ...extra
  });

  if (inputs.dryRun) {
    logger.info('dry-run: nothing updated');
    await listRecentRevisions(plans, deps);
    const services = plans.map(plan =>
      plan.skipped
        ? outcome(plan, 'skipped', { reason: plan.skipped })
        : outcome(plan, plan.alreadyThere ? 'already-there' : 'planned')
    );
    return { status: 'planned', services, elapsedMs: 0 };
  }

  // only-if-current left these alone: nothing to update or watch
  const skipped = plans.filter(plan => plan.skipped);
  const active = plans.filter(plan => !plan.skipped);

  // Someone else's deployment in progress (a deploy, ECS's own rollback): wait for it, or fail, first.
  let watchMs = inputs.waitMs;
  const toUpdate = active.filter(plan => !plan.alreadyThere);
  if (toUpdate.length > 0) {
    const busySince = clock.now();
    const idle = await waitUntilServicesIdle(api, {
      cluster: inputs.cluster,
      services: toUpdate.map(plan => plan.service),
      ifBusy: inputs.ifBusy,
      supersedesInProgress: true,
      timeoutMs: inputs.waitMs,
      intervalMs: inputs.pollIntervalMs,
      logger,
      clock
    });
    if (idle === 'waited') {
      watchMs = Math.max(inputs.waitMs - (clock.now() - busySince), 60_000);
      await refreshFrom(api, inputs.cluster, toUpdate, logger);
    }
  }

  // CODE_DEPLOY services go back by a CodeDeploy deployment, after the ECS rollout of the others
  const viaCodeDeploy = active.filter(plan => plan.codeDeploy && !plan.alreadyThere);
  const viaEcs = active.filter(plan => !viaCodeDeploy.includes(plan));
  const ecsResults = await rollout(
    api,
    viaEcs.map(plan => ({
      service: plan.service,
      taskDefinitionArn: plan.to,
      strategy: plan.strategy,
      // already there: watch the deployment still settling onto it, if any; else nothing to do
      ...(plan.alreadyThere ? { existingDeploymentId: plan.settlingDeploymentId ?? null } : {})
    })),
    {
      cluster: inputs.cluster,
      logger,
      clock,
      watch: inputs.waitForServiceStability,
      timeoutMs: watchMs,
      intervalMs: inputs.pollIntervalMs,
      stopOnFirstFailure: false,
      // The rollback is the operator's decision already: a PAUSE hook on its way is continued.
      onPause: 'continue',
      what: 'rollback',
      describeUpdate: (step, id) =>
        `Updated ${step.service} to ${familyRevision(step.taskDefinitionArn)} (deployment ${id ?? 'unknown'})`,
      announceWatch: true
    }
  );
  const codeDeployResults = await rollBackThroughCodeDeploy(inputs, viaCodeDeploy, {
    ...deps,
    clock,
    waitMs: watchMs
  });
  const results = active.map(
    plan => ecsResults[viaEcs.indexOf(plan)] ?? codeDeployResults[viaCodeDeploy.indexOf(plan)]
  );

  const services: ServiceOutcome[] = skipped.map(plan => outcome(plan, 'skipped', { reason: plan.skipped }));
  const stopped: StoppedTasksOf[] = [];
  for (const [index, result] of results.entries()) {
    const plan = active[index];
    const arrived = plan.alreadyThere ? 'already-there' : 'rolled-back';
    const serviceDeploymentArn = result.serviceDeploymentArn;
    if (result.updateFailed) {
      services.push(outcome(plan, 'failed', { reason: result.reason }));
    } else if (result.state === 'there' || !result.deploymentId) {
      services.push(outcome(plan, 'already-there'));
    } else if (result.state === 'started') {
      services.push(
        outcome(plan, plan.alreadyThere ? 'already-there' : 'started', {
          deploymentId: result.deploymentId,
          reason: 'not watched (wait-for-service-stability: false)'
        })
      );
    } else {
      const durationSeconds = Math.round((clock.now() - result.startedAt) / 1000);
      const deploymentId = result.deploymentId;
      if (result.state === 'deployed') {
        services.push(outcome(plan, arrived, { deploymentId, serviceDeploymentArn, durationSeconds }));
        if (!plan.alreadyThere && !inputs.recordKnownGood) {
          // the caller verifies the target first, then records it (mode record-known-good)
          const at = now();
          await api
            .tagResource({
              resourceArn: plan.serviceArn,
              tags: rollbackTags(plan.from, at, deps.actor, inputs.reason)
            })
            .catch((error: unknown) =>
              logger.warning(`${plan.service}: the rollback tags were not written: ${errorMessage(error)}`)
            );
          logger.info(
            `${plan.service}: ${familyRevision(plan.to)} not recorded as known-good (record-known-good: false)`
          );
        } else if (!plan.alreadyThere) {
          const at = now();
          // The target is the service's known-good revision now, so a later `last-known-good` does not
          // send it back to the revision just rolled away from.
          await recordKnownGoodOrWarn(
            api,
            { name: plan.service, arn: plan.serviceArn },
            plan.to,
            at,
            logger,
            'rolled back',
            rollbackTags(plan.from, at, deps.actor, inputs.reason)
          );
        }
      } else {
        services.push(
          outcome(plan, 'failed', {
            deploymentId,
            serviceDeploymentArn,
            durationSeconds,
            reason: result.reason
          })
        );
        logger.error(`${plan.service}: rollback to ${familyRevision(plan.to)} failed: ${result.reason}`);
        if (result.stoppedTasks?.length) stopped.push(await stoppedTasksOf(api, plan, result.stoppedTasks));
      }
    }
  }
  // in the order the services were given
  services.sort(
    (a, b) =>
      plans.findIndex(plan => plan.service === a.service) -
      plans.findIndex(plan => plan.service === b.service)
  );
  const logExcerpts = stopped.length > 0 ? await deps.stoppedTaskLogs?.(stopped) : undefined;
  return {
    status: overallStatus(services),
    services,
    elapsedMs: clock.now() - started,
    ...(logExcerpts ? { logExcerpts } : {})
  };
}

/** The stopped tasks of a rollback target with its task definition (whose awslogs settings name the streams). */
async function stoppedTasksOf(
  api: EcsApi,
  plan: EcsServicePlan,
  tasks: StoppedTasksOf['tasks']
): Promise<StoppedTasksOf> {
  // Read only to show logs: a failed describe leaves the excerpt without streams, never fails the step.
  const described = await api.describeTaskDefinition({ taskDefinition: plan.to }).catch(() => undefined);
  return { label: plan.service, taskDefinition: described?.taskDefinition ?? {}, tasks };
}

/** After waiting for another deployment: what each service runs now is what it is rolled back from. */
async function refreshFrom(
  api: EcsApi,
  cluster: string,
  plans: EcsServicePlan[],
  logger: Logger
): Promise<void> {
  const { found } = await describeServicesByName(
    api,
    cluster,
    plans.map(plan => plan.service)
  );
  for (const plan of plans) {
    const service = found.get(plan.service);
    const now = service ? currentTaskDefinition(service) : '';
    if (!now || now === plan.from) continue;
    logger.info(
      `${plan.service}: now runs ${familyRevision(now)} (was ${familyRevision(plan.from)} when planned)`
    );
    plan.from = now;
    if (now === plan.to) plan.alreadyThere = true;
  }
}

/** failed beats everything; then started, rolled-back, and already-there only when every service was. */
export function overallStatus(services: ReadonlyArray<{ result: RollbackStatus }>): RollbackStatus {
  const results = services.map(service => service.result);
  for (const status of ['failed', 'planned', 'started', 'rolled-back', 'recorded'] as const) {
    if (results.includes(status)) return status;
  }
  // skipped only when every service was left alone by the guard
  return results.length > 0 && results.every(result => result === 'skipped') ? 'skipped' : 'already-there';
}
/** Dry run: the last ACTIVE revisions of each service's family, so a person can pick `to` (newest first). */
async function listRecentRevisions(plans: EcsServicePlan[], deps: EcsDeps): Promise<void> {
  for (const plan of plans) {
    const family = parseTaskDefinitionReference(plan.from)?.family;
    if (!family) continue;
    try {
      const revisions = (await activeRevisions(deps.api, family)).slice(0, 10);
      const record = await readKnownGood(deps.api, plan.serviceArn).catch(() => undefined);
      deps.logger.info(`${plan.service}: the last ACTIVE revisions of ${family} (newest first):`);
      for (const revision of revisions) {
        const notes = [
          revision.taskDefinitionArn === plan.from ? 'runs now' : '',
          revision.taskDefinitionArn === record?.taskDefinitionArn ? 'last known-good' : '',
          revision.taskDefinitionArn === plan.to && !plan.skipped ? 'the target' : ''
        ].filter(Boolean);
        deps.logger.info(`  ${family}:${revision.revision}${notes.length ? ` (${notes.join(', ')})` : ''}`);
      }
    } catch (error) {
      deps.logger.warning(
        `${plan.service}: could not list the revisions of ${family}: ${errorMessage(error)}`
      );
    }
  }
}
