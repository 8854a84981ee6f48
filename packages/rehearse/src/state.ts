import type { Json } from './expressions.js';
import type { LoadedWorkflow } from './load.js';
import type { Masks, Said } from './step-log.js';
import type { TrustPolicy } from './oidc.js';
import type { JobRunResult, RehearsalHooks, SimulatorClock } from './types.js';

/** What every job of one rehearsal shares. */
export interface RunState {
  repoRoot: string;
  workDir: string;
  artifactsDir: string;
  masks: Masks;
  print: (line: string) => void;
  now: () => number;
  hooks: RehearsalHooks;
  signal?: AbortSignal;
  debug: boolean;
  /** the machine's environment for steps: a few host variables and the rehearsal's `env` option */
  machineEnv: Record<string, string>;
  /** every job instance, in the order it ran */
  jobs: JobRunResult[];
  jobCounter: number;
  /** other repositories stood in for by local folders (see RehearsalOptions.repositories) */
  repositories: Record<string, string>;
  /** role ARN → its trust policy: configure-aws-credentials checks the job's OIDC subject against it */
  trustPolicies: Record<string, TrustPolicy>;
  /** what has been said once already (stand-in notes) */
  said: Said;
  /** the simulator, when the rehearsal has one: durations of steps that called it show simulated time */
  simulator?: SimulatorClock;
}

/** One workflow being run: the top-level one, or one called with `uses: ./.github/workflows/x.yml`. */
export interface WorkflowScope {
  workflow: LoadedWorkflow;
  github: Record<string, Json>;
  inputs: Record<string, Json>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** the workflow-level env, evaluated */
  env: Record<string, string>;
  /** `defaults.run` of the workflow */
  defaults: RunDefaults;
  /** the calling jobs' names, for keys like `deploy / verify` */
  path: string[];
}

export interface RunDefaults {
  shell?: string;
  'working-directory'?: string;
}

export type NeedResult = {
  result: 'success' | 'failure' | 'cancelled' | 'skipped';
  outputs: Record<string, string>;
};

export function isCancelled(state: RunState): boolean {
  return state.signal?.aborted ?? false;
}
