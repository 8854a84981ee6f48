/**
 * The decisions of a deploy, as pure functions: which files to upload (by content hash and headers,
 * never by mtime), in which order, which bytes to save before they are overwritten, which paths the
 * CDN must forget, and after the release is live, which objects no kept release needs.
 */
import {
  RECORD_DIR,
  RECORD_FORMAT,
  blobKey,
  blobsPrefix,
  isRecordKey,
  neededHashes,
  neededKeys,
  type ReleaseFile,
  type ReleaseRecord
} from './records.js';
import { UPLOAD_PHASES, type FileKind } from './kinds.js';

/** The metadata key (x-amz-meta-sha256) that holds an object's content hash. */
export const HASH_METADATA = 'sha256';

/** A file a release puts at a key: from the built site (deploy) or from a release record (rollback). */
export interface SiteObject {
  /** path inside the site */
  path: string;
  key: string;
  kind: FileKind;
  sha256: string;
  size: number;
  contentType: string;
  cacheControl: string;
}

/** An object in the bucket as a listing shows it. */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
}

/** What is known about a live object: from a release record whose ETag still matches, or from HeadObject. */
export interface RemoteObject extends ListedObject {
  sha256?: string;
  contentType?: string;
  cacheControl?: string;
}

/**
 * Live objects of the site (records and saved copies left out), each with its hash and headers when a
 * release record vouches for it: the record's ETag and size still match, so nobody changed it since.
 * Objects no record vouches for are left without a hash; the deploy reads those it needs with HeadObject.
 */
export function remoteFromRecords(
  listing: ListedObject[],
  newestFirstRecords: ReleaseRecord[],
  prefix: string
): Map<string, RemoteObject> {
  const vouched = new Map<string, ReleaseFile>();
  for (const record of [...newestFirstRecords].reverse()) {
    for (const file of record.files) if (file.etag) vouched.set(`${prefix}${file.path}\n${file.etag}`, file);
  }
  const remote = new Map<string, RemoteObject>();
  for (const object of listing) {
    if (!object.key.startsWith(prefix) || isRecordKey(prefix, object.key)) continue;
    const file = vouched.get(`${object.key}\n${object.etag}`);
    remote.set(
      object.key,
      file && file.size === object.size
        ? { ...object, sha256: file.sha256, contentType: file.contentType, cacheControl: file.cacheControl }
        : { ...object }
    );
  }
  return remote;
}

/** Of the keys whose content matters (a file will be compared with them), those live but not vouched for by a record. */
export function keysToInspect(keys: string[], remote: Map<string, RemoteObject>): string[] {
  return keys.filter(key => remote.has(key) && remote.get(key)!.sha256 === undefined);
}

type UploadReason = 'new' | 'changed' | 'headers';

export interface UploadStep<T extends SiteObject = SiteObject> {
  file: T;
  reason: UploadReason;
}

/** Saves an object's current bytes under `<prefix>.deploy-suite/objects/<sha256>` before it is overwritten. */
interface PreserveStep {
  key: string;
  sha256: string;
  blob: string;
}

export interface ReleasePlan<T extends SiteObject = SiteObject> {
  /** copies to make before anything is overwritten */
  preserve: PreserveStep[];
  /** in upload order: fingerprinted, unfingerprinted, entry points (the root index.html last) */
  uploads: UploadStep<T>[];
  unchanged: T[];
  /** keys that existed and now get other bytes or headers: what the CDN may hold stale copies of */
  overwritten: string[];
}

/**
 * Upload order: by phase; inside a phase by path, except that the site's root index.html goes last.
 * @internal exported for its tests; the actions do not use it
 */
export function uploadOrder(a: SiteObject, b: SiteObject): number {
  const phase = UPLOAD_PHASES.indexOf(a.kind) - UPLOAD_PHASES.indexOf(b.kind);
  if (phase !== 0) return phase;
  const rootA = a.path === 'index.html' ? 1 : 0;
  const rootB = b.path === 'index.html' ? 1 : 0;
  if (rootA !== rootB) return rootA - rootB;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * What this release changes. `kept` are the existing records that stay kept after it (the newest
 * keep-releases - 1); `blobs` the content hashes already saved. A key is overwritten only after its old
 * bytes are saved, when a kept release still needs them.
 */
export function planRelease<T extends SiteObject>(input: {
  files: T[];
  remote: Map<string, RemoteObject>;
  kept: ReleaseRecord[];
  blobs: Set<string>;
  prefix: string;
}): ReleasePlan<T> {
  const { files, remote, kept, blobs, prefix } = input;
  const needed = neededHashes(kept);
  const uploads: UploadStep<T>[] = [];
  const unchanged: T[] = [];
  const preserve = new Map<string, PreserveStep>();
  for (const file of files) {
    const live = remote.get(file.key);
    if (!live) {
      uploads.push({ file, reason: 'new' });
      continue;
    }
    if (live.sha256 === file.sha256) {
      if (live.contentType === file.contentType && live.cacheControl === file.cacheControl)
        unchanged.push(file);
      else uploads.push({ file, reason: 'headers' });
      continue;
    }
    uploads.push({ file, reason: 'changed' });
    if (live.sha256 && needed.has(live.sha256) && !blobs.has(live.sha256) && !preserve.has(live.sha256)) {
      preserve.set(live.sha256, { key: file.key, sha256: live.sha256, blob: blobKey(prefix, live.sha256) });
    }
  }
  uploads.sort((a, b) => uploadOrder(a.file, b.file));
  return {
    preserve: [...preserve.values()],
    uploads,
    unchanged,
    overwritten: uploads.filter(step => step.reason !== 'new').map(step => step.file.key)
  };
}

/** The record of the new release; `etags` are what S3 answered for the uploads (unchanged files keep theirs). */
export function releaseRecord(input: {
  id: string;
  createdAt: Date;
  files: SiteObject[];
  remote: Map<string, RemoteObject>;
  etags: Map<string, string>;
  source?: Record<string, string>;
  restoredFrom?: string;
}): ReleaseRecord {
  return {
    format: RECORD_FORMAT,
    id: input.id,
    createdAt: input.createdAt.toISOString(),
    ...(input.restoredFrom ? { restoredFrom: input.restoredFrom } : {}),
    ...(input.source && Object.keys(input.source).length ? { source: input.source } : {}),
    files: input.files.map(file => {
      const etag = input.etags.get(file.key) ?? input.remote.get(file.key)?.etag;
      return {
        path: file.path,
        sha256: file.sha256,
        size: file.size,
        contentType: file.contentType,
        cacheControl: file.cacheControl,
        ...(etag ? { etag } : {})
      };
    })
  };
}

export interface CleanupPlan {
  /** site objects no kept release needs */
  staleKeys: string[];
  /** saved copies no kept release needs */
  staleBlobs: string[];
  /** records of releases beyond keep-releases */
  staleRecords: string[];
}

/**
 * Prefixes of other sites deployed in the bucket below this one (they have their own `.deploy-suite/`).
 * @internal exported for its tests; the actions do not use it
 */
export function nestedSitePrefixes(prefix: string, listing: ListedObject[]): string[] {
  const found = new Set<string>();
  for (const { key } of listing) {
    const at = key.indexOf(`${RECORD_DIR}/`);
    if (at < 0 || (at > 0 && key[at - 1] !== '/')) continue;
    const site = key.slice(0, at);
    if (site !== prefix && site.startsWith(prefix)) found.add(site);
  }
  return [...found];
}

/**
 * What may go once the new release is live: objects, saved copies and records that none of the kept
 * releases (the newest keep-releases, the new one included) needs. Objects no record ever listed (an
 * earlier `aws s3 sync`, say) count as one more old release: they stay until keep-releases releases
 * have been recorded, so pages opened before the first deploy keep loading. Other sites deployed under
 * this prefix are never touched.
 */
export function planCleanup(input: {
  prefix: string;
  /** the site's objects now (records and blobs included) */
  listing: ListedObject[];
  kept: ReleaseRecord[];
  keep: number;
  /** how many releases are recorded, the new one included */
  releaseCount: number;
  /** record keys of the releases not kept */
  droppedRecordKeys: string[];
}): CleanupPlan {
  const { prefix, listing, kept } = input;
  const keys = neededKeys(prefix, kept);
  const hashes = neededHashes(kept);
  const blobs = blobsPrefix(prefix);
  const others = nestedSitePrefixes(prefix, listing);
  const historyFull = input.releaseCount >= input.keep;
  const staleKeys: string[] = [];
  const staleBlobs: string[] = [];
  for (const object of listing) {
    if (!object.key.startsWith(prefix) || others.some(other => object.key.startsWith(other))) continue;
    if (object.key.startsWith(blobs)) {
      if (!hashes.has(object.key.slice(blobs.length))) staleBlobs.push(object.key);
    } else if (historyFull && !isRecordKey(prefix, object.key) && !keys.has(object.key)) {
      staleKeys.push(object.key);
    }
  }
  return { staleKeys, staleBlobs, staleRecords: input.droppedRecordKeys };
}
