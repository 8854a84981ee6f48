import type { Tag } from '@aws-sdk/client-ecs';
import { errorMessage, type Logger } from '@deploy-suite/core';
import type { EcsApi } from './client.js';
import { familyRevision } from './arn.js';

/**
 * The record of the last revision that deployed and passed the "deployed means deployed" check, kept
 * where the rollback action can find it without any extra storage:
 * - on the SERVICE: `deploy-suite:last-known-good` = task definition ARN and
 *   `deploy-suite:last-known-good-at` = ISO time;
 * - on the TASK DEFINITION: `deploy-suite:deployed-ok` = ISO time of the last successful deploy.
 * - after a rollback, on the SERVICE: `deploy-suite:last-rollback-{at,from,by,reason}`.
 * Tags need the new long ARN format for services (the default since 2021). Every tag the suite writes starts
 * with SUITE_TAG_PREFIX, and all of their names live here.
 */
export const SUITE_TAG_PREFIX = 'deploy-suite:';
export const KNOWN_GOOD_TAG = 'deploy-suite:last-known-good';
const KNOWN_GOOD_AT_TAG = 'deploy-suite:last-known-good-at';
const DEPLOYED_OK_TAG = 'deploy-suite:deployed-ok';

export interface EcsKnownGoodRecord {
  taskDefinitionArn: string;
  /** ISO time, when recorded */
  at?: string;
}

/**
 * The tags written to a service and its task definition after a successful deploy.
 * @internal exported for its tests; the actions do not use it
 */
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

/**
 * Reads the record back from a service's tags; undefined when there is none.
 * @internal exported for its tests; the actions do not use it
 */
export function knownGoodFromTags(tags: readonly Tag[] | undefined): EcsKnownGoodRecord | undefined {
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

export async function readKnownGood(
  api: EcsApi,
  serviceArn: string
): Promise<EcsKnownGoodRecord | undefined> {
  const output = await api.listTagsForResource({ resourceArn: serviceArn });
  return knownGoodFromTags(output.tags);
}

/**
 * Records the revision as known-good; bookkeeping never fails a deploy or rollback that worked, so a failure
 * is a warning that says which permission is missing. `extraTags` go on the service with the record.
 */
export async function recordKnownGoodOrWarn(
  api: EcsApi,
  service: { name: string; arn: string },
  taskDefinitionArn: string,
  at: Date,
  logger: Logger,
  done: 'deployed' | 'rolled back',
  extraTags: Tag[] = []
): Promise<void> {
  try {
    await recordKnownGood(api, service.arn, taskDefinitionArn, at);
    if (extraTags.length > 0) await api.tagResource({ resourceArn: service.arn, tags: extraTags });
    logger.info(`${service.name}: recorded ${familyRevision(taskDefinitionArn)} as last known-good`);
  } catch (error) {
    logger.warning(
      `${service.name} is ${done}, but recording it as last known-good failed (${errorMessage(error)}); ` +
        'grant ecs:TagResource so actions/rollback can find it'
    );
  }
}

/**
 * Tag values allow letters, digits, spaces and _ . : / = + - @ only, up to 256 characters.
 * @internal exported for its tests; the actions do not use it
 */
export function tagValue(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 256);
}

/** What the service carries after a rollback, besides the known-good record. */
export function rollbackTags(from: string, at: Date, actor: string | undefined, reason: string): Tag[] {
  const tags: Tag[] = [
    { key: `${SUITE_TAG_PREFIX}last-rollback-at`, value: at.toISOString() },
    { key: `${SUITE_TAG_PREFIX}last-rollback-from`, value: from }
  ];
  if (actor) tags.push({ key: `${SUITE_TAG_PREFIX}last-rollback-by`, value: tagValue(actor) });
  const why = tagValue(reason);
  if (why) tags.push({ key: `${SUITE_TAG_PREFIX}last-rollback-reason`, value: why });
  return tags;
}
