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
  await rm(outDir, { recursive: true, force: true });
  await run(
    process.execPath,
    [nccCli, 'build', entry, '-o', outDir, '--source-map', '--license', 'licenses.txt', '--quiet'],
    {
      maxBuffer: 64 * 1024 * 1024
    }
  );
}
