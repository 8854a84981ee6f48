import { statSync } from 'node:fs';
import { ActionError, endingSummary, realClock } from '@deploy-suite/core';
import { readWorkspaceText, requireWorkspaceFile, resolveInWorkspace } from '@deploy-suite/core/workspace';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, coreLogger, runAction } from '@deploy-suite/core/runner';
import { createEcsApi } from '@deploy-suite/aws/ecs';
import { readDeployEcsInputs, INPUT } from './inputs.js';
import { loadTaskDefinitionShape } from './shape.js';
import { planDeployment } from './plan.js';
import { executeDeployment, type DeployResult } from './deploy.js';
import { DeployProgress, interruptedResult, startCancelRollback } from './progress.js';
import { deploySummary, failureMessage } from './summary.js';
import { stoppedTaskLogs } from '@deploy-suite/aws/logs/lazy';

/** The action's outputs for a result, whichever way it came about. */
function outputsOf(result: DeployResult) {
  const first = result.services[0];
  return {
    'task-definition-arn': first?.taskDefinitionArn,
    'previous-task-definition-arn': first?.previousTaskDefinitionArn,
    'deployment-id': first?.deploymentId,
    'service-deployment-arn': first?.serviceDeploymentArn,
    'hook-id': result.services.find(service => service.hookId)?.hookId,
    status: result.status,
    services: result.services.map(service => ({
      service: service.service,
      previousTaskDefinitionArn: service.previousTaskDefinitionArn,
      taskDefinitionArn: service.taskDefinitionArn ?? null,
      deploymentId: service.deploymentId ?? null,
      serviceDeploymentArn: service.serviceDeploymentArn ?? null,
      strategy: service.strategy,
      result: service.result,
      reason: service.reason ?? null,
      durationSeconds: service.durationSeconds
    }))
  };
}

/**
 * Reads the inputs, plans (describe calls only), deploys. Outputs and the job summary are written by
 * the step's one exit path, from what this step did, however it ends (see the reporter below).
 */
export async function run(): Promise<void> {
  await runAction(async step => {
    const progress = new DeployProgress();
    const where = { cluster: '', region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || '' };
    step.report(ending => {
      const result = progress.result ?? interruptedResult(progress, ending);
      const summary =
        progress.result || progress.plans.length > 0
          ? deploySummary(result, where.cluster, where.region)
          : endingSummary('deploy-ecs', ending);
      return { outputs: outputsOf(result), summary };
    });
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    // A path that climbs out of the workspace or a link leaving it is refused here, naming the input.
    const inputs = readDeployEcsInputs(actionInputs(), file => {
      const found = resolveInWorkspace(INPUT.taskDefinition, file, workspace);
      return found !== undefined && statSync(found.real).isFile();
    });
    const context = new AwsContext({ action: 'deploy-ecs', region: inputs.region });
    where.cluster = inputs.cluster;
    where.region = context.region;
    const api = createEcsApi(context);
    const logger = coreLogger;
    step.onCancel(() => startCancelRollback(inputs, progress, api, logger));

    if (inputs.waitForServiceStability && !inputs.dryRun) {
      await warnIfCredentialsExpireFirst(logger, inputs.waitMs, INPUT.waitForMinutes);
    }
    progress.plans = await planDeployment(inputs, {
      api,
      logger,
      shape: await loadTaskDefinitionShape(),
      readFile: async file =>
        readWorkspaceText(INPUT.taskDefinition, requireWorkspaceFile(INPUT.taskDefinition, file, workspace)),
      env: process.env
    });
    const result = await executeDeployment(inputs, progress.plans, {
      api,
      logger,
      clock: realClock,
      progress,
      signal: step.signal,
      stoppedTaskLogs: stoppedTaskLogs(context, inputs.logLines, logger)
    });
    progress.result = result;
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}
