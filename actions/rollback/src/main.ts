import { ActionError, realClock } from '@deploy-suite/core';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, appendSummary, coreLogger, runAction, setOutputs } from '@deploy-suite/core/runner';
import { createEcsApi } from '@deploy-suite/aws/ecs';
import { sdkBeanstalkApi, sdkBundleStore } from '@deploy-suite/aws/beanstalk';
import { INPUT, readRollbackInputs, type RollbackInputs } from './inputs.js';
import { executeEcsRollback, planEcsRollback, type RollbackResult } from './ecs.js';
import { executeBeanstalkRollback, planBeanstalkRollback } from './beanstalk.js';
import { ecrImageLookup } from '@deploy-suite/aws/ecr';
import { failureMessage, fromToOutputs, rollbackSummary } from './summary.js';

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
        await warnIfCredentialsExpireFirst(logger, inputs.waitMs, INPUT.waitForMinutes);
      }
      if (inputs.kind === 'ecs') {
        const deps = {
          api: createEcsApi(context),
          ecr: ecrImageLookup(context),
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
      await appendSummary(rollbackSummary(inputs, result, context.region, actor));
    } finally {
      // Outputs are set however the step ends, so `if: failure()` steps can read the status.
      if (result) {
        const { from, to } = fromToOutputs(result.services);
        setOutputs({
          'rolled-back-from': from,
          'rolled-back-to': to,
          'service-deployment-arn': result.services[0]?.serviceDeploymentArn,
          status: result.status,
          services: result.services
        });
      } else {
        setOutputs({ status: 'failed' });
      }
    }
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}
