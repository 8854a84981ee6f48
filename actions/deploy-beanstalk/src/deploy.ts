import {
  ActionError,
  PollTimeoutError,
  errorMessage,
  redactUrlsIn,
  formatDuration,
  realClock,
  waitUntil,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import { awsErrorName, lookPolitely } from '@deploy-suite/aws';
import {
  ENVIRONMENT_PROPERTIES_NAMESPACE,
  EventPrinter,
  deployLabel,
  rollBackToLabel,
  planRollback,
  findEnvironment,
  recordKnownGoodLabel,
  storageBucket,
  versionStatusIs,
  type ApplicationVersionDescription,
  type BeanstalkApi,
  type BundleStore,
  type ConfigurationOptionSetting,
  type EnvironmentDescription,
  type EventDescription,
  type EnvironmentWatchOutcome
} from '@deploy-suite/aws/beanstalk';
import type { BuiltBundle } from './bundle.js';
import { maskEnvironmentValues, secretEnvironmentValues, type DeployBeanstalkInputs } from './inputs.js';
import { bundleKey, planVersion, type VersionPlan } from './label.js';
import type { BeanstalkProgress } from './progress.js';

type DeployStatus = 'deployed' | 'rolled-back' | 'failed';

export interface DeployDeps {
  api: BeanstalkApi;
  store: BundleStore;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  /** what this step changed so far, for the final report and the cancel hook */
  progress?: BeanstalkProgress;
}

export interface DeployResult {
  status: DeployStatus;
  versionLabel: string;
  previousVersionLabel?: string;
  versionCreated: boolean;
  environmentUrl?: string;
  environmentId?: string;
  health?: string;
  /** why the deploy failed (status rolled-back or failed) */
  reason?: string;
  rollback?: { to: string; ok: boolean; reason?: string } | { to?: undefined; skipped: string };
  bucket: string;
  bundleKey: string;
  /** ERROR and WARN events, and the last events seen: the ones that mattered */
  events: EventDescription[];
  /** a failed deploy: Beanstalk's health causes and the instances' tail logs, as markdown for the summary */
  diagnosis?: string;
  startedAt: number;
  finishedAt: number;
}

function isAlreadyExists(error: unknown): boolean {
  return awsErrorName(error) === 'InvalidParameterValue' && /already exists/i.test(errorMessage(error));
}

function environmentUrl(environment: EnvironmentDescription | undefined): string | undefined {
  if (environment?.CNAME) return `http://${environment.CNAME}`;
  if (environment?.EndpointURL) return `http://${environment.EndpointURL}`;
  return undefined;
}

/** Waits until the version is processed; a version that fails processing fails the deploy with AWS's reason. */
async function waitForProcessing(
  api: BeanstalkApi,
  config: DeployBeanstalkInputs,
  label: string,
  createdNow: boolean,
  since: Date,
  deadline: number,
  deps: DeployDeps
): Promise<void> {
  const clock = deps.clock ?? realClock;
  let failed: ApplicationVersionDescription | undefined;
  let unprocessedLooks = 0;
  try {
    await waitUntil(
      () =>
        lookPolitely(async () => {
          const [version] = await api.describeApplicationVersions(config.application, [label]);
          if (!version)
            throw new ActionError('deployment', `Version ${label} disappeared while being processed`);
          if (versionStatusIs(version, 'Failed')) {
            failed = version;
            return { done: true, value: undefined };
          }
          if (versionStatusIs(version, 'Processed')) return { done: true, value: undefined };
          // A version created with Process=true starts Unprocessed and only then turns Processing: taking
          // Unprocessed as done would deploy a bundle Beanstalk has not checked yet (and miss a refusal).
          // A reused version that stays Unprocessed was created without processing (by someone else, e.g.
          // `eb deploy --process` not given); Beanstalk checks it at deploy time.
          if (versionStatusIs(version, 'Unprocessed') && !createdNow && ++unprocessedLooks >= 2)
            return { done: true, value: undefined };
          return { done: false, progress: `version ${label} is ${version.Status ?? 'being processed'}` };
        }),
      {
        what: `version ${label} to be processed`,
        timeoutMs: Math.max(0, deadline - clock.now()),
        intervalMs: Math.min(config.pollIntervalMs, 5_000),
        maxIntervalMs: config.pollIntervalMs,
        clock,
        random: deps.random
      }
    );
  } catch (error) {
    if (error instanceof PollTimeoutError)
      throw new ActionError('timeout', `${error.message}; the environment was not changed`);
    throw error;
  }
  if (!failed) return;
  const events = await api.describeEvents({
    application: config.application,
    versionLabel: label,
    startTime: since,
    severity: 'WARN'
  });
  const reasons = [
    ...new Set(events.map(event => event.Message).filter((message): message is string => !!message))
  ];
  throw new ActionError(
    'deployment',
    `Beanstalk could not process version ${label}` +
      (reasons.length ? `: ${reasons.join(' | ')}` : ' (no reason given in its events)') +
      '. The environment was not changed.'
  );
}

/** Uploads the bundle (unless that exact content is already stored) and creates the application version. */
async function createVersion(
  config: DeployBeanstalkInputs,
  bundle: BuiltBundle,
  bucket: string,
  key: string,
  label: string,
  deps: DeployDeps
): Promise<'created' | 'raced'> {
  const { api, store, logger } = deps;
  if (await store.exists(bucket, key)) {
    logger.info(`Bundle already stored at s3://${bucket}/${key} (same content); not uploading again`);
  } else {
    logger.info(`Uploading ${bundle.bytes.length} bytes to s3://${bucket}/${key}`);
    await store.upload(bucket, key, bundle.bytes, 'application/zip');
  }
  try {
    await api.createApplicationVersion({
      application: config.application,
      label,
      description: config.versionDescription,
      bucket,
      key
    });
    logger.info(`Created application version ${label} (processing)`);
    return 'created';
  } catch (error) {
    if (isAlreadyExists(error)) return 'raced'; // another run created it between our describe and this call
    throw error;
  }
}

function optionSettings(config: DeployBeanstalkInputs): ConfigurationOptionSetting[] {
  return config.environmentVariables.map(variable => ({
    Namespace: ENVIRONMENT_PROPERTIES_NAMESPACE,
    OptionName: variable.name,
    Value: variable.value
  }));
}

function eventsThatMattered(printer: EventPrinter): EventDescription[] {
  const important = printer.printed.filter(
    event => event.Severity && ['WARN', 'ERROR', 'FATAL'].includes(event.Severity)
  );
  const last = printer.printed.slice(-3).filter(event => !important.includes(event));
  return [...important, ...last].slice(-15);
}

/**
 * Deploys a bundle to an environment: version (created or reused), processed, environment updated and
 * watched until deployed; on failure rolled back to the previous label when asked. Returns the result
 * for outputs and the summary; throws ActionError when it fails before the environment is touched.
 */
export async function deployBeanstalk(
  config: DeployBeanstalkInputs,
  bundle: BuiltBundle,
  deps: DeployDeps
): Promise<DeployResult> {
  const { api, logger } = deps;
  const clock = deps.clock ?? realClock;
  const startedAt = clock.now();
  const since = new Date(startedAt);
  const deadline = startedAt + config.waitMs;

  maskEnvironmentValues(config, logger);

  const before = await findEnvironment(api, config.application, config.environment);
  const progress = deps.progress;
  if (progress) progress.previousVersionLabel = before.VersionLabel;
  logger.info(
    `Environment ${config.environment}: ${before.Status}, health ${before.Health ?? 'unknown'}, version ${before.VersionLabel ?? '(none)'}`
  );

  const key = bundleKey(config.application, bundle.sha256);
  const bucket = await storageBucket(api, config.bucket)();
  const lookUp = () =>
    api.describeApplicationVersions(config.application, [
      config.versionLabel,
      ...config.earlierAttemptLabels
    ]);
  const decide = async (): Promise<VersionPlan> =>
    planVersion({
      application: config.application,
      label: config.versionLabel,
      key,
      sha256: bundle.sha256,
      useExistingVersion: config.useExistingVersion,
      earlierAttemptLabels: config.earlierAttemptLabels,
      existing: await lookUp()
    });

  let plan = await decide();
  let versionCreated = false;
  if (plan.kind === 'create') {
    const created = await createVersion(config, bundle, bucket, key, plan.label, deps);
    if (created === 'raced') {
      plan = await decide();
      if (plan.kind === 'create')
        throw new ActionError('aws', `Version ${config.versionLabel} exists but cannot be described`);
    } else {
      versionCreated = true;
      if (progress) {
        progress.versionCreated = true;
        progress.versionLabel = plan.label;
        progress.bundleLocation = `s3://${bucket}/${key}`;
      }
    }
  }
  if (plan.kind === 'reuse') logger.info(`Reusing version ${plan.label}: ${plan.why}`);
  const label = plan.label;
  if (progress) progress.versionLabel = label;
  await waitForProcessing(api, config, label, versionCreated, since, deadline, deps);

  const printer = new EventPrinter(logger, `Elastic Beanstalk ${config.environment}`);
  const timing = { deadline, pollIntervalMs: config.pollIntervalMs, clock, random: deps.random };
  const settings = optionSettings(config);
  if (settings.length)
    logger.info(`Setting environment properties: ${settings.map(setting => setting.OptionName).join(', ')}`);
  if (progress) progress.updating = true;
  const deployed = await logger.group(`Deploying ${label} to ${config.environment}`, () =>
    deployLabel(
      api,
      {
        application: config.application,
        environment: config.environment,
        label,
        acceptedHealth: config.acceptedHealth,
        optionSettings: settings,
        eventsSince: since
      },
      timing,
      logger,
      printer
    )
  );
  const previousVersionLabel = deployed.before.VersionLabel;
  const base: Omit<DeployResult, 'status' | 'events' | 'finishedAt'> = {
    versionLabel: label,
    previousVersionLabel,
    versionCreated,
    bucket,
    bundleKey: key,
    startedAt,
    environmentId: deployed.before.EnvironmentId
  };

  if (deployed.outcome.ok) {
    const environment = deployed.outcome.environment;
    logger.info(`Deployed: ${config.environment} is ${deployed.outcome.message}`);
    if (config.recordKnownGood) {
      await recordKnownGoodLabel(
        deps.store,
        bucket,
        config,
        { label, at: new Date(clock.now()).toISOString(), sha: config.sha },
        logger
      );
    } else {
      logger.info(
        `Not recorded as known-good (record-known-good: false): the pipeline records ${label} once verified`
      );
    }
    return {
      ...base,
      status: 'deployed',
      environmentUrl: environmentUrl(environment),
      health: environment.Health,
      events: eventsThatMattered(printer),
      finishedAt: clock.now()
    };
  }

  const reason = deployed.outcome.reason;
  logger.error(`Deploy of ${label} to ${config.environment} failed: ${reason}`, {
    title: 'deploy-beanstalk'
  });
  // Read before the rollback: the instances still run (and log) the failing version.
  // Diagnostics never decide the outcome: whatever goes wrong reading them, the rollback still runs.
  const diagnosis =
    (await diagnose(config, deps, clock).catch((error: unknown) => {
      logger.warning(`Could not read Beanstalk's diagnostics: ${redactUrlsIn(errorMessage(error))}`);
      return '';
    })) || undefined;
  if (diagnosis) base.diagnosis = diagnosis;
  const rollbackPlan = planRollback({
    rollbackOnFailure: config.rollbackOnFailure,
    previousLabel: previousVersionLabel,
    requestedLabel: label,
    environmentTouched: true
  });
  if (rollbackPlan.kind === 'none') {
    logger.info(`Not rolling back: ${rollbackPlan.reason}`);
    return failedResult(base, reason, deployed.outcome, printer, clock, { skipped: rollbackPlan.reason });
  }

  logger.info(`Rolling back ${config.environment} to ${rollbackPlan.to}`);
  if (progress) progress.rollback = `rollback to ${rollbackPlan.to}`;
  // The rollback gets a budget of its own: the deploy may have used all of the first one.
  const rollbackTiming = { ...timing, deadline: clock.now() + config.waitMs };
  const rolledBack = await rollBackToLabel(
    api,
    {
      application: config.application,
      environment: config.environment,
      label: rollbackPlan.to,
      acceptedHealth: config.acceptedHealth
    },
    rollbackTiming,
    logger,
    printer
  );
  if (rolledBack.outcome.ok) {
    logger.info(`Rolled back: ${config.environment} is ${rolledBack.outcome.message}`);
    return {
      ...base,
      status: 'rolled-back',
      reason,
      rollback: { to: rollbackPlan.to, ok: true },
      environmentUrl: environmentUrl(rolledBack.outcome.environment),
      health: rolledBack.outcome.environment.Health,
      events: eventsThatMattered(printer),
      finishedAt: clock.now()
    };
  }
  logger.error(`Rollback to ${rollbackPlan.to} failed too: ${rolledBack.outcome.reason}`, {
    title: 'deploy-beanstalk'
  });
  return failedResult(base, reason, rolledBack.outcome, printer, clock, {
    to: rollbackPlan.to,
    ok: false,
    reason: rolledBack.outcome.reason
  });
}

/**
 * Beanstalk's causes and the tail logs of a failed deploy (input log-lines), printed and returned as
 * markdown. Its module (and node:http(s)) loads only here: a deploy that goes well never loads it.
 */
async function diagnose(config: DeployBeanstalkInputs, deps: DeployDeps, clock: Clock): Promise<string> {
  const { diagnoseFailure } = await import('@deploy-suite/aws/beanstalk/diagnosis');
  const diagnosis = await diagnoseFailure({
    api: deps.api,
    environment: config.environment,
    logger: deps.logger,
    lines: config.logLines,
    secrets: secretEnvironmentValues(config),
    clock
  });
  return diagnosis.markdown;
}

function failedResult(
  base: Omit<DeployResult, 'status' | 'events' | 'finishedAt'>,
  reason: string,
  outcome: EnvironmentWatchOutcome,
  printer: EventPrinter,
  clock: Clock,
  rollback: DeployResult['rollback']
): DeployResult {
  const environment = outcome.environment;
  return {
    ...base,
    status: 'failed',
    reason,
    rollback,
    environmentUrl: environmentUrl(environment),
    health: environment?.Health,
    events: eventsThatMattered(printer),
    finishedAt: clock.now()
  };
}

export function describeDuration(result: DeployResult): string {
  return formatDuration(result.finishedAt - result.startedAt);
}
