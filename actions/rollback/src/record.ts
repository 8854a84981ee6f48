import { errorMessage, inputError, realClock } from '@deploy-suite/core';
import {
  describeNamedServices,
  familyRevision,
  primaryDeployment,
  recordKnownGood
} from '@deploy-suite/aws/ecs';
import { knownGoodRecordKey, recordSuccessfulDeploy } from '@deploy-suite/aws/beanstalk';
import type { BeanstalkDeps } from './beanstalk.js';
import {
  guardProblem,
  overallStatus,
  type EcsDeps,
  type RollbackResult,
  type ServiceOutcome
} from './ecs.js';
import type { BeanstalkRollbackInputs, EcsRollbackInputs } from './inputs.js';

/**
 * `mode: record-known-good`: nothing that runs changes; what each service (or the environment) runs now is
 * recorded as its last known-good, so `to: last-known-good` means "the last revision a pipeline verified".
 * A pipeline calls it after its health verification passed, with `only-if-current` naming what it
 * deployed: a service another run has moved on since is skipped (said so), never recorded.
 */

export async function recordEcsKnownGood(inputs: EcsRollbackInputs, deps: EcsDeps): Promise<RollbackResult> {
  const { api, logger } = deps;
  const clock = deps.clock ?? realClock;
  const started = clock.now();
  const found = await describeNamedServices(
    api,
    inputs.cluster,
    inputs.services,
    'check the name, "cluster" and the region'
  );
  const services: ServiceOutcome[] = [];
  for (const name of inputs.services) {
    const service = found.get(name)!;
    const primary = primaryDeployment(service);
    const current = primary?.taskDefinition ?? service.taskDefinition ?? '';
    const base = {
      service: name,
      from: current,
      to: current,
      source: 'explicit' as const,
      durationSeconds: 0
    };
    const skipped = guardProblem(inputs, name, current);
    if (skipped) {
      logger.info(`${name}: ${skipped}: not recorded as known-good`);
      services.push({ ...base, why: skipped, result: 'skipped', reason: skipped });
      continue;
    }
    if (primary?.rolloutState && primary.rolloutState !== 'COMPLETED') {
      const why = `its deployment onto ${familyRevision(current)} is ${primary.rolloutState}, not COMPLETED`;
      logger.info(`${name}: ${why}: not recorded as known-good`);
      services.push({ ...base, why, result: 'skipped', reason: why });
      continue;
    }
    try {
      await recordKnownGood(api, service.serviceArn ?? name, current, new Date(clock.now()));
      logger.info(`${name}: recorded ${familyRevision(current)} as last known-good`);
      services.push({ ...base, why: 'verified by the caller', result: 'recorded' });
    } catch (error) {
      const reason = `recording failed (${errorMessage(error)}); grant ecs:TagResource`;
      logger.error(`${name}: ${reason}`);
      services.push({ ...base, why: 'verified by the caller', result: 'failed', reason });
    }
  }
  return { status: overallStatus(services), services, elapsedMs: clock.now() - started };
}

export async function recordBeanstalkKnownGood(
  inputs: BeanstalkRollbackInputs,
  deps: BeanstalkDeps
): Promise<RollbackResult> {
  const { api, store, logger } = deps;
  const clock = deps.clock ?? realClock;
  const started = clock.now();
  const environment = await api.describeEnvironment(inputs.application, inputs.environment);
  if (!environment) {
    throw inputError(
      `Input "environment-name": environment ${JSON.stringify(inputs.environment)} of ${inputs.application} was not found (or is terminated)`
    );
  }
  const current = environment.VersionLabel ?? '';
  const base = {
    service: inputs.environment,
    from: current,
    to: current,
    source: 'explicit' as const,
    durationSeconds: 0
  };
  const finish = (service: ServiceOutcome): RollbackResult => ({
    status: overallStatus([service]),
    services: [service],
    elapsedMs: clock.now() - started
  });
  if (inputs.onlyIfCurrent && inputs.onlyIfCurrent !== current) {
    const why =
      `skipped: it runs ${current || '(nothing)'}, not ${inputs.onlyIfCurrent} (only-if-current); ` +
      "another deploy has replaced this run's version since";
    logger.info(`${inputs.environment}: ${why}: not recorded as known-good`);
    return finish({ ...base, why, result: 'skipped', reason: why });
  }
  const bucket = inputs.bucket ?? (await api.createStorageLocation());
  const where = `s3://${bucket}/${knownGoodRecordKey(inputs.application, inputs.environment)}`;
  try {
    await recordSuccessfulDeploy(
      store,
      bucket,
      inputs.application,
      inputs.environment,
      { label: current, at: new Date(clock.now()).toISOString(), sha: process.env.GITHUB_SHA || undefined },
      problem => logger.warning(`${problem}; replacing it`)
    );
    logger.info(`${inputs.environment}: recorded ${current} as last known-good at ${where}`);
    return finish({ ...base, why: 'verified by the caller', result: 'recorded' });
  } catch (error) {
    const reason = `recording at ${where} failed: ${errorMessage(error)}`;
    logger.error(`${inputs.environment}: ${reason}`);
    return finish({ ...base, why: 'verified by the caller', result: 'failed', reason });
  }
}
