/**
 * The few GitHub REST calls a sticky PR comment needs, under `/github` (use `${endpoint}/github` as
 * GITHUB_API_URL): list, create, get, update and delete issue comments.
 *
 * Every token is accepted and acts as `github-actions[bot]` unless mapped to another login with
 * `control.githubToken({token, login})`; `readOnly: true` makes writes answer 403 "Resource not
 * accessible by integration", like a fork's token. Requests without a token answer 401.
 */
import { json, jsonBody, type HttpReply, type SimRequest } from '../core/http.js';
import type { GitHubPullRule, GitHubTokenRule } from '../core/control.js';
import type { SimContext, SimService, SimServiceModule } from '../core/service.js';

const BOT = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
const DOCS = 'https://docs.github.com/rest/issues/comments';

interface Comment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
  login: string;
  createdAt: number;
  updatedAt: number;
}

export class GitHubService implements SimService {
  readonly name = 'GitHub';
  readonly routes;
  private comments = new Map<number, Comment>();
  private tokens = new Map<string, GitHubTokenRule>();
  private pulls: GitHubPullRule[] = [];
  private nextId = 1000001;
  constructor(private readonly ctx: SimContext) {
    this.routes = [{ prefix: '/github/', handle: (req: SimRequest) => this.handle(req) }];
  }

  reset(): void {
    this.comments.clear();
    this.tokens.clear();
    this.pulls = [];
    this.nextId = 1000001;
  }

  setToken(rule: GitHubTokenRule): GitHubTokenRule {
    if (!rule || typeof rule.token !== 'string' || rule.token === '')
      throw new Error('githubToken: "token" is required');
    const stored = { token: rule.token, login: rule.login ?? BOT.login, readOnly: rule.readOnly === true };
    this.tokens.set(rule.token, stored);
    return stored;
  }

  setPull(rule: GitHubPullRule): GitHubPullRule {
    if (
      !rule ||
      !rule.owner ||
      !rule.repo ||
      !Number.isInteger(rule.number) ||
      !/^[0-9a-f]{40}$/.test(rule.headSha ?? '')
    ) {
      throw new Error('githubPull: "owner", "repo", "number" and a 40-hex "headSha" are required');
    }
    const stored = { ...rule, state: rule.state ?? 'open' };
    this.pulls = [
      ...this.pulls.filter(
        pull => !(pull.owner === rule.owner && pull.repo === rule.repo && pull.number === rule.number)
      ),
      stored
    ];
    return stored;
  }

  /** All comments of an issue, for tests. */
  list(owner: string, repo: string, issue: number): Comment[] {
    return [...this.comments.values()].filter(c => c.owner === owner && c.repo === repo && c.issue === issue);
  }

  private async handle(req: SimRequest): Promise<HttpReply | undefined> {
    const path = req.path.slice('/github'.length);
    const pulls = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{40})\/pulls\/?$/.exec(path);
    if (pulls && req.method === 'GET') return this.pullsOf(req, pulls[1], pulls[2], pulls[3]);
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments\/?$/.exec(path);
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)\/?$/.exec(path);
    if (!list && !one) return undefined;
    const operation = list
      ? req.method === 'POST'
        ? 'CreateComment'
        : 'ListComments'
      : (({ GET: 'GetComment', PATCH: 'UpdateComment', DELETE: 'DeleteComment' } as Record<string, string>)[
          req.method
        ] ?? req.method);
    // counted and faulted like an AWS call: GitHub.ListComments, GitHub.CreateComment, ...
    const fault = await this.ctx.recordCall(`GitHub.${operation}`);
    if (fault === 'throttle') {
      return json(
        429,
        { message: 'API rate limit exceeded (simulated)', documentation_url: DOCS },
        { 'retry-after': '1' }
      );
    }
    if (fault === 'error5xx') return json(503, { message: 'Service Unavailable (simulated fault)' });
    const auth = this.authenticate(req);
    if ('status' in auth) return auth;
    const write = req.method !== 'GET';
    if (write && auth.readOnly) {
      return json(403, {
        message: 'Resource not accessible by integration',
        documentation_url: DOCS,
        status: '403'
      });
    }
    if (list) {
      const [, owner, repo, issue] = list;
      if (req.method === 'GET') return this.listComments(req, owner, repo, Number(issue));
      if (req.method === 'POST') return this.createComment(req, owner, repo, Number(issue), auth.login!);
    }
    if (one) {
      const [, owner, repo, id] = one;
      const comment = this.comments.get(Number(id));
      if (!comment || comment.owner !== owner || comment.repo !== repo) {
        return json(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      }
      if (req.method === 'GET') return json(200, this.view(comment));
      if (req.method === 'PATCH') return this.updateComment(req, comment);
      if (req.method === 'DELETE') {
        this.comments.delete(comment.id);
        return { status: 204 };
      }
    }
    return json(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
  }

  /** `GET /repos/{o}/{r}/commits/{sha}/pulls`: the pull requests whose head is that commit. */
  private async pullsOf(req: SimRequest, owner: string, repo: string, sha: string): Promise<HttpReply> {
    await this.ctx.recordCall('GitHub.ListPullsForCommit');
    const auth = this.authenticate(req);
    if ('status' in auth) return auth;
    const found = this.pulls.filter(
      pull => pull.owner === owner && pull.repo === repo && pull.headSha === sha
    );
    return json(
      200,
      found.map(pull => ({
        number: pull.number,
        state: pull.state,
        html_url: `https://github.com/${owner}/${repo}/pull/${pull.number}`,
        head: { sha: pull.headSha, repo: { full_name: pull.headRepository ?? `${owner}/${repo}` } },
        base: { repo: { full_name: `${owner}/${repo}` } }
      }))
    );
  }

  private authenticate(req: SimRequest): GitHubTokenRule | HttpReply {
    const header = String(req.headers.authorization ?? '');
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
    if (!match) {
      return json(401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
        status: '401'
      });
    }
    return this.tokens.get(match[1]) ?? { token: match[1], login: BOT.login, readOnly: false };
  }

  private listComments(req: SimRequest, owner: string, repo: string, issue: number): HttpReply {
    const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
    const all = this.list(owner, repo, issue).sort((a, b) => a.id - b.id);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length) {
      const base = `${this.ctx.endpoint()}/github/repos/${owner}/${repo}/issues/${issue}/comments`;
      const last = Math.ceil(all.length / perPage);
      headers.link =
        `<${base}?per_page=${perPage}&page=${page + 1}>; rel="next", ` +
        `<${base}?per_page=${perPage}&page=${last}>; rel="last"`;
    }
    return json(
      200,
      slice.map(c => this.view(c)),
      headers
    );
  }

  private createComment(
    req: SimRequest,
    owner: string,
    repo: string,
    issue: number,
    login: string
  ): HttpReply {
    const body = bodyText(req);
    if (typeof body !== 'string') return invalid();
    const now = this.ctx.clock.nowMs();
    const comment: Comment = {
      id: this.nextId++,
      owner,
      repo,
      issue,
      body,
      login,
      createdAt: now,
      updatedAt: now
    };
    this.comments.set(comment.id, comment);
    return json(201, this.view(comment));
  }

  private updateComment(req: SimRequest, comment: Comment): HttpReply {
    const body = bodyText(req);
    if (typeof body !== 'string') return invalid();
    comment.body = body;
    comment.updatedAt = this.ctx.clock.nowMs();
    return json(200, this.view(comment));
  }

  private view(c: Comment): Record<string, unknown> {
    const api = `${this.ctx.endpoint()}/github/repos/${c.owner}/${c.repo}`;
    const user = c.login === BOT.login ? BOT : { login: c.login, id: hashId(c.login), type: 'User' };
    return {
      id: c.id,
      node_id: `IC_sim${c.id}`,
      url: `${api}/issues/comments/${c.id}`,
      html_url: `https://github.com/${c.owner}/${c.repo}/issues/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${api}/issues/${c.issue}`,
      body: c.body,
      user: { ...user, html_url: `https://github.com/${encodeURIComponent(user.login)}` },
      author_association: user.type === 'Bot' ? 'NONE' : 'MEMBER',
      created_at: new Date(c.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      updated_at: new Date(c.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z')
    };
  }
}

function bodyText(req: SimRequest): unknown {
  const parsed = jsonBody(req) as { body?: unknown } | undefined;
  return parsed?.body;
}

function invalid(): HttpReply {
  return json(422, {
    message: 'Invalid request.\n\n"body" wasn\'t supplied.',
    documentation_url: DOCS,
    status: '422'
  });
}

function hashId(login: string): number {
  let h = 0;
  for (const ch of login) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 100000000;
}

const github: SimServiceModule = { name: 'GitHub', create: ctx => new GitHubService(ctx) };
export default github;
