import {
  ActionError,
  AwsContext,
  credentialExpiration,
  credentialLifetimeWarning,
  realClock
} from '../../../packages/shared/src/index.js';
import {
  actionInputs,
  appendSummary,
  coreLogger,
  runAction,
  setOutputs
} from '../../../packages/shared/src/runtime.js';
import { createEcsApi } from '../../../packages/shared/src/ecs/index.js';
import { sdkBeanstalkApi, sdkBundleStore } from '../../../packages/shared/src/beanstalk/index.js';
import { INPUT, readRollbackInputs, type RollbackInputs } from './inputs.js';
import { executeEcsRollback, planEcsRollback, type RollbackResult } from './ecs.js';
import { executeBeanstalkRollback, planBeanstalkRollback } from './beanstalk.js';
import { createEcrImageApi } from './images.js';
import { fromToOutputs, rollbackSummary } from './summary.js';
import { rollbackStaticSite, staticSiteSummary } from './static-site.js';
import { sdkCdnApi, sdkSiteStore } from '../../../packages/aws/src/static-site/index.js';

/** Reads the inputs, plans and checks (describe calls only), rolls back, then sets outputs and the summary. */
export async function run(): Promise<void> {
  await runAction(async () => {
    const logger = coreLogger;
    const actor = process.env.GITHUB_ACTOR || undefined;
    let inputs: RollbackInputs | undefined;
    let result: RollbackResult | undefined;
    try {
      inputs = readRollbackInputs(actionInputs());
      const context = new AwsContext({ action: 'rollback', region: inputs.region });
      logger.info(`Rollback requested by ${actor ?? 'unknown'}${inputs.reason ? `: ${inputs.reason}` : ''}`);
      if (inputs.waitForServiceStability && !inputs.dryRun) {
        const warning = credentialLifetimeWarning(
          await credentialExpiration(),
          Date.now(),
          inputs.waitMs,
          INPUT.waitForMinutes
        );
        if (warning) logger.warning(warning);
      }
      if (inputs.kind === 'static-site') {
        const rolled = await rollbackStaticSite(inputs, context.region, {
          store: sdkSiteStore(context, inputs.bucket),
          cdn: inputs.distributionId ? sdkCdnApi(context) : undefined,
          clock: realClock,
          logger,
          now: () => new Date()
        });
        result = rolled.result;
        await appendSummary(staticSiteSummary(inputs, rolled.site, context.region, actor));
      } else if (inputs.kind === 'ecs') {
        const deps = {
          api: createEcsApi(context),
          ecr: createEcrImageApi(context),
          logger,
          clock: realClock,
          actor
        };
        const plans = await planEcsRollback(inputs, deps);
        result = await executeEcsRollback(inputs, plans, deps);
      } else {
        const deps = {
          api: sdkBeanstalkApi(context),
          store: sdkBundleStore(context),
          logger,
          clock: realClock
        };
        const plan = await planBeanstalkRollback(inputs, deps);
        result = await executeBeanstalkRollback(inputs, plan, deps);
      }
      if (inputs.kind !== 'static-site')
        await appendSummary(rollbackSummary(inputs, result, context.region, actor));
    } finally {
      // Outputs are set however the step ends, so `if: failure()` steps can read the status.
      if (result) {
        const { from, to } = fromToOutputs(result.services);
        setOutputs({
          'rolled-back-from': from,
          'rolled-back-to': to,
          status: result.status,
          services: result.services
        });
      } else {
        setOutputs({ status: 'failed' });
      }
    }
    if (result.status === 'failed') {
      const failed = result.services.filter(service => service.result === 'failed');
      throw new ActionError(
        'deployment',
        `Rollback failed: ${failed.map(service => `${service.service}: ${service.reason ?? 'unknown reason'}`).join('; ')}`
      );
    }
  });
}
