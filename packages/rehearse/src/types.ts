import type { TrustPolicy } from './oidc.js';

export interface SimulatorClock {
  now(): number;
  calls(): number;
}
import type { Json } from './expressions.js';
import type { Annotation } from './step-log.js';

/** The API the example layer (`npm run rehearse -- <example>`) drives. */
export interface RehearsalOptions {
  /** the workflow file, relative to repoRoot or absolute */
  file: string;
  /** the repository the workflow belongs to: checkout copies it, `./` paths resolve in it (default: cwd) */
  repoRoot?: string;
  /** push (default), workflow_dispatch, pull_request, or workflow_call to rehearse a reusable workflow alone */
  event?: string;
  /** workflow_dispatch / workflow_call inputs, as text (typed by the workflow's input definitions) */
  inputs?: Record<string, string>;
  /**
   * The machine's environment as every step sees it (AWS_ENDPOINT_URL of the simulator, GITHUB_API_URL...).
   * Nothing else of this process's environment reaches the steps but PATH, HOME and the locale.
   */
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** merged over the generated github.event payload */
  eventPayload?: Record<string, Json>;
  /** overrides of the github context (sha, ref, repository, actor, ...) */
  github?: Record<string, Json>;
  /** where the rehearsal prints, one line at a time (default console.log) */
  log?: (line: string) => void;
  hooks?: RehearsalHooks;
  /** job workspaces, temp folders and artifacts (default a fresh folder under <repoRoot>/.rehearsal/) */
  workDir?: string;
  /** cancels the rehearsal as the Cancel button does: `always()` steps still run */
  signal?: AbortSignal;
  /** clock for durations (default Date.now) */
  now?: () => number;
  /** show ::debug:: lines */
  debug?: boolean;
  /**
   * Other repositories stood in for by local folders, `owner/repo` → folder: `uses: owner/repo/path@ref`
   * steps (JavaScript actions) and reusable-workflow calls resolve there (the ref is noted, the folder's
   * working tree is used). Used by the example layer to rehearse consumer workflows against this suite.
   */
  repositories?: Record<string, string>;
  /**
   * Role ARN → its IAM trust policy (file name for messages, and the JSON document). Where a job runs
   * aws-actions/configure-aws-credentials with one of these roles, its OIDC subject (computed as GitHub
   * does: environment, pull_request or ref form) must be allowed, else the step fails naming both.
   */
  trustPolicies?: Record<string, TrustPolicy>;
  /**
   * The simulator, when the rehearsal runs against one: `now()` its clock in ms, `calls()` how many API
   * calls it has answered. A step or job that called it shows the simulated time that passed too.
   */
  simulator?: SimulatorClock;
}

export interface JobInfo {
  /** `deploy / verify (api)`: the path through reusable-workflow calls and the matrix values */
  key: string;
  /** the job id in its workflow file */
  id: string;
  /** the workflow file (repo-relative) that defines the job */
  workflow: string;
  matrix?: Record<string, Json>;
  workspace: string;
}

export interface StepInfo {
  job: JobInfo;
  id: string;
  name: string;
  /** the `uses:` value of an action step */
  uses?: string;
  index: number;
}

export interface HookResult {
  /** extra environment for this job or step (merged over the rehearsal env) */
  env?: Record<string, string>;
}

export interface RehearsalHooks {
  beforeJob?(job: JobInfo): void | HookResult | Promise<void | HookResult>;
  afterJob?(job: JobInfo, result: JobRunResult): void | Promise<void>;
  beforeStep?(step: StepInfo): void | HookResult | Promise<void | HookResult>;
  afterStep?(step: StepInfo, result: StepRunResult): void | Promise<void>;
}

export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepRunResult {
  id: string;
  name: string;
  kind: 'run' | 'action' | 'stand-in' | 'post';
  uses?: string;
  /** before continue-on-error */
  outcome: Result;
  /** after continue-on-error */
  conclusion: Result;
  outputs: Record<string, string>;
  /** what the step wrote to GITHUB_STEP_SUMMARY */
  summary: string;
  /** the step's log as shown (masked) */
  log: string[];
  annotations: Annotation[];
  /** why it failed, when it did */
  error?: string;
  durationMs: number;
}

export interface JobRunResult {
  key: string;
  id: string;
  workflow: string;
  matrix?: Record<string, Json>;
  /** the job's result as `needs.<id>.result` reports it */
  result: Result;
  outputs: Record<string, string>;
  steps: StepRunResult[];
  /** the job summary: every step's GITHUB_STEP_SUMMARY text, in order */
  summary: string;
  environment?: { name: string; url?: string };
  /** why the job did not run or failed before its steps */
  reason?: string;
  durationMs: number;
}

export interface RehearsalResult {
  result: 'success' | 'failure' | 'cancelled';
  /** every job instance (matrix entries, jobs of called workflows) in the order they ran */
  jobs: JobRunResult[];
  /** problems found before anything ran (parse errors, unsupported syntax, bad inputs) */
  problems: string[];
  workDir: string;
  durationMs: number;
}
