import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const nccCli = path.join(path.dirname(require.resolve('@vercel/ncc/package.json')), 'dist/ncc/cli.js');

/**
 * Bundles one action entry point with ncc into `outDir`: index.js (+ chunks for lazily loaded AWS
 * clients), a source map, licenses.txt and a package.json that marks the bundle as ESM.
 */
export async function bundle(entry, outDir) {
  // Build beside the old bundle and swap only on success, so a failed build never leaves dist/ empty.
  const staging = `${outDir}.building`;
  await rm(staging, { recursive: true, force: true });
  try {
    await run(
      process.execPath,
      [nccCli, 'build', entry, '-o', staging, '--source-map', '--license', 'licenses.txt', '--quiet'],
      { maxBuffer: 64 * 1024 * 1024 }
    );
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
}
