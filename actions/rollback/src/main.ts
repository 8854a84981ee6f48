import { ActionError, endingStatus, endingSummary, realClock } from '@deploy-suite/core';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, coreLogger, runAction } from '@deploy-suite/core/runner';
import { createEcsApi } from '@deploy-suite/aws/ecs';
import { sdkBeanstalkApi, sdkBundleStore } from '@deploy-suite/aws/beanstalk';
import { INPUT, readRollbackInputs, type RollbackInputs } from './inputs.js';
import { executeEcsRollback, planEcsRollback, type RollbackResult } from './ecs.js';
import { executeBeanstalkRollback, planBeanstalkRollback } from './beanstalk.js';
import { ecrImageLookup } from '@deploy-suite/aws/ecr';
import { failureMessage, fromToOutputs, rollbackSummary } from './summary.js';

/**
 * Reads the inputs, plans and checks (describe calls only), rolls back. Outputs and the job summary are
 * written by the step's one exit path however it ends (a rollback is never itself rolled back: on
 * cancel the report says what was started and may still be in flight).
 */
export async function run(): Promise<void> {
  await runAction(async step => {
    const logger = coreLogger;
    const actor = process.env.GITHUB_ACTOR || undefined;
    const known: { inputs?: RollbackInputs; result?: RollbackResult; region: string } = {
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || ''
    };
    step.report(ending => {
      const { inputs, result, region } = known;
      if (!inputs || !result) {
        return {
          outputs: { status: endingStatus(ending) ?? 'failed' },
          summary: endingSummary(
            'rollback',
            ending,
            inputs ? ['the rollback may have started: check the services or environment in the console'] : []
          )
        };
      }
      const { from, to } = fromToOutputs(result.services);
      return {
        outputs: {
          'rolled-back-from': from,
          'rolled-back-to': to,
          'service-deployment-arn': result.services[0]?.serviceDeploymentArn,
          status: result.status,
          services: result.services
        },
        summary: rollbackSummary(inputs, result, region, actor)
      };
    });
    const inputs = readRollbackInputs(actionInputs());
    const context = new AwsContext({ action: 'rollback', region: inputs.region });
    known.region = context.region;
    logger.info(`Rollback requested by ${actor ?? 'unknown'}${inputs.reason ? `: ${inputs.reason}` : ''}`);
    if (inputs.waitForServiceStability && !inputs.dryRun) {
      await warnIfCredentialsExpireFirst(logger, inputs.waitMs, INPUT.waitForMinutes);
    }
    let result: RollbackResult;
    if (inputs.kind === 'ecs') {
      const deps = {
        api: createEcsApi(context),
        ecr: ecrImageLookup(context),
        logger,
        clock: realClock,
        actor
      };
      const plans = await planEcsRollback(inputs, deps);
      known.inputs = inputs;
      result = await executeEcsRollback(inputs, plans, deps);
    } else {
      const deps = {
        api: sdkBeanstalkApi(context),
        store: sdkBundleStore(context),
        logger,
        clock: realClock
      };
      const plan = await planBeanstalkRollback(inputs, deps);
      known.inputs = inputs;
      result = await executeBeanstalkRollback(inputs, plan, deps);
    }
    known.result = result;
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}
