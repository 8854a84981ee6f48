import { errorMessage, formatDuration, waitUntil, type Clock, type Logger } from '@deploy-suite/core';
import { lookPolitely } from '../errors.js';
import type { EcsApi } from '../ecs/client.js';
import type { AppSpecTemplate } from './appspec.js';
import type { CodeDeployApi } from './client.js';
import { codeDeployDeadlineMs, type DeploymentGroupSettings } from './group.js';
import { isActive, watchCodeDeployment, type CodeDeployOutcome, type OnReady } from './watch.js';

/** One CODE_DEPLOY service to put on a registered revision, as the plan read it. */
export interface CodeDeployStep {
  service: string;
  taskDefinitionArn: string;
  template: AppSpecTemplate;
  settings: DeploymentGroupSettings;
  /** `codedeploy-deployment-config`: overrides the group's configuration for this deployment */
  deploymentConfigName?: string;
  description?: string;
}

/** How one step ended (`state` as the ECS rollout names it, so the action handles both alike). */
export interface CodeDeployResult {
  service: string;
  taskDefinitionArn: string;
  /** the CodeDeploy deployment this step created */
  deploymentId?: string;
  state: 'deployed' | 'started' | 'failed' | 'paused' | 'not-started';
  reason?: string;
  /** CreateDeployment itself failed: nothing changed for this service */
  createFailed?: boolean;
  outcome?: CodeDeployOutcome;
  startedAt: number;
}

export interface CodeDeployRolloutOptions {
  cluster: string;
  logger: Logger;
  clock: Clock;
  watch: boolean;
  /** the step's own wait; each deployment adds its group's ready and termination waits */
  waitMs: number;
  intervalMs: number;
  onReady?: OnReady;
  /** another deployment active on the group (CodeDeploy allows one): wait for it (within waitMs), or fail */
  ifBusy?: 'wait' | 'fail';
  /** told of each deployment as soon as CodeDeploy accepted it (the step's progress record, for a cancel) */
  onCreated?: (step: CodeDeployStep, deploymentId: string) => void;
  /** once aborted, no further deployment is created */
  signal?: AbortSignal;
}

/** CreateDeployment with the AppSpec inline, its TaskDefinition set to the step's revision. */
export async function createCodeDeployment(
  api: CodeDeployApi,
  step: Pick<
    CodeDeployStep,
    'taskDefinitionArn' | 'template' | 'settings' | 'deploymentConfigName' | 'description'
  >
): Promise<string> {
  const { content, sha256 } = step.template.render(step.taskDefinitionArn);
  const output = await api.createDeployment({
    applicationName: step.settings.application,
    deploymentGroupName: step.settings.group,
    deploymentConfigName: step.deploymentConfigName,
    description: step.description,
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256 } }
  });
  if (!output.deploymentId) throw new Error('CreateDeployment returned no deployment id');
  return output.deploymentId;
}

/**
 * Looks before changing: the group's last attempted deployment still active is someone else's (a person,
 * another run). `if-busy: wait` waits for it to end, `fail` refuses. Returns why nothing was created, or
 * undefined when the group is free.
 */
async function waitUntilGroupIdle(
  api: CodeDeployApi,
  step: CodeDeployStep,
  options: CodeDeployRolloutOptions
): Promise<string | undefined> {
  const { application, group } = step.settings;
  const last = (await api.getDeploymentGroup({ applicationName: application, deploymentGroupName: group }))
    .deploymentGroupInfo?.lastAttemptedDeployment;
  if (!last?.deploymentId || !isActive(last.status)) return undefined;
  const busy = `deployment group ${group} has deployment ${last.deploymentId} ${last.status ?? 'active'}`;
  if (options.ifBusy === 'fail') return `${busy} (if-busy: fail); nothing was changed`;
  options.logger.info(`${step.service}: ${busy}; waiting for it to end (if-busy: wait)`);
  try {
    await waitUntil(
      () =>
        lookPolitely(async () => {
          const status = (await api.getDeployment({ deploymentId: last.deploymentId! })).deploymentInfo
            ?.status;
          return isActive(status)
            ? { done: false, progress: `${last.deploymentId} ${status ?? '?'}` }
            : { done: true, value: status };
        }),
      {
        what: `deployment ${last.deploymentId} of group ${group} to end`,
        timeoutMs: options.waitMs,
        intervalMs: options.intervalMs,
        clock: options.clock
      }
    );
  } catch (error) {
    return `${busy} after ${formatDuration(options.waitMs)} of waiting: ${errorMessage(error)}; nothing was changed`;
  }
  return undefined;
}

/**
 * Deploys CODE_DEPLOY services through CodeDeploy: one deployment per service (the first refusal stops
 * the rest: all or nothing), then every deployment watched together by CodeDeploy's own status, each
 * against a deadline that counts its group's ready and termination waits.
 */
export async function codeDeployRollout(
  api: CodeDeployApi,
  ecs: EcsApi,
  steps: readonly CodeDeployStep[],
  options: CodeDeployRolloutOptions
): Promise<CodeDeployResult[]> {
  const { logger, clock } = options;
  const results: CodeDeployResult[] = [];
  let refused = false;
  for (const step of steps) {
    const base = { service: step.service, taskDefinitionArn: step.taskDefinitionArn, startedAt: clock.now() };
    if (refused || options.signal?.aborted) {
      results.push({
        ...base,
        state: 'not-started',
        reason: 'not deployed: an earlier step failed or was cancelled'
      });
      continue;
    }
    try {
      const busy = await waitUntilGroupIdle(api, step, options);
      if (busy) {
        refused = true;
        results.push({ ...base, state: 'failed', createFailed: true, reason: busy });
        continue;
      }
      const deploymentId = await createCodeDeployment(api, step);
      options.onCreated?.(step, deploymentId);
      logger.info(
        `Created CodeDeploy deployment ${deploymentId} of ${step.service} to ${step.taskDefinitionArn} ` +
          `(application ${step.settings.application}, group ${step.settings.group}, ` +
          `${step.deploymentConfigName ?? step.settings.deploymentConfigName ?? 'the group configuration'})`
      );
      results.push({ ...base, deploymentId, state: 'started' });
    } catch (error) {
      refused = true;
      results.push({
        ...base,
        state: 'failed',
        createFailed: true,
        reason: `CodeDeploy refused the deployment (${step.settings.application}/${step.settings.group}): ${errorMessage(error)}`
      });
    }
  }
  if (!options.watch || refused) return results;
  await Promise.all(
    results.map(async (result, index) => {
      if (!result.deploymentId) return;
      const step = steps[index];
      const timeoutMs = codeDeployDeadlineMs(options.waitMs, step.settings);
      logger.info(
        `Watching CodeDeploy deployment ${result.deploymentId} of ${step.service} (deadline ${Math.round(timeoutMs / 60_000)}m)`
      );
      const outcome = await watchCodeDeployment(api, ecs, result.deploymentId, {
        cluster: options.cluster,
        service: step.service,
        taskDefinitionArn: step.taskDefinitionArn,
        timeoutMs,
        intervalMs: options.intervalMs,
        clock,
        logger,
        onReady: options.onReady,
        what: 'deployment'
      });
      result.outcome = outcome;
      result.reason = outcome.reason;
      result.state = outcome.state === 'timed-out' ? 'failed' : outcome.state;
    })
  );
  return results;
}
