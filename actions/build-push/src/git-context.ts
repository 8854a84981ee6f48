/**
 * What the run is building, from the variables and event payload the runner provides. Tag tokens are
 * rendered from this, so it is read once in main.ts and passed to pure functions.
 */
export interface GitContext {
  /** GITHUB_SHA: the commit checked out (for pull_request events, GitHub's merge commit) */
  sha?: string;
  /** the branch the run is for: GITHUB_HEAD_REF on pull requests, else refs/heads/<branch> */
  branch?: string;
  /** the pull request number on pull_request(_target) events */
  pr?: number;
  /** the repository's default branch from the event payload, when the payload says */
  defaultBranch?: string;
  /** true only for a branch run (not a pull request) on the default branch */
  isDefaultBranch: boolean;
}

interface EventPayload {
  repository?: { default_branch?: unknown };
  pull_request?: { number?: unknown };
  number?: unknown;
}

/**
 * Reads the context. `readEvent` returns the parsed GITHUB_EVENT_PATH file (or undefined). When the payload
 * does not name the default branch (a run outside GitHub), `main` and `master` count as default.
 */
export function gitContextFrom(env: NodeJS.ProcessEnv, event: EventPayload | undefined): GitContext {
  const ref = env.GITHUB_REF ?? '';
  const prFromRef = /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
  const prNumber = event?.pull_request?.number ?? (prFromRef ? Number(prFromRef) : undefined);
  const pr = typeof prNumber === 'number' && Number.isSafeInteger(prNumber) ? prNumber : undefined;
  const branch =
    env.GITHUB_HEAD_REF || (ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined);
  const defaultBranch =
    typeof event?.repository?.default_branch === 'string' ? event.repository.default_branch : undefined;
  const isDefault =
    pr === undefined &&
    branch !== undefined &&
    (defaultBranch !== undefined ? branch === defaultBranch : branch === 'main' || branch === 'master');
  return { sha: env.GITHUB_SHA || undefined, branch, pr, defaultBranch, isDefaultBranch: isDefault };
}
