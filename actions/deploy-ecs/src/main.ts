import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError, realClock } from '@deploy-suite/core';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { actionInputs, appendSummary, coreLogger, runAction, setOutputs } from '@deploy-suite/core/runner';
import { createEcsApi } from '@deploy-suite/aws/ecs';
import { readDeployEcsInputs, INPUT } from './inputs.js';
import { loadTaskDefinitionShape } from './shape.js';
import { planDeployment } from './plan.js';
import { executeDeployment } from './deploy.js';
import { deploySummary, failureMessage } from './summary.js';

/** Reads the inputs, plans (describe calls only), deploys, then sets outputs and the job summary. */
export async function run(): Promise<void> {
  await runAction(async () => {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const resolve = (file: string): string => path.resolve(workspace, file);
    const inputs = readDeployEcsInputs(
      actionInputs(),
      file => existsSync(resolve(file)) && statSync(resolve(file)).isFile()
    );
    const context = new AwsContext({ action: 'deploy-ecs', region: inputs.region });
    const api = createEcsApi(context);
    const logger = coreLogger;

    if (inputs.waitForServiceStability && !inputs.dryRun) {
      await warnIfCredentialsExpireFirst(logger, inputs.waitMs, INPUT.waitForMinutes);
    }
    const plans = await planDeployment(inputs, {
      api,
      logger,
      shape: await loadTaskDefinitionShape(),
      readFile: file => readFile(resolve(file), 'utf8'),
      env: process.env
    });
    const result = await executeDeployment(inputs, plans, { api, logger, clock: realClock });

    const first = result.services[0];
    setOutputs({
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
    });
    await appendSummary(deploySummary(result, inputs.cluster, context.region));
    const failure = failureMessage(result);
    if (failure) throw new ActionError('deployment', failure);
  });
}
