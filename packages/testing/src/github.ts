import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny real HTTP server that answers the GitHub REST calls a sticky comment needs, the way
 * api.github.com does: issue comments listed in pages with a `Link` header, created, updated; GET /user
 * refused for installation tokens; writes refused (403) for read-only tokens. Tests of the real transport
 * and of actions run as the runner runs them point GITHUB_API_URL at it.
 */
export interface FakeToken {
  login: string;
  /** false: a fork's read-only GITHUB_TOKEN */
  write: boolean;
  /** true: GITHUB_TOKEN-like, GET /user answers 403 */
  installation?: boolean;
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string };
  html_url: string;
}

export interface FakeGitHubServer {
  apiUrl: string;
  comments: StoredComment[];
  requests: Array<{ method: string; path: string; authorization?: string }>;
  close(): Promise<void>;
}

export async function startFakeGitHub(options: {
  tokens: Record<string, FakeToken>;
  prefix?: string;
  pageSize?: number;
}): Promise<FakeGitHubServer> {
  const prefix = options.prefix ?? '';
  const comments: StoredComment[] = [];
  const requests: FakeGitHubServer['requests'] = [];
  let nextId = 1000;
  let origin = '';

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', chunk => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', origin);
      requests.push({
        method: request.method ?? '',
        path: url.pathname,
        authorization: request.headers.authorization
      });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        response.end(JSON.stringify(body));
      };
      const token = /^(?:Bearer|token) (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const identity = token ? options.tokens[token] : undefined;
      if (!identity) return send(401, { message: 'Bad credentials' });
      if (!url.pathname.startsWith(prefix)) return send(404, { message: 'Not Found' });
      const path = url.pathname.slice(prefix.length);
      const body = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body?: string })
        : {};

      if (request.method === 'GET' && path === '/user') {
        if (identity.installation) return send(403, { message: 'Resource not accessible by integration' });
        return send(200, { login: identity.login });
      }
      const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path);
      if (list && request.method === 'GET') {
        const issue = Number(list[1]);
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '30'), options.pageSize ?? 100);
        const page = Number(url.searchParams.get('page') ?? '1');
        const all = comments.filter(comment => comment.issue === issue);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(url);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return send(200, slice, headers);
      }
      if (list && request.method === 'POST') {
        if (!identity.write) return send(403, { message: 'Resource not accessible by integration' });
        const comment: StoredComment = {
          id: nextId++,
          issue: Number(list[1]),
          body: body.body ?? '',
          user: { login: identity.login },
          html_url: ''
        };
        comment.html_url = `https://github.com/octo-org/repo/pull/${comment.issue}#issuecomment-${comment.id}`;
        comments.push(comment);
        return send(201, comment);
      }
      const single = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
      if (single && request.method === 'PATCH') {
        const comment = comments.find(candidate => candidate.id === Number(single[1]));
        if (!comment) return send(404, { message: 'Not Found' });
        if (!identity.write || comment.user.login !== identity.login) {
          return send(403, { message: 'Resource not accessible by integration' });
        }
        comment.body = body.body ?? '';
        return send(200, comment);
      }
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${origin}${prefix}`,
    comments,
    requests,
    close: () => new Promise(resolve => server.close(() => resolve()))
  };
}
