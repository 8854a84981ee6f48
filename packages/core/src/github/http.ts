import type { Agent } from 'node:http';
import { httpModuleFor, proxyAgentFor, redactUrl } from '../net.js';

/**
 * The few GitHub REST calls the suite makes go through this small interface, so the logic over it
 * (sticky comments) is tested against an in-memory fake and the real transport against a loopback server.
 * A request resolves only for a 2xx answer; anything else rejects with a GitHubApiError.
 * @internal exported for its tests; the actions do not use it
 */
export interface GitHubRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** `/repos/o/r/...` relative to the API root, or an absolute URL on the same host (a `Link: next` page) */
  path: string;
  body?: unknown;
}

/** @internal exported for its tests; the actions do not use it */
export interface GitHubResponse {
  status: number;
  headers: Record<string, string | undefined>;
  data: unknown;
}

export interface GitHubHttp {
  request(request: GitHubRequest): Promise<GitHubResponse>;
}

/** A refusal from the GitHub API, with the HTTP status and GitHub's own message. */
export class GitHubApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly apiMessage: string
  ) {
    super(`GitHub API ${method} ${path} answered ${status}${apiMessage ? `: ${apiMessage}` : ''}`);
    this.name = 'GitHubApiError';
  }
}

export interface GitHubHttpOptions {
  /** GITHUB_API_URL: https://api.github.com, https://ghe.example.com/api/v3, or the simulator's /github */
  apiUrl: string;
  token: string;
  /** for HTTPS_PROXY / NO_PROXY */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  userAgent?: string;
}

const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/**
 * Joins the API root (which may carry a path prefix such as /api/v3) and a request path.
 * @internal exported for its tests; the actions do not use it
 */
export function apiRequestUrl(apiUrl: string, path: string): URL {
  if (/^https?:\/\//i.test(path)) return new URL(path);
  return new URL(apiUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
}

/** The GitHub REST transport over node:http(s), honouring HTTPS_PROXY / NO_PROXY. */
export function gitHubHttp(options: GitHubHttpOptions): GitHubHttp {
  const root = new URL(options.apiUrl);
  const env = options.env ?? process.env;
  return {
    async request({ method, path, body }) {
      const url = apiRequestUrl(options.apiUrl, path);
      // the token goes only to the API's own host, whatever a Link header says
      if (url.origin !== root.origin) {
        throw new Error(
          `Refusing to send the GitHub token to ${redactUrl(url.origin)} (API is ${root.origin})`
        );
      }
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const agent = await proxyAgentFor(url, env);
      const response = await send(url, {
        method,
        agent,
        timeout: options.timeoutMs ?? 30_000,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${options.token}`,
          'user-agent': options.userAgent ?? 'deploy-suite',
          'x-github-api-version': '2022-11-28',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {})
        },
        payload
      });
      const text = response.body;
      let data: unknown = text;
      if (/json/i.test(response.headers['content-type'] ?? '') && text !== '') {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
      if (response.status < 200 || response.status > 299) {
        const message =
          data && typeof data === 'object' && 'message' in data ? String(data.message) : text.slice(0, 200);
        throw new GitHubApiError(response.status, method, url.pathname, message);
      }
      return { status: response.status, headers: response.headers, data };
    }
  };
}

interface SendOptions {
  method: string;
  agent?: Agent;
  timeout: number;
  headers: Record<string, string>;
  payload?: Buffer;
}

async function send(
  url: URL,
  options: SendOptions
): Promise<{ status: number; headers: Record<string, string | undefined>; body: string }> {
  const client = await httpModuleFor(url);
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      { method: options.method, headers: options.headers, agent: options.agent, timeout: options.timeout },
      response => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            request.destroy(new Error(`GitHub API answer from ${url.pathname} is larger than 8 MiB`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const headers: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({
            status: response.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString('utf8')
          });
        });
      }
    );
    request.on('timeout', () =>
      request.destroy(
        new Error(`GitHub API ${options.method} ${url.pathname} timed out after ${options.timeout}ms`)
      )
    );
    request.on('error', reject);
    request.end(options.payload);
  });
}

/** The `rel="next"` URL of a GitHub `Link` header, if there is one. */
export function nextPageUrl(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}
