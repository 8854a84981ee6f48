/**
 * Release records: what each release of a site put live, key by key, so a rollback can put exactly
 * those bytes and headers back and a cleanup never deletes what a kept release needs. They live next
 * to the site, under `<prefix>.deploy-suite/`:
 *
 *   releases/<id>.json   one record per release (ids sort by time: 20261202T041500Z-3f2a9c1)
 *   objects/<sha256>     a copy of an object's bytes, made just before a deploy overwrites a key whose
 *                        content a kept release still needs (index.html, manifest.json...), so a
 *                        rollback works whether or not the bucket has versioning
 */

export const RECORD_DIR = '.deploy-suite';
export const RECORD_FORMAT = 1;

export interface ReleaseFile {
  /** path inside the site (the key is prefix + path) */
  path: string;
  sha256: string;
  size: number;
  contentType: string;
  cacheControl: string;
  /** the ETag S3 gave the object when this release wrote (or found) it */
  etag?: string;
}

export interface ReleaseRecord {
  format: typeof RECORD_FORMAT;
  id: string;
  createdAt: string;
  /** the release this one restored (a rollback), if any */
  restoredFrom?: string;
  /** commit, ref, run: where the release came from */
  source?: Record<string, string>;
  files: ReleaseFile[];
}

export class RecordError extends Error {}

export const releasesPrefix = (prefix: string): string => `${prefix}${RECORD_DIR}/releases/`;
export const recordKey = (prefix: string, id: string): string => `${releasesPrefix(prefix)}${id}.json`;
export const blobsPrefix = (prefix: string): string => `${prefix}${RECORD_DIR}/objects/`;
export const blobKey = (prefix: string, sha256: string): string => `${blobsPrefix(prefix)}${sha256}`;

/** Whether a key is one of the suite's own (records, blobs) rather than a file of the site. */
export function isRecordKey(prefix: string, key: string): boolean {
  return key.startsWith(`${prefix}${RECORD_DIR}/`);
}

const RELEASE_ID = /^\d{8}T\d{6}Z(-[A-Za-z0-9]{1,40})?(\.\d+)?$/;

export function isReleaseId(id: string): boolean {
  return RELEASE_ID.test(id);
}

/** The release id of a record key, or undefined for another key. */
export function releaseIdOf(prefix: string, key: string): string | undefined {
  const base = releasesPrefix(prefix);
  if (!key.startsWith(base) || !key.endsWith('.json')) return undefined;
  const id = key.slice(base.length, -'.json'.length);
  return isReleaseId(id) ? id : undefined;
}

function idParts(id: string): { stamp: string; rest: string; counter: number } {
  const [main, counter] = id.split('.');
  return { stamp: main.slice(0, 16), rest: main.slice(16), counter: Number(counter ?? 0) };
}

/** Ids newest first: by time, then by the `.n` that newReleaseId adds to ids made in the same second. */
export function newestFirst(ids: string[]): string[] {
  return [...ids].sort((a, b) => {
    const x = idParts(a);
    const y = idParts(b);
    if (x.stamp !== y.stamp) return x.stamp < y.stamp ? 1 : -1;
    if (x.counter !== y.counter) return y.counter - x.counter;
    return x.rest < y.rest ? 1 : x.rest > y.rest ? -1 : 0;
  });
}

/**
 * A new id: UTC time to the second plus the short commit, e.g. `20261202T041500Z-3f2a9c1`. It always
 * sorts after every existing id: in the same second as the latest release, or with the runner's clock
 * behind it, it takes the latest's time and counts up (`...-3f2a9c1.1`).
 */
export function newReleaseId(now: Date, commit: string | undefined, existing: string[]): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const suffix = commit && /^[0-9a-f]{7,40}$/i.test(commit) ? `-${commit.slice(0, 7).toLowerCase()}` : '';
  const latest = newestFirst(existing)[0];
  if (!latest || stamp > idParts(latest).stamp) return `${stamp}${suffix}`;
  const { stamp: latestStamp, counter } = idParts(latest);
  return `${latestStamp}${suffix}.${counter + 1}`;
}

export function serializeRecord(record: ReleaseRecord): string {
  return `${JSON.stringify(record, null, 1)}\n`;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Reads a record, checking every field a rollback relies on; `where` names the object in errors. */
export function parseRecord(text: string, where: string): ReleaseRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RecordError(`The release record ${where} is not JSON`);
  }
  const record = value as Partial<ReleaseRecord> | null;
  if (!record || typeof record !== 'object' || record.format !== RECORD_FORMAT) {
    throw new RecordError(
      `The release record ${where} is not a format-${RECORD_FORMAT} deploy-static record`
    );
  }
  if (
    !isString(record.id) ||
    !isReleaseId(record.id) ||
    !isString(record.createdAt) ||
    !Array.isArray(record.files)
  ) {
    throw new RecordError(`The release record ${where} lacks its id, createdAt or files`);
  }
  const seen = new Set<string>();
  for (const file of record.files as unknown[]) {
    const f = file as Partial<ReleaseFile> | null;
    if (
      !f ||
      !isString(f.path) ||
      f.path === '' ||
      !isString(f.sha256) ||
      !/^[0-9a-f]{64}$/.test(f.sha256) ||
      typeof f.size !== 'number' ||
      !isString(f.contentType) ||
      !isString(f.cacheControl) ||
      (f.etag !== undefined && !isString(f.etag))
    ) {
      throw new RecordError(
        `The release record ${where} has a file entry without path, sha256, size or headers`
      );
    }
    if (seen.has(f.path)) throw new RecordError(`The release record ${where} lists ${f.path} twice`);
    seen.add(f.path);
  }
  return record as ReleaseRecord;
}

/** The keys (prefix + path) the given releases need. */
export function neededKeys(prefix: string, records: ReleaseRecord[]): Set<string> {
  return new Set(records.flatMap(record => record.files.map(file => `${prefix}${file.path}`)));
}

/** The content hashes the given releases need, for deciding which saved copies (blobs) to keep. */
export function neededHashes(records: ReleaseRecord[]): Set<string> {
  return new Set(records.flatMap(record => record.files.map(file => file.sha256)));
}
