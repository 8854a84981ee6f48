import { ActionError, type Logger } from '@deploy-suite/core';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, appendSummary, coreLogger, runAction, setOutputs } from '@deploy-suite/core/runner';
import { sdkBeanstalkApi, sdkBundleStore } from '@deploy-suite/aws/beanstalk';
import type { BuiltBundle } from './bundle.js';
import { INPUT, githubRunFromEnv, readDeployBeanstalkInputs, type DeployBeanstalkInputs } from './inputs.js';
import { deployBeanstalk, type DeployResult } from './deploy.js';
import { failureMessage, renderSummary } from './summary.js';

function logBundle(logger: Logger, bundle: BuiltBundle): void {
  logger.info(`Bundle: ${bundle.description}, ${bundle.bytes.length} bytes, sha256 ${bundle.sha256}`);
  for (const entry of bundle.entries) logger.info(`  ${entry}`);
  for (const image of bundle.images) logger.info(`  ${image.name}: ${image.image}`);
}

function outputsOf(config: DeployBeanstalkInputs, result: DeployResult | undefined) {
  return {
    'version-label': result?.versionLabel ?? config.versionLabel,
    'previous-version-label': result?.previousVersionLabel ?? '',
    'version-created': result?.versionCreated ?? false,
    'environment-url': result?.environmentUrl ?? '',
    health: result?.health ?? '',
    status: result?.status ?? 'failed'
  };
}

export async function run(): Promise<void> {
  await runAction(async () => {
    const logger = coreLogger;
    let config: DeployBeanstalkInputs | undefined;
    let result: DeployResult | undefined;
    try {
      config = readDeployBeanstalkInputs(actionInputs(), githubRunFromEnv(process.env));
      if (config.maskEnvironmentVariables) {
        for (const variable of config.environmentVariables) logger.mask(variable.value);
      }
      const context = new AwsContext({ action: 'deploy-beanstalk', region: config.region });
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

      result = await deployBeanstalk(config, bundle, {
        api: sdkBeanstalkApi(context),
        store: sdkBundleStore(context),
        logger
      });
      await appendSummary(renderSummary(config, result, context.region));
    } finally {
      // Outputs are set however the step ends, so `if: failure()` steps can read status and labels.
      setOutputs(config ? outputsOf(config, result) : { status: 'failed' });
    }
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}
