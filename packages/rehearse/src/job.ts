import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Job, Step } from '@actions/workflow-parser/model/workflow-template';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { parseCommandFile, readActionManifest, runActionAsRunner } from '@deploy-suite/testing/run-action';
import {
  evaluateCondition,
  evaluateConditionText,
  evaluateExpression,
  evaluateText,
  evaluateTextMap,
  evaluateToken,
  toText,
  type Json,
  type Scope
} from './expressions.js';
import { child, rawJob, rawSteps } from './load.js';
import { mark, seconds } from './report.js';
import { resolveUses } from './repositories.js';
import { oidcSubject } from './oidc.js';
import { runScript } from './shell.js';
import { isStandIn, runStandIn, StepFailure } from './stand-ins.js';
import {
  isCancelled,
  type NeedResult,
  type RunDefaults,
  type RunState,
  type WorkflowScope
} from './state.js';
import { StepLog } from './step-log.js';
import type { JobInfo, JobRunResult, Result, StepInfo, StepRunResult } from './types.js';

/** One job instance (one matrix combination) on this machine: its steps in order, then post steps. */

export interface JobInstance {
  key: string;
  matrix?: Record<string, Json>;
  strategy: Record<string, Json>;
  needs: Record<string, NeedResult>;
}

interface JobRun {
  state: RunState;
  scope: WorkflowScope;
  job: Job;
  info: JobInfo;
  runnerTemp: string;
  contexts: Record<string, Json>;
  env: Record<string, string>;
  exportedEnv: Record<string, string>;
  addedPaths: string[];
  defaults: RunDefaults;
  failed: boolean;
  deadline: number;
  /** the job's environment name, once evaluated (it makes the OIDC subject) */
  environment?: string;
  /** the simulator's clock when the job started */
  simulatedStart?: SimulatedMark;
  posts: Array<{
    name: string;
    postIf: string;
    continueOnError: boolean;
    run: (log: StepLog) => Promise<number | null>;
  }>;
}

const DEFAULT_TIMEOUT_MINUTES = 360;

function slug(text: string): string {
  return text
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

function scopeOf(run: JobRun, extra: Record<string, Json> = {}): Scope {
  return {
    contexts: { ...run.contexts, env: { ...run.env, ...run.exportedEnv }, ...extra },
    status: { success: !run.failed, failure: run.failed, cancelled: isCancelled(run.state) },
    workspace: run.info.workspace
  };
}

function stepName(step: Step, scope: Scope): string {
  if (step.name) {
    try {
      return evaluateText(step.name, scope);
    } catch {
      // a name that fails to evaluate shows as written, like the runner does
    }
  }
  if ('uses' in step) return `Run ${step.uses.value}`;
  if ('run' in step) {
    const token = step.run as { value?: unknown; source?: string };
    const script = token.source ?? String(token.value ?? step.run);
    return `Run ${script.trim().split('\n')[0]}`;
  }
  return step.id;
}

export async function runJob(
  state: RunState,
  scope: WorkflowScope,
  job: Job,
  instance: JobInstance
): Promise<JobRunResult> {
  const started = state.now();
  const folder = path.join(
    state.workDir,
    'jobs',
    `${String(++state.jobCounter).padStart(2, '0')}-${slug(instance.key)}`
  );
  const workspace = path.join(folder, 'workspace');
  const runnerTemp = path.join(folder, 'temp');
  rmSync(folder, { recursive: true, force: true }); // a reused workDir starts each job clean
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const info: JobInfo = {
    key: instance.key,
    id: job.id.value,
    workflow: scope.workflow.displayName,
    matrix: instance.matrix,
    workspace
  };
  const raw = rawJob(scope.workflow, job.id.value);
  const github = { ...scope.github, job: job.id.value, workspace, action: '' };
  const run: JobRun = {
    state,
    scope,
    job,
    info,
    runnerTemp,
    contexts: {
      github,
      vars: scope.vars,
      secrets: scope.secrets,
      inputs: scope.inputs,
      needs: instance.needs,
      matrix: instance.matrix ?? {},
      strategy: instance.strategy,
      job: { status: 'success', container: {}, services: {} },
      runner: {
        os: 'Linux',
        arch: process.arch === 'arm64' ? 'ARM64' : 'X64',
        name: 'rehearsal',
        environment: 'self-hosted',
        temp: runnerTemp,
        tool_cache: path.join(folder, 'tool-cache'),
        debug: state.debug ? '1' : ''
      },
      steps: {}
    },
    env: { ...scope.env },
    exportedEnv: {},
    addedPaths: [],
    defaults: { ...scope.defaults },
    failed: false,
    deadline: Number.POSITIVE_INFINITY,
    posts: [],
    simulatedStart: simulatedMark(state)
  };
  const result: JobRunResult = {
    key: instance.key,
    id: job.id.value,
    workflow: scope.workflow.displayName,
    matrix: instance.matrix,
    result: 'success',
    outputs: {},
    steps: [],
    summary: '',
    durationMs: 0
  };
  state.print('');
  state.print(`▶ ${instance.key}  (job ${job.id.value} of ${scope.workflow.displayName})`);
  let continueOnError = false;
  try {
    run.env = { ...run.env, ...evaluateTextMap(job.env, scopeOf(run)) };
    const jobScope = scopeOf(run);
    describeJob(run, raw, jobScope, result);
    run.environment = result.environment?.name || undefined;
    const timeout = Number(evaluateToken(child(raw, 'timeout-minutes'), jobScope) ?? DEFAULT_TIMEOUT_MINUTES);
    run.deadline = state.now() + timeout * 60_000;
    continueOnError = evaluateToken(child(raw, 'continue-on-error'), jobScope) === true;
    const jobDefaults = evaluateToken(child(child(raw, 'defaults'), 'run'), jobScope);
    if (jobDefaults && typeof jobDefaults === 'object') Object.assign(run.defaults, jobDefaults);
  } catch (error) {
    return finishJob(run, result, started, `The job could not start: ${(error as Error).message}`);
  }
  const hooked = await state.hooks.beforeJob?.(info);
  if (hooked && hooked.env) run.env = { ...run.env, ...hooked.env };

  const rawStepTokens = rawSteps(scope.workflow, job.id.value);
  for (const [index, step] of job.steps.entries()) {
    const stepResult = await runStep(run, step, rawStepTokens[index], index);
    result.steps.push(stepResult);
    if (stepResult.conclusion === 'failure') run.failed = true;
    const contextSteps = run.contexts.steps as Record<string, Json>;
    contextSteps[step.id] = {
      outputs: stepResult.outputs,
      outcome: stepResult.outcome,
      conclusion: stepResult.conclusion
    };
    run.contexts.job = {
      ...(run.contexts.job as Record<string, Json>),
      status: run.failed ? 'failure' : 'success'
    };
  }
  for (const post of run.posts.reverse()) result.steps.push(await runPost(run, post));
  if (result.steps.some(step => step.kind === 'post' && step.conclusion === 'failure')) run.failed = true;

  result.summary = result.steps.map(step => step.summary).join('');
  const outcomeScope = scopeOf(run);
  try {
    for (const [name, value] of Object.entries(evaluateTextMap(job.outputs, outcomeScope))) {
      if (state.masks.reveals(value)) {
        state.print(`  Warning: Skip output '${name}' since it may contain secret.`);
      } else result.outputs[name] = value;
    }
    if (result.environment && raw) {
      const url = evaluateToken(child(child(raw, 'environment'), 'url'), outcomeScope);
      if (url) {
        result.environment.url = toText(url);
        state.print(`  environment ${result.environment.name}: ${result.environment.url}`);
      }
    }
  } catch (error) {
    run.failed = true;
    result.reason = `Job outputs could not be evaluated: ${(error as Error).message}`;
  }
  const finished = finishJob(run, result, started, result.reason, continueOnError);
  await state.hooks.afterJob?.(info, finished);
  return finished;
}

function finishJob(
  run: JobRun,
  result: JobRunResult,
  started: number,
  reason?: string,
  continueOnError = false
): JobRunResult {
  if (reason) {
    run.failed = true;
    result.reason = reason;
    run.state.print(`  Error: ${reason}`);
  }
  result.result = isCancelled(run.state)
    ? 'cancelled'
    : run.failed && !continueOnError
      ? 'failure'
      : 'success';
  result.durationMs = run.state.now() - started;
  const note = run.failed && continueOnError ? ' (failed, continue-on-error)' : '';
  run.state.print(
    `${mark(result.result)} ${result.key}: ${result.result}${note} in ${durationText(run.state, result.durationMs, run.simulatedStart)}`
  );
  run.state.jobs.push(result);
  return result;
}

/** Prints runs-on, environment, concurrency and permissions: accepted, and what they mean here. */
function describeJob(run: JobRun, raw: TemplateToken | undefined, scope: Scope, result: JobRunResult): void {
  const print = (line: string) => run.state.print(`  ${line}`);
  const runsOn = evaluateToken(child(raw, 'runs-on'), scope);
  print(
    `runs-on: ${toText(runsOn).replace(/\n\s*/g, ' ')} → this machine (${process.platform} ${process.arch})`
  );
  const environment = child(raw, 'environment');
  if (environment) {
    const value = evaluateToken(child(environment, 'name') ?? environment, scope);
    const name = toText(value);
    result.environment = { name };
    print(
      `environment: ${name} (protection rules, required reviewers and environment secrets are not ` +
        'enforced locally: no approval is asked)'
    );
  }
  const concurrency = evaluateToken(child(raw, 'concurrency'), scope);
  if (concurrency !== null) {
    const group =
      typeof concurrency === 'object' && !Array.isArray(concurrency) ? concurrency.group : concurrency;
    const cancel =
      typeof concurrency === 'object' && !Array.isArray(concurrency)
        ? concurrency['cancel-in-progress']
        : false;
    print(
      `concurrency: group ${toText(group ?? null)}, cancel-in-progress ${toText(cancel ?? false)} ` +
        '(noted: the rehearsal runs one job at a time)'
    );
  }
  const permissions = evaluateToken(child(raw, 'permissions'), scope);
  if (permissions !== null) {
    const text =
      typeof permissions === 'object' && !Array.isArray(permissions)
        ? Object.entries(permissions)
            .map(([scopeName, level]) => `${scopeName}: ${toText(level)}`)
            .join(', ')
        : toText(permissions);
    print(`permissions: ${text || 'none'} (not enforced locally: the token is fake)`);
  }
}

function commandFiles(run: JobRun, index: number): Record<string, string> {
  const folder = path.join(run.runnerTemp, '_runner_file_commands', `step-${index}`);
  mkdirSync(folder, { recursive: true });
  const files = {
    GITHUB_OUTPUT: path.join(folder, 'output'),
    GITHUB_ENV: path.join(folder, 'env'),
    GITHUB_PATH: path.join(folder, 'path'),
    GITHUB_STEP_SUMMARY: path.join(folder, 'summary.md'),
    GITHUB_STATE: path.join(folder, 'state')
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  return files;
}

/** The process environment of a step, in the runner's order of precedence. */
function processEnv(run: JobRun, stepEnv: Record<string, string>, hookEnv: Record<string, string>) {
  const { machineEnv } = run.state;
  const github = run.contexts.github as Record<string, Json>;
  const pathValue = [...run.addedPaths]
    .reverse()
    .concat(machineEnv.PATH ? [machineEnv.PATH] : [])
    .join(':');
  return {
    ...machineEnv,
    GITHUB_WORKSPACE: run.info.workspace,
    GITHUB_JOB: run.job.id.value,
    GITHUB_EVENT_PATH: String(github.event_path ?? ''),
    RUNNER_TEMP: run.runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: process.arch === 'arm64' ? 'ARM64' : 'X64',
    RUNNER_NAME: 'rehearsal',
    RUNNER_TOOL_CACHE: path.join(run.runnerTemp, '..', 'tool-cache'),
    ...run.env,
    ...run.exportedEnv,
    ...stepEnv,
    ...hookEnv,
    PATH: pathValue
  };
}

/** Warns about `${{ }}` of text an outsider controls inside a script: pass it through env instead. */
function injectionWarning(step: Step): string | undefined {
  if (!('run' in step) || !('expression' in step.run)) return undefined;
  const expression = String(step.run.expression);
  const risky =
    /github\.event\.(?:[\w.]*\.)?(?:title|body|message|name|email|label|ref|head_ref|default_branch)\b|github\.head_ref/;
  return risky.test(expression)
    ? 'Warning: this script interpolates ${{ }} of user-controlled text; pass it through env: instead (script injection)'
    : undefined;
}

async function runStep(
  run: JobRun,
  step: Step,
  raw: TemplateToken | undefined,
  index: number
): Promise<StepRunResult> {
  const { state } = run;
  const started = state.now();
  const baseScope = scopeOf(run);
  const name = stepName(step, baseScope);
  const uses = 'uses' in step ? step.uses.value : undefined;
  const remote =
    uses === undefined ? undefined : resolveUses(uses, run.scope.workflow.selfRoot, state.repositories);
  const kind: StepRunResult['kind'] =
    uses === undefined ? 'run' : uses.startsWith('./') || remote ? 'action' : 'stand-in';
  const result: StepRunResult = {
    id: step.id,
    name,
    kind,
    uses,
    outcome: 'success',
    conclusion: 'success',
    outputs: {},
    summary: '',
    log: [],
    annotations: [],
    durationMs: 0
  };
  const print = (line: string) => state.print(`    ${line}`);
  const log = new StepLog(state.masks, print, state.debug, state.said);
  const logFile = path.join(
    path.dirname(run.info.workspace),
    'steps',
    `${String(index + 1).padStart(2, '0')}-${slug(name)}.log`
  );
  log.logFile = path.relative(state.repoRoot, logFile);
  const simulatedStart = simulatedMark(state);
  const finish = (outcome: Result, error?: string, continueOnError = false): StepRunResult => {
    result.outcome = outcome;
    result.conclusion = outcome === 'failure' && continueOnError ? 'success' : outcome;
    if (error) {
      result.error = state.masks.apply(error);
      if (!log.lines.some(line => line.endsWith(error))) log.note(`Error: ${error}`);
    }
    result.log = log.lines;
    result.annotations = log.annotations;
    result.durationMs = state.now() - started;
    if (outcome !== 'skipped') writeStepLog(logFile, log.lines);
    const note = outcome === 'failure' && continueOnError ? ' (continue-on-error)' : '';
    state.print(
      outcome === 'skipped'
        ? `  - ${name} (skipped)`
        : `  ${mark(outcome)} ${name}${note} (${durationText(state, result.durationMs, simulatedStart)})`
    );
    return result;
  };

  let runs: boolean;
  try {
    runs = evaluateCondition(step.if, baseScope);
  } catch (error) {
    state.print(`  ▸ ${name}`);
    return finish(
      'failure',
      `The step failed because its if: could not be evaluated. ${(error as Error).message}`
    );
  }
  if (!runs) return finish('skipped');
  if (state.now() > run.deadline) {
    state.print(`  ▸ ${name}`);
    return finish('cancelled', 'The job has exceeded the maximum execution time of its timeout-minutes');
  }

  state.print(`  ▸ ${name}`);
  let continueOnError = false;
  try {
    const stepEnv = evaluateTextMap('env' in step ? step.env : undefined, baseScope);
    const stepScope = scopeOf(run, { env: { ...run.env, ...run.exportedEnv, ...stepEnv } });
    const coe = step['continue-on-error'];
    continueOnError = typeof coe === 'boolean' ? coe : evaluateToken(coe, stepScope) === true;
    const stepTimeout = evaluateToken(child(raw, 'timeout-minutes'), stepScope);
    const timeoutMs = Math.max(
      1,
      Math.min(run.deadline - state.now(), stepTimeout === null ? Infinity : Number(stepTimeout) * 60_000)
    );
    const stepInfo: StepInfo = { job: run.info, id: step.id, name, uses, index };
    const hooked = await state.hooks.beforeStep?.(stepInfo);
    const env = processEnv(run, stepEnv, (hooked && hooked.env) || {});
    let failure: string | undefined;
    if ('run' in step)
      failure = await runShellStep(run, step, raw, stepScope, env, timeoutMs, index, log, result);
    else if (uses && kind === 'action') {
      failure = await runLocalAction(
        run,
        uses,
        raw,
        stepScope,
        env,
        timeoutMs,
        log,
        result,
        name,
        continueOnError
      );
    } else if (uses) failure = runStandInStep(run, uses, raw, stepScope, env, log, result);
    log.end();
    const finished = finish(failure === undefined ? 'success' : 'failure', failure, continueOnError);
    await state.hooks.afterStep?.(stepInfo, finished);
    return finished;
  } catch (error) {
    log.end();
    return finish('failure', (error as Error).message, continueOnError);
  }
}

async function runShellStep(
  run: JobRun,
  step: Step & { run: TemplateToken },
  raw: TemplateToken | undefined,
  scope: Scope,
  env: Record<string, string>,
  timeoutMs: number,
  index: number,
  log: StepLog,
  result: StepRunResult
): Promise<string | undefined> {
  const warning = injectionWarning(step);
  if (warning) log.note(warning);
  const script = evaluateText(step.run, scope);
  const shell = toText(evaluateToken(child(raw, 'shell'), scope)) || run.defaults.shell;
  const workingDirectory =
    toText(evaluateToken(child(raw, 'working-directory'), scope)) || run.defaults['working-directory'];
  const cwd = path.resolve(run.info.workspace, workingDirectory ?? '');
  if (!existsSync(cwd)) return `working-directory ${workingDirectory} does not exist in the workspace`;
  const files = commandFiles(run, index);
  const outcome = await runScript({
    script,
    shell,
    cwd,
    env: { ...env, ...files },
    tempDir: run.runnerTemp,
    timeoutMs,
    onOutput: chunk => log.write(chunk),
    signal: run.state.signal
  });
  log.end();
  const fileError = collectCommandFiles(run, files, result, log);
  Object.assign(result.outputs, log.legacyOutputs);
  if (outcome.cancelled) return 'The operation was canceled.';
  if (outcome.timedOut) return `The action has timed out after ${seconds(timeoutMs)}.`;
  if (outcome.exitCode !== 0) return `Process completed with exit code ${outcome.exitCode}.`;
  return fileError;
}

function collectCommandFiles(
  run: JobRun,
  files: Record<string, string>,
  result: StepRunResult,
  log: StepLog
): string | undefined {
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  try {
    Object.assign(result.outputs, parseCommandFile(read(files.GITHUB_OUTPUT)));
    Object.assign(run.exportedEnv, parseCommandFile(read(files.GITHUB_ENV)));
  } catch (error) {
    return `Unable to process file command: ${(error as Error).message}`;
  }
  run.addedPaths.push(
    ...read(files.GITHUB_PATH)
      .split('\n')
      .filter(line => line.trim() !== '')
  );
  result.summary = read(files.GITHUB_STEP_SUMMARY);
  if (result.summary && !result.summary.endsWith('\n')) result.summary += '\n';
  void log;
  return undefined;
}

/** `${{ github.token }}` in action.yml defaults, evaluated like any expression. */
function interpolate(text: string, scope: Scope): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    toText(evaluateExpression(expression, scope))
  );
}

async function runLocalAction(
  run: JobRun,
  uses: string,
  raw: TemplateToken | undefined,
  scope: Scope,
  env: Record<string, string>,
  timeoutMs: number,
  log: StepLog,
  result: StepRunResult,
  name: string,
  continueOnError: boolean
): Promise<string | undefined> {
  const remote = resolveUses(uses, run.scope.workflow.selfRoot, run.state.repositories);
  if (remote) {
    log.note(
      `[rehearsal] ${remote.repository}@${remote.ref} is stood in for by the local folder ${remote.root} ` +
        '(its working tree, whatever the ref)',
      `remote:${remote.repository}:${remote.root}`
    );
  }
  const actionDir = remote ? remote.target : path.resolve(run.info.workspace, uses);
  if (!existsSync(path.join(actionDir, 'action.yml'))) {
    return (
      `Can't find 'action.yml' under '${actionDir}'. ` +
      'Did you forget to run actions/checkout before running your local action?'
    );
  }
  const manifest = readActionManifest(actionDir);
  const declared = manifest.inputs ?? {};
  const given = evaluateTextMap(child(raw, 'with'), scope);
  const unexpected = Object.keys(given).filter(input => !(input in declared));
  if (unexpected.length > 0) {
    log.note(
      `Warning: Unexpected input(s) ${unexpected.map(input => `'${input}'`).join(', ')}, valid inputs are ` +
        `[${Object.keys(declared)
          .map(input => `'${input}'`)
          .join(', ')}]`
    );
  }
  const inputs: Record<string, string> = {};
  for (const [input, spec] of Object.entries(declared)) {
    if (input in given) inputs[input] = given[input];
    else if (spec?.default !== undefined) inputs[input] = interpolate(String(spec.default), scope);
  }
  let sink = log;
  const action = await runActionAsRunner({
    actionDir,
    inputs,
    env,
    workspace: run.info.workspace,
    timeoutMs,
    deferPost: true,
    onOutput: chunk => sink.write(chunk)
  });
  Object.assign(result.outputs, action.outputs);
  Object.assign(run.exportedEnv, action.exportedEnv);
  run.addedPaths.push(...action.paths);
  result.summary = action.summary && !action.summary.endsWith('\n') ? `${action.summary}\n` : action.summary;
  if (action.runDeferredPost) {
    const runDeferredPost = action.runDeferredPost;
    run.posts.push({
      name: `Post ${name}`,
      postIf: manifest.runs['post-if'] ?? 'always()',
      // the post step belongs to the same step: its continue-on-error applies
      continueOnError,
      run: async postLog => {
        sink = postLog;
        return (await runDeferredPost()).exitCode;
      }
    });
  }
  if (action.exitCode === null) return `The action has timed out after ${seconds(timeoutMs)}.`;
  // the action printed its own ::error:: (shown already); the step fails with it
  if (action.exitCode !== 0) return action.failure ?? `Process completed with exit code ${action.exitCode}.`;
  return undefined;
}

function writeStepLog(file: string, lines: string[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n') + '\n');
}

/** `0.7s`, or `0.7s; 7m05s simulated` when the rehearsal's simulator let time pass meanwhile. */
interface SimulatedMark {
  at: number;
  calls: number;
}

function simulatedMark(state: RunState): SimulatedMark | undefined {
  return state.simulator ? { at: state.simulator.now(), calls: state.simulator.calls() } : undefined;
}

/**
 * `0.7s`, or `0.7s; 9m53s simulated` when the step (job) called the simulator meanwhile: the time its
 * AWS work took on the simulator's clock, which runs faster than real time.
 */
export function durationText(state: RunState, realMs: number, start: SimulatedMark | undefined): string {
  const real = realMs < 100 ? '<0.1s' : seconds(realMs);
  if (!start || !state.simulator || state.simulator.calls() === start.calls) return real;
  const simulated = state.simulator.now() - start.at;
  return simulated >= 1000 ? `${real}; ${seconds(simulated)} simulated` : real;
}

function jobSubject(run: JobRun): string {
  const github = run.contexts.github as Record<string, Json>;
  return oidcSubject({
    repository: String(github.repository),
    eventName: String(github.event_name),
    ref: String(github.ref),
    environment: run.environment
  });
}

function runStandInStep(
  run: JobRun,
  uses: string,
  raw: TemplateToken | undefined,
  scope: Scope,
  env: Record<string, string>,
  log: StepLog,
  result: StepRunResult
): string | undefined {
  if (!isStandIn(uses)) return `${uses} is not supported by the rehearsal`;
  try {
    const outcome = runStandIn(uses, {
      inputs: evaluateTextMap(child(raw, 'with'), scope),
      workspace: run.info.workspace,
      repoRoot: run.state.repoRoot,
      artifactsDir: run.state.artifactsDir,
      env,
      repository: String((run.contexts.github as Record<string, Json>).repository),
      note: (line, once) => log.note(line, once),
      oidc: { subject: jobSubject(run), policies: run.state.trustPolicies }
    });
    Object.assign(result.outputs, outcome.outputs);
    Object.assign(run.exportedEnv, outcome.exportedEnv);
    run.addedPaths.push(...outcome.paths);
    return undefined;
  } catch (error) {
    if (error instanceof StepFailure) return error.message;
    throw error;
  }
}

async function runPost(run: JobRun, post: JobRun['posts'][number]): Promise<StepRunResult> {
  const { state } = run;
  const started = state.now();
  const result: StepRunResult = {
    id: `post-${slug(post.name)}`,
    name: post.name,
    kind: 'post',
    outcome: 'success',
    conclusion: 'success',
    outputs: {},
    summary: '',
    log: [],
    annotations: [],
    durationMs: 0
  };
  const scope = scopeOf(run);
  if (!evaluateConditionText(post.postIf, scope)) {
    result.outcome = result.conclusion = 'skipped';
    state.print(`  - ${post.name} (skipped)`);
    return result;
  }
  state.print(`  ▸ ${post.name}`);
  const log = new StepLog(state.masks, line => state.print(`    ${line}`), state.debug);
  const exitCode = await post.run(log);
  log.end();
  if (exitCode !== 0) {
    result.outcome = 'failure';
    result.conclusion = post.continueOnError ? 'success' : 'failure';
    result.error = `Process completed with exit code ${exitCode}.`;
  }
  result.log = log.lines;
  result.annotations = log.annotations;
  result.durationMs = state.now() - started;
  state.print(`  ${mark(result.outcome)} ${post.name} (${seconds(result.durationMs)})`);
  return result;
}
