import type { Logger } from '../logger.js';
import { errorMessage } from '../errors.js';
import { GitHubApiError, nextPageUrl, type GitHubHttp } from './http.js';

/**
 * One comment per pull request and tag that a workflow keeps up to date ("sticky"), instead of a new
 * comment on every push. The comment is found by a hidden HTML marker in its body AND by its author
 * being the token's own user, so a person quoting the marker never gets their comment overwritten.
 */

/** `<!-- deploy-suite:verify-health:production -->`: invisible in the rendered comment. */
export function stickyCommentMarker(source: string, tag: string): string {
  return `<!-- deploy-suite:${source}:${tag} -->`;
}

/** What a tag may hold, so it cannot end the HTML comment or hide in whitespace. */
export const STICKY_TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._/:@+-]{0,99}$/;

/**
 * The identity GitHub gives comments made with the workflow's GITHUB_TOKEN. That token cannot read
 * GET /user ("Resource not accessible by integration"), so this is who we assume we are then.
 */
const GITHUB_ACTIONS_LOGIN = 'github-actions[bot]';

/** @internal exported for its tests; the actions do not use it */
export interface IssueComment {
  id: number;
  body: string;
  author: string;
  /** GitHub's account type of the author: `Bot` for github-actions[bot], `User` for people */
  authorType?: string;
  url?: string;
}

export interface StickyCommentOptions {
  http: GitHubHttp;
  owner: string;
  repo: string;
  /** pull request (or issue) number */
  issueNumber: number;
  /** from stickyCommentMarker */
  marker: string;
  /** the comment's markdown, without the marker (it is added) */
  body: string;
  logger: Logger;
  /** the token's login when already known; looked up otherwise */
  author?: string;
}

export type StickyCommentResult =
  | { outcome: 'created' | 'updated' | 'unchanged'; id: number; url?: string }
  | { outcome: 'skipped'; reason: string };

/**
 * Logins compare case-insensitively, and `name[bot]` (REST) equals `name` (GraphQL's spelling).
 * @internal exported for its tests; the actions do not use it
 */
export function sameLogin(a: string, b: string): boolean {
  const normal = (login: string): string => login.toLowerCase().replace(/\[bot\]$/, '');
  return normal(a) === normal(b);
}

/**
 * The login of the token's user; the Actions bot when the token is an installation token.
 * @internal exported for its tests; the actions do not use it
 */
export async function tokenLogin(http: GitHubHttp, logger?: Logger): Promise<string> {
  try {
    const { data } = await http.request({ method: 'GET', path: '/user' });
    const login = data && typeof data === 'object' && 'login' in data ? data.login : undefined;
    if (typeof login === 'string' && login !== '') return login;
  } catch (error) {
    if (!(error instanceof GitHubApiError) || ![401, 403, 404].includes(error.status)) throw error;
    logger?.debug(
      `GET /user refused (${error.status}); assuming the token is GITHUB_TOKEN (${GITHUB_ACTIONS_LOGIN})`
    );
  }
  return GITHUB_ACTIONS_LOGIN;
}

function toComment(raw: unknown): IssueComment | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const value = raw as {
    id?: unknown;
    body?: unknown;
    user?: { login?: unknown; type?: unknown } | null;
    html_url?: unknown;
  };
  if (typeof value.id !== 'number') return undefined;
  return {
    id: value.id,
    body: typeof value.body === 'string' ? value.body : '',
    author: typeof value.user?.login === 'string' ? value.user.login : '',
    authorType: typeof value.user?.type === 'string' ? value.user.type : undefined,
    url: typeof value.html_url === 'string' ? value.html_url : undefined
  };
}

const MAX_PAGES = 50;

/**
 * Every comment of an issue or pull request, following `Link: rel="next"` pages.
 * @internal exported for its tests; the actions do not use it
 */
export async function listIssueComments(
  http: GitHubHttp,
  owner: string,
  repo: string,
  issueNumber: number
): Promise<IssueComment[]> {
  const comments: IssueComment[] = [];
  let path: string | undefined = `/repos/${owner}/${repo}/issues/${issueNumber}/comments?per_page=100`;
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const response = await http.request({ method: 'GET', path });
    if (!Array.isArray(response.data))
      throw new Error(`GitHub API ${path} did not answer with a list of comments`);
    for (const raw of response.data) {
      const comment = toComment(raw);
      if (comment) comments.push(comment);
    }
    path = nextPageUrl(response.headers.link);
  }
  return comments;
}

/**
 * The comment to update: the oldest one written by `author` whose body starts with the marker (where
 * upsertStickyComment puts it). A marker quoted further down, in this or another comment, never matches.
 * @internal exported for its tests; the actions do not use it
 */
export function findStickyComment(
  comments: IssueComment[],
  marker: string,
  author: string
): IssueComment | undefined {
  return comments.find(
    comment =>
      (comment.body === marker || comment.body.startsWith(`${marker}\n`)) && isOwnComment(comment, author)
  );
}

/** Written by `author`; when that is a bot, by the bot account itself, not a person whose login resembles it. */
function isOwnComment(comment: IssueComment, author: string): boolean {
  if (!sameLogin(comment.author, author)) return false;
  const expectBot = /\[bot\]$/i.test(author) || sameLogin(author, GITHUB_ACTIONS_LOGIN);
  return !expectBot || comment.authorType === undefined || comment.authorType === 'Bot';
}

/**
 * Creates the sticky comment or updates it in place. Throws GitHubApiError when GitHub refuses.
 * @internal exported for its tests; the actions do not use it
 */
export async function upsertStickyComment(options: StickyCommentOptions): Promise<StickyCommentResult> {
  const { http, owner, repo, issueNumber, marker } = options;
  const author = options.author ?? (await tokenLogin(http, options.logger));
  const body = `${marker}\n${options.body}`;
  const existing = findStickyComment(await listIssueComments(http, owner, repo, issueNumber), marker, author);
  if (existing && existing.body === body) return { outcome: 'unchanged', id: existing.id, url: existing.url };
  if (existing) {
    const { data } = await http.request({
      method: 'PATCH',
      path: `/repos/${owner}/${repo}/issues/comments/${existing.id}`,
      body: { body }
    });
    return { outcome: 'updated', id: existing.id, url: toComment(data)?.url ?? existing.url };
  }
  const { data } = await http.request({
    method: 'POST',
    path: `/repos/${owner}/${repo}/issues/${issueNumber}/comments`,
    body: { body }
  });
  const created = toComment(data);
  if (!created) throw new Error('GitHub API created a comment but answered without its id');
  return { outcome: 'created', id: created.id, url: created.url };
}

/**
 * Upserts the sticky comment without ever failing the step: a comment is a courtesy, the check's result
 * must not depend on it. A 403 (a fork's read-only token, missing `pull-requests: write`) warns with the fix.
 */
export async function publishStickyComment(options: StickyCommentOptions): Promise<StickyCommentResult> {
  try {
    const result = await upsertStickyComment(options);
    if (result.outcome !== 'skipped') {
      options.logger.info(
        `PR comment ${result.outcome} on #${options.issueNumber}${result.url ? `: ${result.url}` : ''}`
      );
    }
    return result;
  } catch (error) {
    const reason =
      error instanceof GitHubApiError && error.status === 403
        ? `the token may not write comments on #${options.issueNumber} (${error.apiMessage || '403'}). ` +
          'Pull requests from forks get a read-only token; elsewhere give the job `permissions: pull-requests: write`.'
        : errorMessage(error);
    options.logger.warning(`Skipped the PR comment: ${reason}`);
    return { outcome: 'skipped', reason };
  }
}
