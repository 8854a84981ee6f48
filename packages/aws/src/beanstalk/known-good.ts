import { ActionError, errorMessage, type Logger } from '@deploy-suite/core';
import type { BundleStore } from './api.js';

/**
 * The known-good record: which version label last deployed successfully to an environment, kept as
 * JSON in the bundle bucket at `deploy-suite/records/<application>/<environment>.json`:
 *
 *   { "lastKnownGood": "a1b2c3d-9876543210-1",
 *     "history": [ { "label": "a1b2c3d-9876543210-1", "at": "2025-01-01T12:00:00.000Z", "sha": "a1b2c3d…" }, … ] }
 *
 * deploy-beanstalk writes it after each successful deploy (newest first, at most RECORD_HISTORY_LIMIT
 * entries); actions/rollback reads it to find `last-known-good`.
 */
export interface KnownGoodEntry {
  label: string;
  /** ISO time of the successful deploy */
  at: string;
  /** the commit deployed, when known */
  sha?: string;
}

export interface BeanstalkKnownGoodRecord {
  lastKnownGood: string;
  history: KnownGoodEntry[];
}

const RECORD_PREFIX = 'deploy-suite/records';
/** @internal exported for its tests; the actions do not use it */
export const RECORD_HISTORY_LIMIT = 50;

export function knownGoodRecordKey(application: string, environment: string): string {
  return `${RECORD_PREFIX}/${application}/${environment}.json`;
}

/**
 * Parses a record's text; a record that is not in this shape is an error naming where it lives.
 * @internal exported for its tests; the actions do not use it
 */
export function parseKnownGoodRecord(text: string, where: string): BeanstalkKnownGoodRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ActionError(
      'environment',
      `The known-good record ${where} is not valid JSON: ${(error as Error).message}`
    );
  }
  const record = value as Partial<BeanstalkKnownGoodRecord> | null;
  const validEntry = (entry: unknown): entry is KnownGoodEntry =>
    !!entry &&
    typeof (entry as KnownGoodEntry).label === 'string' &&
    typeof (entry as KnownGoodEntry).at === 'string' &&
    ((entry as KnownGoodEntry).sha === undefined || typeof (entry as KnownGoodEntry).sha === 'string');
  if (
    !record ||
    typeof record !== 'object' ||
    typeof record.lastKnownGood !== 'string' ||
    !Array.isArray(record.history) ||
    !record.history.every(validEntry)
  ) {
    throw new ActionError(
      'environment',
      `The known-good record ${where} should look like {"lastKnownGood": "<label>", "history": [{"label", "at", "sha"}]}`
    );
  }
  return { lastKnownGood: record.lastKnownGood, history: record.history };
}

/**
 * The record after another successful deploy: newest first, bounded, the same label not repeated.
 * @internal exported for its tests; the actions do not use it
 */
export function withSuccessfulDeploy(
  record: BeanstalkKnownGoodRecord | undefined,
  entry: KnownGoodEntry
): BeanstalkKnownGoodRecord {
  const earlier = (record?.history ?? []).filter(previous => previous.label !== entry.label);
  return { lastKnownGood: entry.label, history: [entry, ...earlier].slice(0, RECORD_HISTORY_LIMIT) };
}

/** Reads the record; undefined when the environment has none yet. */
export async function readKnownGoodRecord(
  store: BundleStore,
  bucket: string,
  application: string,
  environment: string
): Promise<BeanstalkKnownGoodRecord | undefined> {
  const key = knownGoodRecordKey(application, environment);
  const text = await store.getText(bucket, key);
  return text === undefined ? undefined : parseKnownGoodRecord(text, `s3://${bucket}/${key}`);
}

/**
 * Adds a successful deploy to the record. A record that cannot be parsed is replaced (a deploy that
 * worked must not fail over bookkeeping); `onReplaced` says so. actions/rollback's record-known-good mode
 * calls it directly: there recording is the whole job, so a failure must fail the step.
 */
export async function recordSuccessfulDeploy(
  store: BundleStore,
  bucket: string,
  application: string,
  environment: string,
  entry: KnownGoodEntry,
  onReplaced?: (reason: string) => void
): Promise<BeanstalkKnownGoodRecord> {
  const key = knownGoodRecordKey(application, environment);
  let current: BeanstalkKnownGoodRecord | undefined;
  try {
    current = await readKnownGoodRecord(store, bucket, application, environment);
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    onReplaced?.(error.message);
  }
  const next = withSuccessfulDeploy(current, entry);
  await store.putText(bucket, key, `${JSON.stringify(next, null, 2)}\n`, 'application/json');
  return next;
}

/**
 * Records a label that is deployed, Ready and healthy as the environment's last known good. Bookkeeping never
 * fails a deploy or rollback that worked: a failure is a warning that says what follows from it.
 */
export async function recordKnownGoodLabel(
  store: BundleStore,
  bucket: string,
  target: { application: string; environment: string },
  entry: KnownGoodEntry,
  logger: Logger
): Promise<void> {
  const where = `s3://${bucket}/${knownGoodRecordKey(target.application, target.environment)}`;
  try {
    await recordSuccessfulDeploy(store, bucket, target.application, target.environment, entry, problem =>
      logger.warning(`${problem}; replacing it`)
    );
    logger.info(`Recorded ${entry.label} as last known good at ${where}`);
  } catch (error) {
    logger.warning(
      `Could not record ${entry.label} as last known good at ${where}: ${errorMessage(error)}. ` +
        'actions/rollback will fall back to the previous version.'
    );
  }
}
