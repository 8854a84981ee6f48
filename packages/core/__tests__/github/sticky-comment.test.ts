import { describe, expect, it } from '@jest/globals';
import { MemoryLogger } from '@deploy-suite/testing';
import {
  GitHubApiError,
  type GitHubHttp,
  type GitHubRequest,
  type GitHubResponse
} from '../../src/github/http.js';
import {
  findStickyComment,
  publishStickyComment,
  sameLogin,
  stickyCommentMarker,
  tokenLogin,
  upsertStickyComment,
  STICKY_TAG_PATTERN
} from '../../src/github/sticky-comment.js';

interface Comment {
  id: number;
  issue: number;
  body: string;
  user: { login: string };
  html_url: string;
}

/** In-memory GitHub issue comments behind the GitHubHttp interface, paging two comments at a time. */
class FakeGitHub implements GitHubHttp {
  readonly comments: Comment[] = [];
  readonly calls: GitHubRequest[] = [];
  private nextId = 1;

  constructor(
    private readonly me: { login: string; canReadUser: boolean; canWrite: boolean },
    private readonly pageSize = 2
  ) {}

  seed(issue: number, body: string, login: string): Comment {
    const comment = {
      id: this.nextId++,
      issue,
      body,
      user: { login },
      html_url: `https://github.com/c/${this.nextId}`
    };
    this.comments.push(comment);
    return comment;
  }

  async request(request: GitHubRequest): Promise<GitHubResponse> {
    this.calls.push(request);
    const url = new URL(request.path, 'https://api.github.com');
    const ok = (data: unknown, headers: Record<string, string> = {}): GitHubResponse => ({
      status: 200,
      headers,
      data
    });
    const refuse = (status: number, message: string): never => {
      throw new GitHubApiError(status, request.method, url.pathname, message);
    };
    if (url.pathname === '/user') {
      return this.me.canReadUser
        ? ok({ login: this.me.login })
        : refuse(403, 'Resource not accessible by integration');
    }
    const list = /\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (list && request.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? '1');
      const all = this.comments.filter(comment => comment.issue === Number(list[1]));
      const next =
        page * this.pageSize < all.length
          ? `<https://api.github.com${url.pathname}?page=${page + 1}>; rel="next"`
          : undefined;
      return ok(all.slice((page - 1) * this.pageSize, page * this.pageSize), next ? { link: next } : {});
    }
    if (!this.me.canWrite) refuse(403, 'Resource not accessible by integration');
    const body = (request.body as { body: string }).body;
    if (list && request.method === 'POST') return ok(this.seed(Number(list[1]), body, this.me.login));
    const single = /\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const comment = this.comments.find(candidate => candidate.id === Number(single?.[1]));
    if (single && request.method === 'PATCH' && comment) {
      comment.body = body;
      return ok(comment);
    }
    return refuse(404, 'Not Found');
  }

  writes(): string[] {
    return this.calls.filter(call => call.method !== 'GET').map(call => `${call.method} ${call.path}`);
  }
}

const base = { owner: 'octo-org', repo: 'tria-aibpo', issueNumber: 42 };
const bot = { login: 'github-actions[bot]', canReadUser: false, canWrite: true };

describe('stickyCommentMarker', () => {
  it('is a hidden HTML comment naming the source and tag', () => {
    expect(stickyCommentMarker('verify-health', 'staging')).toBe(
      '<!-- deploy-suite:verify-health:staging -->'
    );
  });

  it('tags cannot close the HTML comment', () => {
    expect(STICKY_TAG_PATTERN.test('production')).toBe(true);
    expect(STICKY_TAG_PATTERN.test('tria-aibpo staging')).toBe(true);
    expect(STICKY_TAG_PATTERN.test('x -->')).toBe(false);
    expect(STICKY_TAG_PATTERN.test('')).toBe(false);
  });
});

describe('sameLogin', () => {
  it('ignores case and the [bot] suffix GraphQL leaves out', () => {
    expect(sameLogin('github-actions[bot]', 'GitHub-Actions')).toBe(true);
    expect(sameLogin('octocat', 'github-actions[bot]')).toBe(false);
  });
});

describe('tokenLogin', () => {
  it('reads GET /user for a personal token', async () => {
    expect(await tokenLogin(new FakeGitHub({ login: 'deploy-bot', canReadUser: true, canWrite: true }))).toBe(
      'deploy-bot'
    );
  });

  it('falls back to the Actions bot when GITHUB_TOKEN may not read /user', async () => {
    expect(await tokenLogin(new FakeGitHub(bot))).toBe('github-actions[bot]');
  });
});

describe('upsertStickyComment', () => {
  const marker = stickyCommentMarker('verify-health', 'staging');

  it('creates the comment once, then updates it in place', async () => {
    const github = new FakeGitHub(bot);
    const logger = new MemoryLogger();
    const first = await upsertStickyComment({ ...base, http: github, marker, body: 'run 1', logger });
    expect(first).toMatchObject({ outcome: 'created' });
    const second = await upsertStickyComment({ ...base, http: github, marker, body: 'run 2', logger });
    expect(second).toMatchObject({ outcome: 'updated', id: first.outcome === 'created' ? first.id : -1 });
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0].body).toBe(`${marker}\nrun 2`);
    expect(github.writes()).toEqual([
      'POST /repos/octo-org/tria-aibpo/issues/42/comments',
      'PATCH /repos/octo-org/tria-aibpo/issues/comments/1'
    ]);
  });

  it('leaves an identical comment alone', async () => {
    const github = new FakeGitHub(bot);
    github.seed(42, `${marker}\nsame`, 'github-actions[bot]');
    const result = await upsertStickyComment({
      ...base,
      http: github,
      marker,
      body: 'same',
      logger: new MemoryLogger()
    });
    expect(result.outcome).toBe('unchanged');
    expect(github.writes()).toEqual([]);
  });

  it('keeps one comment per tag', async () => {
    const github = new FakeGitHub(bot);
    const logger = new MemoryLogger();
    for (const tag of ['staging', 'production', 'staging']) {
      await upsertStickyComment({
        ...base,
        http: github,
        marker: stickyCommentMarker('verify-health', tag),
        body: tag,
        logger
      });
    }
    expect(github.comments.map(comment => comment.body)).toEqual([
      '<!-- deploy-suite:verify-health:staging -->\nstaging',
      '<!-- deploy-suite:verify-health:production -->\nproduction'
    ]);
  });

  it('does not take a tag that merely starts with the same text', async () => {
    const github = new FakeGitHub(bot);
    github.seed(42, `${stickyCommentMarker('verify-health', 'staging-eu')}\nother`, 'github-actions[bot]');
    await upsertStickyComment({ ...base, http: github, marker, body: 'mine', logger: new MemoryLogger() });
    expect(github.comments).toHaveLength(2);
  });

  it('never edits a comment by someone else that quotes the marker, and finds its own past page 1', async () => {
    const github = new FakeGitHub(bot);
    github.seed(42, 'LGTM', 'octocat');
    const quoted = github.seed(42, `${marker}\ncopied by a person`, 'octocat');
    github.seed(42, 'another', 'octocat');
    const own = github.seed(42, `${marker}\nold`, 'github-actions[bot]');
    github.seed(7, `${marker}\nother pull request`, 'github-actions[bot]');
    const result = await upsertStickyComment({
      ...base,
      http: github,
      marker,
      body: 'new',
      logger: new MemoryLogger()
    });
    expect(result).toMatchObject({ outcome: 'updated', id: own.id });
    expect(quoted.body).toBe(`${marker}\ncopied by a person`);
    // two comments a page: the list was read over two pages following Link
    expect(
      github.calls.filter(call => call.method === 'GET' && call.path.includes('/comments'))
    ).toHaveLength(2);
  });

  it('uses an author given by the caller without asking GET /user', async () => {
    const github = new FakeGitHub({ login: 'deploy-bot', canReadUser: true, canWrite: true });
    await upsertStickyComment({
      ...base,
      http: github,
      marker,
      body: 'x',
      logger: new MemoryLogger(),
      author: 'deploy-bot'
    });
    expect(github.calls.some(call => call.path === '/user')).toBe(false);
  });
});

describe('publishStickyComment', () => {
  const marker = stickyCommentMarker('verify-health', 'health');

  it('only warns, with the fix, when the token cannot write (a fork pull request)', async () => {
    const github = new FakeGitHub({ ...bot, canWrite: false });
    const logger = new MemoryLogger();
    const result = await publishStickyComment({ ...base, http: github, marker, body: 'x', logger });
    expect(result.outcome).toBe('skipped');
    expect(logger.messages('warning')).toEqual([
      expect.stringContaining('Skipped the PR comment: the token may not write comments on #42')
    ]);
    expect(logger.messages('warning')[0]).toContain('pull-requests: write');
  });

  it('warns on any other failure too', async () => {
    const broken: GitHubHttp = {
      request: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      }
    };
    const logger = new MemoryLogger();
    expect((await publishStickyComment({ ...base, http: broken, marker, body: 'x', logger })).outcome).toBe(
      'skipped'
    );
    expect(logger.messages('warning')).toEqual(['Skipped the PR comment: connect ECONNREFUSED 127.0.0.1:1']);
  });

  it('logs where the comment is', async () => {
    const logger = new MemoryLogger();
    await publishStickyComment({ ...base, http: new FakeGitHub(bot), marker, body: 'x', logger });
    expect(logger.messages('info')).toEqual(['PR comment created on #42: https://github.com/c/2']);
  });
});

describe('findStickyComment', () => {
  it('picks the oldest matching comment', () => {
    const marker = stickyCommentMarker('verify-health', 'health');
    const comments = [
      { id: 1, body: `${marker}\na`, author: 'github-actions[bot]' },
      { id: 2, body: `${marker}\nb`, author: 'github-actions[bot]' }
    ];
    expect(findStickyComment(comments, marker, 'github-actions')?.id).toBe(1);
  });

  it('matches the marker only at the start of the body, and only on the bot account itself', () => {
    const marker = stickyCommentMarker('verify-health', 'health');
    const comments = [
      {
        id: 1,
        body: `A quote of the marker: ${marker}\nforged`,
        author: 'github-actions[bot]',
        authorType: 'Bot'
      },
      { id: 2, body: `| x | ${marker} |`, author: 'github-actions[bot]', authorType: 'Bot' },
      { id: 3, body: `${marker}\nby a person`, author: 'github-actions', authorType: 'User' },
      { id: 4, body: `${marker}\nreal`, author: 'github-actions[bot]', authorType: 'Bot' }
    ];
    expect(findStickyComment(comments, marker, 'github-actions[bot]')?.id).toBe(4);
  });
});
