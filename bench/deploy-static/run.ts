/**
 * deploy-static beside `aws s3 sync` on the simulator: a 600-file React build (Eloquent AI's frontend,
 * seed 004) deployed, then rebuilt from scratch with 5 files changed (fresh mtimes on every file, as in
 * CI) and deployed again. Prints PUT requests and wall time of each; asserts nothing.
 *
 *   npm run bench:deploy-static            (needs the aws CLI: apt-get install awscli)
 *
 * deploy-static runs in-process through its real SDK clients (no Node start-up counted); `aws s3 sync` is a
 * process, so its Python start-up is measured once (`aws --version`) and printed beside it. No CloudFront
 * here: both sides do S3 work only.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunningSimulator, S3SimService } from '@deploy-suite/sim';
import { MemoryLogger, frozenSim, simAwsContext, simClock, simEnv } from '@deploy-suite/testing';
import { deploySite } from '../../actions/deploy-static/src/deploy.js';
import { resolveSource, scanSite } from '../../actions/deploy-static/src/files.js';
import { sdkSiteStore } from '@deploy-suite/aws/static-site';
import { tempWorkspace, type BuildOptions } from '@deploy-suite/testing/worlds/static-site';

const run = promisify(execFile);
const CHUNKS = 591; // + 9 files of the app shell = 600 files
const CHANGED_CHUNK = 17;
const build = (version: string): BuildOptions => ({
  version,
  chunks: CHUNKS,
  chunkBytes: 6 * 1024,
  versionedChunks: [CHANGED_CHUNK]
});

const writesOf = (calls: Record<string, number>) =>
  (calls['S3.PutObject'] ?? 0) + (calls['S3.UploadPart'] ?? 0) + (calls['S3.CopyObject'] ?? 0);

async function measure<T>(
  sim: RunningSimulator,
  work: () => Promise<T>
): Promise<{ ms: number; puts: number; value: T }> {
  const before = writesOf(sim.control.calls());
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, puts: writesOf(sim.control.calls()) - before, value };
}

async function main(): Promise<void> {
  const aws = await run('aws', ['--version']).then(
    () => true,
    () => false
  );
  const sim = await frozenSim();
  const ws = tempWorkspace();
  const s3 = sim.control.service<S3SimService>('S3')!;
  s3.ensureBucket('eloquent-ai-frontend-prod', 'us-east-1');
  s3.ensureBucket('eloquent-ai-frontend-sync', 'us-east-1');
  const context = simAwsContext(sim, 'deploy-static');
  const env = { ...process.env, ...simEnv(sim), AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
  const deploy = async () => {
    const files = await scanSite(await resolveSource('build', ws.root), ws.root);
    return deploySite(
      files,
      {
        bucket: 'eloquent-ai-frontend-prod',
        prefix: '',
        region: 'us-east-1',
        cacheRules: [],
        delete: true,
        keepReleases: 3,
        invalidate: 'none',
        waitForInvalidation: false,
        waitMs: 60_000,
        dryRun: false
      },
      {
        store: sdkSiteStore(context, 'eloquent-ai-frontend-prod'),
        clock: simClock(sim),
        logger: new MemoryLogger(),
        now: () => new Date()
      }
    );
  };
  const sync = () =>
    run(
      'aws',
      [
        '--endpoint-url',
        sim.endpoint,
        's3',
        'sync',
        path.join(ws.root, 'build'),
        's3://eloquent-ai-frontend-sync/',
        '--only-show-errors'
      ],
      {
        env,
        maxBuffer: 16 * 1024 * 1024
      }
    );

  try {
    const rows: string[][] = [];
    ws.build(build('1.0.0'));
    const firstDeploy = await measure(sim, deploy);
    const firstSync = aws ? await measure(sim, sync) : undefined;
    // a fresh CI checkout and build: every file written again, 5 of them with new content
    await new Promise(resolve => setTimeout(resolve, 1100)); // mtimes one second later, as a later build's would be
    ws.build(build('1.0.1'));
    const secondDeploy = await measure(sim, deploy);
    const secondSync = aws ? await measure(sim, sync) : undefined;

    rows.push([
      'first deploy (600 files)',
      `${firstDeploy.puts}`,
      `${firstDeploy.ms.toFixed(0)} ms`,
      firstSync ? `${firstSync.puts}` : '-',
      firstSync ? `${firstSync.ms.toFixed(0)} ms` : '-'
    ]);
    rows.push([
      'rebuild, 5 files changed',
      `${secondDeploy.puts}`,
      `${secondDeploy.ms.toFixed(0)} ms`,
      secondSync ? `${secondSync.puts}` : '-',
      secondSync ? `${secondSync.ms.toFixed(0)} ms` : '-'
    ]);
    const startup = aws ? await measure(sim, () => run('aws', ['--version'], { env })) : undefined;

    console.log(
      'deploy-static vs aws s3 sync on the simulator (S3 writes = PutObject + UploadPart + CopyObject)\n'
    );
    console.log(
      '| scenario | deploy-static writes | deploy-static time | aws s3 sync writes | aws s3 sync time |'
    );
    console.log('| --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log(
      `\nre-deploy: uploaded ${secondDeploy.value.uploaded.length} (${secondDeploy.value.uploaded.map(f => f.path).join(', ')}), ` +
        `unchanged ${secondDeploy.value.unchanged.length}; status ${secondDeploy.value.status}, release ${secondDeploy.value.release}`
    );
    console.log(
      '(deploy-static writes include the release record, and saved copies of overwritten entry points)'
    );
    if (startup) console.log(`aws CLI start-up alone (aws --version): ${startup.ms.toFixed(0)} ms`);
    if (secondSync) {
      console.log(
        `re-deploy time, deploy-static / aws s3 sync: ${(secondDeploy.ms / secondSync.ms).toFixed(2)}`
      );
    } else {
      console.log('aws CLI not found: install it (apt-get install awscli) for the comparison');
    }
  } finally {
    ws.remove();
    await sim.close();
  }
}

await main();
