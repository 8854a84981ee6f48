import type { Logger } from '@deploy-suite/core';
import {
  deploymentEnvironment,
  gitHubHttp,
  publishStickyComment,
  pullRequestNumber,
  readEventPayload,
  repositoryOf,
  stickyCommentMarker,
  workflowRunUrl,
  type EventPayload,
  type GitHubHttp,
  type StickyCommentResult
} from '@deploy-suite/core/github';
import { commentMarkdown, type UrlReport } from './summary.js';

const DEFAULT_COMMENT_TAG = 'health';

/**
 * The given tag, else the environment a deployment event names, else `health`.
 * @internal exported for its tests; the actions do not use it
 */
export function commentTag(given: string | undefined, payload: EventPayload): string {
  return given ?? deploymentEnvironment(payload) ?? DEFAULT_COMMENT_TAG;
}

export interface PrCommentOptions {
  report: UrlReport[];
  tag: string | undefined;
  token: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** default: the real GitHub transport at GITHUB_API_URL */
  http?: GitHubHttp;
  payload?: EventPayload;
}

/**
 * Upserts the health table as a sticky comment on this run's pull request. Never throws: outside a pull
 * request it says so, and a refused or failed call is a warning (the check's result does not depend on it).
 */
export async function commentOnPullRequest(options: PrCommentOptions): Promise<StickyCommentResult> {
  const { env, logger } = options;
  const payload = options.payload ?? readEventPayload(env);
  const issueNumber = pullRequestNumber(payload, env.GITHUB_REF);
  const repository = repositoryOf(env);
  if (!issueNumber || !repository) {
    const reason = !repository ? 'GITHUB_REPOSITORY is not set' : 'this run is not for a pull request';
    logger.info(`No PR comment: ${reason}`);
    return { outcome: 'skipped', reason };
  }
  const tag = commentTag(options.tag, payload);
  const http =
    options.http ??
    gitHubHttp({
      apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
      token: options.token,
      env,
      userAgent: 'deploy-suite-verify-health'
    });
  return publishStickyComment({
    http,
    owner: repository.owner,
    repo: repository.repo,
    issueNumber,
    marker: stickyCommentMarker('verify-health', tag),
    body: commentMarkdown(options.report, tag, { runUrl: workflowRunUrl(env), sha: env.GITHUB_SHA }),
    logger
  });
}
