import {
  ActionError,
  AwsContext,
  credentialExpiration,
  credentialLifetimeWarning,
  type Logger
} from '../../../packages/shared/src/index.js';
import {
  actionInputs,
  appendSummary,
  coreLogger,
  runAction,
  setOutputs
} from '../../../packages/shared/src/runtime.js';
import { sdkBeanstalkApi, sdkBundleStore } from '../../../packages/shared/src/beanstalk/index.js';
import type { BuiltBundle } from './bundle.js';
import { githubRunFromEnv, readDeployConfig, type DeployConfig } from './config.js';
import { deployBeanstalk, type DeployResult } from './deploy.js';
import { renderSummary } from './summary.js';

function logBundle(logger: Logger, bundle: BuiltBundle): void {
  logger.info(`Bundle: ${bundle.description}, ${bundle.bytes.length} bytes, sha256 ${bundle.sha256}`);
  for (const entry of bundle.entries) logger.info(`  ${entry}`);
  for (const image of bundle.images) logger.info(`  ${image.name}: ${image.image}`);
}

function outputsOf(config: DeployConfig, result: DeployResult | undefined) {
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
    let config: DeployConfig | undefined;
    let result: DeployResult | undefined;
    try {
      config = readDeployConfig(actionInputs(), githubRunFromEnv(process.env));
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
