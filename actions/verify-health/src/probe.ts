import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { formatDuration, httpModuleFor, redactUrl, proxyAgentFor } from '@deploy-suite/core';

/**
 * One HTTP request to a health endpoint over node:http(s) (Node 20's fetch ignores HTTPS_PROXY):
 * an overall timeout, redirects followed or not, the body read up to a size limit, the latency measured.
 * Every way it can go wrong becomes a ProbeError with a kind and a short reason for the log.
 */
export type ProbeMethod = 'GET' | 'HEAD';

/** @internal exported for its tests; the actions do not use it */
export interface ProbeRequest {
  url: URL;
  method: ProbeMethod;
  headers: Record<string, string>;
  timeoutMs: number;
  followRedirects: boolean;
  /** proxy settings are read from here (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) */
  env: NodeJS.ProcessEnv;
  maxRedirects?: number;
  maxBodyBytes?: number;
}

export interface ProbeResponse {
  status: number;
  body: string;
  /** the body was longer than maxBodyBytes and was cut */
  bodyTruncated: boolean;
  /** from the first byte sent to the last byte read, redirects included */
  latencyMs: number;
  /** the URL that answered, after redirects */
  finalUrl: string;
  redirects: number;
}

export type ProbeErrorKind = 'refused' | 'dns' | 'timeout' | 'tls' | 'reset' | 'redirect' | 'network';

export class ProbeError extends Error {
  constructor(
    readonly kind: ProbeErrorKind,
    message: string
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

export type Probe = (request: ProbeRequest) => Promise<ProbeResponse>;

const DEFAULT_MAX_REDIRECTS = 5;
/** enough for any health document; a bigger body is cut (and a JSON assertion on it then fails) */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO'
]);

/** Turns a socket-level error into a kind and a short reason. */
function classifyNetworkError(error: unknown, url: URL, timeoutMs: number): ProbeError {
  if (error instanceof ProbeError) return error;
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (
    code === 'ABORT_ERR' ||
    (error instanceof Error && error.name === 'AbortError') ||
    code === 'ETIMEDOUT'
  ) {
    return new ProbeError('timeout', `timed out after ${formatDuration(timeoutMs)}`);
  }
  if (code === 'ECONNREFUSED') return new ProbeError('refused', `connection refused by ${url.host}`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new ProbeError('dns', `DNS lookup failed for ${url.hostname} (${code})`);
  }
  if (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('CERT_')
  ) {
    return new ProbeError('tls', `TLS error: ${message} (${code})`);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(message)) {
    return new ProbeError('reset', `connection reset by ${url.host}`);
  }
  return new ProbeError('network', `${message}${code && !message.includes(code) ? ` (${code})` : ''}`);
}

interface Answer {
  response: IncomingMessage;
}

async function send(
  url: URL,
  request: ProbeRequest,
  headers: Record<string, string>,
  signal: AbortSignal
): Promise<Answer> {
  const client = await httpModuleFor(url);
  const agent = await proxyAgentFor(url, request.env);
  const auth =
    url.username || url.password
      ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      : undefined;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: { 'user-agent': 'deploy-suite-verify-health', accept: '*/*', ...headers },
        auth,
        // a fresh connection each attempt: a health check through a load balancer should not ride on
        // a kept-alive socket to a target that may be draining
        agent: agent ?? false,
        signal
      },
      response => resolve({ response })
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function readBody(response: IncomingMessage, limit: number): Promise<{ body: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (truncated: boolean): void => {
      if (done) return;
      done = true;
      resolve({ body: Buffer.concat(chunks).toString('utf8'), truncated });
    };
    response.on('data', (chunk: Buffer) => {
      if (done) return;
      const room = limit - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size = limit;
        finish(true);
        response.destroy();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    response.on('end', () => finish(false));
    response.on('error', error => (done ? undefined : reject(error)));
    response.on('close', () => {
      if (!done && !response.complete)
        reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    });
  });
}

/** Sends one request (and its redirects), measuring the latency. Rejects with a ProbeError. */
export const httpProbe: Probe = async request => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  const maxRedirects = request.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const started = performance.now();
  let url = request.url;
  let headers = { ...request.headers };
  try {
    for (let redirects = 0; ; redirects++) {
      const { response } = await send(url, request, headers, controller.signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (request.followRedirects && REDIRECT_STATUSES.has(status) && location) {
        response.resume();
        if (redirects >= maxRedirects) {
          throw new ProbeError(
            'redirect',
            `more than ${maxRedirects} redirects (last to ${redactUrl(location)})`
          );
        }
        const next = new URL(location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new ProbeError('redirect', `redirected to a non-HTTP URL ${redactUrl(next.toString())}`);
        }
        if (next.origin !== url.origin) {
          // Every user header may carry a credential (X-Api-Key, X-Auth-Token, ...), not only
          // Authorization and Cookie: none of them follows a redirect to another origin.
          headers = {};
        }
        url = next;
        continue;
      }
      const { body, truncated } =
        request.method === 'HEAD'
          ? { body: '', truncated: false }
          : await readBody(response, request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      if (request.method === 'HEAD') response.resume();
      return {
        status,
        body,
        bodyTruncated: truncated,
        latencyMs: performance.now() - started,
        finalUrl: url.toString(),
        redirects
      };
    }
  } catch (error) {
    if (controller.signal.aborted)
      throw new ProbeError('timeout', `timed out after ${formatDuration(request.timeoutMs)}`);
    throw classifyNetworkError(error, url, request.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
};
