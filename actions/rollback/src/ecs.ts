import type { Service, TaskDefinition, Tag } from '@aws-sdk/client-ecs';
import {
  ActionError,
  errorMessage,
  formatDuration,
  inputError,
  realClock,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import { awsErrorName } from '@deploy-suite/aws';
import {
  describeServicesByName,
  familyRevision,
  parseTaskDefinitionReference,
  readKnownGood,
  recordKnownGood,
  watchDeployments,
  type EcsApi,
  type EcsRevisionHistoryApi,
  type WatchOutcome,
  type WatchTarget
} from '@deploy-suite/aws/ecs';
import { checkImages, type ImageCheck } from './images.js';
import { type EcrImageLookup } from '@deploy-suite/aws/ecr';
import type { EcsRollbackInputs } from './inputs.js';
import {
  SOURCE_TEXT,
  pickRollbackTarget,
  type EcsNeed,
  type EcsTargetFacts,
  type FamilyRevision,
  type SuccessfulDeployment,
  type TargetSource
} from './target.js';

export type RollbackStatus = 'rolled-back' | 'already-there' | 'planned' | 'started' | 'failed';

export interface EcsDeps {
  api: EcsApi & EcsRevisionHistoryApi;
  ecr: EcrImageLookup;
  logger: Logger;
  clock?: Clock;
  /** when records are written; defaults to the clock's now */
  now?: () => Date;
  /** who asked for the rollback (GITHUB_ACTOR), for the service tags */
  actor?: string;
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
  /** already there, but ECS is still rolling onto it (e.g. its circuit breaker): the deployment to watch */
  settlingDeploymentId?: string;
  images: ImageCheck[];
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
  durationSeconds: number;
}

export interface RollbackResult {
  status: RollbackStatus;
  services: ServiceOutcome[];
  /** simulated or real ms from the start of the step until every watched service was steady */
  elapsedMs: number;
}

/**
 * Describe-only: finds each service, picks its target (saying which source and why), and checks the
 * target before anything changes: ACTIVE, in the service's family when named explicitly, and every ECR
 * image it references still there (unless `force`). Any problem is thrown before the first mutating call.
 */
export async function planEcsRollback(inputs: EcsRollbackInputs, deps: EcsDeps): Promise<EcsServicePlan[]> {
  const { api, logger } = deps;
  let described: Awaited<ReturnType<typeof describeServicesByName>>;
  try {
    described = await describeServicesByName(api, inputs.cluster, inputs.services);
  } catch (error) {
    if (awsErrorName(error) === 'ClusterNotFoundException') {
      throw inputError(
        `Input "cluster": cluster ${JSON.stringify(inputs.cluster)} was not found in this account and region`
      );
    }
    throw error;
  }
  if (described.missing.length > 0) {
    throw inputError(
      `Input "service": ${described.missing.map(name => JSON.stringify(name)).join(', ')} not found in cluster ` +
        `${inputs.cluster} (or deleted); check the name, "cluster" and the region`
    );
  }

  const plans: EcsServicePlan[] = [];
  const problems: string[] = [];
  for (const name of inputs.services) {
    const service = described.found.get(name)!;
    const plan = await planService(inputs, service, name, deps, problems);
    if (plan) plans.push(plan);
  }
  if (problems.length > 0) {
    throw new ActionError(
      'deployment',
      `Rollback refused before any change:\n${problems.map(problem => `  - ${problem}`).join('\n')}`
    );
  }
  for (const plan of plans) {
    logger.info(
      plan.alreadyThere
        ? `${plan.service}: already on ${familyRevision(plan.to)} (${SOURCE_TEXT[plan.source]})`
        : `${plan.service}: ${familyRevision(plan.from)} -> ${familyRevision(plan.to)}`
    );
  }
  return plans;
}

function primaryOf(service: Service) {
  return service.deployments?.find(deployment => deployment.status === 'PRIMARY');
}

async function planService(
  inputs: EcsRollbackInputs,
  service: Service,
  name: string,
  deps: EcsDeps,
  problems: string[]
): Promise<EcsServicePlan | undefined> {
  const { api, logger } = deps;
  const primary = primaryOf(service);
  const current = primary?.taskDefinition ?? service.taskDefinition ?? '';
  const currentFamily = parseTaskDefinitionReference(current)?.family;
  const serviceArn = service.serviceArn ?? name;
  const facts: EcsTargetFacts = { current, request: inputs.to };
  let explicit: TaskDefinition | undefined;

  if (inputs.to.kind === 'revision') {
    if (currentFamily && inputs.to.family !== currentFamily) {
      throw inputError(
        `Input "to" names ${inputs.to.text}, a revision of family ${inputs.to.family}, but ${name} runs family ` +
          `${currentFamily} (${familyRevision(current)}); give a revision of ${currentFamily}`
      );
    }
    explicit = await describeTaskDefinition(api, inputs.to.arn ?? inputs.to.text);
    if (!explicit) {
      throw inputError(`Input "to": task definition ${inputs.to.text} does not exist (for ${name})`);
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
    const base = { service: name, serviceArn, from: current, to, source: pick.source, why: pick.why };
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
    return { ...base, alreadyThere: false, images: await imageChecks(inputs, target, name, deps, problems) };
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
  try {
    return (await api.describeTaskDefinition({ taskDefinition: reference })).taskDefinition;
  } catch (error) {
    // ECS answers ClientException "Unable to describe task definition." for one that never existed.
    if (awsErrorName(error) === 'ClientException') return undefined;
    throw error;
  }
}

/** The service's SUCCESSFUL deployments, newest first, each with the task definition it put in place. */
export async function successfulDeployments(
  api: EcsRevisionHistoryApi,
  cluster: string,
  service: string
): Promise<SuccessfulDeployment[] | { unavailable: string }> {
  try {
    const listed = await api.listServiceDeployments({
      cluster,
      service,
      status: ['SUCCESSFUL'],
      maxResults: 20
    });
    const briefs = [...(listed.serviceDeployments ?? [])].sort(
      (a, b) =>
        time(b.finishedAt ?? b.startedAt ?? b.createdAt) - time(a.finishedAt ?? a.startedAt ?? a.createdAt)
    );
    const revisionArns = [
      ...new Set(briefs.map(brief => brief.targetServiceRevisionArn).filter((arn): arn is string => !!arn))
    ];
    const taskDefinitionOf = new Map<string, string>();
    for (let index = 0; index < revisionArns.length; index += 20) {
      const described = await api.describeServiceRevisions({
        serviceRevisionArns: revisionArns.slice(index, index + 20)
      });
      for (const revision of described.serviceRevisions ?? []) {
        if (revision.serviceRevisionArn && revision.taskDefinition)
          taskDefinitionOf.set(revision.serviceRevisionArn, revision.taskDefinition);
      }
    }
    return briefs.flatMap(brief => {
      const taskDefinitionArn = taskDefinitionOf.get(brief.targetServiceRevisionArn ?? '');
      return taskDefinitionArn
        ? [{ taskDefinitionArn, id: brief.serviceDeploymentArn ?? '', finishedAt: brief.finishedAt }]
        : [];
    });
  } catch (error) {
    // Older accounts/regions, missing ecs:ListServiceDeployments permission: fall through to revisions.
    return { unavailable: `${awsErrorName(error) ?? 'error'}: ${errorMessage(error)}` };
  }
}

function time(date: Date | undefined): number {
  return date ? new Date(date).getTime() : 0;
}

/** The family's ACTIVE revisions, newest first (one page of 100 is plenty to find the previous one). */
export async function activeRevisions(api: EcsRevisionHistoryApi, family: string): Promise<FamilyRevision[]> {
  const listed = await api.listTaskDefinitions({
    familyPrefix: family,
    status: 'ACTIVE',
    sort: 'DESC',
    maxResults: 100
  });
  return (listed.taskDefinitionArns ?? []).flatMap(arn => {
    const parsed = parseTaskDefinitionReference(arn);
    // familyPrefix is a prefix: docuthinker-backend would also list docuthinker-backend-worker.
    return parsed?.kind === 'arn' && parsed.family === family
      ? [{ taskDefinitionArn: arn, revision: parsed.revision }]
      : [];
  });
}

/** Tag values allow letters, digits, spaces and _ . : / = + - @ only, up to 256 characters. */
export function tagValue(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 256);
}

/** What the service carries after a rollback, besides the known-good record. */
export function rollbackTags(from: string, at: Date, actor: string | undefined, reason: string): Tag[] {
  const tags: Tag[] = [
    { key: 'deploy-suite:last-rollback-at', value: at.toISOString() },
    { key: 'deploy-suite:last-rollback-from', value: from }
  ];
  if (actor) tags.push({ key: 'deploy-suite:last-rollback-by', value: tagValue(actor) });
  const why = tagValue(reason);
  if (why) tags.push({ key: 'deploy-suite:last-rollback-reason', value: why });
  return tags;
}

interface Changed {
  plan: EcsServicePlan;
  deploymentId?: string;
  startedAt: number;
  outcome?: ServiceOutcome;
}

/**
 * Updates every service that is not already on its target, then watches them all together with the
 * shared "deployed means deployed" watcher: PRIMARY on the target, rollout COMPLETED. Each service is
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
    result,
    durationSeconds: 0,
    ...extra
  });

  if (inputs.dryRun) {
    logger.info('dry-run: nothing updated');
    const services = plans.map(plan => outcome(plan, plan.alreadyThere ? 'already-there' : 'planned'));
    return { status: 'planned', services, elapsedMs: 0 };
  }

  const changed: Changed[] = [];
  for (const plan of plans) {
    if (plan.alreadyThere) {
      changed.push({ plan, deploymentId: plan.settlingDeploymentId, startedAt: clock.now() });
      continue;
    }
    const entry: Changed = { plan, startedAt: clock.now() };
    changed.push(entry);
    try {
      const output = await api.updateService({
        cluster: inputs.cluster,
        service: plan.service,
        taskDefinition: plan.to
      });
      entry.deploymentId = output.service?.deployments?.find(
        deployment => deployment.status === 'PRIMARY'
      )?.id;
      logger.info(
        `Updated ${plan.service} to ${familyRevision(plan.to)} (deployment ${entry.deploymentId ?? 'unknown'})`
      );
    } catch (error) {
      const reason = `UpdateService failed: ${errorMessage(error)}`;
      logger.error(`${plan.service}: ${reason}`);
      entry.outcome = outcome(plan, 'failed', { reason });
    }
  }

  const toWatch = changed.filter(entry => !entry.outcome && entry.deploymentId);
  for (const entry of changed.filter(entry => !entry.outcome && !entry.deploymentId)) {
    entry.outcome = outcome(entry.plan, 'already-there');
  }
  if (!inputs.waitForServiceStability) {
    for (const entry of toWatch) {
      entry.outcome = outcome(entry.plan, entry.plan.alreadyThere ? 'already-there' : 'started', {
        deploymentId: entry.deploymentId,
        reason: 'not watched (wait-for-service-stability: false)'
      });
    }
  } else if (toWatch.length > 0) {
    const targets: WatchTarget[] = toWatch.map(entry => ({
      service: entry.plan.service,
      deploymentId: entry.deploymentId!,
      taskDefinitionArn: entry.plan.to
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
      stopOnFirstFailure: false,
      what: 'rollback'
    });
    for (const entry of toWatch) {
      const seen = watch.outcomes.find(candidate => candidate.service === entry.plan.service);
      const durationSeconds = Math.round((clock.now() - entry.startedAt) / 1000);
      if (seen?.state === 'deployed') {
        entry.outcome = outcome(entry.plan, entry.plan.alreadyThere ? 'already-there' : 'rolled-back', {
          deploymentId: entry.deploymentId,
          durationSeconds
        });
        if (!entry.plan.alreadyThere) await record(entry.plan, deps, now(), inputs.reason);
      } else {
        entry.outcome = outcome(entry.plan, 'failed', {
          deploymentId: entry.deploymentId,
          durationSeconds,
          reason: reasonOf(seen)
        });
        logger.error(
          `${entry.plan.service}: rollback to ${familyRevision(entry.plan.to)} failed: ${reasonOf(seen)}`
        );
      }
    }
  }

  const services = changed.map(entry => entry.outcome!);
  return { status: overallStatus(services), services, elapsedMs: clock.now() - started };
}

function reasonOf(outcome: WatchOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : (outcome?.state ?? 'not seen');
}

/** failed beats everything; then started, rolled-back, and already-there only when every service was. */
export function overallStatus(services: ReadonlyArray<{ result: RollbackStatus }>): RollbackStatus {
  const results = services.map(service => service.result);
  for (const status of ['failed', 'planned', 'started', 'rolled-back'] as const) {
    if (results.includes(status)) return status;
  }
  return 'already-there';
}

/**
 * The target now runs, deployed and steady: it is the service's known-good revision (so a later
 * `last-known-good` does not send it back to the revision just rolled away from). Bookkeeping never
 * fails a rollback that worked.
 */
async function record(plan: EcsServicePlan, deps: EcsDeps, at: Date, reason: string): Promise<void> {
  try {
    await recordKnownGood(deps.api, plan.serviceArn, plan.to, at);
    await deps.api.tagResource({
      resourceArn: plan.serviceArn,
      tags: rollbackTags(plan.from, at, deps.actor, reason)
    });
    deps.logger.info(`${plan.service}: recorded ${familyRevision(plan.to)} as last known-good`);
  } catch (error) {
    deps.logger.warning(
      `${plan.service} is rolled back, but recording it failed (${errorMessage(error)}); grant ecs:TagResource`
    );
  }
}
