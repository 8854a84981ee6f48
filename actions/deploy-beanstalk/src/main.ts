import { ActionError, endingStatus, endingSummary, type Logger, type StepEnding } from '@deploy-suite/core';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, coreLogger, runAction } from '@deploy-suite/core/runner';
import { sdkBeanstalkApi, sdkBundleStore } from '@deploy-suite/aws/beanstalk';
import type { BuiltBundle } from './bundle.js';
import {
  INPUT,
  githubRunFromEnv,
  maskEnvironmentValues,
  readDeployBeanstalkInputs,
  type DeployBeanstalkInputs
} from './inputs.js';
import { deployBeanstalk } from './deploy.js';
import { BeanstalkProgress, inFlightLines, startCancelRollback } from './progress.js';
import { failureMessage, renderSummary } from './summary.js';

function logBundle(logger: Logger, bundle: BuiltBundle): void {
  logger.info(`Bundle: ${bundle.description}, ${bundle.bytes.length} bytes, sha256 ${bundle.sha256}`);
  for (const entry of bundle.entries) logger.info(`  ${entry}`);
  for (const image of bundle.images) logger.info(`  ${image.name}: ${image.image}`);
}

function outputsOf(config: DeployBeanstalkInputs, progress: BeanstalkProgress, ending: StepEnding) {
  const result = progress.result;
  return {
    'version-label': result?.versionLabel ?? progress.versionLabel ?? config.versionLabel,
    'previous-version-label': result?.previousVersionLabel ?? progress.previousVersionLabel ?? '',
    // a version this step created is reported as created however the step ends
    'version-created': result?.versionCreated ?? progress.versionCreated,
    'environment-url': result?.environmentUrl ?? '',
    health: result?.health ?? '',
    status: result?.status ?? endingStatus(ending) ?? 'failed'
  };
}

/**
 * Reads the inputs, builds the bundle (every check of it before any AWS call), deploys. Outputs and the
 * job summary are written by the step's one exit path from what this step did, however it ends.
 */
export async function run(): Promise<void> {
  await runAction(async step => {
    const logger = coreLogger;
    const progress = new BeanstalkProgress();
    // read by the reporter, which may run before the inputs are (a bad input) or mid-deploy
    const known: { config?: DeployBeanstalkInputs; region: string } = {
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || ''
    };
    step.report(ending => {
      const { config, region } = known;
      if (!config) {
        return {
          outputs: { status: endingStatus(ending) ?? 'failed' },
          summary: endingSummary('deploy-beanstalk', ending)
        };
      }
      return {
        outputs: outputsOf(config, progress, ending),
        summary: progress.result
          ? renderSummary(config, progress.result, region)
          : endingSummary('deploy-beanstalk', ending, inFlightLines(config, progress))
      };
    });
    const config = readDeployBeanstalkInputs(actionInputs(), githubRunFromEnv(process.env));
    known.config = config;
    maskEnvironmentValues(config, logger);
    const context = new AwsContext({ action: 'deploy-beanstalk', region: config.region });
    known.region = context.region;
    // The bundler (yaml, fflate) loads here, not at start: a step failing on its inputs never needs it.
    const { buildBundle } = await import('./bundle.js');
    const bundle = await buildBundle(config.bundle, config.images);
    logBundle(logger, bundle);

    if (config.pollIntervalMs < 1000 && !context.endpoint('elastic-beanstalk')) {
      logger.warning(
        'Input "poll-interval" is under a second: that is for simulators. Beanstalk throttles describe calls at ' +
          'about 2 per second; 15s is polite'
      );
    }
    await warnIfCredentialsExpireFirst(logger, config.waitMs, INPUT.waitForMinutes);

    const api = sdkBeanstalkApi(context);
    step.onCancel(() => startCancelRollback(config, progress, api, logger));
    const result = await deployBeanstalk(config, bundle, {
      api,
      store: sdkBundleStore(context),
      logger,
      progress
    });
    progress.result = result;
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}
