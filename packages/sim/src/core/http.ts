import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as every handler sees it: already read, with the path split from the query. */
export interface SimRequest {
  method: string;
  /** path without the query string, e.g. `/github/repos/o/r/issues/1/comments` */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A complete HTTP answer; handlers of non-AWS routes and REST services return one. */
export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export async function readRequest(req: IncomingMessage): Promise<SimRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://sim.local');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: decodeURIComponent(url.pathname),
    query: url.searchParams,
    headers: req.headers,
    body: Buffer.concat(chunks)
  };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value)
  };
}

export function xml(status: number, body: string, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': 'text/xml', ...headers }, body };
}

export function writeReply(res: ServerResponse, reply: HttpReply): void {
  const body = reply.body ?? '';
  // a HEAD answer may state the length of the body it does not send (S3 HeadObject)
  const length = reply.headers?.['content-length'] ?? String(Buffer.byteLength(body));
  res.writeHead(reply.status, { ...reply.headers, 'content-length': length });
  res.end(body);
}

/** The request body as JSON (an empty body is `{}`); undefined when it is not valid JSON. */
export function jsonBody(req: SimRequest): unknown {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
