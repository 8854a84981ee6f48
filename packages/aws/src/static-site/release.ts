/**
 * Putting a release of a static site live, whoever decided its files (a deploy from the built folder, a
 * rollback from a release record): check the bucket and distribution before any write, read what is
 * live, save the bytes kept releases need, write by phase (entry points last), record the release,
 * invalidate and wait, then clean up what no kept release needs.
 */
import type { Clock, Logger } from '@deploy-suite/core';
import {
  ALL_PATHS,
  invalidate,
  invalidationPaths,
  siteOrigin,
  type CdnApi,
  type CdnDistribution,
  type InvalidationOutcome
} from './cdn.js';
import { UPLOAD_PHASES } from './kinds.js';
import {
  HASH_METADATA,
  keysToInspect,
  planCleanup,
  planRelease,
  releaseRecord,
  remoteFromRecords,
  type CleanupPlan,
  type ListedObject,
  type ReleasePlan,
  type RemoteObject,
  type SiteObject
} from './plan.js';
import {
  RecordError,
  blobsPrefix,
  newReleaseId,
  newestFirst,
  parseRecord,
  recordKey,
  releaseIdOf,
  releasesPrefix,
  serializeRecord,
  type ReleaseRecord
} from './records.js';
import { forEachLimited, type SiteStore } from './store.js';

const WRITE_CONCURRENCY = 16;

export type InvalidateMode = 'changed' | 'all' | 'none';

/** Where the site lives and how a release is put live there. */
export interface SiteSettings {
  bucket: string;
  /** '' or ending in '/' */
  prefix: string;
  region: string;
  distributionId?: string;
  /** delete what no kept release needs once the release is live */
  delete: boolean;
  keepReleases: number;
  invalidate: InvalidateMode;
  waitForInvalidation: boolean;
  waitMs: number;
  dryRun: boolean;
}

export interface SiteDeps {
  store: SiteStore;
  cdn?: CdnApi;
  clock: Clock;
  logger: Logger;
  now: () => Date;
}

/** A problem with an input found by looking at AWS (unknown bucket, distribution or release), before any write. */
export class SiteInputError extends Error {}

type ReleaseStatus = 'deployed' | 'unchanged' | 'planned' | 'failed';

export interface ReleaseResult<T extends SiteObject = SiteObject> {
  status: ReleaseStatus;
  /** the release now live (the previous one when nothing changed; in a dry run the id it would get) */
  release?: string;
  previousRelease?: string;
  plan: ReleasePlan<T>;
  /** files written (all of plan.uploads, unless it failed part-way) */
  uploaded: T[];
  unchanged: T[];
  /** site objects deleted (in a dry run: that would be) */
  deleted: ListedObject[];
  invalidation?: InvalidationOutcome;
  distribution?: CdnDistribution;
  url: string;
  reason?: string;
  /** how far a failed release got, e.g. "fingerprinted files written, entry points not yet" */
  stage?: string;
}

/** What is live: the site's objects, its release ids, the newest records and the saved copies. */
export interface LiveSite {
  listing: ListedObject[];
  /** every release id, newest first */
  ids: string[];
  /** the newest records that could be read, newest first */
  records: ReleaseRecord[];
  blobs: Set<string>;
  distribution?: CdnDistribution;
  /** the key prefix the distribution's origin reads ('' without a distribution) */
  originPrefix: string;
  url: string;
}

function siteUrl(
  settings: SiteSettings,
  distribution: CdnDistribution | undefined,
  originPrefix: string
): string {
  if (distribution) {
    const host = distribution.aliases[0] ?? distribution.domainName;
    return `https://${host}/${settings.prefix.slice(originPrefix.length)}`;
  }
  return `https://${settings.bucket}.s3.${settings.region}.amazonaws.com/${settings.prefix}`;
}

/** The bucket and distribution exist and fit together; resolves the distribution and its origin prefix. */
async function checkTargets(
  settings: Pick<SiteSettings, 'bucket' | 'prefix' | 'distributionId'>,
  deps: Pick<SiteDeps, 'store' | 'cdn'>,
  inputs: { bucket: string; distributionId: string } = { bucket: 'bucket', distributionId: 'distribution-id' }
): Promise<{ distribution?: CdnDistribution; originPrefix: string }> {
  const state = await deps.store.bucketState();
  if (state !== 'ok') {
    throw new SiteInputError(
      state === 'missing'
        ? `Input "${inputs.bucket}": bucket ${settings.bucket} does not exist; create it (or fix the name) first`
        : `Input "${inputs.bucket}": access to bucket ${settings.bucket} is denied; the role needs s3:ListBucket on it (see the README's IAM policy)`
    );
  }
  if (!settings.distributionId) return { originPrefix: '' };
  if (!deps.cdn) throw new Error('a distribution id needs a CloudFront client');
  const distribution = await deps.cdn.getDistribution(settings.distributionId);
  if (!distribution) {
    throw new SiteInputError(
      `Input "${inputs.distributionId}": CloudFront distribution ${settings.distributionId} does not exist in this account`
    );
  }
  const origin = siteOrigin(distribution, settings.bucket, settings.prefix);
  if ('problem' in origin) throw new SiteInputError(`Input "${inputs.distributionId}": ${origin.problem}`);
  return { distribution, originPrefix: origin.originPrefix };
}

/** Checks the targets, then reads the live site (an unreadable record is skipped, with a warning). */
export async function readLiveSite(
  settings: SiteSettings,
  deps: SiteDeps,
  options: { records: number; inputs?: { bucket: string; distributionId: string } }
): Promise<LiveSite> {
  const { store, logger } = deps;
  const { prefix } = settings;
  const { distribution, originPrefix } = await checkTargets(settings, deps, options.inputs);
  const listing = await store.list(prefix);
  const ids = newestFirst(
    listing.map(o => releaseIdOf(prefix, o.key)).filter((id): id is string => id !== undefined)
  );
  const records: ReleaseRecord[] = [];
  for (const id of ids.slice(0, options.records)) {
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
    blobs: new Set(listing.filter(o => o.key.startsWith(blobs)).map(o => o.key.slice(blobs.length))),
    distribution,
    originPrefix,
    url: siteUrl(settings, distribution, originPrefix)
  };
}

/** Live objects with hash and headers: from records whose ETag still matches, else HeadObject (x-amz-meta-sha256). */
export async function knownRemote(
  store: SiteStore,
  live: LiveSite,
  prefix: string,
  keys: string[]
): Promise<Map<string, RemoteObject>> {
  const remote = remoteFromRecords(live.listing, live.records, prefix);
  await forEachLimited(keysToInspect(keys, remote), WRITE_CONCURRENCY, async key => {
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
  return remote;
}

/** Whether a release would put exactly the live release's files live again. */
function sameAsLive(live: LiveSite, files: SiteObject[], plan: ReleasePlan): boolean {
  const record = live.records[0]?.id === live.ids[0] ? live.records[0] : undefined;
  return (
    plan.uploads.length === 0 &&
    record !== undefined &&
    record.files.length === files.length &&
    files.every(file => record.files.some(f => f.path === file.path && f.sha256 === file.sha256))
  );
}

/** What a release changes, given what is live (planRelease with the kept releases and saved copies). */
export function planFor<T extends SiteObject>(
  settings: SiteSettings,
  live: LiveSite,
  files: T[],
  remote: Map<string, RemoteObject>
): ReleasePlan<T> {
  return planRelease({
    files,
    remote,
    kept: live.records.slice(0, settings.keepReleases - 1),
    blobs: live.blobs,
    prefix: settings.prefix
  });
}

export interface PublishRequest<T extends SiteObject> {
  files: T[];
  remote: Map<string, RemoteObject>;
  plan: ReleasePlan<T>;
  /** writes one file at its key (upload from disk, or copy from a saved object), resolving the ETag */
  write: (step: { file: T; reason: string }) => Promise<string>;
  /** the commit (part of the release id) and where the release came from (kept in the record) */
  commit?: string;
  origin?: Record<string, string>;
  restoredFrom?: string;
  /** keys to delete right after the entry points are written (a rollback's extra entry points) */
  removeAfterEntryPoints?: string[];
  /** log lines, e.g. "Uploading" or "Restoring" */
  verb: string;
}

/**
 * Puts a release live. Failures after the first write are returned (status failed, with the stage
 * reached), so the caller can report what changed; failures before any write are thrown.
 */
export async function publishRelease<T extends SiteObject>(
  settings: SiteSettings,
  live: LiveSite,
  request: PublishRequest<T>,
  deps: SiteDeps
): Promise<ReleaseResult<T>> {
  const { store, logger, clock } = deps;
  const { prefix } = settings;
  const { files, remote, plan } = request;
  const previousRelease = live.ids[0];
  const result: ReleaseResult<T> = {
    status: 'planned',
    previousRelease,
    plan,
    uploaded: [],
    unchanged: plan.unchanged,
    deleted: [],
    distribution: live.distribution,
    url: live.url
  };
  logger.info(
    `s3://${settings.bucket}/${prefix}: ${files.length} file(s), ${plan.uploads.length} to write, ` +
      `${plan.unchanged.length} unchanged` +
      (previousRelease ? ` (live release ${previousRelease})` : ' (no release recorded yet)')
  );

  const removals = request.removeAfterEntryPoints ?? [];
  const nothingChanged = sameAsLive(live, files, plan) && removals.length === 0;
  const release = nothingChanged ? previousRelease! : newReleaseId(deps.now(), request.commit, live.ids);
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
  const recordOf = (etags: Map<string, string>) =>
    releaseRecord({
      id: release,
      createdAt: deps.now(),
      files,
      remote,
      etags,
      source: request.origin,
      restoredFrom: request.restoredFrom
    });

  if (settings.dryRun) {
    const added = plan.uploads
      .filter(u => u.reason === 'new')
      .map(u => ({ key: u.file.key, size: u.file.size, etag: '' }));
    if (settings.delete) {
      const cleanup = cleanupFor(nothingChanged ? undefined : recordOf(new Map()), [
        ...live.listing,
        ...added
      ]);
      result.deleted = live.listing.filter(o => cleanup.staleKeys.includes(o.key));
    }
    result.deleted.push(...live.listing.filter(o => removals.includes(o.key)));
    result.release = release;
    return result;
  }
  if (nothingChanged) {
    logger.info(`Nothing differs from release ${previousRelease}: nothing written, no invalidation`);
    return { ...result, status: 'unchanged', release: previousRelease };
  }

  result.stage = 'nothing written yet';
  try {
    // 1. bytes a kept release needs, saved before their keys are overwritten or removed
    const preserve = [...plan.preserve];
    for (const key of removals) {
      const sha = remote.get(key)?.sha256;
      if (sha && !live.blobs.has(sha) && !preserve.some(p => p.sha256 === sha)) {
        preserve.push({ key, sha256: sha, blob: `${blobsPrefix(prefix)}${sha}` });
      }
    }
    await forEachLimited(preserve, WRITE_CONCURRENCY, async step => {
      await store.copy(step.key, step.blob);
    });
    if (preserve.length)
      logger.info(`Saved ${preserve.length} object(s) a kept release needs before replacing them`);

    // 2. by phase: everything a page loads is there before the page itself
    const etags = new Map<string, string>();
    for (const phase of UPLOAD_PHASES) {
      const steps = plan.uploads.filter(step => step.file.kind === phase);
      if (phase === 'entry-point' && (steps.length || removals.length)) {
        await checkNotSuperseded(store, prefix, previousRelease);
      }
      if (steps.length) {
        const bytes = steps.reduce((sum, step) => sum + step.file.size, 0);
        logger.info(`${request.verb} ${steps.length} ${phase} file(s), ${formatBytes(bytes)}`);
        await logger.group(`${request.verb} ${phase} files`, async () => {
          await forEachLimited(steps, WRITE_CONCURRENCY, async step => {
            etags.set(step.file.key, await request.write(step));
            result.uploaded.push(step.file);
            logger.info(
              `${step.reason === 'new' ? '+' : '~'} ${step.file.key} (${step.file.contentType}; ${step.file.cacheControl})`
            );
          });
        });
      }
      if (phase === 'entry-point' && removals.length) {
        await store.deleteMany(removals);
        result.deleted.push(...live.listing.filter(o => removals.includes(o.key)));
        logger.info(
          `Removed ${removals.length} entry point(s) the release does not have: ${removals.join(', ')}`
        );
      }
      result.stage =
        phase === 'entry-point' ? 'every file written' : `${phase} files written, entry points not yet`;
    }

    // 3. the record: what is live now, for the next deploy and for rollback
    const record = recordOf(etags);
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
    const distribution = live.distribution;
    if (distribution && settings.invalidate !== 'none') {
      const changed = [...plan.overwritten, ...removals];
      const paths =
        settings.invalidate === 'all'
          ? [ALL_PATHS]
          : invalidationPaths(changed, live.originPrefix, distribution.defaultRootObject);
      if (paths.length > 0) {
        result.invalidation = await invalidate(deps.cdn!, {
          distributionId: distribution.id,
          paths,
          callerReference: `deploy-suite-${release}`,
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
      result.deleted.push(...after.filter(o => siteKeys.has(o.key)));
      const doomed = [...cleanup.staleKeys, ...cleanup.staleBlobs];
      if (doomed.length) await store.deleteMany(doomed);
      // records last: while any of their objects remain, the records say what they belong to
      if (cleanup.staleRecords.length) await store.deleteMany(cleanup.staleRecords);
      if (doomed.length || cleanup.staleRecords.length) {
        logger.info(
          `Deleted ${cleanup.staleKeys.length} object(s) no kept release needs, ${cleanup.staleBlobs.length} saved ` +
            `cop(ies) and ${cleanup.staleRecords.length} record(s) beyond keep-releases ${settings.keepReleases}`
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

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Another run recorded a release since this one read the site: its entry points must not be overwritten. */
async function checkNotSuperseded(
  store: SiteStore,
  prefix: string,
  previous: string | undefined
): Promise<void> {
  const ids = newestFirst(
    (await store.list(releasesPrefix(prefix)))
      .map(o => releaseIdOf(prefix, o.key))
      .filter((id): id is string => id !== undefined)
  );
  if (ids[0] !== previous) {
    throw new Error(
      `release ${ids[0]} was recorded by another run meanwhile; the entry points were left as they were ` +
        '(only new assets were written): re-run to deploy on top of it'
    );
  }
}
