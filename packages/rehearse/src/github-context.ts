import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Json } from './expressions.js';

/**
 * The `github` context and event payload of a rehearsal, from the local git repository when there is
 * one (sha, branch, origin) so expressions like `github.sha` give the commit being rehearsed.
 */

export interface GithubSetup {
  repoRoot: string;
  event: string;
  runId: string;
  inputs: Record<string, Json>;
  workflowName: string;
  workflowFile: string;
  token: string;
  apiUrl?: string;
  overrides?: Record<string, Json>;
  eventPayload?: Record<string, Json>;
}

function git(repoRoot: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim();
  } catch {
    return undefined;
  }
}

/** `git@github.com:octo-org/app.git` or `https://github.com/octo-org/app` → `octo-org/app` */
export function repositoryFromRemote(url: string | undefined): string | undefined {
  const match = /[/:]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(url ?? '');
  return match?.[1];
}

export function githubContext(setup: GithubSetup): Record<string, Json> {
  const o = setup.overrides ?? {};
  const sha = String(o.sha ?? git(setup.repoRoot, ['rev-parse', 'HEAD']) ?? '0'.repeat(40));
  const branch = git(setup.repoRoot, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const repository = String(
    o.repository ??
      repositoryFromRemote(git(setup.repoRoot, ['config', '--get', 'remote.origin.url'])) ??
      `local/${path.basename(setup.repoRoot)}`
  );
  const [owner, name] = repository.split('/');
  const actor = String(o.actor ?? 'octocat');
  const isPullRequest = setup.event === 'pull_request' || setup.event === 'pull_request_target';
  const branchName = branch && branch !== 'HEAD' ? branch : 'main';
  const ref = String(o.ref ?? (isPullRequest ? 'refs/pull/1/merge' : `refs/heads/${branchName}`));
  const repositoryPayload = {
    full_name: repository,
    name,
    owner: { login: owner },
    default_branch: 'main',
    html_url: `https://github.com/${repository}`
  };
  const sender = { login: actor, type: 'User' };
  const payloads: Record<string, Record<string, Json>> = {
    push: {
      ref,
      before: '0'.repeat(40),
      after: sha,
      head_commit: { id: sha, message: git(setup.repoRoot, ['log', '-1', '--format=%s']) ?? 'rehearsal' },
      pusher: { name: actor }
    },
    workflow_dispatch: { ref, inputs: setup.inputs },
    pull_request: {
      action: 'opened',
      number: 1,
      pull_request: {
        number: 1,
        title: 'Rehearsal pull request',
        user: { login: actor },
        head: { ref: branchName, sha, repo: repositoryPayload },
        base: { ref: 'main', sha: '0'.repeat(40), repo: repositoryPayload },
        html_url: `https://github.com/${repository}/pull/1`
      }
    }
  };
  const event: Record<string, Json> = {
    ...(payloads[setup.event] ?? {}),
    repository: repositoryPayload,
    sender,
    ...(setup.eventPayload ?? {})
  };
  return {
    event_name: setup.event,
    event,
    sha,
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\/(\d+)\/merge$/, '$1/merge'),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    head_ref: isPullRequest ? branchName : '',
    base_ref: isPullRequest ? 'main' : '',
    repository,
    repository_owner: owner,
    actor,
    triggering_actor: actor,
    run_id: setup.runId,
    run_number: '1',
    run_attempt: '1',
    workflow: setup.workflowName,
    workflow_ref: `${repository}/${setup.workflowFile}@${ref}`,
    server_url: 'https://github.com',
    api_url: setup.apiUrl ?? 'https://api.github.com',
    graphql_url: 'https://api.github.com/graphql',
    retention_days: '90',
    token: setup.token,
    ...o
  };
}

/** The GITHUB_* variables the runner sets for every step, from the github context. */
export function githubEnvironment(github: Record<string, Json>): Record<string, string> {
  const text = (key: string) => String(github[key] ?? '');
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: text('event_name'),
    GITHUB_EVENT_PATH: text('event_path'),
    GITHUB_SHA: text('sha'),
    GITHUB_REF: text('ref'),
    GITHUB_REF_NAME: text('ref_name'),
    GITHUB_REF_TYPE: text('ref_type'),
    GITHUB_HEAD_REF: text('head_ref'),
    GITHUB_BASE_REF: text('base_ref'),
    GITHUB_REPOSITORY: text('repository'),
    GITHUB_REPOSITORY_OWNER: text('repository_owner'),
    GITHUB_ACTOR: text('actor'),
    GITHUB_TRIGGERING_ACTOR: text('triggering_actor'),
    GITHUB_RUN_ID: text('run_id'),
    GITHUB_RUN_NUMBER: text('run_number'),
    GITHUB_RUN_ATTEMPT: text('run_attempt'),
    GITHUB_WORKFLOW: text('workflow'),
    GITHUB_WORKFLOW_REF: text('workflow_ref'),
    GITHUB_SERVER_URL: text('server_url'),
    GITHUB_API_URL: text('api_url'),
    GITHUB_GRAPHQL_URL: text('graphql_url'),
    GITHUB_RETENTION_DAYS: text('retention_days')
  };
}
