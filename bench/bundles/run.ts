/**
 * bench/bundles: our bundles against aws-actions/amazon-ecs-deploy-task-definition's (AED), on this machine.
 *
 * - start: each action's bundle failing on a missing input (no inputs given), paired with AED's bundle
 *   doing the same, wall time and peak RSS, medians; per node (this one, and Node 24 when given);
 * - deploy: register + update one service, no wait, on the simulator: deploy-ecs paired with AED;
 * - tarball: `git archive HEAD`, gzipped (what a runner downloads to use the suite) against
 *   aws-actions' ECR-login + ECS-deploy repositories together;
 * - start path: the files each bundle loads before it reads its inputs (held to start-budget.json by
 *   __tests__/start-path.test.ts).
 *
 * Figures are printed as ratios to AED and compared with issue 13's goals; nothing here is asserted.
 * AED and ECR-login are not in this repository: give their git directories (bare clones are fine):
 *
 *   npm run bench:bundles -- --aed-git <dir> --ecr-login-git <dir> [--node24 <node binary>] [--runs 21]
 *   (or AED_GIT_DIR, ECR_LOGIN_GIT_DIR, DEPLOY_SUITE_NODE in the environment)
 *
 * `--suite <checkout>` measures another checkout of the suite (an older commit, say) instead of this one;
 * its tarball is that checkout's `git archive HEAD` when it is a git work tree.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { actionBundlePath, inputEnvName, simEnv } from '@deploy-suite/testing';
import {
  backendImage,
  backendSeed,
  seedServices,
  CLUSTER,
  BACKEND
} from '@deploy-suite/testing/worlds/deploy-ecs';
import { repoRoot, runnerEnvWithoutInputs, startPath, suiteActions } from './start-path.js';

// The SDK's notice about this machine's Node (the runner is on Node 24) is noise in the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const GOALS = { start: 0.45, deployWall: 0.8, deployMemory: 0.8, tarball: 0.75 };

function option(flag: string, envName: string): string | undefined {
  const at = process.argv.indexOf(flag);
  if (at > 0 && process.argv[at + 1]) return process.argv[at + 1];
  return process.env[envName] || undefined;
}
const runs = Number(option('--runs', 'BENCH_RUNS') ?? 21);
const deployRuns = Number(option('--deploy-runs', 'BENCH_DEPLOY_RUNS') ?? 11);
const aedGit = option('--aed-git', 'AED_GIT_DIR');
const ecrLoginGit = option('--ecr-login-git', 'ECR_LOGIN_GIT_DIR');
const node24 = option('--node24', 'DEPLOY_SUITE_NODE');
const suite = path.resolve(option('--suite', 'BENCH_SUITE') ?? repoRoot);

const FETCH_HINT =
  'AED is not in this repository and must not be committed. Get a bare clone, e.g.\n' +
  '  git clone --bare https://github.com/aws-actions/amazon-ecs-deploy-task-definition /tmp/aed.git\n' +
  '  git clone --bare https://github.com/aws-actions/amazon-ecr-login /tmp/ecr-login.git\n' +
  'and pass --aed-git /tmp/aed.git --ecr-login-git /tmp/ecr-login.git (or AED_GIT_DIR / ECR_LOGIN_GIT_DIR).';

for (const [name, dir] of [
  ['--aed-git', aedGit],
  ['--ecr-login-git', ecrLoginGit]
] as const) {
  if (dir && !existsSync(dir)) {
    console.error(`${name} ${dir} does not exist.\n${FETCH_HINT}`);
    process.exit(1);
  }
}
if (node24 && !existsSync(node24)) {
  console.error(`--node24 / DEPLOY_SUITE_NODE ${node24} does not exist: give a Node 24 binary (see .ci/run)`);
  process.exit(1);
}
if (!aedGit || !ecrLoginGit) console.log(`note: ratios to AED are skipped.\n${FETCH_HINT}\n`);

const hasTime = existsSync('/usr/bin/time');
if (!hasTime) console.log('note: /usr/bin/time is missing (apt-get install time): no peak memory figures\n');

interface Sample {
  ms: number;
  /** user + system CPU time, ms (GNU time's %U + %S): steadier than wall time on a busy machine */
  cpuMs: number;
  /** peak resident set size, KB (GNU time's %M) */
  rssKb: number;
  exitCode: number | null;
  output: string;
}

/** One process: node <script> in `cwd` with `env`, timed from spawn to exit; CPU and peak RSS from GNU time. */
function runOnce(node: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Sample> {
  const memoryFile = path.join(tmpdir(), `bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [command, commandArgs] = hasTime
    ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', memoryFile, node, ...args]]
    : [node, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, commandArgs, { env, cwd });
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    child.on('error', reject);
    child.on('close', exitCode => {
      const ms = performance.now() - started;
      let rssKb = NaN;
      let cpuMs = NaN;
      if (hasTime) {
        // the last line: an exit-status line may come first
        const [rss, user, system] = readFileSync(memoryFile, 'utf8').trim().split('\n').pop()!.split(' ');
        rssKb = Number(rss);
        cpuMs = (Number(user) + Number(system)) * 1000;
        rmSync(memoryFile, { force: true });
      }
      resolve({ ms, cpuMs, rssKb, exitCode, output });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Medians of each side, and the median of the per-round ratios ours/AED (what the goals are read on). */
interface Paired {
  oursMs: number;
  aedMs: number;
  wallRatio: number;
  oursCpuMs: number;
  aedCpuMs: number;
  cpuRatio: number;
  oursKb: number;
  aedKb: number;
  memoryRatio: number;
}

/** Runs `ours` and `aed` alternately (the order flips every round), `count` rounds after one warm-up. */
async function paired(
  count: number,
  ours: () => Promise<Sample>,
  aed: (() => Promise<Sample>) | undefined
): Promise<Paired> {
  await ours();
  if (aed) await aed();
  const mine: Sample[] = [];
  const theirs: Sample[] = [];
  for (let round = 0; round < count; round++) {
    if (round % 2 === 0 || !aed) {
      mine.push(await ours());
      if (aed) theirs.push(await aed());
    } else {
      theirs.push(await aed());
      mine.push(await ours());
    }
  }
  const side = (samples: Sample[], pick: (sample: Sample) => number) =>
    samples.length > 0 ? median(samples.map(pick)) : NaN;
  const perRound = (pick: (sample: Sample) => number) =>
    theirs.length > 0 ? median(mine.map((sample, round) => pick(sample) / pick(theirs[round]))) : NaN;
  return {
    oursMs: side(mine, sample => sample.ms),
    aedMs: side(theirs, sample => sample.ms),
    wallRatio: perRound(sample => sample.ms),
    oursCpuMs: side(mine, sample => sample.cpuMs),
    aedCpuMs: side(theirs, sample => sample.cpuMs),
    cpuRatio: perRound(sample => sample.cpuMs),
    oursKb: side(mine, sample => sample.rssKb),
    aedKb: side(theirs, sample => sample.rssKb),
    memoryRatio: perRound(sample => sample.rssKb)
  };
}

const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '-');
const ratio = (ours: number, theirs: number): string => times(ours / theirs);
const verdict = (value: number, goal: number): string =>
  Number.isFinite(value) ? (value <= goal ? `meets <= ${goal}x` : `MISSES <= ${goal}x`) : '';
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const mb = (kb: number): string => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MB` : '-');

function table(rows: string[][]): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map(row => row[column].length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd()
    );
}

/** A checkout of a git directory's HEAD in a temp folder (action.yml and dist/ are what we need). */
function checkout(gitDir: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-anchor-'));
  const tar = execFileSync('git', ['--git-dir', gitDir, 'archive', 'HEAD'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return dir;
}

/** Bytes of `git archive --format=tar.gz HEAD` of a git directory (or, without one, of this repository). */
function tarballBytes(gitDir?: string): number {
  const where = gitDir ? ['--git-dir', gitDir] : [];
  return execFileSync('git', [...where, 'archive', '--format=tar.gz', 'HEAD'], {
    cwd: suite,
    maxBuffer: 256 * 1024 * 1024
  }).length;
}

const aedDir = aedGit ? checkout(aedGit) : undefined;
const nodes: Array<[string, string]> = [[`node ${process.version}`, process.execPath]];
if (node24) nodes.push([`node ${execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim()}`, node24]);
if (!node24) console.log('note: no --node24 / DEPLOY_SUITE_NODE: start figures for this node only\n');

const actions = await suiteActions(suite);
if (suite !== repoRoot) console.log(`measuring the suite at ${suite}\n`);
const scratch = mkdtempSync(path.join(tmpdir(), 'bench-bundles-'));
const goalRows: string[][] = [['goal', 'figure', 'ratio to AED', '']];

// ---- start ----
for (const [label, node] of nodes) {
  console.log(
    `## Start, failing on a missing input (${label}, ${runs} paired runs; ratio = median of per-run ratios)\n`
  );
  const aedStart = aedDir
    ? () => runOnce(node, [actionBundlePath(aedDir)], runnerEnvWithoutInputs(aedDir, scratch), scratch)
    : undefined;
  const rows = [
    ['bundle', 'wall', 'AED', 'ratio', 'CPU', 'AED', 'ratio', 'peak RSS', 'AED', 'ratio', 'goal']
  ];
  const row = (name: string, figures: Paired, goal: boolean) => [
    name,
    ms(figures.oursMs),
    Number.isFinite(figures.aedMs) ? ms(figures.aedMs) : '-',
    times(figures.wallRatio),
    ms(figures.oursCpuMs),
    Number.isFinite(figures.aedCpuMs) ? ms(figures.aedCpuMs) : '-',
    times(figures.cpuRatio),
    mb(figures.oursKb),
    mb(figures.aedKb),
    times(figures.memoryRatio),
    goal ? verdict(figures.wallRatio, GOALS.start) : ''
  ];
  let worst = 0;
  for (const action of actions) {
    const bundle = actionBundlePath(action.dir);
    const figures = await paired(
      runs,
      () => runOnce(node, [bundle], runnerEnvWithoutInputs(action.dir, scratch), scratch),
      aedStart
    );
    worst = Math.max(worst, figures.wallRatio);
    rows.push(row(action.name, figures, true));
  }
  const bare = await paired(
    runs,
    () => runOnce(node, ['-e', ''], { PATH: process.env.PATH }, scratch),
    aedStart
  );
  rows.push(row('node -e ""', bare, false));
  table(rows);
  console.log('');
  if (aedDir) {
    goalRows.push([
      `start, every bundle (${label})`,
      'slowest bundle',
      times(worst),
      verdict(worst, GOALS.start)
    ]);
  }
}

// ---- deploy ----
const sim: RunningSimulator = await startSimulator({ port: 0, timeScale: 600 });
try {
  await seedServices(sim, [backendSeed]);
  let revision = 1;
  /** The API calls of each one's last deploy, as `Service.Operation x count`. */
  const lastCalls = new Map<string, string>();
  const deployWith =
    (node: string, actionDir: string, inputs: Record<string, string>) => async (): Promise<Sample> => {
      const workspace = mkdtempSync(path.join(scratch, 'deploy-'));
      mkdirSync(path.join(workspace, 'ecs'));
      revision++; // a new image each time, so every run registers a new revision
      writeFileSync(
        path.join(workspace, 'ecs/backend.json'),
        JSON.stringify({
          family: backendSeed.family,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '512',
          memory: '1024',
          containerDefinitions: [
            {
              name: backendSeed.container,
              image: backendImage(`v${revision}`),
              essential: true,
              portMappings: [{ containerPort: backendSeed.port }]
            }
          ]
        })
      );
      const env = { ...runnerEnvWithoutInputs(actionDir, workspace), ...simEnv(sim) };
      for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value;
      const before = sim.control.calls();
      const sample = await runOnce(node, [actionBundlePath(actionDir)], env, workspace);
      const calls = Object.entries(sim.control.calls())
        .map(([call, count]) => [call, count - (before[call] ?? 0)] as const)
        .filter(([, count]) => count > 0);
      lastCalls.set(actionDir, calls.map(([call, count]) => `${call} x${count}`).join(', '));
      if (sample.exitCode !== 0) {
        throw new Error(
          `${path.basename(actionDir)} failed to deploy (exit ${sample.exitCode}):\n${sample.output}`
        );
      }
      rmSync(workspace, { recursive: true, force: true });
      return sample;
    };
  const common = {
    cluster: CLUSTER,
    service: BACKEND,
    'task-definition': 'ecs/backend.json',
    'wait-for-service-stability': 'false'
  };
  const deployEcs = actions.find(action => action.name === 'deploy-ecs');
  if (!deployEcs) throw new Error('no actions/deploy-ecs to measure');
  for (const [label, node] of nodes) {
    console.log(
      `## Deploy on the simulator: register + update one service, no wait (${label}, ${deployRuns} paired runs, medians)\n`
    );
    const figures = await paired(
      deployRuns,
      deployWith(node, deployEcs.dir, common),
      aedDir ? deployWith(node, aedDir, common) : undefined
    );
    table([
      ['', 'wall', 'CPU', 'peak RSS'],
      ['deploy-ecs', ms(figures.oursMs), ms(figures.oursCpuMs), mb(figures.oursKb)],
      [
        'AED',
        Number.isFinite(figures.aedMs) ? ms(figures.aedMs) : '-',
        Number.isFinite(figures.aedCpuMs) ? ms(figures.aedCpuMs) : '-',
        mb(figures.aedKb)
      ],
      ['ratio', times(figures.wallRatio), times(figures.cpuRatio), times(figures.memoryRatio)]
    ]);
    console.log(`API calls, deploy-ecs: ${lastCalls.get(deployEcs.dir)}`);
    if (aedDir) console.log(`API calls, AED:        ${lastCalls.get(aedDir)}`);
    console.log('(the simulator runs in this process)\n');
    if (aedDir) {
      goalRows.push([
        `deploy wall (${label})`,
        ms(figures.oursMs),
        times(figures.wallRatio),
        verdict(figures.wallRatio, GOALS.deployWall)
      ]);
      goalRows.push([
        `deploy peak memory (${label})`,
        mb(figures.oursKb),
        times(figures.memoryRatio),
        verdict(figures.memoryRatio, GOALS.deployMemory)
      ]);
    }
  }
} finally {
  await sim.close();
}

// ---- tarball ----
console.log('## Repository tarball (git archive --format=tar.gz HEAD)\n');
let ours = NaN;
try {
  ours = tarballBytes();
} catch {
  console.log(`${suite} is not a git work tree: no tarball figure for it`);
}
const anchors = aedGit && ecrLoginGit ? tarballBytes(aedGit) + tarballBytes(ecrLoginGit) : NaN;
const kb = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(0)} KB` : '-');
table([
  ['', 'bytes', ''],
  [`deploy-suite (${actions.length} actions)`, kb(ours), ''],
  [
    'ECR-login + ECS-deploy',
    kb(anchors),
    aedGit && ecrLoginGit ? `${kb(tarballBytes(ecrLoginGit))} + ${kb(tarballBytes(aedGit))}` : ''
  ],
  ['ratio', ratio(ours, anchors), '']
]);
console.log('');
if (Number.isFinite(anchors)) {
  goalRows.push([
    `tarball, ${actions.length} actions`,
    kb(ours),
    ratio(ours, anchors),
    verdict(ours / anchors, GOALS.tarball)
  ]);
}

// ---- start path ----
console.log('## What each bundle loads at start (budget: bench/bundles/start-budget.json)\n');
for (const action of actions) {
  const start = await startPath(action.dir);
  console.log(
    `${action.name}: ${start.files.length} files, ${kb(start.bytes)}; builtins ${start.builtins.join(' ')}`
  );
  for (const file of start.files) console.log(`  ${String(file.bytes).padStart(7)}  ${file.file}`);
}
if (aedDir) {
  const start = await startPath(aedDir);
  console.log(`AED: ${start.files.length} files, ${kb(start.bytes)}; builtins ${start.builtins.length}`);
}
console.log('');

if (goalRows.length > 1) {
  console.log('## Goals (issue 13)\n');
  table(goalRows);
}
rmSync(scratch, { recursive: true, force: true });
if (aedDir) rmSync(aedDir, { recursive: true, force: true });
