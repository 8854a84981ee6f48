import {
  ActionError,
  errorMessage,
  inputError,
  isActionError,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import { describeProfile, type EcsApi, type RolloutResult } from '@deploy-suite/aws/ecs';
import type {
  AppSpecTemplate,
  CodeDeployApi,
  CodeDeployResult,
  CodeDeployRollbackResult,
  DeploymentGroupSettings
} from '@deploy-suite/aws/codedeploy';
import { INPUT, type DeployEcsInputs } from './inputs.js';
import type { ServicePlan } from './plan.js';
import type { DeployProgress } from './progress.js';

/**
 * The glue between deploy-ecs and packages/aws/codedeploy for services of the CODE_DEPLOY controller:
 * planned (AppSpec read, deployment group read) before any change, deployed by CodeDeploy instead of
 * UpdateService, rolled back by CodeDeploy's own means. The CodeDeploy module (and the YAML parser it
 * may need) loads only when a service uses CodeDeploy.
 */
export interface CodeDeployPlan {
  template: AppSpecTemplate;
  settings: DeploymentGroupSettings;
}

const load = () => import('@deploy-suite/aws/codedeploy');

/** Reads the AppSpec and each CODE_DEPLOY service's deployment group, checking them before any change. */
export async function planCodeDeploy(
  inputs: DeployEcsInputs,
  plans: ServicePlan[],
  deps: { codeDeploy?: CodeDeployApi; readAppSpec?: (path: string) => Promise<string>; logger: Logger }
): Promise<void> {
  const ours = plans.filter(plan => plan.profile.controller === 'CODE_DEPLOY' && !plan.unchanged);
  if (ours.length === 0) return;
  const { application, deploymentGroup, appSpec } = inputs.codeDeploy;
  const services = ours.map(plan => plan.service).join(', ');
  if (inputs.desiredCount !== undefined) {
    throw inputError(
      `Input "desired-count" is not applied to ${services}: CodeDeploy sizes the replacement task set from the ` +
        "service's desired count. Scale the service itself (aws ecs update-service --desired-count) or leave the input empty"
    );
  }
  if (ours.length > 1 && (application || deploymentGroup)) {
    throw inputError(
      `Input "${application ? INPUT.codeDeployApplication : INPUT.codeDeployDeploymentGroup}" names one CodeDeploy ` +
        `${application ? 'application' : 'deployment group'}, but ${services} all use the CODE_DEPLOY controller. ` +
        'Leave it empty (each service gets AppECS-<cluster>-<service> / DgpECS-<cluster>-<service>) or deploy them in separate steps'
    );
  }
  if (!deps.codeDeploy || !deps.readAppSpec) {
    throw new ActionError(
      'environment',
      `${services} use the CODE_DEPLOY controller, but no CodeDeploy client was given`
    );
  }
  let text: string;
  try {
    text = await deps.readAppSpec(appSpec);
  } catch (error) {
    const why = isActionError(error)
      ? error.message
      : `Input "${INPUT.codeDeployAppSpec}": cannot read ${appSpec}: ${errorMessage(error)}`;
    throw inputError(
      `${why}. ${services} ${ours.length > 1 ? 'use' : 'uses'} the CODE_DEPLOY deployment controller, whose deployments ` +
        'carry this AppSpec: commit it (AWS names it appspec.yaml) or point "codedeploy-appspec" at it'
    );
  }
  const codedeploy = await load();
  const template = await codedeploy.parseAppSpec(text, { input: INPUT.codeDeployAppSpec, file: appSpec });
  for (const plan of ours) {
    const problem = codedeploy.appSpecContainerProblem(
      template,
      plan.taskDefinition.containerDefinitions ?? []
    );
    if (problem) throw inputError(`Input "${INPUT.codeDeployAppSpec}": ${problem} (service ${plan.service})`);
    const names = codedeploy.defaultCodeDeployNames(inputs.cluster, plan.service);
    const settings = await codedeploy.readDeploymentGroup(
      deps.codeDeploy,
      {
        cluster: inputs.cluster,
        service: plan.service,
        application: application ?? names.application,
        group: deploymentGroup ?? names.group
      },
      { application: INPUT.codeDeployApplication, group: INPUT.codeDeployDeploymentGroup }
    );
    plan.codeDeploy = { template, settings };
    deps.logger.info(
      `${plan.service}: CodeDeploy application ${settings.application}, group ${settings.group}, ` +
        `${inputs.codeDeploy.deploymentConfig ?? settings.deploymentConfigName ?? 'group configuration'}, ` +
        `ready wait ${settings.readyWaitMinutes}m${settings.readyWaitStops ? ' (stops for ContinueDeployment)' : ''}, ` +
        `termination wait ${settings.terminationWaitMinutes}m, AppSpec ${appSpec} (${template.format})`
    );
  }
}

/** A CodeDeploy result in the ECS rollout's shape, so the deploy's verdict and rollback handle both alike. */
export type CodeDeployRollout = RolloutResult & { codeDeploy: CodeDeployResult };

/**
 * Deploys the CODE_DEPLOY plans to their registered revisions through CodeDeploy, after the ECS rollout
 * of the others (`ecsResults`): when one of those failed, none is started (all or nothing). Each created
 * deployment is recorded in the step's progress at once, for a cancel.
 */
export async function deployThroughCodeDeploy(
  inputs: DeployEcsInputs,
  plans: ServicePlan[],
  registered: Map<string, string>,
  ecsResults: readonly RolloutResult[],
  deps: {
    api: EcsApi;
    codeDeploy?: CodeDeployApi;
    logger: Logger;
    clock: Clock;
    waitMs: number;
    signal?: AbortSignal;
    progress?: DeployProgress;
  }
): Promise<CodeDeployRollout[]> {
  if (plans.length === 0) return [];
  const steps = plans.map(plan => ({
    service: plan.service,
    taskDefinitionArn: registered.get(plan.sourceKey)!,
    template: plan.codeDeploy!.template,
    settings: plan.codeDeploy!.settings,
    deploymentConfigName: inputs.codeDeploy.deploymentConfig,
    description: inputs.codeDeploy.description
  }));
  let results: CodeDeployResult[];
  if (ecsResults.some(result => result.updateFailed || result.state === 'failed')) {
    results = steps.map(step => ({ ...step, state: 'not-started', startedAt: deps.clock.now() }));
  } else {
    const codedeploy = await load();
    results = await codedeploy.codeDeployRollout(deps.codeDeploy!, deps.api, steps, {
      cluster: inputs.cluster,
      logger: deps.logger,
      clock: deps.clock,
      watch: inputs.waitForServiceStability,
      waitMs: deps.waitMs,
      intervalMs: inputs.pollIntervalMs,
      onReady: inputs.onPause,
      ifBusy: inputs.ifBusy,
      signal: deps.signal,
      onCreated: (step, deploymentId) => {
        const plan = plans.find(candidate => candidate.service === step.service)!;
        deps.progress?.updated.push({
          service: plan.service,
          previousTaskDefinitionArn: plan.currentTaskDefinitionArn,
          previousDesiredCount: plan.currentDesiredCount,
          taskDefinitionArn: step.taskDefinitionArn,
          codeDeployDeploymentId: deploymentId,
          strategy: plan.profile.strategy,
          profile: describeProfile(plan.profile)
        });
      }
    });
  }
  return results.map(result => ({
    service: result.service,
    taskDefinitionArn: result.taskDefinitionArn,
    state: result.state,
    reason: result.reason,
    updateFailed: result.createFailed,
    startedAt: result.startedAt,
    codeDeploy: result
  }));
}

/** What deploy.ts knows of a changed service, as far as its CodeDeploy rollback needs. */
interface ChangedByCodeDeploy {
  plan: ServicePlan;
  codeDeployDeploymentId?: string;
  lifecycleEvents?: string[];
}

/**
 * Puts every changed CODE_DEPLOY service back on the revision it ran before, by CodeDeploy (see
 * rollBackCodeDeployment), all at once; adds the rollback's lifecycle events to the service's. Returns
 * each service's verdict; services of the ECS controller are left to the ECS rollout.
 */
export async function rollBackThroughCodeDeploy(
  inputs: DeployEcsInputs,
  changed: readonly ChangedByCodeDeploy[],
  deps: {
    api: EcsApi;
    codeDeploy?: CodeDeployApi;
    logger: Logger;
    clock: Clock;
    waitMs: number;
    progress?: DeployProgress;
  }
): Promise<Array<readonly [string, { ok: boolean; reason?: string }]>> {
  const ours = changed.filter(entry => entry.codeDeployDeploymentId);
  if (ours.length === 0) return [];
  const codedeploy = await load();
  return Promise.all(
    ours.map(async entry => {
      const { plan } = entry;
      const back: CodeDeployRollbackResult = await codedeploy.rollBackCodeDeployment(
        deps.codeDeploy!,
        deps.api,
        {
          cluster: inputs.cluster,
          service: plan.service,
          deploymentId: entry.codeDeployDeploymentId!,
          previousTaskDefinitionArn: plan.currentTaskDefinitionArn,
          template: plan.codeDeploy!.template,
          settings: plan.codeDeploy!.settings,
          deploymentConfigName: inputs.codeDeploy.deploymentConfig
        },
        { logger: deps.logger, clock: deps.clock, waitMs: deps.waitMs, intervalMs: inputs.pollIntervalMs }
      );
      if (back.rollbackDeploymentId) {
        deps.progress?.rollbacks.push({
          service: plan.service,
          taskDefinitionArn: plan.currentTaskDefinitionArn,
          codeDeployDeploymentId: back.rollbackDeploymentId
        });
      }
      entry.lifecycleEvents = [
        ...(entry.lifecycleEvents ?? []),
        ...back.lifecycleEvents.map(line => `rollback ${back.rollbackDeploymentId}: ${line}`)
      ];
      return [plan.service, back] as const;
    })
  );
}
