import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';

/**
 * A zip whose bytes depend on the files alone: entries sorted by path, one fixed modification time,
 * Unix permissions normalised to 0644 (0755 when executable: .platform hooks must stay runnable).
 * The same files give the same bytes, hence the same sha256, hence the same S3 key.
 */
export interface ZipEntry {
  /** path inside the zip, `/`-separated */
  path: string;
  bytes: Uint8Array;
  executable?: boolean;
}

/**
 * fflate writes DOS times from the local-time fields of a Date, so the fixed time is built from local
 * fields too: 1980-01-02 00:00 in whatever time zone the runner uses gives the same DOS bytes.
 */
function fixedModificationTime(): Date {
  return new Date(1980, 0, 2, 0, 0, 0);
}

const UNIX = 3;
const REGULAR_FILE = 0o100000;

export function deterministicZip(entries: readonly ZipEntry[]): Uint8Array {
  const mtime = fixedModificationTime();
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const files: Zippable = {};
  for (const entry of sorted) {
    if (entry.path in files) throw new Error(`duplicate zip entry ${entry.path}`);
    const mode = REGULAR_FILE | (entry.executable ? 0o755 : 0o644);
    // The Unix mode sits in the upper 16 bits of the external attributes; multiply, since << would overflow.
    files[entry.path] = [entry.bytes, { mtime, os: UNIX, attrs: mode * 0x10000 }];
  }
  return zipSync(files, { level: 6, mtime });
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
