/**
 * Amazon S3 (REST-XML, path-style `/<bucket>/<key>`; virtual-host style `<bucket>.localhost` and
 * `<bucket>.s3.<region>.amazonaws.com` are understood too): buckets, objects, ListObjectsV2 and multipart
 * uploads, CopyObject and DeleteObjects - what deploy-beanstalk needs to upload bundles and keep its
 * known-good records, and deploy-static to publish a site by content. Other services read objects
 * in-process (`ctx.service<S3SimService>('S3')`), e.g. Beanstalk reading a source bundle, the CloudFront
 * edge reading its origin.
 */
import { createHash } from 'node:crypto';
import { SimError } from '../core/errors.js';
import { xml, type HttpReply, type SimRequest } from '../core/http.js';
import type { AwsCall, SimContext, SimService, SimServiceModule } from '../core/service.js';
import { escapeXml, unescapeXml } from '../core/xml.js';
import { payloadOf } from './chunked.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export interface S3Object {
  body: Buffer;
  /** with its quotes, as S3 returns it */
  etag: string;
  contentType: string;
  /** Cache-Control and Content-Encoding as stored with the object (returned by GET/HEAD) */
  cacheControl?: string;
  contentEncoding?: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

/** The headers stored with an object besides its body (PutObject, CreateMultipartUpload, CopyObject REPLACE). */
type StoredHeaders = Pick<S3Object, 'contentType' | 'cacheControl' | 'contentEncoding' | 'metadata'>;

const MAX_DELETE_KEYS = 1000;

interface Bucket {
  name: string;
  region: string;
  createdAt: Date;
  objects: Map<string, S3Object>;
}

interface MultipartUpload {
  id: string;
  bucket: string;
  key: string;
  headers: StoredHeaders;
  initiated: Date;
  parts: Map<number, { etag: string; body: Buffer }>;
}

interface Location {
  bucket?: string;
  key?: string;
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest();

/** Bucket and key of a request, path-style or virtual-host style. */
export function locate(req: SimRequest): Location {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  const virtual =
    /^([a-z0-9][a-z0-9.-]*?)\.(localhost|s3[.-][a-z0-9.-]*amazonaws\.com|s3\.amazonaws\.com)$/.exec(host);
  const segments = req.path.replace(/^\//, '');
  if (virtual) return { bucket: virtual[1], key: segments === '' ? undefined : segments };
  if (segments === '') return {};
  const slash = segments.indexOf('/');
  if (slash < 0) return { bucket: segments };
  const key = segments.slice(slash + 1);
  return { bucket: segments.slice(0, slash), key: key === '' ? undefined : key };
}

/** Which S3 operation a request is, from its method, bucket/key and sub-resource query. */
export function s3OperationOf(req: SimRequest): string | undefined {
  const { bucket, key } = locate(req);
  const q = req.query;
  if (!bucket) return req.method === 'GET' ? 'ListBuckets' : undefined;
  if (!key) {
    switch (req.method) {
      case 'PUT':
        return 'CreateBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'DELETE':
        return 'DeleteBucket';
      case 'POST':
        return q.has('delete') ? 'DeleteObjects' : undefined;
      case 'GET':
        if (q.has('location')) return 'GetBucketLocation';
        return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      default:
        return undefined;
    }
  }
  switch (req.method) {
    case 'PUT':
      if (q.has('uploadId') && q.has('partNumber')) return 'UploadPart';
      if (req.headers['x-amz-copy-source']) return 'CopyObject';
      return 'PutObject';
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload';
      if (q.has('uploadId')) return 'CompleteMultipartUpload';
      return undefined;
    case 'DELETE':
      return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'GET':
      return q.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      return undefined;
  }
}

function xmlDoc(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${inner}</${root}>`;
}

const el = (name: string, value: string | number | boolean) =>
  `<${name}>${escapeXml(String(value))}</${name}>`;

function metadataOf(req: SimRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') out[name.slice(11)] = value;
  }
  return out;
}

/** What a request asks to store with the object; `aws-chunked` is the SDK's transfer framing, not the object's. */
function storedHeadersOf(req: SimRequest): StoredHeaders {
  const encoding = String(req.headers['content-encoding'] ?? '')
    .split(',')
    .map(part => part.trim())
    .filter(part => part !== '' && part !== 'aws-chunked')
    .join(', ');
  const cacheControl = req.headers['cache-control'];
  return {
    contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
    cacheControl: typeof cacheControl === 'string' && cacheControl !== '' ? cacheControl : undefined,
    contentEncoding: encoding === '' ? undefined : encoding,
    metadata: metadataOf(req)
  };
}

function objectHeaders(object: S3Object): Record<string, string> {
  const headers: Record<string, string> = {
    etag: object.etag,
    'content-type': object.contentType,
    'last-modified': object.lastModified.toUTCString(),
    'accept-ranges': 'bytes'
  };
  if (object.cacheControl) headers['cache-control'] = object.cacheControl;
  if (object.contentEncoding) headers['content-encoding'] = object.contentEncoding;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

export class S3SimService implements SimService {
  readonly name = 'S3';
  readonly aws;
  private buckets = new Map<string, Bucket>();
  private uploads = new Map<string, MultipartUpload>();

  constructor(private readonly ctx: SimContext) {
    const op = (fn: (call: AwsCall, where: Required<Location>) => HttpReply) => (call: AwsCall) =>
      fn.call(this, call, locate(call.request) as Required<Location>);
    this.aws = {
      protocol: 'rest-xml' as const,
      signingName: 's3',
      operationOf: s3OperationOf,
      throttlingError: { code: 'SlowDown', message: 'Please reduce your request rate.', status: 503 },
      operations: {
        ListBuckets: op(this.listBuckets),
        CreateBucket: op(this.createBucket),
        HeadBucket: op(this.headBucket),
        DeleteBucket: op(this.deleteBucket),
        GetBucketLocation: op(this.getBucketLocation),
        ListObjectsV2: op(this.listObjects),
        ListObjects: op(this.listObjects),
        PutObject: op(this.putObject),
        GetObject: op(this.getObject),
        HeadObject: op(this.headObject),
        DeleteObject: op(this.deleteObject),
        DeleteObjects: op(this.deleteObjects),
        CopyObject: op(this.copyObject),
        CreateMultipartUpload: op(this.createMultipartUpload),
        UploadPart: op(this.uploadPart),
        CompleteMultipartUpload: op(this.completeMultipartUpload),
        AbortMultipartUpload: op(this.abortMultipartUpload)
      }
    };
  }

  reset(): void {
    this.buckets.clear();
    this.uploads.clear();
  }

  // ---- in-process API for other services and tests ------------------------------------------------

  /** Creates the bucket if it does not exist (Beanstalk's CreateStorageLocation). */
  ensureBucket(name: string, region: string): void {
    if (!this.buckets.has(name)) {
      this.buckets.set(name, { name, region, createdAt: this.now(), objects: new Map() });
    }
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  /** An object, or undefined when the bucket or key does not exist. */
  object(bucket: string, key: string): S3Object | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** Every key of a bucket under `prefix`, sorted (empty when the bucket does not exist). */
  keys(bucket: string, prefix = ''): string[] {
    return [...(this.buckets.get(bucket)?.objects.keys() ?? [])].filter(key => key.startsWith(prefix)).sort();
  }

  /** Stores an object as PutObject would (tests seeding a bundle). */
  putObjectBytes(bucket: string, key: string, body: Buffer, contentType = 'binary/octet-stream'): S3Object {
    const stored: S3Object = {
      body,
      etag: `"${md5(body).toString('hex')}"`,
      contentType,
      lastModified: this.now(),
      metadata: {}
    };
    this.mustBucket(bucket).objects.set(key, stored);
    return stored;
  }

  // ---- operations ---------------------------------------------------------------------------------

  private now(): Date {
    return new Date(Math.floor(this.ctx.clock.nowMs() / 1000) * 1000);
  }

  private mustBucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new SimError('NoSuchBucket', 'The specified bucket does not exist', 404);
    return bucket;
  }

  private listBuckets(): HttpReply {
    const buckets = [...this.buckets.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(b => `<Bucket>${el('Name', b.name)}${el('CreationDate', b.createdAt.toISOString())}</Bucket>`)
      .join('');
    return xml(
      200,
      xmlDoc(
        'ListAllMyBucketsResult',
        `<Owner>${el('ID', this.ctx.accountId)}</Owner><Buckets>${buckets}</Buckets>`
      )
    );
  }

  private createBucket(call: AwsCall, { bucket }: Required<Location>): HttpReply {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
      throw new SimError('InvalidBucketName', 'The specified bucket is not valid.', 400);
    }
    if (this.buckets.has(bucket)) {
      throw new SimError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409
      );
    }
    this.ensureBucket(bucket, call.region);
    return { status: 200, headers: { location: `/${bucket}` } };
  }

  private headBucket(_call: AwsCall, { bucket }: Required<Location>): HttpReply {
    const found = this.buckets.get(bucket);
    // HEAD answers carry no body: the SDK reports a bare 404 as NotFound
    if (!found) return { status: 404 };
    return { status: 200, headers: { 'x-amz-bucket-region': found.region } };
  }

  private deleteBucket(_call: AwsCall, { bucket }: Required<Location>): HttpReply {
    const found = this.mustBucket(bucket);
    if (found.objects.size > 0) {
      throw new SimError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
    }
    this.buckets.delete(bucket);
    return { status: 204 };
  }

  private getBucketLocation(_call: AwsCall, { bucket }: Required<Location>): HttpReply {
    const found = this.mustBucket(bucket);
    const region = found.region === 'us-east-1' ? '' : found.region;
    return xml(200, xmlDoc('LocationConstraint', escapeXml(region)));
  }

  private listObjects(call: AwsCall, { bucket }: Required<Location>): HttpReply {
    const found = this.mustBucket(bucket);
    const q = call.request.query;
    const v2 = q.get('list-type') === '2';
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.min(1000, Math.max(0, Number(q.get('max-keys') ?? 1000) || 0));
    const token = q.get('continuation-token');
    let after = v2 ? (q.get('start-after') ?? '') : (q.get('marker') ?? '');
    if (v2 && token !== null) {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (!token || !decoded.startsWith('k:')) {
        throw new SimError('InvalidArgument', 'The continuation token provided is incorrect', 400);
      }
      after = decoded.slice(2);
    }
    const keys = [...found.objects.keys()].filter(k => k.startsWith(prefix) && k > after).sort();
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let truncated = false;
    let lastKey = '';
    for (const key of keys) {
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true;
        break;
      }
      lastKey = key;
      if (delimiter) {
        const cut = key.indexOf(delimiter, prefix.length);
        if (cut >= 0) {
          prefixes.add(key.slice(0, cut + delimiter.length));
          continue;
        }
      }
      const o = found.objects.get(key)!;
      contents.push(
        `<Contents>${el('Key', key)}${el('LastModified', o.lastModified.toISOString())}${el('ETag', o.etag)}` +
          `${el('Size', o.body.length)}${el('StorageClass', 'STANDARD')}</Contents>`
      );
    }
    const common = [...prefixes].map(p => `<CommonPrefixes>${el('Prefix', p)}</CommonPrefixes>`).join('');
    const head =
      el('Name', bucket) +
      el('Prefix', prefix) +
      (delimiter ? el('Delimiter', delimiter) : '') +
      el('MaxKeys', maxKeys) +
      el('IsTruncated', truncated) +
      (v2
        ? el('KeyCount', contents.length + prefixes.size) +
          (q.get('continuation-token') ? el('ContinuationToken', q.get('continuation-token')!) : '') +
          (truncated ? el('NextContinuationToken', Buffer.from(`k:${lastKey}`).toString('base64url')) : '') +
          (q.get('start-after') ? el('StartAfter', q.get('start-after')!) : '')
        : el('Marker', after) + (truncated ? el('NextMarker', lastKey) : ''));
    return xml(200, xmlDoc('ListBucketResult', head + contents.join('') + common));
  }

  private putObject(call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    const found = this.mustBucket(bucket);
    const body = payloadOf(call.request);
    const stored: S3Object = {
      body,
      etag: `"${md5(body).toString('hex')}"`,
      ...storedHeadersOf(call.request),
      lastModified: this.now()
    };
    found.objects.set(key, stored);
    return { status: 200, headers: { etag: stored.etag } };
  }

  private mustObject(bucket: string, key: string): S3Object {
    const object = this.mustBucket(bucket).objects.get(key);
    if (!object) throw new SimError('NoSuchKey', 'The specified key does not exist.', 404);
    return object;
  }

  private getObject(_call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    const object = this.mustObject(bucket, key);
    return { status: 200, headers: objectHeaders(object), body: object.body };
  }

  private headObject(_call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    const object = this.buckets.get(bucket)?.objects.get(key);
    if (!object) return { status: 404 };
    // content-length is the object's size, though a HEAD answer has no body (kept by writeReply)
    return {
      status: 200,
      headers: { ...objectHeaders(object), 'content-length': String(object.body.length) }
    };
  }

  private deleteObject(_call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    this.mustBucket(bucket).objects.delete(key);
    return { status: 204 };
  }

  /** POST /<bucket>?delete: up to 1000 keys; a missing key counts as deleted, as in S3. */
  private deleteObjects(call: AwsCall, { bucket }: Required<Location>): HttpReply {
    const found = this.mustBucket(bucket);
    const body = call.request.body.toString('utf8');
    const keys = [...body.matchAll(/<Object>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map(m =>
      unescapeXml(m[1])
    );
    if (!/<Delete[\s>]/.test(body) || keys.length === 0 || keys.length > MAX_DELETE_KEYS) {
      throw new SimError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
        400
      );
    }
    const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(body);
    for (const key of keys) found.objects.delete(key);
    const deleted = quiet ? '' : keys.map(key => `<Deleted>${el('Key', key)}</Deleted>`).join('');
    return xml(200, xmlDoc('DeleteResult', deleted));
  }

  /**
   * PUT with `x-amz-copy-source: <bucket>/<key>` (URL-encoded). `x-amz-metadata-directive` COPY (default)
   * keeps the source's Content-Type, Cache-Control and metadata; REPLACE takes them from the request.
   */
  private copyObject(call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    const target = this.mustBucket(bucket);
    const header = String(call.request.headers['x-amz-copy-source'] ?? '');
    const [sourcePath, sourceQuery] = header.split('?');
    let decoded: string;
    try {
      decoded = decodeURIComponent(sourcePath).replace(/^\//, '');
    } catch {
      decoded = '';
    }
    const slash = decoded.indexOf('/');
    if (slash <= 0 || slash === decoded.length - 1) {
      throw new SimError(
        'InvalidArgument',
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
        400
      );
    }
    if (sourceQuery && /(^|&)versionId=/.test(sourceQuery)) {
      throw new SimError('InvalidArgument', 'The simulator does not model object versions', 400);
    }
    const source = this.mustObject(decoded.slice(0, slash), decoded.slice(slash + 1));
    const directive = String(call.request.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE') {
      throw new SimError('InvalidArgument', 'Unknown metadata directive.', 400);
    }
    if (directive === 'COPY' && decoded.slice(0, slash) === bucket && decoded.slice(slash + 1) === key) {
      throw new SimError(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        400
      );
    }
    const headers: StoredHeaders =
      directive === 'REPLACE'
        ? storedHeadersOf(call.request)
        : {
            contentType: source.contentType,
            cacheControl: source.cacheControl,
            contentEncoding: source.contentEncoding,
            metadata: { ...source.metadata }
          };
    // a copy is stored in one part: its ETag is the MD5 of the bytes, even when the source was multipart
    const stored: S3Object = {
      body: source.body,
      etag: `"${md5(source.body).toString('hex')}"`,
      ...headers,
      lastModified: this.now()
    };
    target.objects.set(key, stored);
    return xml(
      200,
      xmlDoc(
        'CopyObjectResult',
        el('LastModified', stored.lastModified.toISOString()) + el('ETag', stored.etag)
      )
    );
  }

  private createMultipartUpload(call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    this.mustBucket(bucket);
    const id = `${this.ctx.random.hex(32)}`;
    this.uploads.set(id, {
      id,
      bucket,
      key,
      headers: storedHeadersOf(call.request),
      initiated: this.now(),
      parts: new Map()
    });
    return xml(
      200,
      xmlDoc('InitiateMultipartUploadResult', el('Bucket', bucket) + el('Key', key) + el('UploadId', id))
    );
  }

  private mustUpload(call: AwsCall, bucket: string, key: string): MultipartUpload {
    this.mustBucket(bucket);
    const upload = this.uploads.get(call.request.query.get('uploadId') ?? '');
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      throw new SimError(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404
      );
    }
    return upload;
  }

  private uploadPart(call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    const upload = this.mustUpload(call, bucket, key);
    const partNumber = Number(call.request.query.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      throw new SimError(
        'InvalidArgument',
        `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`,
        400
      );
    }
    const body = payloadOf(call.request);
    const etag = `"${md5(body).toString('hex')}"`;
    upload.parts.set(partNumber, { etag, body });
    return { status: 200, headers: { etag } };
  }

  private completeMultipartUpload(call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    const upload = this.mustUpload(call, bucket, key);
    const listed = [...call.request.body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(
      match => ({
        partNumber: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(match[1])?.[1]),
        etag: (/<ETag>([\s\S]*?)<\/ETag>/.exec(match[1])?.[1] ?? '').replace(/&quot;/g, '"').replace(/"/g, '')
      })
    );
    if (listed.length === 0) {
      throw new SimError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
        400
      );
    }
    const parts: Buffer[] = [];
    const digests: Buffer[] = [];
    listed.forEach((entry, index) => {
      if (index > 0 && entry.partNumber <= listed[index - 1].partNumber) {
        throw new SimError('InvalidPartOrder', 'The list of parts was not in ascending order.', 400);
      }
      const part = upload.parts.get(entry.partNumber);
      if (!part || part.etag.replace(/"/g, '') !== entry.etag) {
        throw new SimError(
          'InvalidPart',
          "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          400
        );
      }
      if (index < listed.length - 1 && part.body.length < MIN_PART_SIZE) {
        throw new SimError(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed size',
          400
        );
      }
      parts.push(part.body);
      digests.push(md5(part.body));
    });
    const body = Buffer.concat(parts);
    const etag = `"${md5(Buffer.concat(digests)).toString('hex')}-${listed.length}"`;
    this.mustBucket(bucket).objects.set(key, {
      body,
      etag,
      ...upload.headers,
      lastModified: this.now()
    });
    this.uploads.delete(upload.id);
    return xml(
      200,
      xmlDoc(
        'CompleteMultipartUploadResult',
        el('Location', `${this.ctx.endpoint()}/${bucket}/${key}`) +
          el('Bucket', bucket) +
          el('Key', key) +
          el('ETag', etag)
      )
    );
  }

  private abortMultipartUpload(call: AwsCall, { bucket, key }: Required<Location>): HttpReply {
    const upload = this.mustUpload(call, bucket, key);
    this.uploads.delete(upload.id);
    return { status: 204 };
  }
}

const s3: SimServiceModule = { name: 'S3', create: ctx => new S3SimService(ctx) };
export default s3;
