/**
 * A static-site release from start to end, over injected clients: check the bucket and distribution
 * (before any write), read what is live, plan, save the bytes kept releases need, upload by phase
 * (entry points last), record the release, invalidate and wait, then clean up what no kept release needs.
 */
import type { Clock, Logger } from '../../../packages/shared/src/index.js';
import {
  invalidate,
  invalidationPaths,
  siteOrigin,
  ALL_PATHS,
  type CdnApi,
  type CdnDistribution,
  type InvalidationOutcome
} from './cdn.js';
import { formatBytes, type LocalFile } from './files.js';
import {
  HASH_METADATA,
  describeSiteFiles,
  keysToInspect,
  planCleanup,
  planRelease,
  releaseRecord,
  remoteFromRecords,
  type CleanupPlan,
  type ListedObject,
  type ReleasePlan,
  type RemoteObject,
  type SiteFile
} from './plan.js';
import {
  RecordError,
  blobsPrefix,
  newReleaseId,
  newestFirst,
  parseRecord,
  recordKey,
  releaseIdOf,
  serializeRecord,
  type ReleaseRecord
} from './records.js';
import { UPLOAD_PHASES, type CacheRule } from './site-rules.js';
import { forEachLimited, type SiteStore } from './store.js';

export const UPLOAD_CONCURRENCY = 16;

export type InvalidateMode = 'changed' | 'all' | 'none';

export interface DeploySettings {
  bucket: string;
  /** '' or ending in '/' */
  prefix: string;
  region: string;
  distributionId?: string;
  cacheRules: CacheRule[];
  delete: boolean;
  keepReleases: number;
  invalidate: InvalidateMode;
  waitForInvalidation: boolean;
  waitMs: number;
  dryRun: boolean;
  /** the commit being deployed (part of the release id) and where it came from (kept in the record) */
  commit?: string;
  origin?: Record<string, string>;
}

export interface DeployDeps {
  store: SiteStore;
  cdn?: CdnApi;
  clock: Clock;
  logger: Logger;
  now: () => Date;
}

/** A problem with an input found by looking at AWS (unknown bucket or distribution), before any write. */
export class DeployInputError extends Error {}

export type DeployStatus = 'deployed' | 'unchanged' | 'planned' | 'failed';

export interface DeployResult {
  status: DeployStatus;
  /** the release now live (the previous one when nothing changed) */
  release?: string;
  previousRelease?: string;
  files: SiteFile[];
  plan?: ReleasePlan;
  /** files actually uploaded (all of plan.uploads, unless the deploy failed part-way) */
  uploaded: SiteFile[];
  unchanged: SiteFile[];
  /** site objects deleted (or, in a dry run, that would be) */
  deleted: ListedObject[];
  invalidation?: InvalidationOutcome;
  distribution?: CdnDistribution;
  url: string;
  reason?: string;
  /** what a failed deploy left: e.g. "assets uploaded, entry points not yet" */
  stage?: string;
}

interface LiveState {
  listing: ListedObject[];
  /** every release id, newest first */
  ids: string[];
  /** the newest keep-releases records that could be read, newest first */
  records: ReleaseRecord[];
  blobs: Set<string>;
}

/** The bucket and distribution exist and fit together; resolves the distribution and its origin prefix. */
export async function checkTargets(
  settings: DeploySettings,
  deps: Pick<DeployDeps, 'store' | 'cdn'>
): Promise<{ distribution?: CdnDistribution; originPrefix: string }> {
  const state = await deps.store.bucketState();
  if (state !== 'ok') {
    throw new DeployInputError(
      state === 'missing'
        ? `Input "bucket": bucket ${settings.bucket} does not exist; create it (or fix the name) first`
        : `Input "bucket": access to bucket ${settings.bucket} is denied; the role needs s3:ListBucket on it (see the README's IAM policy)`
    );
  }
  if (!settings.distributionId) return { originPrefix: '' };
  if (!deps.cdn) throw new Error('a distribution-id needs a CloudFront client');
  const distribution = await deps.cdn.getDistribution(settings.distributionId);
  if (!distribution) {
    throw new DeployInputError(
      `Input "distribution-id": CloudFront distribution ${settings.distributionId} does not exist in this account`
    );
  }
  const origin = siteOrigin(distribution, settings.bucket, settings.prefix);
  if ('problem' in origin) throw new DeployInputError(`Input "distribution-id": ${origin.problem}`);
  return { distribution, originPrefix: origin.originPrefix };
}

/** Reads the live site: its objects, release ids and the newest records (an unreadable record is skipped, with a warning). */
export async function readLiveState(
  store: SiteStore,
  prefix: string,
  keep: number,
  logger: Logger
): Promise<LiveState> {
  const listing = await store.list(prefix);
  const ids = newestFirst(
    listing.map(o => releaseIdOf(prefix, o.key)).filter((id): id is string => id !== undefined)
  );
  const records: ReleaseRecord[] = [];
  for (const id of ids.slice(0, keep)) {
    const key = recordKey(prefix, id);
    const text = await store.getText(key);
    if (text === undefined) continue;
    try {
      records.push(parseRecord(text, `s3://${store.bucket}/${key}`));
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      logger.warning(`${error.message}: it is ignored (that release cannot be rolled back to)`);
    }
  }
  const blobs = blobsPrefix(prefix);
  return {
    listing,
    ids,
    records,
    blobs: new Set(listing.filter(o => o.key.startsWith(blobs)).map(o => o.key.slice(blobs.length)))
  };
}

/** Fills in hash and headers of live objects no record vouches for, from HeadObject (x-amz-meta-sha256). */
export async function inspectRemote(
  store: SiteStore,
  remote: Map<string, RemoteObject>,
  keys: string[]
): Promise<void> {
  await forEachLimited(keys, UPLOAD_CONCURRENCY, async key => {
    const head = await store.head(key);
    if (!head) {
      remote.delete(key);
      return;
    }
    const sha = head.metadata[HASH_METADATA];
    remote.set(key, {
      key,
      size: head.size,
      etag: head.etag,
      sha256: sha && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined,
      contentType: head.contentType,
      cacheControl: head.cacheControl
    });
  });
}

function siteUrl(
  settings: DeploySettings,
  distribution: CdnDistribution | undefined,
  originPrefix: string
): string {
  if (distribution) {
    const host = distribution.aliases[0] ?? distribution.domainName;
    return `https://${host}/${settings.prefix.slice(originPrefix.length)}`;
  }
  return `https://${settings.bucket}.s3.${settings.region}.amazonaws.com/${settings.prefix}`;
}

export async function deploySite(
  localFiles: LocalFile[],
  settings: DeploySettings,
  deps: DeployDeps
): Promise<DeployResult> {
  const { store, logger, clock } = deps;
  const { prefix } = settings;
  const { distribution, originPrefix } = await checkTargets(settings, deps);
  const files = describeSiteFiles(localFiles, prefix, settings.cacheRules);
  const url = siteUrl(settings, distribution, originPrefix);

  const live = await readLiveState(store, prefix, settings.keepReleases, logger);
  const previousRelease = live.ids[0];
  const remote = remoteFromRecords(live.listing, live.records, prefix);
  await inspectRemote(store, remote, keysToInspect(files, remote));
  const plan = planRelease({
    files,
    remote,
    kept: live.records.slice(0, settings.keepReleases - 1),
    blobs: live.blobs,
    prefix
  });
  const result: DeployResult = {
    status: 'planned',
    previousRelease,
    files,
    plan,
    uploaded: [],
    unchanged: plan.unchanged,
    deleted: [],
    distribution,
    url
  };
  logger.info(
    `s3://${settings.bucket}/${prefix}: ${files.length} file(s), ${plan.uploads.length} to upload, ` +
      `${plan.unchanged.length} unchanged` +
      (previousRelease ? ` (live release ${previousRelease})` : ' (no release recorded yet)')
  );

  // a new release only when something differs from the live one: bytes, headers, or the set of files
  const liveRecord = live.records[0]?.id === previousRelease ? live.records[0] : undefined;
  const nothingChanged =
    plan.uploads.length === 0 &&
    liveRecord !== undefined &&
    liveRecord.files.length === files.length &&
    files.every(file => liveRecord.files.some(f => f.path === file.path && f.sha256 === file.sha256));
  const release = nothingChanged ? previousRelease! : newReleaseId(deps.now(), settings.commit, live.ids);
  const allIds = nothingChanged ? live.ids : [release, ...live.ids];
  const kept = live.records.slice(0, settings.keepReleases - (nothingChanged ? 0 : 1));
  const cleanupFor = (record: ReleaseRecord | undefined, listing: ListedObject[]): CleanupPlan =>
    planCleanup({
      prefix,
      listing,
      kept: record ? [record, ...kept] : kept,
      keep: settings.keepReleases,
      releaseCount: allIds.length,
      droppedRecordKeys: allIds
        .slice(settings.keepReleases)
        .filter(id => live.ids.includes(id))
        .map(id => recordKey(prefix, id))
    });

  if (settings.dryRun) {
    const record = releaseRecord({ id: release, createdAt: deps.now(), files, remote, etags: new Map() });
    const after = [
      ...live.listing,
      ...plan.uploads
        .filter(u => u.reason === 'new')
        .map(u => ({ key: u.file.key, size: u.file.size, etag: '' }))
    ];
    const cleanup = settings.delete ? cleanupFor(nothingChanged ? undefined : record, after) : undefined;
    result.deleted = cleanup ? live.listing.filter(o => cleanup.staleKeys.includes(o.key)) : [];
    result.release = release;
    return result;
  }

  if (nothingChanged) {
    logger.info(`Nothing changed since release ${previousRelease}: no upload, no invalidation`);
    return { ...result, status: 'unchanged', release: previousRelease };
  }

  result.stage = 'nothing written yet';
  try {
    // 1. bytes a kept release needs, saved before their keys are overwritten
    await forEachLimited(plan.preserve, UPLOAD_CONCURRENCY, async step => {
      await store.copy(step.key, step.blob);
    });
    if (plan.preserve.length)
      logger.info(`Saved ${plan.preserve.length} object(s) the kept releases need before overwriting them`);

    // 2. uploads by phase: everything a page loads is there before the page itself
    const etags = new Map<string, string>();
    for (const phase of UPLOAD_PHASES) {
      const steps = plan.uploads.filter(step => step.file.kind === phase);
      if (steps.length === 0) continue;
      if (phase === 'entry-point') await checkNotSuperseded(store, prefix, previousRelease);
      const bytes = steps.reduce((sum, step) => sum + step.file.size, 0);
      logger.info(`Uploading ${steps.length} ${phase} file(s), ${formatBytes(bytes)}`);
      await logger.group(`Upload ${phase} files`, async () => {
        await forEachLimited(steps, UPLOAD_CONCURRENCY, async step => {
          const { file } = step;
          const etag = await store.uploadFile(file.key, file, {
            contentType: file.contentType,
            cacheControl: file.cacheControl,
            metadata: { [HASH_METADATA]: file.sha256 }
          });
          etags.set(file.key, etag);
          result.uploaded.push(file);
          logger.info(
            `${step.reason === 'new' ? '+' : '~'} ${file.key} (${file.contentType}; ${file.cacheControl})`
          );
        });
      });
      result.stage =
        phase === 'entry-point' ? 'every file uploaded' : `${phase} files uploaded, entry points not yet`;
    }

    // 3. the record: what is live now, for the next deploy and for rollback
    const record = releaseRecord({
      id: release,
      createdAt: deps.now(),
      files,
      remote,
      etags,
      source: settings.origin
    });
    await store.putText(recordKey(prefix, release), serializeRecord(record), {
      contentType: 'application/json; charset=utf-8',
      cacheControl: 'no-cache',
      metadata: {}
    });
    result.release = release;
    result.status = 'deployed';
    result.stage = 'release recorded';
    logger.info(`Release ${release} is live in s3://${settings.bucket}/${prefix}`);

    // 4. the CDN forgets what changed
    if (distribution && settings.invalidate !== 'none') {
      const paths =
        settings.invalidate === 'all'
          ? [ALL_PATHS]
          : invalidationPaths(plan.overwritten, originPrefix, distribution.defaultRootObject);
      if (paths.length > 0) {
        result.invalidation = await invalidate(deps.cdn!, {
          distributionId: distribution.id,
          paths,
          callerReference: `deploy-static-${release}`,
          wait: settings.waitForInvalidation,
          timeoutMs: settings.waitMs,
          clock,
          logger
        });
        if (settings.waitForInvalidation && !result.invalidation.completed) {
          result.status = 'failed';
          result.reason =
            `invalidation ${result.invalidation.id} was still in progress after ${Math.round(settings.waitMs / 60000)} minute(s): ` +
            'the release is live in S3, CloudFront may serve the old entry points until it completes; nothing was deleted';
          return result;
        }
      } else {
        logger.info('No object the CDN may have cached changed: no invalidation needed');
      }
    }

    // 5. what no kept release needs, now that the new entry points are live
    if (settings.delete) {
      const after = await store.list(prefix);
      const cleanup = cleanupFor(record, after);
      const siteKeys = new Set(cleanup.staleKeys);
      result.deleted = after.filter(o => siteKeys.has(o.key));
      const doomed = [...cleanup.staleKeys, ...cleanup.staleBlobs];
      if (doomed.length) await store.deleteMany(doomed);
      if (cleanup.staleRecords.length) await store.deleteMany(cleanup.staleRecords);
      if (doomed.length || cleanup.staleRecords.length) {
        logger.info(
          `Deleted ${cleanup.staleKeys.length} object(s) no kept release needs, ${cleanup.staleBlobs.length} saved cop(ies), ` +
            `${cleanup.staleRecords.length} record(s) beyond keep-releases ${settings.keepReleases}`
        );
      }
    }
    result.stage = undefined;
    return result;
  } catch (error) {
    result.status = 'failed';
    result.reason = error instanceof Error ? error.message : String(error);
    return result;
  }
}

/** Another run recorded a release since this one read the site: its entry points must not be overwritten. */
async function checkNotSuperseded(
  store: SiteStore,
  prefix: string,
  previous: string | undefined
): Promise<void> {
  const ids = newestFirst(
    (await store.list(`${prefix}.deploy-suite/releases/`))
      .map(o => releaseIdOf(prefix, o.key))
      .filter((id): id is string => id !== undefined)
  );
  if (ids[0] !== previous) {
    throw new Error(
      `release ${ids[0]} was recorded by another run while this one uploaded; its entry points were left in place ` +
        '(this run uploaded only new assets): re-run to deploy on top of it'
    );
  }
}
