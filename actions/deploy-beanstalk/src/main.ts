import { ActionError, type Logger } from '@deploy-suite/core';
import { AwsContext, credentialExpiration, credentialLifetimeWarning } from '@deploy-suite/aws';
import { actionInputs, appendSummary, coreLogger, runAction, setOutputs } from '@deploy-suite/core/runner';
import { sdkBeanstalkApi, sdkBundleStore } from '@deploy-suite/aws/beanstalk';
import { buildBundle } from './bundle.js';
import { githubRunFromEnv, readDeployBeanstalkInputs, type DeployBeanstalkInputs } from './inputs.js';
import { deployBeanstalk, type DeployResult } from './deploy.js';
import { renderSummary } from './summary.js';

function logBundle(logger: Logger, bundle: Awaited<ReturnType<typeof buildBundle>>): void {
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
      const bundle = await buildBundle(config.bundle, config.images);
      logBundle(logger, bundle);

      if (config.pollIntervalMs < 1000 && !context.endpoint('elastic-beanstalk')) {
        logger.warning(
          'Input "poll-interval" is under a second: that is for simulators. Beanstalk throttles describe calls at ' +
            'about 2 per second; 15s is polite'
        );
      }
      const expiration = await credentialExpiration();
      const warning = credentialLifetimeWarning(expiration, Date.now(), config.waitMs, 'wait-for-minutes');
      if (warning) logger.warning(warning);

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
    if (result.status === 'rolled-back') {
      throw new ActionError(
        'deployment',
        `Deploy of ${result.versionLabel} failed (${result.reason}); rolled back to ${result.previousVersionLabel}`
      );
    }
    if (result.status === 'failed') {
      const rollback = result.rollback;
      const note =
        rollback?.to === undefined
          ? `not rolled back: ${rollback?.skipped}`
          : `rollback to ${rollback.to} failed: ${rollback.reason}`;
      throw new ActionError(
        'deployment',
        `Deploy of ${result.versionLabel} failed (${result.reason}); ${note}`
      );
    }
  });
}
