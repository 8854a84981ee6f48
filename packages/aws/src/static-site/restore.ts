/**
 * Rolling a static site back: pick the release to go back to, find where its bytes still are (a saved
 * copy under `.deploy-suite/objects/`, or a live object with the same content), and put it live again
 * through the same phases as a deploy, as a new release that names the one it restored. Checked before
 * any write: the release exists and every one of its files can be restored.
 */
import { isHtml, kindOf } from './kinds.js';
import { HASH_METADATA, type RemoteObject, type SiteObject, type UploadStep } from './plan.js';
import { blobKey, isRecordKey, parseRecord, recordKey, type ReleaseRecord } from './records.js';
import {
  SiteInputError,
  knownRemote,
  planFor,
  publishRelease,
  readLiveSite,
  type LiveSite,
  type ReleaseResult,
  type SiteDeps,
  type SiteSettings
} from './release.js';

/** Records read when rolling back: everything a rollback may need to keep. */
const RECORDS_READ = 100;

export interface RollbackSiteSettings extends Omit<SiteSettings, 'delete' | 'keepReleases'> {
  /** `previous` or a release id */
  to: string;
  /** input names for messages (rollback's own: site-bucket, distribution-id, to) */
  inputs?: { bucket: string; distributionId: string; to: string };
  origin?: Record<string, string>;
}

export interface RollbackSiteResult extends ReleaseResult {
  /** the release put back */
  target: string;
  /** where each written file came from: key -> source key */
  sources: Map<string, string>;
}

const fileSet = (record: ReleaseRecord) =>
  record.files
    .map(f => `${f.path}\n${f.sha256}`)
    .sort()
    .join('\n');

/**
 * The release `to` names: a release id, or `previous`: the newest older release whose files differ from
 * the live one and that was not itself rolled back (after a rollback, `previous` goes further back, never
 * to the release the rollback undid).
 * @internal exported for its tests; the actions do not use it
 */
export function pickSiteRelease(
  live: Pick<LiveSite, 'ids' | 'records'>,
  to: string,
  where: string
): { record: ReleaseRecord } | { needs: string } | { problem: string } {
  if (live.ids.length === 0) {
    return { problem: `no release is recorded under ${where}: deploy it with deploy-static first` };
  }
  const current = live.records.find(r => r.id === live.ids[0]);
  if (to === 'previous') {
    if (!current) return { problem: `the record of the live release ${live.ids[0]} cannot be read` };
    // a release the next record rolled back from is not a way back: it is what went wrong
    const rolledBack = new Set(
      live.records.filter((_r, i) => i > 0 && live.records[i - 1].restoredFrom !== undefined).map(r => r.id)
    );
    const target = live.records.find(
      r => r.id !== current.id && !rolledBack.has(r.id) && fileSet(r) !== fileSet(current)
    );
    if (!target) {
      return {
        problem:
          `no earlier release under ${where} differs from the live one (${current.id})` +
          (live.ids.length > 1 ? '' : ': it is the only release recorded')
      };
    }
    return { record: target };
  }
  if (!live.ids.includes(to)) {
    return {
      problem: `release ${to} is not recorded under ${where}; recorded: ${live.ids.slice(0, 10).join(', ')}`
    };
  }
  const record = live.records.find(r => r.id === to);
  return record ? { record } : { needs: to };
}

/**
 * A record's files as the objects to put live, their kind taken from the name.
 * @internal exported for its tests; the actions do not use it
 */
export function filesOfRecord(record: ReleaseRecord, prefix: string): SiteObject[] {
  return record.files.map(file => ({
    path: file.path,
    key: `${prefix}${file.path}`,
    kind: kindOf(file.path),
    sha256: file.sha256,
    size: file.size,
    contentType: file.contentType,
    cacheControl: file.cacheControl
  }));
}

/**
 * Where each step's bytes come from: a saved copy (existing, or saved by this rollback before it
 * overwrites anything), else a live object with that content that this rollback does not overwrite.
 * @internal exported for its tests; the actions do not use it
 */
export function restoreSources(input: {
  steps: UploadStep[];
  remote: Map<string, RemoteObject>;
  /** hashes saved under .deploy-suite/objects/, including those this rollback saves first */
  blobs: Set<string>;
  prefix: string;
}): { sources: Map<string, string>; missing: SiteObject[] } {
  const overwritten = new Set(input.steps.filter(s => s.reason !== 'headers').map(s => s.file.key));
  const byHash = new Map<string, string>();
  for (const object of input.remote.values()) {
    if (object.sha256 && !overwritten.has(object.key) && !byHash.has(object.sha256)) {
      byHash.set(object.sha256, object.key);
    }
  }
  const sources = new Map<string, string>();
  const missing: SiteObject[] = [];
  for (const { file, reason } of input.steps) {
    if (reason === 'headers') sources.set(file.key, file.key);
    else if (input.blobs.has(file.sha256)) sources.set(file.key, blobKey(input.prefix, file.sha256));
    else if (byHash.has(file.sha256)) sources.set(file.key, byHash.get(file.sha256)!);
    else missing.push(file);
  }
  return { sources, missing };
}

/**
 * Live HTML pages the release does not have (pages a later release added): removed so the site is that release.
 * @internal exported for its tests; the actions do not use it
 */
export function extraEntryPoints(
  record: ReleaseRecord,
  remote: Map<string, RemoteObject>,
  prefix: string
): string[] {
  const keys = new Set(record.files.map(f => `${prefix}${f.path}`));
  return [...remote.keys()].filter(key => !keys.has(key) && !isRecordKey(prefix, key) && isHtml(key)).sort();
}

export async function rollbackSite(
  settings: RollbackSiteSettings,
  deps: SiteDeps
): Promise<RollbackSiteResult> {
  const names = settings.inputs ?? { bucket: 'bucket', distributionId: 'distribution-id', to: 'to' };
  // a rollback keeps everything: it never deletes what any recorded release needs
  const site: SiteSettings = { ...settings, delete: false, keepReleases: RECORDS_READ };
  const where = `s3://${settings.bucket}/${settings.prefix}`;
  const live = await readLiveSite(site, deps, { records: RECORDS_READ, inputs: names });
  const picked = pickSiteRelease(live, settings.to, where);
  if ('problem' in picked) throw new SiteInputError(`Input "${names.to}": ${picked.problem}`);
  let target: ReleaseRecord;
  if ('needs' in picked) {
    const key = recordKey(settings.prefix, picked.needs);
    const text = await deps.store.getText(key);
    if (text === undefined)
      throw new SiteInputError(`Input "${names.to}": the record of release ${picked.needs} is gone`);
    target = parseRecord(text, `s3://${settings.bucket}/${key}`);
  } else {
    target = picked.record;
  }
  deps.logger.info(`Rolling ${where} back to release ${target.id} (live: ${live.ids[0]})`);

  const files = filesOfRecord(target, settings.prefix);
  // every live HTML page must be known, so that the ones this release lacks can be removed
  const pages = live.listing
    .filter(o => isHtml(o.key) && !isRecordKey(settings.prefix, o.key))
    .map(o => o.key);
  const remote = await knownRemote(deps.store, live, settings.prefix, [...files.map(f => f.key), ...pages]);
  const plan = planFor(site, live, files, remote);
  const blobs = new Set([...live.blobs, ...plan.preserve.map(p => p.sha256)]);
  const { sources, missing } = restoreSources({
    steps: plan.uploads,
    remote,
    blobs,
    prefix: settings.prefix
  });
  if (missing.length) {
    throw new SiteInputError(
      `Input "${names.to}": release ${target.id} cannot be restored byte for byte: the content of ` +
        `${missing.length} file(s) is no longer in the bucket (${missing
          .slice(0, 5)
          .map(f => f.path)
          .join(', ')}${missing.length > 5 ? ', ...' : ''}); it may be older than keep-releases`
    );
  }
  const result = await publishRelease(
    site,
    live,
    {
      files,
      remote,
      plan,
      verb: 'Restoring',
      restoredFrom: target.id,
      origin: settings.origin,
      removeAfterEntryPoints: extraEntryPoints(target, remote, settings.prefix),
      write: ({ file }) =>
        deps.store.copy(sources.get(file.key)!, file.key, {
          contentType: file.contentType,
          cacheControl: file.cacheControl,
          metadata: { [HASH_METADATA]: file.sha256 }
        })
    },
    deps
  );
  return { ...result, target: target.id, sources };
}
