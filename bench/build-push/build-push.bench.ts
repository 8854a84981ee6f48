/**
 * Wall time of building and pushing three small images one after another (max-parallel 1) versus in parallel
 * (max-parallel 3), and of promoting an existing image versus rebuilding it. Real buildah (vfs, chroot) and a
 * real docker-registry on loopback. Prints figures; asserts nothing.
 *   npx tsx bench/build-push/build-push.bench.ts
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Inputs } from '@deploy-suite/core';
import {
  MemoryLogger,
  objectInputReader,
  BUILD_TOOLS,
  missingTools,
  startLocalRegistry
} from '@deploy-suite/testing';
import { buildAndPush } from '../../actions/build-push/src/build-push.js';
import { spawnRunner } from '../../actions/build-push/src/commands.js';
import { diskFiles, readBuildPushInputs } from '../../actions/build-push/src/inputs.js';
import { INSTALL, writeContext } from '@deploy-suite/testing';

const missing = missingTools(BUILD_TOOLS);
if (missing.length > 0) {
  console.error(`bench/build-push needs ${missing.join(' and ')}: ${INSTALL}`);
  process.exit(1);
}

const registry = await startLocalRegistry();
Object.assign(process.env, registry.buildEnv);
const workspace = mkdtempSync(path.join(tmpdir(), 'chatrelay-bench-'));
const services = ['main-app', 'agent-service', 'mcp-gateway'];
for (const service of services) {
  writeContext(workspace, service, service);
  // a few hundred KB per image, so the push moves real bytes
  writeFileSync(path.join(workspace, service, 'hello.txt'), `${service}\n`.repeat(40_000));
}
const images = services
  .map(service => `- repository: chatrelay/${service}\n  context: ./${service}`)
  .join('\n');

async function timed(label: string, values: Record<string, string>, sha: string): Promise<number> {
  const settings = await readBuildPushInputs(
    new Inputs(objectInputReader({ registry: registry.host, builder: 'buildah', ...values })),
    {
      git: { sha, branch: 'main', defaultBranch: 'main', isDefaultBranch: true },
      files: diskFiles,
      workspace
    }
  );
  const started = performance.now();
  await buildAndPush(settings, {
    runner: spawnRunner,
    logger: new MemoryLogger(),
    defaultRegistry: async () => {
      throw new Error('not ECR');
    },
    ecrApi: () => {
      throw new Error('not ECR');
    },
    workspace,
    runnerTemp: mkdtempSync(path.join(tmpdir(), 'bench-temp-')),
    env: process.env
  });
  const ms = performance.now() - started;
  console.log(`${label.padEnd(52)} ${(ms / 1000).toFixed(2)} s`);
  return ms;
}

const sha = (n: number) => String(n).repeat(40).slice(0, 40);
try {
  console.log(`buildah ${registry.host}, 3 images (FROM scratch + COPY ~500 KB), tags {sha} + latest\n`);
  const sequential = await timed(
    '3 images, max-parallel 1 (one after another)',
    { images, tags: '{sha}\nlatest', 'max-parallel': '1' },
    sha(1)
  );
  const parallel = await timed(
    '3 images, max-parallel 3 (parallel)',
    { images, tags: '{sha}\nlatest', 'max-parallel': '3' },
    sha(2)
  );
  console.log(`parallel / sequential: ${(parallel / sequential).toFixed(2)}\n`);
  const rebuild = await timed(
    'rebuild chatrelay/main-app (skip-existing: false)',
    {
      repository: 'chatrelay/main-app',
      context: './main-app',
      tags: '{sha}\nproduction',
      'skip-existing': 'false'
    },
    sha(2)
  );
  const promote = await timed(
    'promote chatrelay/main-app {sha} -> production',
    { repository: 'chatrelay/main-app', 'source-tag': '{sha}', tags: 'production' },
    sha(1)
  );
  console.log(`promote / rebuild: ${(promote / rebuild).toFixed(3)}`);
} finally {
  await registry.stop();
}
