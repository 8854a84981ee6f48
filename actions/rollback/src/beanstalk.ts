import { ActionError, errorMessage, realClock, type Clock, type Logger } from '@deploy-suite/core';
import {
  rollBackToLabel,
  knownGoodRecordKey,
  readKnownGoodRecord,
  findEnvironment,
  recordKnownGoodLabel,
  storageBucket,
  versionStatusIs,
  type BeanstalkApi,
  type BundleStore
} from '@deploy-suite/aws/beanstalk';
import type { BeanstalkRollbackInputs } from './inputs.js';
import { overallStatus, type RollbackResult, type ServiceOutcome } from './ecs.js';
import { SOURCE_TEXT, pickBeanstalkTarget, type BeanstalkTargetFacts, type TargetSource } from './target.js';

export interface BeanstalkDeps {
  api: BeanstalkApi;
  store: BundleStore;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
}

export interface BeanstalkPlan {
  application: string;
  environment: string;
  environmentId?: string;
  from: string;
  to: string;
  source: TargetSource;
  why: string;
  alreadyThere: boolean;
  /** only-if-current names another label than the one running: why the environment is left alone */
  skipped?: string;
}

/**
 * Describe-only: finds the application and environment, picks the label (saying which source and why)
 * and checks it exists and was processed, before anything changes.
 */
export async function planBeanstalkRollback(
  inputs: BeanstalkRollbackInputs,
  deps: BeanstalkDeps
): Promise<BeanstalkPlan> {
  const { api, store, logger } = deps;
  const environment = await findEnvironment(api, inputs.application, inputs.environment);
  const current = environment.VersionLabel ?? '';
  logger.info(
    `Environment ${inputs.environment}: ${environment.Status}, health ${environment.Health ?? 'unknown'}, version ${current || '(none)'}`
  );
  if (inputs.onlyIfCurrent && inputs.onlyIfCurrent !== current) {
    const skipped =
      `skipped: it runs ${current || '(nothing)'}, not ${inputs.onlyIfCurrent} (only-if-current); ` +
      "another deploy has replaced this run's version since";
    logger.info(`${inputs.environment}: ${skipped}: not rolled back`);
    return {
      application: inputs.application,
      environment: inputs.environment,
      environmentId: environment.EnvironmentId,
      from: current,
      to: current,
      source: 'explicit',
      why: skipped,
      alreadyThere: false,
      skipped
    };
  }
  const bucket = storageBucket(api, inputs.bucket);
  const facts: BeanstalkTargetFacts = { current: current || undefined, request: inputs.to };
  let pick = pickBeanstalkTarget(facts);
  for (let round = 0; pick.kind === 'need' && round < 3; round++) {
    if (pick.need === 'record') {
      const where = `s3://${await bucket()}/${knownGoodRecordKey(inputs.application, inputs.environment)}`;
      try {
        facts.record =
          (await readKnownGoodRecord(store, await bucket(), inputs.application, inputs.environment)) ?? null;
        logger.info(facts.record ? `Known-good record: ${where}` : `No known-good record at ${where}`);
      } catch (error) {
        logger.warning(`Could not read the known-good record at ${where}: ${errorMessage(error)}`);
        facts.record = null;
      }
    } else {
      facts.versions = await api.listApplicationVersions(inputs.application);
    }
    pick = pickBeanstalkTarget(facts);
  }
  if (pick.kind === 'need') throw new Error('pickBeanstalkTarget kept asking for more facts');
  if (pick.kind === 'none') {
    throw new ActionError(
      'deployment',
      `Rollback refused before any change: ${inputs.environment}: ${pick.why}`
    );
  }
  logger.info(`${inputs.environment}: target ${pick.target} from ${SOURCE_TEXT[pick.source]}: ${pick.why}`);
  const plan: BeanstalkPlan = {
    application: inputs.application,
    environment: inputs.environment,
    environmentId: environment.EnvironmentId,
    from: current,
    to: pick.target,
    source: pick.source,
    why: pick.why,
    alreadyThere: pick.target === current
  };
  if (plan.alreadyThere) {
    logger.info(`${inputs.environment}: already runs ${current}; nothing to change`);
    return plan;
  }
  const [version] = await api.describeApplicationVersions(inputs.application, [plan.to]);
  if (!version) {
    const hint = pick.source === 'explicit' ? 'check "to"' : 'give "to" as an existing label';
    throw new ActionError(
      pick.source === 'explicit' ? 'input' : 'deployment',
      `Rollback refused before any change: version ${plan.to} of ${inputs.application} does not exist (deleted?); ${hint}`
    );
  }
  if (version.Status && !versionStatusIs(version, 'Processed')) {
    throw new ActionError(
      'deployment',
      `Rollback refused before any change: version ${plan.to} is ${version.Status}, not Processed; ` +
        'Beanstalk cannot deploy it. Give another "to"'
    );
  }
  logger.info(`${inputs.environment}: ${plan.from || '(none)'} -> ${plan.to}`);
  return plan;
}

/** Puts the environment on the target with the shared deploy-and-watch (Ready, on the label, accepted health). */
export async function executeBeanstalkRollback(
  inputs: BeanstalkRollbackInputs,
  plan: BeanstalkPlan,
  deps: BeanstalkDeps
): Promise<RollbackResult> {
  const { api, store, logger } = deps;
  const clock = deps.clock ?? realClock;
  const started = clock.now();
  const outcome = (
    result: ServiceOutcome['result'],
    extra: Partial<ServiceOutcome> = {}
  ): ServiceOutcome => ({
    service: plan.environment,
    from: plan.from,
    to: plan.to,
    source: plan.source,
    why: plan.why,
    result,
    durationSeconds: Math.round((clock.now() - started) / 1000),
    ...extra
  });
  const finish = (service: ServiceOutcome): RollbackResult => ({
    status: overallStatus([service]),
    services: [service],
    elapsedMs: clock.now() - started
  });
  if (plan.skipped) return finish(outcome('skipped', { reason: plan.skipped }));
  if (plan.alreadyThere) return finish(outcome('already-there'));
  if (inputs.dryRun) {
    logger.info('dry-run: nothing updated');
    await listRecentLabels(plan, deps);
    return { ...finish(outcome('planned')), status: 'planned' };
  }
  if (!inputs.waitForServiceStability) {
    await api.updateEnvironment({
      application: plan.application,
      environment: plan.environment,
      label: plan.to
    });
    logger.info(`UpdateEnvironment: ${plan.environment} ${plan.from} -> ${plan.to} (not watched)`);
    return finish(outcome('started', { reason: 'not watched (wait-for-service-stability: false)' }));
  }
  const deployed = await rollBackToLabel(
    api,
    {
      application: plan.application,
      environment: plan.environment,
      label: plan.to,
      acceptedHealth: inputs.acceptedHealth
    },
    {
      deadline: clock.now() + inputs.waitMs,
      pollIntervalMs: inputs.pollIntervalMs,
      clock,
      random: deps.random
    },
    logger
  );
  if (!deployed.outcome.ok) {
    logger.error(`Rollback of ${plan.environment} to ${plan.to} failed: ${deployed.outcome.reason}`);
    const failed = finish(outcome('failed', { reason: deployed.outcome.reason }));
    // Beanstalk's causes and the instances' tail logs; the module loads only here, on failure.
    const { diagnoseFailure } = await import('@deploy-suite/aws/beanstalk/diagnosis');
    const diagnosis = await diagnoseFailure({
      api,
      environment: plan.environment,
      logger,
      lines: inputs.logLines,
      clock
    });
    return diagnosis.markdown ? { ...failed, diagnosis: diagnosis.markdown } : failed;
  }
  logger.info(`Rolled back: ${plan.environment} is ${deployed.outcome.message}`);
  if (!inputs.recordKnownGood) {
    logger.info(`${plan.to} not recorded as known-good (record-known-good: false)`);
    return finish(outcome('rolled-back'));
  }
  // The target is deployed, Ready and healthy: it is the environment's known-good label again.
  await recordKnownGoodLabel(
    store,
    await storageBucket(api, inputs.bucket)(),
    plan,
    { label: plan.to, at: new Date(clock.now()).toISOString() },
    logger
  );
  return finish(outcome('rolled-back'));
}

/** Dry run: the application's last versions, newest first, so a person can pick `to`. */
async function listRecentLabels(plan: BeanstalkPlan, deps: BeanstalkDeps): Promise<void> {
  try {
    const versions = [...(await deps.api.listApplicationVersions(plan.application))]
      .sort((a, b) => time(b.DateCreated) - time(a.DateCreated))
      .slice(0, 10);
    deps.logger.info(`The last versions of ${plan.application} (newest first):`);
    for (const version of versions) {
      const label = version.VersionLabel ?? '?';
      const notes = [
        label === plan.from ? 'runs now' : '',
        label === plan.to ? 'the target' : '',
        version.Status && version.Status.toLowerCase() !== 'processed' ? version.Status : ''
      ].filter(Boolean);
      const created = version.DateCreated ? ` created ${new Date(version.DateCreated).toISOString()}` : '';
      deps.logger.info(`  ${label}${created}${notes.length ? ` (${notes.join(', ')})` : ''}`);
    }
  } catch (error) {
    deps.logger.warning(`Could not list the versions of ${plan.application}: ${errorMessage(error)}`);
  }
}

function time(date: Date | string | undefined): number {
  return date ? new Date(date).getTime() : 0;
}
