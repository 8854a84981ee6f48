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
import { rollbackStaticSite, staticSiteSummary } from './static-site.js';
import { sdkCdnApi, sdkSiteStore, type RollbackSiteResult } from '@deploy-suite/aws/static-site';
import { recordBeanstalkKnownGood, recordEcsKnownGood } from './record.js';

/**
 * Reads the inputs, plans and checks (describe calls only), rolls back. Outputs and the job summary are
 * written by the step's one exit path however it ends (a rollback is never itself rolled back: on
 * cancel the report says what was started and may still be in flight).
 */
export async function run(): Promise<void> {
  await runAction(async step => {
    const logger = coreLogger;
    const actor = process.env.GITHUB_ACTOR || undefined;
    const known: {
      inputs?: RollbackInputs;
      result?: RollbackResult;
      site?: RollbackSiteResult;
      region: string;
    } = {
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || ''
    };
    step.report(ending => {
      const { inputs, result, site, region } = known;
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
          status: result.status,
          services: result.services
        },
        summary:
          inputs.kind === 'static-site'
            ? site
              ? staticSiteSummary(inputs, site, region, actor)
              : endingSummary('rollback', ending, [])
            : rollbackSummary(inputs, result, region, actor)
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
    if (inputs.kind === 'static-site') {
      known.inputs = inputs;
      const rolled = await rollbackStaticSite(inputs, context.region, {
        store: sdkSiteStore(context, inputs.bucket),
        cdn: inputs.distributionId ? sdkCdnApi(context) : undefined,
        clock: realClock,
        logger,
        now: () => new Date()
      });
      known.site = rolled.site;
      result = rolled.result;
    } else if (inputs.kind === 'ecs') {
      const deps = {
        api: createEcsApi(context),
        ecr: ecrImageLookup(context),
        logger,
        clock: realClock,
        actor
      };
      known.inputs = inputs;
      if (inputs.mode === 'record-known-good') result = await recordEcsKnownGood(inputs, deps);
      else result = await executeEcsRollback(inputs, await planEcsRollback(inputs, deps), deps);
    } else {
      const deps = {
        api: sdkBeanstalkApi(context),
        store: sdkBundleStore(context),
        logger,
        clock: realClock
      };
      known.inputs = inputs;
      if (inputs.mode === 'record-known-good') result = await recordBeanstalkKnownGood(inputs, deps);
      else result = await executeBeanstalkRollback(inputs, await planBeanstalkRollback(inputs, deps), deps);
    }
    known.result = result;
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}
