/**
 * Reads the built site: every file under `source`, with the content hashes that decide what changed
 * (SHA-256, never mtime: a fresh CI build touches every file) and the MD5 S3 reports as a single-part
 * ETag. `source` and every symlink in it must stay inside the workspace.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { RECORD_DIR } from '@deploy-suite/aws/static-site';

export interface LocalFile {
  /** path inside `source`, with forward slashes (the S3 key is prefix + path) */
  path: string;
  /** where to read it */
  absolute: string;
  size: number;
  sha256: string;
  md5: string;
}

export class SiteSourceError extends Error {}

const HASH_CONCURRENCY = 8;
/** S3 keys are at most 1024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

function inside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** `source` resolved in the workspace; fails when it is missing, not a folder, or leads outside. */
export async function resolveSource(source: string, workspace: string, input = 'source'): Promise<string> {
  const root = await realpath(workspace);
  const given = path.resolve(root, source);
  if (!inside(root, given)) {
    throw new SiteSourceError(
      `Input "${input}" (${JSON.stringify(source)}) is outside the workspace ${root}: give a folder inside it, e.g. "build"`
    );
  }
  let real: string;
  try {
    real = await realpath(given);
  } catch {
    throw new SiteSourceError(
      `Input "${input}": folder ${JSON.stringify(source)} does not exist in the workspace; build the site first ` +
        '(e.g. "npm run build") and give its output folder, e.g. "build" or "dist"'
    );
  }
  if (!inside(root, real)) {
    throw new SiteSourceError(
      `Input "${input}" (${JSON.stringify(source)}) is a symlink to ${real}, outside the workspace: give a folder inside it`
    );
  }
  if (!(await stat(real)).isDirectory()) {
    throw new SiteSourceError(
      `Input "${input}": ${JSON.stringify(source)} is a file; give the folder of the built site`
    );
  }
  return real;
}

async function hashFile(absolute: string): Promise<{ sha256: string; md5: string }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(absolute)) {
    sha256.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

/**
 * Every file under `root` (a folder resolveSource returned), sorted by path. Symlinks are followed
 * while they point inside `workspace`; one that leaves it, or a loop, fails the scan.
 */
export async function scanSite(root: string, workspace: string, input = 'source'): Promise<LocalFile[]> {
  const workspaceReal = await realpath(workspace);
  const found: Array<{ path: string; absolute: string; size: number }> = [];
  const visited = new Set<string>();

  async function walk(dir: string, relative: string): Promise<void> {
    const real = await realpath(dir);
    if (visited.has(real)) {
      throw new SiteSourceError(
        `Input "${input}": ${relative || '.'} links back to a folder already read (a symlink loop)`
      );
    }
    visited.add(real);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolute = path.join(dir, entry.name);
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (rel === RECORD_DIR) {
        throw new SiteSourceError(
          `Input "${input}" holds a ${RECORD_DIR} folder, which deploy-static keeps its release records in: rename it`
        );
      }
      let info = await lstat(absolute);
      if (info.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(absolute);
        } catch {
          throw new SiteSourceError(`Input "${input}": symlink ${rel} points to a file that does not exist`);
        }
        if (!inside(workspaceReal, target)) {
          throw new SiteSourceError(
            `Input "${input}": symlink ${rel} points outside the workspace (${target}); copy the file into the build instead`
          );
        }
        info = await stat(absolute);
      }
      if (info.isDirectory()) await walk(absolute, rel);
      else if (info.isFile()) {
        if (Buffer.byteLength(rel) > MAX_KEY_BYTES) {
          throw new SiteSourceError(
            `Input "${input}": the path ${rel.slice(0, 80)}... is longer than S3's 1024-byte key limit`
          );
        }
        found.push({ path: rel, absolute, size: info.size });
      }
    }
  }

  await walk(root, '');
  if (found.length === 0) {
    throw new SiteSourceError(
      `Input "${input}": the folder is empty; build the site first (e.g. "npm run build") and give its output folder`
    );
  }
  const files: LocalFile[] = new Array(found.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(HASH_CONCURRENCY, found.length) }, async () => {
      while (next < found.length) {
        const index = next++;
        files[index] = { ...found[index], ...(await hashFile(found[index].absolute)) };
      }
    })
  );
  return files;
}
