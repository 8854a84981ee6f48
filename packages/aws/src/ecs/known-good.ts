import type { Tag } from '@aws-sdk/client-ecs';
import type { EcsApi } from './client.js';

/**
 * The record of the last revision that deployed and passed the "deployed means deployed" check, kept
 * where the rollback action can find it without any extra storage:
 * - on the SERVICE: `deploy-suite:last-known-good` = task definition ARN and
 *   `deploy-suite:last-known-good-at` = ISO time;
 * - on the TASK DEFINITION: `deploy-suite:deployed-ok` = ISO time of the last successful deploy.
 * Tags need the new long ARN format for services (the default since 2021).
 */
export const KNOWN_GOOD_TAG = 'deploy-suite:last-known-good';
export const KNOWN_GOOD_AT_TAG = 'deploy-suite:last-known-good-at';
export const DEPLOYED_OK_TAG = 'deploy-suite:deployed-ok';

export interface KnownGoodRecord {
  taskDefinitionArn: string;
  /** ISO time, when recorded */
  at?: string;
}

/** The tags written to a service and its task definition after a successful deploy. */
export function knownGoodTags(
  taskDefinitionArn: string,
  at: Date
): { service: Tag[]; taskDefinition: Tag[] } {
  const iso = at.toISOString();
  return {
    service: [
      { key: KNOWN_GOOD_TAG, value: taskDefinitionArn },
      { key: KNOWN_GOOD_AT_TAG, value: iso }
    ],
    taskDefinition: [{ key: DEPLOYED_OK_TAG, value: iso }]
  };
}

/** Reads the record back from a service's tags; undefined when there is none. */
export function knownGoodFromTags(tags: readonly Tag[] | undefined): KnownGoodRecord | undefined {
  const value = tags?.find(tag => tag.key === KNOWN_GOOD_TAG)?.value;
  if (!value) return undefined;
  const at = tags?.find(tag => tag.key === KNOWN_GOOD_AT_TAG)?.value;
  return at ? { taskDefinitionArn: value, at } : { taskDefinitionArn: value };
}

export async function recordKnownGood(
  api: EcsApi,
  serviceArn: string,
  taskDefinitionArn: string,
  at: Date
): Promise<void> {
  const tags = knownGoodTags(taskDefinitionArn, at);
  await api.tagResource({ resourceArn: serviceArn, tags: tags.service });
  await api.tagResource({ resourceArn: taskDefinitionArn, tags: tags.taskDefinition });
}

export async function readKnownGood(api: EcsApi, serviceArn: string): Promise<KnownGoodRecord | undefined> {
  const output = await api.listTagsForResource({ resourceArn: serviceArn });
  return knownGoodFromTags(output.tags);
}
