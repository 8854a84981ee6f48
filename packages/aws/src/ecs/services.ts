import type { Deployment, Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { ActionError, errorMessage, inputError } from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';
import { describeServicesByName, type EcsApi } from './client.js';

/** The PRIMARY deployment of a service: the one ECS is rolling towards (or has reached). */
export function primaryDeployment(service: Pick<Service, 'deployments'> | undefined): Deployment | undefined {
  return service?.deployments?.find(deployment => deployment.status === 'PRIMARY');
}

/** The revision a service runs: its PRIMARY deployment's, else the service's own field. */
export function currentTaskDefinition(service: Service): string {
  return primaryDeployment(service)?.taskDefinition ?? service.taskDefinition ?? '';
}

/**
 * Describes the services the `service` input names, refusing with an input error when the cluster or any
 * service does not exist (`hint` says what to check, which differs by action). Describe calls only.
 */
export async function describeNamedServices(
  api: EcsApi,
  cluster: string,
  names: readonly string[],
  hint: string
): Promise<Map<string, Service>> {
  try {
    const { found, missing } = await describeServicesByName(api, cluster, names);
    if (missing.length > 0) {
      throw inputError(
        `Input "service": ${missing.map(name => JSON.stringify(name)).join(', ')} not found in cluster ` +
          `${JSON.stringify(cluster)}. ${hint}`
      );
    }
    return found;
  } catch (error) {
    if (awsErrorName(error) === 'ClusterNotFoundException') {
      throw inputError(
        `Input "cluster": cluster ${JSON.stringify(cluster)} not found in this account and region (${errorMessage(error)})`
      );
    }
    if (error instanceof ActionError) throw error;
    // AWS refusing (throttling past the SDK's retries, access denied, a lost endpoint) before any change
    throw new ActionError(
      'aws',
      `DescribeServices in cluster ${JSON.stringify(cluster)} failed: ${errorMessage(error)}; nothing was changed`,
      { cause: error }
    );
  }
}

/**
 * DescribeTaskDefinition (with its tags when asked); undefined when ECS says there is no such task definition
 * (it answers ClientException "Unable to describe task definition." for one that never existed).
 */
export async function findTaskDefinition(
  api: EcsApi,
  reference: string,
  options: { tags?: boolean } = {}
): Promise<{ taskDefinition: TaskDefinition; tags?: Tag[] } | undefined> {
  try {
    const output = await api.describeTaskDefinition({
      taskDefinition: reference,
      ...(options.tags ? { include: ['TAGS' as const] } : {})
    });
    return output.taskDefinition ? { taskDefinition: output.taskDefinition, tags: output.tags } : undefined;
  } catch (error) {
    if (awsErrorName(error) === 'ClientException') return undefined;
    throw error;
  }
}
