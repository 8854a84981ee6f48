import { statSync } from 'node:fs';
import path from 'node:path';
import { ActionError, endingSummary, inputError, realClock } from '@deploy-suite/core';
import { readWorkspaceText, requireWorkspaceFile, resolveInWorkspace } from '@deploy-suite/core/workspace';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, coreLogger, runAction } from '@deploy-suite/core/runner';
import { createEcsApi, maskRunTaskValues, stopRunTasks } from '@deploy-suite/aws/ecs';
import { createCodeDeployApi } from '@deploy-suite/aws/codedeploy/client';
import { readDeployEcsInputs, INPUT } from './inputs.js';
import { loadTaskDefinitionShape } from './shape.js';
import { planDeployment } from './plan.js';
import { executeDeployment, type DeployResult } from './deploy.js';
import { DeployProgress, interruptedResult, startCancelRollback } from './progress.js';
import { deploySummary, failureMessage } from './summary.js';
import { stoppedTaskLogs } from '@deploy-suite/aws/logs/lazy';

/**
 * The action's outputs for a result, whichever way it came about.
 * @internal exported for its tests
 */
export function outputsOf(result: DeployResult) {
  const first = result.services[0];
  return {
    'task-definition-arn': first?.taskDefinitionArn,
    'previous-task-definition-arn': first?.previousTaskDefinitionArn,
    'deployment-id': first?.deploymentId,
    'service-deployment-arn': first?.serviceDeploymentArn,
    'hook-id': result.services.find(service => service.hookId)?.hookId,
    // AED's output: the JSON list of the one-off tasks' ARNs
    'run-task-arn': result.runTask?.taskArns.length ? result.runTask.taskArns : undefined,
    'codedeploy-deployment-id': result.services.find(service => service.codeDeployDeploymentId)
      ?.codeDeployDeploymentId,
    status: result.status,
    services: result.services.map(service => ({
      service: service.service,
      previousTaskDefinitionArn: service.previousTaskDefinitionArn,
      taskDefinitionArn: service.taskDefinitionArn ?? null,
      deploymentId: service.deploymentId ?? null,
      serviceDeploymentArn: service.serviceDeploymentArn ?? null,
      codeDeployDeploymentId: service.codeDeployDeploymentId ?? null,
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
      refuseRenderOutput(file, process.env.RUNNER_TEMP);
      const found = resolveInWorkspace(INPUT.taskDefinition, file, workspace);
      return found !== undefined && statSync(found.real).isFile();
    });
    const context = new AwsContext({
      action: 'deploy-ecs',
      region: inputs.region,
      maxAttempts: inputs.maxAttempts
    });
    where.cluster = inputs.cluster;
    where.region = context.region;
    const api = createEcsApi(context);
    // its SDK loads on the first call: only a step with a CODE_DEPLOY service makes one
    const codeDeploy = createCodeDeployApi(context);
    const logger = coreLogger;
    maskRunTaskValues(inputs.runTask, logger);
    step.onCancel(() => startCancelRollback(inputs, progress, api, logger, codeDeploy));
    // a cancel while the step waits for run-task's task stops it (StopTask)
    step.onCancel(async () => (progress.runTask ? stopRunTasks(api, progress.runTask, logger) : []));

    if ((inputs.waitForServiceStability || inputs.runTask?.waitForStopped) && !inputs.dryRun) {
      await warnIfCredentialsExpireFirst(logger, inputs.waitMs, INPUT.waitForMinutes);
    }
    progress.plans = await planDeployment(inputs, {
      api,
      logger,
      shape: await loadTaskDefinitionShape(),
      readFile: async file =>
        readWorkspaceText(INPUT.taskDefinition, requireWorkspaceFile(INPUT.taskDefinition, file, workspace)),
      env: process.env,
      codeDeploy,
      readAppSpec: async file =>
        readWorkspaceText(
          INPUT.codeDeployAppSpec,
          requireWorkspaceFile(INPUT.codeDeployAppSpec, file, workspace)
        )
    });
    const result = await executeDeployment(inputs, progress.plans, {
      api,
      logger,
      clock: realClock,
      progress,
      signal: step.signal,
      codeDeploy,
      stoppedTaskLogs: stoppedTaskLogs(context, inputs.logLines, logger)
    });
    progress.result = result;
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}

/**
 * aws-actions/amazon-ecs-render-task-definition writes its output under RUNNER_TEMP, outside the workspace,
 * where this action reads no file: a step switched by its `uses:` line alone, still fed by render's
 * output, is told how to switch the render step too (instead of only "outside the workspace").
 */
function refuseRenderOutput(file: string, runnerTemp: string | undefined): void {
  if (!runnerTemp || !path.isAbsolute(file)) return;
  const relative = path.relative(path.resolve(runnerTemp), path.resolve(file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return;
  throw inputError(
    `Input "${INPUT.taskDefinition}": ${file} is under RUNNER_TEMP, where aws-actions/amazon-ecs-render-task-definition ` +
      'writes its output; deploy-ecs reads task-definition files in the workspace only. Switch the render step ' +
      'to deploy-ecs instead (its task-definition, container-name and image inputs carry over) and give it this ' +
      "step's inputs (README: Switching from aws-actions)"
  );
}
