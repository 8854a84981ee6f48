import { readFileSync } from 'node:fs';

/**
 * What a step can learn about its workflow run from the runner's environment: the event payload
 * (GITHUB_EVENT_PATH), the pull request it belongs to, the repository and a link to the run.
 */
export type EventPayload = Record<string, unknown>;

/** The event payload the runner wrote to GITHUB_EVENT_PATH ({} when there is none or it is unreadable). */
export function readEventPayload(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = path => readFileSync(path, 'utf8')
): EventPayload {
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return {};
  try {
    const parsed: unknown = JSON.parse(readFile(file));
    return parsed && typeof parsed === 'object' ? (parsed as EventPayload) : {};
  } catch {
    return {};
  }
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const child = (value as Record<string, unknown>)[key];
  return child && typeof child === 'object' ? (child as Record<string, unknown>) : undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * The pull request number of this run: `pull_request` / `pull_request_target` events, an
 * `issue_comment` on a pull request, a `workflow_run` triggered by one, else `refs/pull/N/merge`
 * in GITHUB_REF. Undefined when the run is not about a pull request.
 */
export function pullRequestNumber(payload: EventPayload, ref: string | undefined): number | undefined {
  const fromPullRequest = positiveInteger(objectAt(payload, 'pull_request')?.number);
  if (fromPullRequest) return fromPullRequest;
  const issue = objectAt(payload, 'issue');
  if (issue && objectAt(issue, 'pull_request')) {
    const fromIssue = positiveInteger(issue.number);
    if (fromIssue) return fromIssue;
  }
  const runPullRequests = objectAt(payload, 'workflow_run')?.pull_requests;
  if (Array.isArray(runPullRequests) && runPullRequests.length > 0) {
    const first: unknown = runPullRequests[0];
    const fromRun = positiveInteger(
      first && typeof first === 'object' ? (first as { number?: unknown }).number : undefined
    );
    if (fromRun) return fromRun;
  }
  const match = /^refs\/pull\/(\d+)\/(merge|head)$/.exec(ref ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * The deployment environment named by a `deployment` / `deployment_status` event. The runner does not
 * expose a job's `environment:` to its steps (actions/runner#1369), so this is the only place to find it.
 */
export function deploymentEnvironment(payload: EventPayload): string | undefined {
  const name =
    objectAt(payload, 'deployment')?.environment ?? objectAt(payload, 'deployment_status')?.environment;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** `owner/repo` split in two; undefined when GITHUB_REPOSITORY is missing or malformed. */
export function repositoryOf(
  env: NodeJS.ProcessEnv = process.env
): { owner: string; repo: string } | undefined {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(env.GITHUB_REPOSITORY ?? '');
  return match ? { owner: match[1], repo: match[2] } : undefined;
}

/** The web link to this workflow run (and attempt), for summaries and comments. */
export function workflowRunUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const {
    GITHUB_SERVER_URL: server = 'https://github.com',
    GITHUB_REPOSITORY: repository,
    GITHUB_RUN_ID: runId
  } = env;
  if (!repository || !runId) return undefined;
  const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1');
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}${attempt > 1 ? `/attempts/${attempt}` : ''}`;
}
