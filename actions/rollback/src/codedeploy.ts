import type { Clock, Logger } from '@deploy-suite/core';
import type { EcsApi, RolloutResult } from '@deploy-suite/aws/ecs';
import type { AppSpecTemplate, CodeDeployApi, DeploymentGroupSettings } from '@deploy-suite/aws/codedeploy';
import { INPUT, type EcsRollbackInputs } from './inputs.js';

/**
 * Rollback of services of the CODE_DEPLOY controller: a CodeDeploy deployment of the target revision, with
 * the AppSpec of the group's last successful deployment (only its TaskDefinition changed), watched by
 * CodeDeploy's own status. The CodeDeploy module loads only when such a service is rolled back.
 */
export interface CodeDeployRollbackPlan {
  template: AppSpecTemplate;
  settings: DeploymentGroupSettings;
}

const load = () => import('@deploy-suite/aws/codedeploy');

/** Reads the service's deployment group and its last AppSpec; a problem (why not) instead when missing. */
export async function planCodeDeployRollback(
  inputs: EcsRollbackInputs,
  service: string,
  codeDeploy: CodeDeployApi
): Promise<CodeDeployRollbackPlan | string> {
  const codedeploy = await load();
  const names = codedeploy.defaultCodeDeployNames(inputs.cluster, service);
  const settings = await codedeploy.readDeploymentGroup(
    codeDeploy,
    {
      cluster: inputs.cluster,
      service,
      application: inputs.codeDeploy.application ?? names.application,
      group: inputs.codeDeploy.deploymentGroup ?? names.group
    },
    { application: INPUT.codeDeployApplication, group: INPUT.codeDeployDeploymentGroup }
  );
  const template = await codedeploy.lastSuccessfulAppSpec(
    codeDeploy,
    settings,
    INPUT.codeDeployDeploymentGroup
  );
  if (!template) {
    return (
      `${service}: deployment group ${settings.group} has no successful deployment whose AppSpec the rollback ` +
      'could reuse; deploy the service once through CodeDeploy (actions/deploy-ecs) first'
    );
  }
  return { template, settings };
}

/** Rolls the CODE_DEPLOY plans to their targets through CodeDeploy; results in the ECS rollout's shape. */
export async function rollBackThroughCodeDeploy(
  inputs: EcsRollbackInputs,
  plans: ReadonlyArray<{ service: string; to: string; from: string; codeDeploy?: CodeDeployRollbackPlan }>,
  deps: { api: EcsApi; codeDeploy?: CodeDeployApi; logger: Logger; clock: Clock; waitMs: number }
): Promise<RolloutResult[]> {
  if (plans.length === 0) return [];
  const codedeploy = await load();
  const results = await codedeploy.codeDeployRollout(
    deps.codeDeploy!,
    deps.api,
    plans.map(plan => ({
      service: plan.service,
      taskDefinitionArn: plan.to,
      template: plan.codeDeploy!.template,
      settings: plan.codeDeploy!.settings,
      description:
        `actions/rollback of ${plan.service} from ${plan.from} to ${plan.to}${inputs.reason ? `: ${inputs.reason}` : ''}`.slice(
          0,
          1000
        )
    })),
    {
      cluster: inputs.cluster,
      logger: deps.logger,
      clock: deps.clock,
      watch: inputs.waitForServiceStability,
      waitMs: deps.waitMs,
      intervalMs: inputs.pollIntervalMs,
      // the rollback is the operator's decision already: a Ready wait on its way is continued
      onReady: 'continue',
      ifBusy: inputs.ifBusy
    }
  );
  return results.map(result => ({
    service: result.service,
    taskDefinitionArn: result.taskDefinitionArn,
    // the CodeDeploy deployment is this rollback's deployment
    deploymentId: result.deploymentId,
    state: result.state,
    reason: result.reason,
    updateFailed: result.createFailed,
    startedAt: result.startedAt
  }));
}
