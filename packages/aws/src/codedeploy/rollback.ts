import { errorMessage, waitUntil, type Clock, type Logger } from '@deploy-suite/core';
import type { EcsApi } from '../ecs/client.js';
import { parseAppSpec, type AppSpecTemplate } from './appspec.js';
import type { CodeDeployApi } from './client.js';
import { createCodeDeployment } from './deploy.js';
import { codeDeployDeadlineMs, type DeploymentGroupSettings } from './group.js';
import { isActive, primaryTaskSetRevision, watchCodeDeployment } from './watch.js';

/** How long a stopped deployment may take to end (CodeDeploy stops asynchronously) before nothing is stacked on it. */
const STOP_SETTLE_MS = 5 * 60_000;

export interface CodeDeployRollbackRequest {
  cluster: string;
  service: string;
  /** the deployment being undone (this step's) */
  deploymentId: string;
  /** the revision the service ran before it */
  previousTaskDefinitionArn: string;
  template: AppSpecTemplate;
  settings: DeploymentGroupSettings;
  deploymentConfigName?: string;
}

export interface CodeDeployRollbackResult {
  ok: boolean;
  reason?: string;
  /** the deployment that took the service back (CodeDeploy's own rollback, or a new one of the previous revision) */
  rollbackDeploymentId?: string;
  lifecycleEvents: string[];
}

/**
 * Puts a CODE_DEPLOY service back on the revision it ran before, by CodeDeploy's own means, never by a
 * second actor on the task sets: a deployment still in flight is stopped with `autoRollbackEnabled`
 * (CodeDeploy routes traffic back to the original task set); a rollback CodeDeploy started is watched,
 * not stacked; a deployment that succeeded (another service of the step failed) is followed by a
 * deployment of the previous revision. Done only when that deployment Succeeded and the PRIMARY task set
 * runs the previous revision.
 */
export async function rollBackCodeDeployment(
  api: CodeDeployApi,
  ecs: EcsApi,
  request: CodeDeployRollbackRequest,
  options: { logger: Logger; clock: Clock; waitMs: number; intervalMs: number }
): Promise<CodeDeployRollbackResult> {
  const { logger } = options;
  const { service, deploymentId, previousTaskDefinitionArn: previous } = request;
  const watch = async (id: string, how: string): Promise<CodeDeployRollbackResult> => {
    logger.info(`  ${service}: ${how}; watching ${id}`);
    const outcome = await watchCodeDeployment(api, ecs, id, {
      cluster: request.cluster,
      service,
      taskDefinitionArn: previous,
      timeoutMs: codeDeployDeadlineMs(options.waitMs, request.settings),
      intervalMs: options.intervalMs,
      clock: options.clock,
      logger,
      // going back waits for no approval
      onReady: 'continue',
      what: 'rollback'
    });
    return {
      ok: outcome.state === 'deployed',
      reason: outcome.state === 'deployed' ? undefined : outcome.reason,
      rollbackDeploymentId: id,
      lifecycleEvents: outcome.lifecycleEvents
    };
  };
  try {
    let info = (await api.getDeployment({ deploymentId })).deploymentInfo ?? {};
    if (isActive(info.status)) {
      await api.stopDeployment({ deploymentId, autoRollbackEnabled: true });
      logger.info(`  ${service}: stopped ${deploymentId} with automatic rollback`);
      // StopDeployment answers before CodeDeploy has ended it: read on until it has ended or named its
      // rollback, so a deployment of the previous revision is never stacked on CodeDeploy's own rollback.
      info = await waitUntil(
        async () => {
          const now = (await api.getDeployment({ deploymentId })).deploymentInfo ?? {};
          return !isActive(now.status) || now.rollbackInfo?.rollbackDeploymentId
            ? { done: true, value: now }
            : { done: false, progress: `${deploymentId} ${now.status ?? 'unknown'}` };
        },
        {
          what: `CodeDeploy to end the stopped deployment ${deploymentId}`,
          timeoutMs: STOP_SETTLE_MS,
          intervalMs: options.intervalMs,
          clock: options.clock
        }
      );
    }
    const codeDeployRollback = info.rollbackInfo?.rollbackDeploymentId;
    if (codeDeployRollback)
      return await watch(codeDeployRollback, `CodeDeploy rolls ${deploymentId} back to ${previous}`);
    if (info.status !== 'Succeeded') {
      // Failed or stopped before production traffic moved: CodeDeploy left the original task set serving.
      const running = await primaryTaskSetRevision(ecs, request.cluster, service);
      if (running === previous) {
        logger.info(
          `  ${service}: ${deploymentId} ${info.status ?? 'ended'}; the original task set (${previous}) still serves`
        );
        return { ok: true, lifecycleEvents: [] };
      }
    }
    const id = await createCodeDeployment(api, {
      taskDefinitionArn: previous,
      template: request.template,
      settings: request.settings,
      deploymentConfigName: request.deploymentConfigName,
      description: `deploy-ecs rollback of ${deploymentId} to ${previous}`
    });
    return await watch(id, `deployment ${id} of the previous revision ${previous} replaces ${deploymentId}`);
  } catch (error) {
    return {
      ok: false,
      reason: `the CodeDeploy rollback failed: ${errorMessage(error)}`,
      lifecycleEvents: []
    };
  }
}

/**
 * The AppSpec of the group's last Succeeded deployment, as CodeDeploy kept it, for a rollback that has no
 * AppSpec file of its own (actions/rollback): hooks and LoadBalancerInfo as the last deploy sent them, the
 * TaskDefinition replaced by the target. Undefined when the group never succeeded or kept no AppSpec content.
 */
export async function lastSuccessfulAppSpec(
  api: CodeDeployApi,
  settings: DeploymentGroupSettings,
  input: string
): Promise<AppSpecTemplate | undefined> {
  const id = settings.lastSuccessfulDeploymentId;
  if (!id) return undefined;
  const content = (await api.getDeployment({ deploymentId: id })).deploymentInfo?.revision?.appSpecContent
    ?.content;
  if (!content) return undefined;
  return parseAppSpec(content, {
    input,
    file: `the AppSpec of ${settings.group}'s last successful deployment ${id}`
  });
}
