/**
 * What a bundle loads at start: the bundle run as the runner runs it with no inputs given (defaults from
 * action.yml only), so it fails on its first missing input, under a loader hook that records every module
 * it loads. Used by the bench (to print the list) and by the start-path test (to hold it to a budget).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { actionBundlePath, inputEnvName, readActionManifest } from '@deploy-suite/testing/run-action';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');

/** Every folder of actions/ with an action.yml: what `npm run build` bundles (one home: scripts/bundle.mjs). */
export async function suiteActions(suiteRoot = repoRoot): Promise<Array<{ name: string; dir: string }>> {
  // @ts-expect-error plain ESM build script without types
  const { discoverActions } = (await import('../../scripts/bundle.mjs')) as {
    discoverActions: (base: string) => Array<{ name: string; entryPoint: string }>;
  };
  return discoverActions(suiteRoot).map(action => ({
    name: action.name,
    dir: path.resolve(action.entryPoint, '../..')
  }));
}

/**
 * The environment the runner gives a step, with only action.yml's plain defaults as inputs (expressions
 * such as `${{ github.token }}` become ''), and fresh command files in `dir`.
 */
export function runnerEnvWithoutInputs(actionDir: string, dir: string): NodeJS.ProcessEnv {
  const files = {
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
    GITHUB_ENV: path.join(dir, 'env'),
    GITHUB_PATH: path.join(dir, 'path')
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(readActionManifest(actionDir).inputs ?? {})) {
    if (spec.default === undefined) continue;
    inputs[inputEnvName(name)] = String(spec.default).replace(/\$\{\{[^}]*\}\}/g, '');
  }
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    RUNNER_OS: 'Linux',
    GITHUB_REPOSITORY: 'octo-org/deploy-suite-consumer',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    // The SDK's notice about Node versions is not part of a start on the runner (Node 24).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...files,
    ...inputs
  };
}

export interface LoadedFile {
  /** relative to the repository for our bundles, else absolute */
  file: string;
  bytes: number;
}

export interface StartPath {
  exitCode: number | null;
  /** the ::error:: line the bundle failed with */
  failure?: string;
  files: LoadedFile[];
  bytes: number;
  builtins: string[];
}

/** Runs the action's bundle with no inputs under the recording hook; `node` defaults to this one. */
export async function startPath(actionDir: string, node = process.execPath): Promise<StartPath> {
  const dir = mkdtempSync(path.join(tmpdir(), 'start-path-'));
  try {
    const record = path.join(dir, 'loads.txt');
    writeFileSync(record, '');
    const env = { ...runnerEnvWithoutInputs(actionDir, dir), RECORD_LOADS_TO: record };
    const hook = path.join(here, 'record-loads.mjs');
    const { exitCode, output } = await new Promise<{ exitCode: number | null; output: string }>(
      (resolve, reject) => {
        const child = spawn(node, ['--import', hook, actionBundlePath(actionDir)], { env, cwd: dir });
        let output = '';
        child.stdout.on('data', chunk => (output += chunk));
        child.stderr.on('data', chunk => (output += chunk));
        child.on('error', reject);
        child.on('close', code => resolve({ exitCode: code, output }));
      }
    );
    const urls = [...new Set(readFileSync(record, 'utf8').split('\n').filter(Boolean))];
    const files = urls
      .filter(url => url.startsWith('file:'))
      .map(url => fileURLToPath(url))
      .filter(file => file !== hook)
      .map(file => ({
        file: file.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, file) : file,
        bytes: statSync(file).size
      }))
      .sort((a, b) => a.file.localeCompare(b.file));
    return {
      exitCode,
      failure: /^::error::(.*)$/m.exec(output)?.[1],
      files,
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
      builtins: urls.filter(url => url.startsWith('node:')).sort()
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StartBudget {
  /** bytes of bundle files one action may load before it reads its inputs */
  maxBytes: number;
  maxFiles: number;
  /** builtins that mean a network or compression stack was loaded at start */
  forbiddenBuiltins: string[];
}

export function readStartBudget(): StartBudget {
  return JSON.parse(readFileSync(path.join(here, 'start-budget.json'), 'utf8')) as StartBudget;
}

/** What is wrong with a start path against the budget, in words; [] when within it. */
export function overBudget(name: string, start: StartPath, budget: StartBudget): string[] {
  const problems: string[] = [];
  const list = start.files.map(file => `  ${file.bytes} ${file.file}`).join('\n');
  if (start.bytes > budget.maxBytes) {
    problems.push(
      `${name} loads ${start.bytes} bytes at start, over the budget of ${budget.maxBytes}:\n${list}`
    );
  }
  if (start.files.length > budget.maxFiles) {
    problems.push(
      `${name} loads ${start.files.length} files at start, over the budget of ${budget.maxFiles}:\n${list}`
    );
  }
  const forbidden = start.builtins.filter(builtin => budget.forbiddenBuiltins.includes(builtin));
  if (forbidden.length > 0) {
    problems.push(`${name} loads ${forbidden.join(', ')} at start: load it on first use (await import())`);
  }
  return problems;
}
