import type { DeploymentGroupInfo } from '@aws-sdk/client-codedeploy';
import { ActionError, errorMessage, inputError } from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';
import type { CodeDeployApi } from './client.js';

/** Where one CODE_DEPLOY service's deployments go, and what its deployment group will make them wait for. */
export interface DeploymentGroupSettings {
  application: string;
  group: string;
  /** the group's configuration (or the `codedeploy-deployment-config` override) */
  deploymentConfigName?: string;
  /** deploymentReadyOption.waitTimeInMinutes: how long CodeDeploy may hold the deployment before traffic moves */
  readyWaitMinutes: number;
  /** STOP_DEPLOYMENT: the deployment waits in Ready for ContinueDeployment */
  readyWaitStops: boolean;
  /** terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes: the wait after traffic moved */
  terminationWaitMinutes: number;
  autoRollbackOnFailure: boolean;
  /** the group's last Succeeded deployment, whose AppSpec actions/rollback reuses */
  lastSuccessfulDeploymentId?: string;
}

/** AED's names when the inputs give none: `AppECS-<cluster>-<service>`, `DgpECS-<cluster>-<service>`. */
export function defaultCodeDeployNames(
  cluster: string,
  service: string
): { application: string; group: string } {
  return { application: `AppECS-${cluster}-${service}`, group: `DgpECS-${cluster}-${service}` };
}

/** The most any CodeDeploy wait may take, ready and termination waits included (AED's cap too). */
const MAX_WAIT_MINUTES = 360;

/**
 * The overall deadline of a CodeDeploy deployment: the step's own wait plus the group's ready and
 * termination waits, which CodeDeploy spends before it says Succeeded (as AED counts it), capped at 6 hours.
 */
export function codeDeployDeadlineMs(waitMs: number, settings: DeploymentGroupSettings): number {
  const extra = (settings.readyWaitMinutes + settings.terminationWaitMinutes) * 60_000;
  return Math.min(waitMs + extra, MAX_WAIT_MINUTES * 60_000);
}

/** The settings of a described group. */
export function groupSettings(
  info: DeploymentGroupInfo,
  application: string,
  group: string
): DeploymentGroupSettings {
  const blueGreen = info.blueGreenDeploymentConfiguration;
  const ready = blueGreen?.deploymentReadyOption;
  const terminate = blueGreen?.terminateBlueInstancesOnDeploymentSuccess;
  return {
    application,
    group,
    deploymentConfigName: info.deploymentConfigName,
    readyWaitMinutes: ready?.waitTimeInMinutes ?? 0,
    readyWaitStops: ready?.actionOnTimeout === 'STOP_DEPLOYMENT',
    terminationWaitMinutes:
      terminate?.action === 'KEEP_ALIVE' ? 0 : (terminate?.terminationWaitTimeInMinutes ?? 0),
    autoRollbackOnFailure: Boolean(
      info.autoRollbackConfiguration?.enabled &&
      info.autoRollbackConfiguration.events?.includes('DEPLOYMENT_FAILURE')
    ),
    ...(info.lastSuccessfulDeployment?.deploymentId
      ? { lastSuccessfulDeploymentId: info.lastSuccessfulDeployment.deploymentId }
      : {})
  };
}

/**
 * Reads the deployment group before anything changes: it must exist and deploy this very service (a
 * group of another service would move that one's traffic). A missing application or group is an input
 * error naming the input that chose it.
 */
export async function readDeploymentGroup(
  api: CodeDeployApi,
  target: { cluster: string; service: string; application: string; group: string },
  inputs: { application: string; group: string }
): Promise<DeploymentGroupSettings> {
  let info: DeploymentGroupInfo | undefined;
  try {
    info = (
      await api.getDeploymentGroup({ applicationName: target.application, deploymentGroupName: target.group })
    ).deploymentGroupInfo;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'ApplicationDoesNotExistException') {
      throw inputError(
        `Input "${inputs.application}": CodeDeploy application ${JSON.stringify(target.application)} not found ` +
          `(service ${target.service} uses the CODE_DEPLOY controller). Give the application's name in "${inputs.application}"`
      );
    }
    if (name === 'DeploymentGroupDoesNotExistException') {
      throw inputError(
        `Input "${inputs.group}": deployment group ${JSON.stringify(target.group)} not found in CodeDeploy application ` +
          `${JSON.stringify(target.application)}. Give the group's name in "${inputs.group}"`
      );
    }
    throw new ActionError(
      'aws',
      `Could not read CodeDeploy deployment group ${target.group}: ${errorMessage(error)}`,
      {
        cause: error
      }
    );
  }
  if (!info) throw new ActionError('aws', `CodeDeploy returned no deployment group ${target.group}`);
  const services = info.ecsServices ?? [];
  const clusterName = (name: string | undefined) => name?.split('/').pop();
  if (
    services.length > 0 &&
    !services.some(
      s => s.serviceName === target.service && clusterName(s.clusterName) === clusterName(target.cluster)
    )
  ) {
    throw inputError(
      `Input "${inputs.group}": deployment group ${target.group} deploys ` +
        services.map(s => `${s.clusterName}/${s.serviceName}`).join(', ') +
        `, not ${target.cluster}/${target.service}. Name the group of ${target.service}`
    );
  }
  return groupSettings(info, target.application, target.group);
}
