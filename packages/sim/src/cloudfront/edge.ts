/**
 * The simulated edge of a distribution: answers `GET /_app/cloudfront/<id>/<path>` from its S3 origin
 * and keeps what it read. The simulated cache ignores the origin's Cache-Control (as a cache policy
 * with a long minimum TTL would): a cached copy stays until an invalidation covering its path
 * completes, so a deploy that forgets to invalidate keeps showing the old page, as it would for a day
 * on CloudFront's default TTL. Error answers (403/404) are cached 10 s, CloudFront's default error
 * caching minimum TTL.
 */
import type { HttpReply, SimRequest } from '../core/http.js';
import type { S3SimService } from '../s3/service.js';
import type { CachedCopy, Distribution } from './model.js';

const ERROR_CACHING_MS = 10_000;

/** The request path as CloudFront sees it (`/` for the distribution root), query left out. */
export function edgePath(req: SimRequest, distributionId: string): string {
  const rest = req.path.slice(`/_app/cloudfront/${distributionId}`.length);
  return rest === '' ? '/' : rest;
}

/** The S3 key a request path reads: OriginPath + path; `/` is the default root object. */
export function originKey(d: Distribution, path: string): string {
  const object = path === '/' && d.defaultRootObject ? d.defaultRootObject : path.replace(/^\//, '');
  return `${d.originPath.replace(/^\//, '')}${d.originPath ? '/' : ''}${object}`;
}

function fromOrigin(d: Distribution, path: string, s3: S3SimService, nowMs: number): CachedCopy {
  const key = originKey(d, path);
  if (!s3.hasBucket(d.bucket) || key === '' || key.endsWith('/')) {
    return notFound(nowMs, s3.hasBucket(d.bucket) ? 'NoSuchKey' : 'NoSuchBucket');
  }
  const object = s3.object(d.bucket, key);
  if (!object) return notFound(nowMs, 'NoSuchKey');
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString()
  };
  if (object.cacheControl) headers['cache-control'] = object.cacheControl;
  if (object.contentEncoding) headers['content-encoding'] = object.contentEncoding;
  return { status: 200, body: object.body, headers, cachedAtMs: nowMs };
}

function notFound(nowMs: number, code: string): CachedCopy {
  return {
    status: 404,
    body: Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>The specified key does not exist.</Message></Error>`
    ),
    headers: { 'content-type': 'application/xml' },
    cachedAtMs: nowMs,
    expiresAtMs: nowMs + ERROR_CACHING_MS
  };
}

export function serveFromEdge(d: Distribution, req: SimRequest, s3: S3SimService, nowMs: number): HttpReply {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return {
      status: 403,
      headers: { 'content-type': 'text/html' },
      body: 'This distribution is not configured to allow the HTTP request method that was used for this request.'
    };
  }
  const path = edgePath(req, d.id);
  let copy = d.cache.get(path);
  let hit = true;
  if (!copy || (copy.expiresAtMs !== undefined && copy.expiresAtMs <= nowMs)) {
    copy = fromOrigin(d, path, s3, nowMs);
    d.cache.set(path, copy);
    hit = false;
  }
  const xCache =
    copy.status >= 400 ? 'Error from cloudfront' : hit ? 'Hit from cloudfront' : 'Miss from cloudfront';
  const headers: Record<string, string> = {
    ...copy.headers,
    'x-cache': xCache,
    via: '1.1 sim.cloudfront.net (CloudFront)',
    age: String(Math.max(0, Math.floor((nowMs - copy.cachedAtMs) / 1000)))
  };
  if (req.method === 'HEAD')
    return { status: copy.status, headers: { ...headers, 'content-length': String(copy.body.length) } };
  return { status: copy.status, headers, body: copy.body };
}
