import { errorMessage, type Logger, type StepEnding } from '@deploy-suite/core';
import { describeProfile, type EcsApi, type RunTaskTracker } from '@deploy-suite/aws/ecs';
import type { DeployEcsInputs } from './inputs.js';
import type { ServicePlan } from './plan.js';
import type { DeployResult, ServiceResult } from './deploy.js';
import type { CodeDeployApi } from '@deploy-suite/aws/codedeploy';

/**
 * What this step has done so far, written as it happens, so that whatever ends the step (an error, a
 * lost endpoint, SIGINT/SIGTERM) the final report can say what changed and what is still in flight,
 * and a cancel can roll back exactly what this step changed.
 */
export interface UpdatedService {
  service: string;
  previousTaskDefinitionArn: string;
  previousDesiredCount: number;
  taskDefinitionArn: string;
  deploymentId?: string;
  /** the service deployment UpdateService answered (`currentServiceDeployment`) */
  serviceDeploymentArn?: string;
  /** CODE_DEPLOY services: the CodeDeploy deployment CreateDeployment answered */
  codeDeployDeploymentId?: string;
  strategy: string;
  profile: string;
}

export interface StartedRollback {
  service: string;
  taskDefinitionArn: string;
  deploymentId?: string;
  /** a native rollback's (or the update's) service deployment */
  serviceDeploymentArn?: string;
  /** the CodeDeploy deployment taking a CODE_DEPLOY service back */
  codeDeployDeploymentId?: string;
}

export class DeployProgress {
  plans: ServicePlan[] = [];
  readonly registered: string[] = [];
  readonly updated: UpdatedService[] = [];
  readonly rollbacks: StartedRollback[] = [];
  /** run-task's tasks, while the step waits for them (a cancel stops them) */
  runTask?: RunTaskTracker;
  /** set when the deployment ran to its own verdict */
  result?: DeployResult;
}

/**
 * The cancel hook: with rollback-on-failure, puts every service this step updated back on the revision
 * it ran before, all at once, not waited for (the runner kills the step seconds later): natively with
 * StopServiceDeployment ROLLBACK where the service deployment is known (ECS returns to the last completed
 * revision), else (or when ECS refuses: it has already ended) with UpdateService. A CodeDeploy deployment
 * is stopped with `autoRollbackEnabled`: CodeDeploy routes the traffic back to the original task set.
 */
export async function startCancelRollback(
  inputs: DeployEcsInputs,
  progress: DeployProgress,
  api: EcsApi,
  logger: Logger,
  codeDeploy?: CodeDeployApi
): Promise<string[]> {
  const pending = progress.updated.filter(
    entry => !progress.rollbacks.some(rollback => rollback.service === entry.service)
  );
  if (pending.length === 0) return [];
  if (!inputs.rollbackOnFailure) {
    return pending.map(
      entry =>
        `${entry.service}: not rolled back (rollback-on-failure is false); deployment ${entry.deploymentId ?? '?'} to ${entry.taskDefinitionArn} is still in flight`
    );
  }
  return Promise.all(
    pending.map(async entry => {
      if (entry.codeDeployDeploymentId && codeDeploy) {
        const id = entry.codeDeployDeploymentId;
        try {
          await codeDeploy.stopDeployment({ deploymentId: id, autoRollbackEnabled: true });
          const rollbackId = (await codeDeploy.getDeployment({ deploymentId: id })).deploymentInfo
            ?.rollbackInfo?.rollbackDeploymentId;
          progress.rollbacks.push({
            service: entry.service,
            taskDefinitionArn: entry.previousTaskDefinitionArn,
            codeDeployDeploymentId: rollbackId
          });
          const line = `${entry.service}: stopped CodeDeploy deployment ${id} with automatic rollback to ${entry.previousTaskDefinitionArn} (rollback deployment ${rollbackId ?? 'not started: the original task set still serves'}), not waited for`;
          logger.info(line);
          return line;
        } catch (error) {
          return `${entry.service}: could not stop CodeDeploy deployment ${id} (${errorMessage(error)}); it may still be in flight`;
        }
      }
      if (entry.serviceDeploymentArn) {
        try {
          await api.stopServiceDeployment({
            serviceDeploymentArn: entry.serviceDeploymentArn,
            stopType: 'ROLLBACK'
          });
          progress.rollbacks.push({
            service: entry.service,
            taskDefinitionArn: entry.previousTaskDefinitionArn,
            serviceDeploymentArn: entry.serviceDeploymentArn
          });
          const line = `${entry.service}: rollback to ${entry.previousTaskDefinitionArn} started (StopServiceDeployment ROLLBACK on ${entry.serviceDeploymentArn}), not waited for`;
          logger.info(line);
          return line;
        } catch (error) {
          logger.info(
            `${entry.service}: native rollback refused (${errorMessage(error)}); updating back instead`
          );
        }
      }
      try {
        const output = await api.updateService({
          cluster: inputs.cluster,
          service: entry.service,
          taskDefinition: entry.previousTaskDefinitionArn,
          desiredCount: inputs.desiredCount === undefined ? undefined : entry.previousDesiredCount
        });
        const deploymentId = output.service?.deployments?.find(d => d.status === 'PRIMARY')?.id;
        progress.rollbacks.push({
          service: entry.service,
          taskDefinitionArn: entry.previousTaskDefinitionArn,
          deploymentId
        });
        const line = `${entry.service}: rollback to ${entry.previousTaskDefinitionArn} started (deployment ${deploymentId ?? 'unknown'}), not waited for`;
        logger.info(line);
        return line;
      } catch (error) {
        return `${entry.service}: could not start the rollback to ${entry.previousTaskDefinitionArn} (${errorMessage(error)}); deployment ${entry.deploymentId ?? '?'} is still in flight`;
      }
    })
  );
}

/**
 * The result to report for a step that ended without its own verdict (error or cancel): each service
 * with what this step did to it, and what is still in flight.
 */
export function interruptedResult(progress: DeployProgress, ending: StepEnding): DeployResult {
  const cancelled = ending.kind === 'cancelled';
  const reason =
    ending.kind === 'failed'
      ? ending.message
      : ending.kind === 'cancelled'
        ? `cancelled by ${ending.signal}`
        : undefined;
  const services: ServiceResult[] = progress.plans.map(plan => {
    const updated = progress.updated.find(entry => entry.service === plan.service);
    const rollback = progress.rollbacks.find(entry => entry.service === plan.service);
    const base: ServiceResult = {
      service: plan.service,
      previousTaskDefinitionArn: plan.currentTaskDefinitionArn,
      strategy: plan.profile.strategy,
      profile: describeProfile(plan.profile),
      result: cancelled ? 'cancelled' : 'failed',
      durationSeconds: 0,
      images: plan.images,
      diff: plan.diff
    };
    if (!updated) return { ...base, reason: 'not updated' };
    const what = updated.codeDeployDeploymentId
      ? `CodeDeploy deployment ${updated.codeDeployDeploymentId}`
      : `deployment ${updated.deploymentId ?? '?'}`;
    const inFlight = `${what} to ${updated.taskDefinitionArn} still in flight`;
    return {
      ...base,
      taskDefinitionArn: updated.taskDefinitionArn,
      deploymentId: updated.deploymentId,
      serviceDeploymentArn: updated.serviceDeploymentArn,
      codeDeployDeploymentId: updated.codeDeployDeploymentId,
      reason: rollback
        ? `${inFlight}; rollback to ${rollback.taskDefinitionArn} started (${rollback.codeDeployDeploymentId ? 'CodeDeploy deployment ' + rollback.codeDeployDeploymentId : 'deployment ' + (rollback.deploymentId ?? 'unknown')})`
        : inFlight
    };
  });
  return {
    status: cancelled ? 'cancelled' : 'failed',
    reason,
    services,
    runTask: interruptedRunTask(progress, cancelled)
  };
}

/** run-task's tasks when the step ended without its verdict: stopped by the cancel hook, or still running. */
function interruptedRunTask(progress: DeployProgress, cancelled: boolean): DeployResult['runTask'] {
  const tracker = progress.runTask;
  if (!tracker || tracker.taskArns.length === 0) return undefined;
  const reason = tracker.stopped
    ? 'stopped (StopTask) when the step was cancelled'
    : tracker.watching
      ? 'the step ended while waiting for it: it may still be running'
      : 'started, not watched';
  return {
    state: cancelled ? 'cancelled' : tracker.watching ? 'failed' : 'started',
    taskDefinitionArn: '',
    taskArns: tracker.taskArns,
    tasks: [],
    reason,
    elapsedMs: 0
  };
}
