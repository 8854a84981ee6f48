import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReusableWorkflowJob, WorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import {
  evaluateCondition,
  evaluateTextMap,
  evaluateToken,
  toText,
  type Json,
  type Scope
} from './expressions.js';
import { githubContext, githubEnvironment } from './github-context.js';
import { typedInputs, type InputDefinition } from './inputs.js';
import { runJob } from './job.js';
import { child, loadWorkflow, rawJob, where, WorkflowProblems, type LoadedWorkflow } from './load.js';
import { expandMatrix, matrixJobName } from './matrix.js';
import { findUnsupported, loadLocated } from './preflight.js';
import { calledWorkflowFile } from './repositories.js';
import { finalReport, mark } from './report.js';
import { isCancelled, type NeedResult, type RunState, type WorkflowScope } from './state.js';
import { Masks, Said } from './step-log.js';
import type { JobRunResult, RehearsalOptions, RehearsalResult, Result } from './types.js';

/**
 * Runs a workflow on this machine: jobs in `needs` order (one at a time, matrix entries in order),
 * reusable workflows followed, the final table and the job summaries printed at the end.
 */

/** The host variables steps may see; nothing else of this process (no AWS_* of the developer). */
const HOST_VARIABLES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'USER', 'LOGNAME', 'TZ'];
const KEEP_RUNS = 5;

export async function rehearseWorkflow(options: RehearsalOptions): Promise<RehearsalResult> {
  const repoRoot = path.resolve(options.repoRoot ?? process.cwd());
  const now = options.now ?? Date.now;
  const print = options.log ?? ((line: string) => console.log(line));
  const event = options.event ?? 'push';
  const started = now();
  const workDir = options.workDir ?? freshWorkDir(repoRoot);
  mkdirSync(workDir, { recursive: true });
  const result: RehearsalResult = { result: 'success', jobs: [], problems: [], workDir, durationMs: 0 };
  const finish = (workflowName: string): RehearsalResult => {
    result.durationMs = now() - started;
    for (const line of finalReport(result, workflowName, event)) print(line);
    return result;
  };

  let workflow: LoadedWorkflow;
  try {
    workflow = await loadWorkflow(options.file, repoRoot);
    result.problems.push(...(await findUnsupported(workflow, repoRoot, [], options.repositories ?? {})));
  } catch (error) {
    if (!(error instanceof WorkflowProblems)) throw error;
    result.problems.push(...error.problems);
    result.result = 'failure';
    return finish(options.file);
  }
  const events = workflow.template.events ?? {};
  if (!(event in events)) {
    result.problems.push(
      `${workflow.displayName} does not run on ${event}; it runs on: ${Object.keys(events).join(', ') || 'nothing'}`
    );
  }
  const definitions = inputDefinitions(workflow, event);
  const { values: inputs, problems } = typedInputs(definitions, options.inputs ?? {}, workflow.displayName);
  result.problems.push(...problems);
  if (result.problems.length > 0) {
    result.result = 'failure';
    return finish(workflow.displayName);
  }

  const masks = new Masks();
  const token = `ghs_rehearsal${Math.random().toString(36).slice(2, 14)}`;
  masks.add(token);
  const secrets: Record<string, string> = { ...(options.secrets ?? {}), GITHUB_TOKEN: token };
  for (const value of Object.values(secrets)) masks.add(value);
  const github = githubContext({
    repoRoot,
    event,
    runId: String(started),
    inputs: event === 'workflow_dispatch' ? stringly(inputs) : {},
    workflowName: workflowName(workflow),
    workflowFile: workflow.displayName,
    token,
    apiUrl: options.env?.GITHUB_API_URL,
    overrides: options.github,
    eventPayload: options.eventPayload
  });
  const eventPath = path.join(workDir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(github.event, null, 2));
  github.event_path = eventPath;

  const hostEnv: Record<string, string> = {
    ...Object.fromEntries(
      HOST_VARIABLES.filter(name => process.env[name] !== undefined).map(name => [
        name,
        process.env[name] as string
      ])
    ),
    // GitHub runs the actions on Node 24; the SDK's notice about this machine's older Node would only
    // repeat in every step's log of a rehearsal.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'
  };
  const state: RunState = {
    repoRoot,
    workDir,
    artifactsDir: path.join(workDir, 'artifacts'),
    masks,
    print,
    now,
    hooks: options.hooks ?? {},
    signal: options.signal,
    debug: options.debug ?? false,
    machineEnv: {
      ...hostEnv,
      // the SDK must never find the developer's own AWS profile or an instance role
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...githubEnvironment(github),
      ...(options.env ?? {})
    },
    jobs: result.jobs,
    jobCounter: 0,
    repositories: options.repositories ?? {},
    trustPolicies: options.trustPolicies ?? {},
    said: new Said(),
    simulator: options.simulator
  };

  print(`Rehearsing ${workflow.displayName} (${workflowName(workflow)}) on ${event}`);
  print(
    `  ${github.repository} @ ${String(github.sha).slice(0, 12)} (${github.ref}); work folder ${workDir}`
  );
  print(
    '  This is a rehearsal on this machine, not GitHub’s runner: see packages/rehearse/README.md for the limits.'
  );
  const vars = options.vars ?? {};
  try {
    const scope = workflowScope(workflow, { github, inputs, secrets, vars, path: [] });
    describeWorkflow(state, workflow, scope);
    const results = await runWorkflowJobs(state, scope);
    const all = [...results.values()];
    result.result = isCancelled(state)
      ? 'cancelled'
      : all.some(job => job.result === 'failure' || job.result === 'cancelled')
        ? 'failure'
        : 'success';
  } catch (error) {
    if (!(error instanceof WorkflowProblems)) throw error;
    result.problems.push(...error.problems);
    result.result = 'failure';
  }
  return finish(workflow.displayName);
}

function freshWorkDir(repoRoot: string): string {
  const base = path.join(repoRoot, '.rehearsal');
  mkdirSync(base, { recursive: true });
  // keep the last few runs for inspection, not every run ever
  const runs = readdirSync(base)
    .filter(name => name.startsWith('run-'))
    .map(name => ({ name, time: statSync(path.join(base, name)).mtimeMs }))
    .sort((a, b) => b.time - a.time);
  for (const old of runs.slice(KEEP_RUNS - 1))
    rmSync(path.join(base, old.name), { recursive: true, force: true });
  return mkdtempSync(path.join(base, 'run-'));
}

function stringly(values: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, toText(value)]));
}

function workflowName(workflow: LoadedWorkflow): string {
  const name = child(workflow.root, 'name');
  return name && 'value' in name ? String(name.value) : workflow.displayName;
}

/** Input definitions of workflow_dispatch or workflow_call, defaults evaluated (they may be expressions). */
function inputDefinitions(
  workflow: LoadedWorkflow,
  event: string,
  scope?: Scope
): Record<string, InputDefinition> {
  const onToken = child(workflow.root, 'on');
  const inputs = evaluateToken(child(child(onToken, event), 'inputs'), scope ?? emptyScope());
  if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) return {};
  return inputs as Record<string, InputDefinition>;
}

function emptyScope(contexts: Record<string, Json> = {}): Scope {
  return { contexts, status: { success: true, failure: false, cancelled: false } };
}

function workflowScope(
  workflow: LoadedWorkflow,
  base: Omit<WorkflowScope, 'workflow' | 'env' | 'defaults'>
): WorkflowScope {
  const scope = emptyScope({
    github: base.github,
    inputs: base.inputs,
    vars: base.vars,
    secrets: base.secrets
  });
  const env = evaluateTextMap(child(workflow.root, 'env'), scope);
  const defaults = evaluateToken(child(child(workflow.root, 'defaults'), 'run'), scope);
  return {
    ...base,
    workflow,
    env,
    defaults: defaults && typeof defaults === 'object' && !Array.isArray(defaults) ? (defaults as object) : {}
  };
}

function describeWorkflow(state: RunState, workflow: LoadedWorkflow, scope: WorkflowScope): void {
  const contexts = emptyScope({ github: scope.github, inputs: scope.inputs, vars: scope.vars });
  const concurrency = evaluateToken(child(workflow.root, 'concurrency'), contexts);
  if (concurrency !== null) {
    const group =
      typeof concurrency === 'object' && !Array.isArray(concurrency) ? concurrency.group : concurrency;
    state.print(`  concurrency: group ${toText(group ?? null)} (noted: one rehearsal runs at a time)`);
  }
  const permissions = evaluateToken(child(workflow.root, 'permissions'), contexts);
  if (permissions !== null) {
    const text =
      typeof permissions === 'object' && !Array.isArray(permissions)
        ? Object.entries(permissions)
            .map(([name, level]) => `${name}: ${toText(level)}`)
            .join(', ')
        : toText(permissions);
    state.print(`  permissions: ${text || 'none'} (not enforced locally: the token is fake)`);
  }
}

type JobOutcome = NeedResult & {
  /** every result of its instances */
  instances: JobRunResult[];
};

async function runWorkflowJobs(state: RunState, scope: WorkflowScope): Promise<Map<string, JobOutcome>> {
  const results = new Map<string, JobOutcome>();
  const jobs = [...scope.workflow.template.jobs];
  const byId = new Map(jobs.map(job => [job.id.value, job]));
  while (jobs.length > 0) {
    const next = jobs.findIndex(job => (job.needs ?? []).every(need => results.has(need.value)));
    if (next < 0) {
      throw new WorkflowProblems([
        `${scope.workflow.displayName}: jobs ${jobs.map(job => job.id.value).join(', ')} wait on each other (needs cycle)`
      ]);
    }
    const [job] = jobs.splice(next, 1);
    results.set(job.id.value, await runJobGroup(state, scope, job, results, byId));
  }
  return results;
}

function ancestors(job: WorkflowJob, byId: Map<string, WorkflowJob>, seen = new Set<string>()): Set<string> {
  for (const need of job.needs ?? []) {
    if (seen.has(need.value)) continue;
    seen.add(need.value);
    const parent = byId.get(need.value);
    if (parent) ancestors(parent, byId, seen);
  }
  return seen;
}

async function runJobGroup(
  state: RunState,
  scope: WorkflowScope,
  job: WorkflowJob,
  results: Map<string, JobOutcome>,
  byId: Map<string, WorkflowJob>
): Promise<JobOutcome> {
  const id = job.id.value;
  const needs: Record<string, NeedResult> = {};
  for (const need of job.needs ?? []) {
    const outcome = results.get(need.value);
    if (outcome) needs[need.value] = { result: outcome.result, outputs: outcome.outputs };
  }
  const before = [...ancestors(job, byId)].map(name => results.get(name)?.result);
  const contexts = { github: scope.github, needs, vars: scope.vars, inputs: scope.inputs };
  const jobScope: Scope = {
    contexts,
    status: {
      success: before.every(result => result === 'success'),
      failure: before.some(result => result === 'failure'),
      cancelled: isCancelled(state)
    }
  };
  const displayName = (matrix?: Record<string, Json>) => {
    let name = id;
    const nameToken = child(rawJob(scope.workflow, id), 'name');
    if (nameToken) {
      try {
        name = toText(
          evaluateToken(nameToken, { ...jobScope, contexts: { ...contexts, matrix: matrix ?? {} } })
        );
      } catch {
        name = id;
      }
    } else if (matrix) name = matrixJobName(id, matrix);
    return [...scope.path, name].join(' / ');
  };
  const skipped = (reason: string, result: Result = 'skipped'): JobOutcome => {
    const record: JobRunResult = {
      key: displayName(),
      id,
      workflow: scope.workflow.displayName,
      result,
      outputs: {},
      steps: [],
      summary: '',
      reason,
      durationMs: 0
    };
    state.print('');
    state.print(`${mark(result)} ${record.key}: ${result} (${reason})`);
    state.jobs.push(record);
    return { result, outputs: {}, instances: [record] };
  };

  let runs: boolean;
  try {
    runs = evaluateCondition(job.if, jobScope);
  } catch (error) {
    return skipped(`its if: could not be evaluated: ${(error as Error).message}`, 'failure');
  }
  if (!runs) {
    const unhappy = Object.entries(needs).filter(([, need]) => need.result !== 'success');
    const condition = job.if && 'expression' in job.if ? String(job.if.expression) : 'success()';
    return skipped(
      unhappy.length > 0 && condition === 'success()'
        ? `needs ${unhappy.map(([name, need]) => `${name} (${need.result})`).join(', ')}`
        : `if: ${condition} is false`
    );
  }

  let strategy: Record<string, Json> = {};
  let combinations: Array<Record<string, Json> | undefined> = [undefined];
  try {
    const value = evaluateToken(job.strategy, jobScope);
    if (value && typeof value === 'object' && !Array.isArray(value)) strategy = value;
    if (strategy.matrix !== undefined) combinations = expandMatrix(strategy.matrix);
  } catch (error) {
    return skipped(`its strategy could not be evaluated: ${(error as Error).message}`, 'failure');
  }
  const failFast = strategy['fail-fast'] !== false;
  const instances: JobRunResult[] = [];
  for (const [index, matrix] of combinations.entries()) {
    const strategyContext = {
      'fail-fast': failFast,
      'job-index': index,
      'job-total': combinations.length,
      'max-parallel': Number(strategy['max-parallel'] ?? combinations.length)
    };
    const key = displayName(matrix);
    if (failFast && matrix && instances.some(instance => instance.result === 'failure')) {
      const record: JobRunResult = {
        key,
        id,
        workflow: scope.workflow.displayName,
        matrix,
        result: 'cancelled',
        outputs: {},
        steps: [],
        summary: '',
        reason: 'fail-fast: another matrix job failed',
        durationMs: 0
      };
      state.print('');
      state.print(`${mark('cancelled')} ${key}: cancelled (fail-fast: another matrix job failed)`);
      state.jobs.push(record);
      instances.push(record);
      continue;
    }
    const instance = { key, matrix, strategy: strategyContext, needs };
    instances.push(
      job.type === 'job'
        ? await runJob(state, scope, job, instance)
        : await runReusableCall(state, scope, job, instance)
    );
  }
  const result: Result = instances.some(instance => instance.result === 'failure')
    ? 'failure'
    : instances.some(instance => instance.result === 'cancelled')
      ? 'cancelled'
      : 'success';
  // matrix jobs: like on GitHub, the outputs of the last instance that set them win
  const outputs = Object.assign({}, ...instances.map(instance => instance.outputs)) as Record<string, string>;
  return { result, outputs, instances };
}

async function runReusableCall(
  state: RunState,
  caller: WorkflowScope,
  job: ReusableWorkflowJob,
  instance: {
    key: string;
    matrix?: Record<string, Json>;
    strategy: Record<string, Json>;
    needs: Record<string, NeedResult>;
  }
): Promise<JobRunResult> {
  const started = state.now();
  const location = calledWorkflowFile(job.ref.value, caller.workflow.selfRoot, state.repositories);
  // preflight refused anything that does not resolve, so this is only a guard
  if (!location) throw new WorkflowProblems([`${job.ref.value}: reusable workflow not found`]);
  const called = await loadLocated(location, state.repoRoot);
  const callerScope: Scope = {
    contexts: {
      github: caller.github,
      needs: instance.needs,
      vars: caller.vars,
      inputs: caller.inputs,
      matrix: instance.matrix ?? {},
      strategy: instance.strategy,
      secrets: caller.secrets
    },
    status: { success: true, failure: false, cancelled: isCancelled(state) }
  };
  const record: JobRunResult = {
    key: instance.key,
    id: job.id.value,
    workflow: caller.workflow.displayName,
    matrix: instance.matrix,
    result: 'success',
    outputs: {},
    steps: [],
    summary: '',
    durationMs: 0
  };
  const fail = (reason: string): JobRunResult => {
    record.result = 'failure';
    record.reason = reason;
    record.durationMs = state.now() - started;
    state.print(`✗ ${instance.key}: failure (${reason})`);
    state.jobs.push(record);
    return record;
  };
  state.print('');
  state.print(`▶ ${instance.key}  (calls ${called.displayName})`);
  if (location.displayName) {
    state.print(`  [rehearsal] read from the local folder that stands in for it: ${location.file}`);
  }

  const given = evaluateToken(job['input-values'], callerScope);
  const definitions = inputDefinitions(called, 'workflow_call', callerScope);
  const typed = typedInputs(
    definitions,
    given && typeof given === 'object' && !Array.isArray(given) ? given : {},
    where(caller.workflow, job.ref)
  );
  const secrets: Record<string, string> = job['inherit-secrets']
    ? { ...caller.secrets }
    : { ...evaluateTextMap(job['secret-values'], callerScope), GITHUB_TOKEN: caller.secrets.GITHUB_TOKEN };
  const secretDefinitions = evaluateToken(
    child(child(child(called.root, 'on'), 'workflow_call'), 'secrets'),
    callerScope
  );
  const declaredSecrets =
    secretDefinitions && typeof secretDefinitions === 'object' && !Array.isArray(secretDefinitions)
      ? (secretDefinitions as Record<string, { required?: boolean } | null>)
      : {};
  const problems = [...typed.problems];
  for (const [name, definition] of Object.entries(declaredSecrets)) {
    if (definition?.required && !secrets[name]) {
      problems.push(`${where(caller.workflow, job.ref)}: secret "${name}" is required but not provided`);
    }
  }
  if (!job['inherit-secrets']) {
    for (const name of Object.keys(secrets)) {
      if (name !== 'GITHUB_TOKEN' && !(name in declaredSecrets)) {
        problems.push(
          `${where(caller.workflow, job.ref)}: secret "${name}" is not defined by ${called.displayName}`
        );
      }
    }
  }
  if (problems.length > 0) return fail(problems.join('; '));

  const scope = workflowScope(called, {
    github: caller.github,
    inputs: typed.values,
    secrets,
    vars: caller.vars,
    path: [instance.key]
  });
  const results = await runWorkflowJobs(state, scope);
  const jobsContext = Object.fromEntries(
    [...results.entries()].map(([name, outcome]) => [
      name,
      { result: outcome.result, outputs: outcome.outputs }
    ])
  );
  const outputDefinitions = child(child(child(called.root, 'on'), 'workflow_call'), 'outputs');
  const outputScope: Scope = {
    contexts: { github: caller.github, inputs: typed.values, vars: caller.vars, jobs: jobsContext },
    status: { success: true, failure: false, cancelled: false }
  };
  try {
    const outputs = evaluateToken(outputDefinitions, outputScope);
    if (outputs && typeof outputs === 'object' && !Array.isArray(outputs)) {
      for (const [name, definition] of Object.entries(outputs)) {
        const value =
          definition && typeof definition === 'object' && !Array.isArray(definition)
            ? definition.value
            : null;
        record.outputs[name] = toText(value ?? null);
      }
    }
  } catch (error) {
    return fail(`outputs of ${called.displayName} could not be evaluated: ${(error as Error).message}`);
  }
  const all = [...results.values()];
  record.result = all.some(outcome => outcome.result === 'failure')
    ? 'failure'
    : all.some(outcome => outcome.result === 'cancelled')
      ? 'cancelled'
      : 'success';
  record.durationMs = state.now() - started;
  state.print('');
  state.print(`${mark(record.result)} ${instance.key}: ${record.result} (${called.displayName})`);
  state.jobs.push(record);
  return record;
}
