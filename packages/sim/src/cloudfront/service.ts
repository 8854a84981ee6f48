/**
 * Amazon CloudFront (REST-XML, API version 2020-05-31): distributions with an S3 origin, invalidations
 * that move InProgress -> Completed over the simulated clock, and an edge that serves the site from the
 * simulated S3 bucket, keeping a cached copy of every path until an invalidation covering it completes.
 *
 * Distributions are seeded (`POST /_sim/cloudfront/distributions` or `seedDistribution`), not created
 * with CreateDistribution: a deploy never creates one, and the seed needs only the bucket.
 */
import { SimError } from '../core/errors.js';
import { json, jsonBody, xml, type HttpReply, type SimRequest } from '../core/http.js';
import type { AwsCall, SimContext, SimRoute, SimService, SimServiceModule } from '../core/service.js';
import { unescapeXml } from '../core/xml.js';
import type { S3SimService } from '../s3/service.js';
import { serveFromEdge } from './edge.js';
import {
  MAX_EXACT_PATHS_IN_PROGRESS,
  MAX_WILDCARD_PATHS_IN_PROGRESS,
  distributionSummaryXml,
  distributionXml,
  invalidationSummaryXml,
  invalidationXml,
  isWildcard,
  pagedListXml,
  pathCovers,
  xmlDocument,
  type Distribution,
  type Invalidation
} from './model.js';

const API = '/2020-05-31';
const DEFAULT_INVALIDATION_SECONDS = 60;

/** What a seed of a distribution may say; only `bucket` is required. */
export interface DistributionSeed {
  bucket: string;
  /** default: generated, `E` + 13 characters */
  id?: string;
  /** OriginPath, e.g. `/site` (default none) */
  originPath?: string;
  aliases?: string[];
  /** default `index.html` */
  defaultRootObject?: string;
  comment?: string;
  /** the bucket's region (origin domain name), default us-east-1 */
  region?: string;
  /** simulated seconds an invalidation takes to complete (default 60) */
  invalidationSeconds?: number;
}

export interface DistributionInfo {
  id: string;
  arn: string;
  domainName: string;
  bucket: string;
  originPath: string;
  /** the simulator's edge URL for this distribution: `<endpoint>/_app/cloudfront/<id>` */
  url: string;
}

function decodedPath(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/** The operation of a CloudFront REST request (`GET /2020-05-31/distribution/{Id}`...). */
export function cloudFrontOperationOf(req: SimRequest): string | undefined {
  if (!req.path.startsWith(`${API}/distribution`)) return undefined;
  const rest = req.path.slice(`${API}/distribution`.length).split('/').filter(Boolean);
  if (rest.length === 0) return req.method === 'GET' ? 'ListDistributions' : undefined;
  if (rest.length === 1) return req.method === 'GET' ? 'GetDistribution' : undefined;
  if (rest[1] !== 'invalidation') return undefined;
  if (rest.length === 2) {
    if (req.method === 'POST') return 'CreateInvalidation';
    return req.method === 'GET' ? 'ListInvalidations' : undefined;
  }
  return rest.length === 3 && req.method === 'GET' ? 'GetInvalidation' : undefined;
}

function listParams(call: AwsCall): { marker: string; maxItems: number } {
  const raw = call.request.query.get('MaxItems');
  const maxItems = raw === null ? 100 : Number(raw);
  if (!Number.isInteger(maxItems) || maxItems < 0) {
    throw new SimError('InvalidArgument', 'The value of MaxItems must be a non-negative integer.', 400);
  }
  return { marker: call.request.query.get('Marker') ?? '', maxItems: Math.min(maxItems, 1000) };
}

export class CloudFrontSimService implements SimService {
  readonly name = 'CloudFront';
  readonly aws;
  readonly routes: SimRoute[];
  private distributions = new Map<string, Distribution>();

  constructor(private readonly ctx: SimContext) {
    const op = (fn: (call: AwsCall) => HttpReply) => (call: AwsCall) => fn.call(this, call);
    this.aws = {
      protocol: 'rest-xml' as const,
      signingName: 'cloudfront',
      // CloudFront writes its errors as <ErrorResponse xmlns=...><Error><Type>...
      xmlNamespace: 'http://cloudfront.amazonaws.com/doc/2020-05-31/',
      operationOf: cloudFrontOperationOf,
      throttlingError: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
      operations: {
        ListDistributions: op(this.listDistributions),
        GetDistribution: op(this.getDistribution),
        CreateInvalidation: op(this.createInvalidation),
        GetInvalidation: op(this.getInvalidation),
        ListInvalidations: op(this.listInvalidations)
      }
    };
    this.routes = [
      { prefix: '/_app/cloudfront/', handle: req => this.edge(req) },
      { prefix: '/_sim/cloudfront/', handle: req => this.controlRoute(req) }
    ];
  }

  reset(): void {
    this.distributions.clear();
  }

  // ---- in-process API (tests, rehearsal) ----------------------------------------------------------

  seedDistribution(seed: DistributionSeed): DistributionInfo {
    if (!seed || typeof seed.bucket !== 'string' || seed.bucket === '') {
      throw new Error('a distribution needs "bucket" (its S3 origin)');
    }
    const id = seed.id ?? `E${this.ctx.random.alnum(13).toUpperCase()}`;
    if (!/^[A-Z0-9]{1,32}$/.test(id))
      throw new Error(`distribution id "${id}" must be upper-case letters and digits`);
    if (this.distributions.has(id)) throw new Error(`distribution ${id} already exists`);
    const originPath = seed.originPath ? `/${seed.originPath.replace(/^\/+|\/+$/g, '')}` : '';
    const seconds = seed.invalidationSeconds ?? DEFAULT_INVALIDATION_SECONDS;
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new Error('invalidationSeconds must be a number >= 0');
    const distribution: Distribution = {
      id,
      arn: `arn:aws:cloudfront::${this.ctx.accountId}:distribution/${id}`,
      domainName: `d${this.ctx.random.alnum(13).toLowerCase()}.cloudfront.net`,
      etag: `E${this.ctx.random.alnum(13).toUpperCase()}`,
      callerReference: `sim-${this.ctx.random.hex(12)}`,
      comment: seed.comment ?? '',
      enabled: true,
      aliases: seed.aliases ?? [],
      defaultRootObject: seed.defaultRootObject ?? 'index.html',
      bucket: seed.bucket,
      originPath,
      region: seed.region ?? 'us-east-1',
      lastModified: new Date(this.ctx.clock.nowMs()),
      invalidationSeconds: seconds,
      invalidations: [],
      cache: new Map()
    };
    this.distributions.set(id, distribution);
    return this.info(distribution);
  }

  distributionInfos(): DistributionInfo[] {
    return [...this.distributions.values()].map(d => this.info(d));
  }

  /** The paths the edge holds a cached copy of (tests: what a missing invalidation leaves behind). */
  cachedPaths(id: string): string[] {
    return [...(this.distributions.get(id)?.cache.keys() ?? [])].sort();
  }

  private info(d: Distribution): DistributionInfo {
    return {
      id: d.id,
      arn: d.arn,
      domainName: d.domainName,
      bucket: d.bucket,
      originPath: d.originPath,
      url: `${this.ctx.endpoint()}/_app/cloudfront/${d.id}`
    };
  }

  // ---- operations ---------------------------------------------------------------------------------

  private mustDistribution(id: string): Distribution {
    const d = this.distributions.get(id);
    if (!d) throw new SimError('NoSuchDistribution', 'The specified distribution does not exist.', 404);
    return d;
  }

  private distributionIdOf(call: AwsCall): string {
    return call.request.path.slice(`${API}/distribution/`.length).split('/')[0];
  }

  private listDistributions(call: AwsCall): HttpReply {
    const { marker, maxItems } = listParams(call);
    const all = [...this.distributions.values()];
    const start = marker ? all.findIndex(d => d.id === marker) + 1 : 0;
    const page = all.slice(start, start + maxItems);
    const next = start + maxItems < all.length && page.length > 0 ? page[page.length - 1].id : undefined;
    return xml(
      200,
      xmlDocument('DistributionList', pagedListXml(marker, maxItems, page.map(distributionSummaryXml), next))
    );
  }

  private getDistribution(call: AwsCall): HttpReply {
    const d = this.mustDistribution(this.distributionIdOf(call));
    return xml(200, xmlDocument('Distribution', distributionXml(d)), { etag: d.etag });
  }

  private createInvalidation(call: AwsCall): HttpReply {
    const d = this.mustDistribution(this.distributionIdOf(call));
    const body = call.request.body.toString('utf8');
    if (body.trim() === '') {
      throw new SimError(
        'MissingBody',
        'This operation requires a body. Ensure that the body is present and the Content-Type header is set.',
        400
      );
    }
    const batch = /<InvalidationBatch[\s\S]*?<\/InvalidationBatch>/.exec(body)?.[0];
    const quantityText = batch && /<Paths>[\s\S]*?<Quantity>\s*(\d+)\s*<\/Quantity>/.exec(batch)?.[1];
    const callerReference = batch && /<CallerReference>([\s\S]*?)<\/CallerReference>/.exec(batch)?.[1];
    if (!batch || quantityText === undefined || !callerReference) {
      throw new SimError(
        'MalformedInput',
        'The XML document you provided was not well-formed or did not validate against our published schema.',
        400
      );
    }
    const items = /<Items>([\s\S]*?)<\/Items>/.exec(batch)?.[1] ?? '';
    const paths = [...items.matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map(m => unescapeXml(m[1]));
    const reference = unescapeXml(callerReference);
    if (Number(quantityText) !== paths.length) {
      throw new SimError(
        'InconsistentQuantities',
        "The value of Quantity and the size of Items don't match.",
        400
      );
    }
    if (paths.length === 0 || paths.some(p => !p.startsWith('/'))) {
      throw new SimError(
        'InvalidArgument',
        'Your request contains one or more invalid invalidation paths.',
        400
      );
    }
    if (paths.length > MAX_EXACT_PATHS_IN_PROGRESS) {
      throw new SimError('BatchTooLarge', 'Invalidation batch specified is too large.', 413);
    }

    // the same CallerReference and the same paths: the earlier invalidation, not a new one
    const earlier = d.invalidations.find(i => i.callerReference === reference);
    if (earlier) {
      if (earlier.paths.length === paths.length && earlier.paths.every((p, i) => p === paths[i])) {
        return this.invalidationCreated(d, earlier);
      }
      throw new SimError(
        'InvalidationBatchAlreadyExists',
        'The caller reference that you are using to create an invalidation batch already exists; the batch in this request differs from that batch.',
        409
      );
    }

    const inProgress = d.invalidations.filter(i => i.status === 'InProgress').flatMap(i => i.paths);
    const wildcards = paths.filter(isWildcard).length;
    if (inProgress.filter(isWildcard).length + wildcards > MAX_WILDCARD_PATHS_IN_PROGRESS) {
      throw new SimError(
        'TooManyInvalidationsInProgress',
        'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
        400
      );
    }
    if (
      inProgress.filter(p => !isWildcard(p)).length + paths.length - wildcards >
      MAX_EXACT_PATHS_IN_PROGRESS
    ) {
      throw new SimError(
        'TooManyInvalidationsInProgress',
        'Processing your request will cause you to exceed the maximum number of in-progress invalidations.',
        400
      );
    }

    const invalidation: Invalidation = {
      id: `I${this.ctx.random.alnum(13).toUpperCase()}`,
      status: 'InProgress',
      createTime: new Date(this.ctx.clock.nowMs()),
      callerReference: reference,
      paths
    };
    d.invalidations.unshift(invalidation);
    this.ctx.clock.after(d.invalidationSeconds, `CloudFront invalidation ${invalidation.id}`, () => {
      invalidation.status = 'Completed';
      const patterns = invalidation.paths.map(decodedPath);
      for (const cached of [...d.cache.keys()]) {
        if (patterns.some(pattern => pathCovers(pattern, cached))) d.cache.delete(cached);
      }
    });
    return this.invalidationCreated(d, invalidation);
  }

  private invalidationCreated(d: Distribution, invalidation: Invalidation): HttpReply {
    return xml(201, xmlDocument('Invalidation', invalidationXml(invalidation)), {
      location: `https://cloudfront.amazonaws.com${API}/distribution/${d.id}/invalidation/${invalidation.id}`
    });
  }

  private getInvalidation(call: AwsCall): HttpReply {
    const d = this.mustDistribution(this.distributionIdOf(call));
    const id = call.request.path.split('/').filter(Boolean)[4];
    const invalidation = d.invalidations.find(i => i.id === id);
    if (!invalidation) {
      throw new SimError('NoSuchInvalidation', 'The specified invalidation does not exist.', 404);
    }
    return xml(200, xmlDocument('Invalidation', invalidationXml(invalidation)));
  }

  private listInvalidations(call: AwsCall): HttpReply {
    const d = this.mustDistribution(this.distributionIdOf(call));
    const { marker, maxItems } = listParams(call);
    // newest first, as CloudFront lists them
    const start = marker ? d.invalidations.findIndex(i => i.id === marker) + 1 : 0;
    const page = d.invalidations.slice(start, start + maxItems);
    const next =
      start + maxItems < d.invalidations.length && page.length > 0 ? page[page.length - 1].id : undefined;
    return xml(
      200,
      xmlDocument('InvalidationList', pagedListXml(marker, maxItems, page.map(invalidationSummaryXml), next))
    );
  }

  // ---- the edge: GET /_app/cloudfront/<distribution-id>/<path> -----------------------------------

  private async edge(req: SimRequest): Promise<HttpReply | undefined> {
    const m = /^\/_app\/cloudfront\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!m) return undefined;
    const d = this.distributions.get(m[1]);
    if (!d) return json(404, { message: `no simulated distribution ${m[1]}` });
    const outcome = await this.ctx.recordCall('CloudFront.EdgeRequest');
    if (outcome !== 'ok') {
      return {
        status: 503,
        headers: { 'content-type': 'text/html', 'x-cache': 'Error from cloudfront' },
        body: '503 ERROR'
      };
    }
    const s3 = this.ctx.service<S3SimService>('S3');
    if (!s3) throw new Error('the CloudFront edge needs the S3 service');
    return serveFromEdge(d, req, s3, this.ctx.clock.nowMs());
  }

  // ---- control: /_sim/cloudfront/distributions ----------------------------------------------------

  private controlRoute(req: SimRequest): HttpReply | undefined {
    const path = req.path.replace(/\/$/, '');
    if (path !== '/_sim/cloudfront/distributions') return undefined;
    if (req.method === 'GET') return json(200, { distributions: this.distributionInfos() });
    if (req.method !== 'POST') return undefined;
    const body = jsonBody(req);
    if (!body || typeof body !== 'object') return json(400, { message: 'the body must be a JSON object' });
    try {
      return json(200, this.seedDistribution(body as DistributionSeed));
    } catch (error) {
      return json(400, { message: error instanceof Error ? error.message : String(error) });
    }
  }
}

const cloudfront: SimServiceModule = { name: 'CloudFront', create: ctx => new CloudFrontSimService(ctx) };
export default cloudfront;
