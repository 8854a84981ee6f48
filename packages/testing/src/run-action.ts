import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  RUNNER_SECRETS,
  RUNNER_SECRET_VALUES,
  assertNoSecretLeaks,
  findSecretLeaks
} from './planted-secrets.js';

/**
 * Runs an action's bundle (action.yml `runs.main`, e.g. `../../dist/<name>/index.js`) in a separate node
 * process exactly as the GitHub runner does:
 * inputs as INPUT_<NAME> with the defaults of action.yml applied, the GITHUB_OUTPUT / GITHUB_STATE /
 * GITHUB_STEP_SUMMARY / GITHUB_ENV files, GITHUB_WORKSPACE and RUNNER_TEMP, then the post script with
 * STATE_* from what the main script saved. Workflow commands on stdout are read like the runner reads them.
 * The node binary is `DEPLOY_SUITE_NODE` when set (CI runs the contract tests on the runner's Node 24 as
 * well as the machine's own), else the node running the tests.
 */
export interface ActionRunOptions {
  /** folder holding action.yml */
  actionDir: string;
  /** inputs by name; inputs not given get the default from action.yml */
  inputs?: Record<string, string>;
  /** extra environment (AWS_ENDPOINT_URL, credentials, GITHUB_* context) */
  env?: Record<string, string | undefined>;
  /** GITHUB_WORKSPACE and working directory; default a fresh temp folder */
  workspace?: string;
  /** run the post script too when action.yml has one (default true) */
  runPost?: boolean;
  /** kill the step after this many ms (default 120 s) */
  timeoutMs?: number;
  /** values for `${{ github.token }}`-style defaults */
  expressions?: Record<string, string>;
  /** called with each chunk of output as the process writes it (live logs, e.g. in a rehearsal) */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Leave the post script for later, as the runner does (post steps run at the end of the job):
   * the result then carries `runDeferredPost` instead of `post`. Ignored when `runPost` is false.
   */
  deferPost?: boolean;
  /**
   * Secrets the test planted (in inputs, files, AWS or the environment). With the runner's own secrets
   * (RUNNER_SECRETS, always planted), they must reach no log, summary, output, state or exported
   * variable: the run fails the test otherwise, unless `allowLeaks` is set (tests of the scan itself).
   */
  plantedSecrets?: string[];
  allowLeaks?: boolean;
  /**
   * Cancel the main step the way the runner does once its output matches: SIGINT, SIGTERM 7.5 s later,
   * SIGKILL 2.5 s after that (unless it exited). The result's `signals` lists what was sent.
   */
  cancelWhen?: RegExp;
}

export interface StepResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** signals sent to cancel the step (cancelWhen) */
  signals: string[];
}

/** The runner's cancel sequence: SIGINT, then SIGTERM after 7.5 s, then SIGKILL after 2.5 s more. */
export const RUNNER_CANCEL_SEQUENCE: Array<{ signal: NodeJS.Signals; afterMs: number }> = [
  { signal: 'SIGINT', afterMs: 0 },
  { signal: 'SIGTERM', afterMs: 7_500 },
  { signal: 'SIGKILL', afterMs: 2_500 }
];

export interface PostResult {
  exitCode: number | null;
  log: string;
  rawLog: string;
}

export interface ActionRunResult {
  exitCode: number | null;
  /** outputs from GITHUB_OUTPUT, both `name=value` and heredoc forms */
  outputs: Record<string, string>;
  /** what the step appended to GITHUB_STEP_SUMMARY */
  summary: string;
  /** state saved for the post step (GITHUB_STATE) */
  state: Record<string, string>;
  /** variables exported through GITHUB_ENV */
  exportedEnv: Record<string, string>;
  /** the main step's log as the runner would show it: masked values replaced by *** */
  log: string;
  /** stdout + stderr exactly as the process wrote them (workflow commands included) */
  rawLog: string;
  /** the values the step asked the runner to mask */
  masks: string[];
  /** ::error:: / ::warning:: / ::notice:: annotations */
  annotations: Array<{ level: string; message: string }>;
  /** the message of `core.setFailed` (the last ::error:: annotation) when the step failed */
  failure?: string;
  post?: PostResult;
  /** runs the post script later, when `deferPost` was set and action.yml has a post script */
  runDeferredPost?: () => Promise<PostResult>;
  /** folders the step added to PATH through GITHUB_PATH */
  paths: string[];
  /** signals sent to cancel the main step (cancelWhen), in order */
  signals: string[];
  /** where planted secrets showed up (always empty unless `allowLeaks`) */
  leaks: ReturnType<typeof findSecretLeaks>;
  workspace: string;
  runnerTemp: string;
}

interface ActionManifest {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

export function readActionManifest(actionDir: string): ActionManifest {
  return parseYaml(readFileSync(path.join(actionDir, 'action.yml'), 'utf8')) as ActionManifest;
}

/** The file the runner starts for an action: action.yml `runs.main`, resolved from the action's folder. */
export function actionBundlePath(actionDir: string): string {
  return path.resolve(actionDir, readActionManifest(actionDir).runs.main);
}

/**
 * The node that runs bundles: DEPLOY_SUITE_NODE (a path to a node binary, e.g. the Node 24 that
 * `.ci/run` installs) or, when unset, the node running this process.
 */
export function bundleNode(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.DEPLOY_SUITE_NODE;
  if (!chosen) return process.execPath;
  if (!existsSync(chosen)) {
    throw new Error(
      `DEPLOY_SUITE_NODE is ${chosen}, which does not exist: point it at a node binary or unset it`
    );
  }
  return chosen;
}

/** Fills `${{ github.token }}`-style defaults from the given values; unknown expressions become ''. */
function evaluateDefault(value: string, expressions: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => expressions[expression] ?? '');
}

/** The runner's environment name for an input. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses a GITHUB_OUTPUT-style file: `name=value` lines and `name<<DELIMITER` heredocs. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      index++;
      while (index < lines.length && lines[index] !== delimiter) body.push(lines[index++]);
      if (index >= lines.length)
        throw new Error(`Unterminated heredoc for "${name}" (delimiter ${delimiter})`);
      values[name] = body.join('\n');
      continue;
    }
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`Malformed command-file line: ${JSON.stringify(line)}`);
    values[line.slice(0, at)] = line.slice(at + 1);
  }
  return values;
}

/** Decodes the escaping @actions/core applies to workflow command data. */
function unescapeCommandData(data: string): string {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function readWorkflowCommands(raw: string): {
  masks: string[];
  annotations: Array<{ level: string; message: string }>;
} {
  const masks: string[] = [];
  const annotations: Array<{ level: string; message: string }> = [];
  for (const line of raw.split('\n')) {
    const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line.replace(/\r$/, ''));
    if (!command) continue;
    const [, name, data] = command;
    if (name === 'add-mask') masks.push(unescapeCommandData(data));
    if (name === 'error' || name === 'warning' || name === 'notice') {
      annotations.push({ level: name, message: unescapeCommandData(data) });
    }
  }
  return { masks, annotations };
}

/** Replaces every masked value with *** the way the runner does, and drops add-mask commands. */
export function applyMasks(raw: string, masks: string[]): string {
  const ordered = [...new Set(masks)].filter(Boolean).sort((a, b) => b.length - a.length);
  return raw
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .map(line => ordered.reduce((text, secret) => text.split(secret).join('***'), line))
    .join('\n');
}

function runNode(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
  onOutput?: ActionRunOptions['onOutput'],
  cancelWhen?: RegExp
): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bundleNode(), [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const signals: string[] = [];
    const cancelTimers: NodeJS.Timeout[] = [];
    let exited = false;
    const cancel = (): void => {
      let at = 0;
      for (const { signal, afterMs } of RUNNER_CANCEL_SEQUENCE) {
        at += afterMs;
        cancelTimers.push(
          setTimeout(() => {
            if (exited) return;
            signals.push(signal);
            child.kill(signal);
          }, at)
        );
      }
    };
    child.stdout.on('data', chunk => {
      stdout += chunk;
      onOutput?.(String(chunk), 'stdout');
      if (cancelWhen && cancelTimers.length === 0 && cancelWhen.test(stdout)) cancel();
    });
    child.stderr.on('data', chunk => {
      stderr += chunk;
      onOutput?.(String(chunk), 'stderr');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', () => {
      exited = true;
    });
    child.on('close', exitCode => {
      clearTimeout(timer);
      cancelTimers.forEach(clearTimeout);
      resolve({ exitCode, stdout, stderr, signals });
    });
  });
}

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The runner's own variables; a test's `env` may override any of them. */
function runnerEnvironment(
  workspace: string,
  runnerTemp: string,
  files: Record<string, string>
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    GITHUB_REPOSITORY: 'octo-org/deploy-suite-consumer',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '1001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ACTOR: 'octocat',
    ...files
  };
}

export async function runActionAsRunner(options: ActionRunOptions): Promise<ActionRunResult> {
  const manifest = readActionManifest(options.actionDir);
  if (!/^node\d+$/.test(manifest.runs.using)) {
    throw new Error(
      `${options.actionDir}/action.yml runs.using is ${manifest.runs.using}, not a node runtime`
    );
  }
  const base = mkdtempSync(path.join(tmpdir(), 'runner-'));
  const workspace = options.workspace ?? path.join(base, 'workspace');
  const runnerTemp = path.join(base, 'temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const files = {
    GITHUB_OUTPUT: path.join(base, 'output'),
    GITHUB_STATE: path.join(base, 'state'),
    GITHUB_STEP_SUMMARY: path.join(base, 'summary.md'),
    GITHUB_ENV: path.join(base, 'env'),
    GITHUB_PATH: path.join(base, 'path')
  };
  for (const file of Object.values(files)) writeFileSync(file, '');

  const given = options.inputs ?? {};
  for (const name of Object.keys(given)) {
    if (!manifest.inputs || !(name in manifest.inputs)) {
      throw new Error(`Input "${name}" is not declared in ${options.actionDir}/action.yml`);
    }
  }
  const inputEnv: Record<string, string> = {};
  for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
    const value =
      given[name] ??
      (spec.default !== undefined
        ? evaluateDefault(String(spec.default), options.expressions ?? {})
        : undefined);
    if (value !== undefined) inputEnv[inputEnvName(name)] = value;
  }
  const env: NodeJS.ProcessEnv = {
    ...runnerEnvironment(workspace, runnerTemp, files),
    ...RUNNER_SECRETS,
    ...inputEnv,
    ...options.env
  };
  const timeoutMs = options.timeoutMs ?? 120_000;
  const main = await runNode(
    path.join(options.actionDir, manifest.runs.main),
    env,
    workspace,
    timeoutMs,
    options.onOutput,
    options.cancelWhen
  );
  const rawLog = main.stdout + main.stderr;
  const { masks, annotations } = readWorkflowCommands(rawLog);
  const state = parseCommandFile(readIfExists(files.GITHUB_STATE));
  const errors = annotations.filter(annotation => annotation.level === 'error');

  const result: ActionRunResult = {
    exitCode: main.exitCode,
    outputs: parseCommandFile(readIfExists(files.GITHUB_OUTPUT)),
    summary: readIfExists(files.GITHUB_STEP_SUMMARY),
    state,
    exportedEnv: parseCommandFile(readIfExists(files.GITHUB_ENV)),
    log: applyMasks(rawLog, masks),
    rawLog,
    masks,
    annotations,
    failure: main.exitCode !== 0 && errors.length > 0 ? errors[errors.length - 1].message : undefined,
    paths: readIfExists(files.GITHUB_PATH)
      .split('\n')
      .filter(line => line.trim() !== ''),
    workspace,
    runnerTemp,
    signals: main.signals,
    leaks: []
  };
  const secrets = [...RUNNER_SECRET_VALUES, ...(options.plantedSecrets ?? [])];
  const scan = (): void => {
    result.leaks = findSecretLeaks(result, secrets);
    if (!options.allowLeaks) assertNoSecretLeaks(result, secrets);
  };

  const postScript = manifest.runs.post;
  if (postScript && options.runPost !== false) {
    const runPostScript = async (): Promise<PostResult> => {
      const stateEnv = Object.fromEntries(
        Object.entries(state).map(([name, value]) => [`STATE_${name}`, value])
      );
      const post = await runNode(
        path.join(options.actionDir, postScript),
        { ...env, ...stateEnv },
        workspace,
        timeoutMs,
        options.onOutput
      );
      const postRaw = post.stdout + post.stderr;
      return {
        exitCode: post.exitCode,
        rawLog: postRaw,
        log: applyMasks(postRaw, [...masks, ...readWorkflowCommands(postRaw).masks])
      };
    };
    if (options.deferPost) {
      result.runDeferredPost = async () => {
        result.post = await runPostScript();
        scan();
        return result.post;
      };
    } else result.post = await runPostScript();
  }
  scan();
  return result;
}

/** Lines of a raw log that show `secret` other than the add-mask command itself: should be none. */
export function leaksOf(rawLog: string, secret: string): string[] {
  return rawLog.split('\n').filter(line => line.includes(secret) && !line.startsWith('::add-mask::'));
}
