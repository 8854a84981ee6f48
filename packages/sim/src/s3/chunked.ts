/**
 * S3 request bodies as the SDK may send them. Over plain HTTP, SDK v3 streams bodies with
 * `Content-Encoding: aws-chunked` and `x-amz-content-sha256: STREAMING-...` (signed chunks or unsigned
 * chunks with a trailing checksum): `<hex size>[;chunk-signature=..]\r\n<bytes>\r\n ... 0\r\n<trailers>\r\n\r\n`.
 * The object is the concatenation of the chunk payloads; signatures and trailers are not checked.
 */
import type { SimRequest } from '../core/http.js';

export function isAwsChunked(req: SimRequest): boolean {
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  const encoding = String(req.headers['content-encoding'] ?? '');
  return sha.startsWith('STREAMING-') || encoding.split(',').some(part => part.trim() === 'aws-chunked');
}

/** The payload of an aws-chunked body; throws when the framing is broken. */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) throw new Error('aws-chunked body: missing chunk header');
    const header = body.subarray(offset, lineEnd).toString('latin1');
    const size = parseInt(header.split(';')[0], 16);
    if (!Number.isFinite(size) || size < 0) throw new Error(`aws-chunked body: bad chunk size "${header}"`);
    offset = lineEnd + 2;
    if (size === 0) break; // trailers (x-amz-checksum-*) follow; not needed
    if (offset + size > body.length) throw new Error('aws-chunked body: chunk longer than the body');
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2; // data + \r\n
  }
  return Buffer.concat(parts);
}

/** The object bytes of a PutObject / UploadPart request. */
export function payloadOf(req: SimRequest): Buffer {
  return isAwsChunked(req) ? decodeAwsChunked(req.body) : req.body;
}
