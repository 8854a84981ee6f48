import { ActionError, endingStatus, endingSummary, realClock } from '@deploy-suite/core';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, coreLogger, runAction } from '@deploy-suite/core/runner';
import { INPUT, readRollbackInputs, type RollbackInputs } from './inputs.js';
import type { RollbackResult } from './ecs.js';
import { failureMessage, fromToOutputs, rollbackSummary } from './summary.js';
import type { RollbackSiteResult } from '@deploy-suite/aws/static-site';

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
      /** the static-site mode's summary, loaded only in that mode */
      siteSummary?: (site: RollbackSiteResult) => string;
      region: string;
    } = {
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || ''
    };
    step.report(ending => {
      const { inputs, result, site, siteSummary, region } = known;
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
        summary:
          inputs.kind === 'static-site'
            ? site && siteSummary
              ? siteSummary(site)
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
    // Each mode's code loads once the inputs say which mode: a bad input never loads any of it.
    let result: RollbackResult;
    if (inputs.kind === 'static-site') {
      known.inputs = inputs;
      const { rollbackStaticSite, staticSiteSummary } = await import('./static-site.js');
      const { sdkCdnApi, sdkSiteStore } = await import('@deploy-suite/aws/static-site');
      known.siteSummary = site => staticSiteSummary(inputs, site, known.region, actor);
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
      const { createEcsApi } = await import('@deploy-suite/aws/ecs');
      const { createCodeDeployApi } = await import('@deploy-suite/aws/codedeploy/client');
      const { ecrImageLookup } = await import('@deploy-suite/aws/ecr');
      const { executeEcsRollback, planEcsRollback } = await import('./ecs.js');
      const { recordEcsKnownGood } = await import('./record.js');
      const { stoppedTaskLogs } = await import('@deploy-suite/aws/logs/lazy');
      const deps = {
        api: createEcsApi(context),
        ecr: ecrImageLookup(context),
        logger,
        clock: realClock,
        actor,
        // its SDK loads on the first call: only a CODE_DEPLOY service makes one
        codeDeploy: createCodeDeployApi(context),
        stoppedTaskLogs: stoppedTaskLogs(context, inputs.logLines, logger)
      };
      known.inputs = inputs;
      if (inputs.mode === 'record-known-good') result = await recordEcsKnownGood(inputs, deps);
      else result = await executeEcsRollback(inputs, await planEcsRollback(inputs, deps), deps);
    } else {
      const { sdkBeanstalkApi, sdkBundleStore } = await import('@deploy-suite/aws/beanstalk');
      const { executeBeanstalkRollback, planBeanstalkRollback } = await import('./beanstalk.js');
      const { recordBeanstalkKnownGood } = await import('./record.js');
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
