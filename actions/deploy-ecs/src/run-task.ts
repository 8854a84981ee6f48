import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import type { Clock, Logger } from '@deploy-suite/core';
import {
  buildRunTaskRequest,
  essentialContainers,
  runTaskBeforeDeploy,
  type EcsApi,
  type RunTaskResult
} from '@deploy-suite/aws/ecs';
import { INPUT, type DeployEcsInputs } from './inputs.js';
import type { ServicePlan } from './plan.js';
import type { DeployProgress } from './progress.js';

/**
 * The action's side of run-task: which revision runs (the first service's), with which input names in
 * the messages. The behaviour (request, wait, judgement) lives in @deploy-suite/aws/ecs run-task.
 */

/** The RunTask request for the first service's revision (`taskDefinitionArn`: the one registered, or its current). */
export function runTaskRequest(
  inputs: DeployEcsInputs,
  first: ServicePlan,
  taskDefinitionArn: string
): RunTaskCommandInput {
  return buildRunTaskRequest(
    inputs.runTask!,
    {
      cluster: inputs.cluster,
      taskDefinitionArn,
      taskDefinition: first.taskDefinition,
      service: first.launch,
      serviceName: first.service
    },
    { containerOverrides: INPUT.runTaskContainerOverrides, subnets: INPUT.runTaskSubnets }
  );
}

/** Runs the first service's revision (registered by this step, else its current one) once; `timeoutMs` is the step's budget left. */
export async function runFirstServiceTask(
  inputs: DeployEcsInputs,
  first: ServicePlan,
  registeredArn: string | undefined,
  deps: { api: EcsApi; logger: Logger; clock: Clock; progress?: DeployProgress; signal?: AbortSignal },
  timeoutMs: number
): Promise<RunTaskResult> {
  const tracker = { cluster: inputs.cluster, taskArns: [] as string[], watching: false, stopped: false };
  if (deps.progress) deps.progress.runTask = tracker;
  const arn = registeredArn ?? first.currentTaskDefinitionArn;
  if (!registeredArn) deps.logger.info(`run-task: ${first.service} is unchanged; the task runs ${arn}`);
  return runTaskBeforeDeploy(deps.api, runTaskRequest(inputs, first, arn), {
    essentialContainers: essentialContainers(first.taskDefinition),
    wait: inputs.runTask!.waitForStopped,
    timeoutMs,
    intervalMs: inputs.pollIntervalMs,
    logger: deps.logger,
    clock: deps.clock,
    signal: deps.signal,
    tracker
  });
}

/** A dry run's run-task: nothing runs, and the plan says so. */
export function plannedRunTask(first: ServicePlan, logger: Logger): RunTaskResult {
  const reason = `would run ${first.service}'s new revision once before any update; dry-run: not run`;
  logger.info(`dry-run: run-task ${reason}`);
  return {
    state: 'planned',
    taskDefinitionArn: first.taskDefinition.family ?? first.currentTaskDefinitionArn,
    taskArns: [],
    tasks: [],
    reason,
    elapsedMs: 0
  };
}

/**
 * The first service's task definition as the one-off task ran it: each container's environment with the
 * override's entries added, so the log excerpt of a failed migration masks the override's values too.
 */
export function ranTaskDefinition(
  inputs: DeployEcsInputs,
  first: ServicePlan
): ServicePlan['taskDefinition'] {
  const overrides = inputs.runTask?.containerOverrides ?? [];
  return {
    ...first.taskDefinition,
    containerDefinitions: (first.taskDefinition.containerDefinitions ?? []).map(container => {
      const extra = overrides.find(override => override.name === container.name)?.environment ?? [];
      return extra.length > 0
        ? { ...container, environment: [...(container.environment ?? []), ...extra] }
        : container;
    })
  };
}
