import { errorMessage } from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';
import { parseTaskDefinitionReference } from './arn.js';
import type { EcsApi } from './client.js';

/**
 * What ECS remembers of a service's past, read-only: where actions/rollback looks for a revision to go back
 * to when the service has no known-good record.
 */
export interface SuccessfulDeployment {
  taskDefinitionArn: string;
  /** the service deployment ARN (its last part is shown) */
  id: string;
  finishedAt?: Date;
}

/** An ACTIVE revision of the family the service runs. */
export interface FamilyRevision {
  taskDefinitionArn: string;
  revision: number;
}

/** The service's SUCCESSFUL deployments, newest first, each with the task definition it put in place. */
export async function successfulDeployments(
  api: EcsApi,
  cluster: string,
  service: string
): Promise<SuccessfulDeployment[] | { unavailable: string }> {
  try {
    const listed = await api.listServiceDeployments({
      cluster,
      service,
      status: ['SUCCESSFUL'],
      maxResults: 20
    });
    const briefs = [...(listed.serviceDeployments ?? [])].sort(
      (a, b) =>
        time(b.finishedAt ?? b.startedAt ?? b.createdAt) - time(a.finishedAt ?? a.startedAt ?? a.createdAt)
    );
    const revisionArns = [
      ...new Set(briefs.map(brief => brief.targetServiceRevisionArn).filter((arn): arn is string => !!arn))
    ];
    const taskDefinitionOf = new Map<string, string>();
    for (let index = 0; index < revisionArns.length; index += 20) {
      const described = await api.describeServiceRevisions({
        serviceRevisionArns: revisionArns.slice(index, index + 20)
      });
      for (const revision of described.serviceRevisions ?? []) {
        if (revision.serviceRevisionArn && revision.taskDefinition)
          taskDefinitionOf.set(revision.serviceRevisionArn, revision.taskDefinition);
      }
    }
    return briefs.flatMap(brief => {
      const taskDefinitionArn = taskDefinitionOf.get(brief.targetServiceRevisionArn ?? '');
      return taskDefinitionArn
        ? [{ taskDefinitionArn, id: brief.serviceDeploymentArn ?? '', finishedAt: brief.finishedAt }]
        : [];
    });
  } catch (error) {
    // Older accounts/regions, missing ecs:ListServiceDeployments permission: fall through to revisions.
    return { unavailable: `${awsErrorName(error) ?? 'error'}: ${errorMessage(error)}` };
  }
}

function time(date: Date | undefined): number {
  return date ? new Date(date).getTime() : 0;
}

/** The family's ACTIVE revisions, newest first (one page of 100 is plenty to find the previous one). */
export async function activeRevisions(api: EcsApi, family: string): Promise<FamilyRevision[]> {
  const listed = await api.listTaskDefinitions({
    familyPrefix: family,
    status: 'ACTIVE',
    sort: 'DESC',
    maxResults: 100
  });
  return (listed.taskDefinitionArns ?? []).flatMap(arn => {
    const parsed = parseTaskDefinitionReference(arn);
    // familyPrefix is a prefix: docuthinker-backend would also list docuthinker-backend-worker.
    return parsed?.kind === 'arn' && parsed.family === family
      ? [{ taskDefinitionArn: arn, revision: parsed.revision }]
      : [];
  });
}
