/**
 * CloudFront for a static site: which distribution origin serves the bucket, which request paths a set of
 * changed keys are, and an invalidation created and awaited within a deadline, with progress lines.
 */
import { PollTimeoutError, waitUntil, type Clock, type Logger } from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';

/** CloudFront allows 3000 exact paths in progress per distribution; beyond that, one `/*` does the job. */
const MAX_EXACT_PATHS = 3000;
export const ALL_PATHS = '/*';

interface CdnOrigin {
  domainName: string;
  originPath: string;
}

export interface CdnDistribution {
  id: string;
  domainName: string;
  aliases: string[];
  defaultRootObject: string;
  origins: CdnOrigin[];
}

interface CdnInvalidation {
  id: string;
  status: string;
}

/** The CloudFront calls a static deploy makes (SDK implementation in cdn-sdk.ts). */
export interface CdnApi {
  /** undefined when the distribution does not exist */
  getDistribution(id: string): Promise<CdnDistribution | undefined>;
  createInvalidation(
    distributionId: string,
    paths: string[],
    callerReference: string
  ): Promise<CdnInvalidation>;
  getInvalidation(distributionId: string, invalidationId: string): Promise<CdnInvalidation>;
}

/** Whether an origin's domain is this bucket's S3 endpoint (REST or website, any region style). */
function originServesBucket(origin: CdnOrigin, bucket: string): boolean {
  const domain = origin.domainName.toLowerCase();
  return (
    domain.startsWith(`${bucket}.s3.`) ||
    domain.startsWith(`${bucket}.s3-`) ||
    domain === `${bucket}.s3.amazonaws.com`
  );
}

/**
 * How the distribution reaches the site: the key prefix its S3 origin reads (OriginPath `/site` is
 * `site/`), or a reason why it cannot serve `bucket`/`prefix`.
 */
export function siteOrigin(
  distribution: CdnDistribution,
  bucket: string,
  prefix: string
): { originPrefix: string } | { problem: string } {
  const origins = distribution.origins.filter(origin => originServesBucket(origin, bucket));
  if (origins.length === 0) {
    return {
      problem:
        `distribution ${distribution.id} has no origin for bucket ${bucket} ` +
        `(its origins: ${distribution.origins.map(o => o.domainName).join(', ') || 'none'})`
    };
  }
  for (const origin of origins) {
    const originPrefix = origin.originPath ? `${origin.originPath.replace(/^\/+|\/+$/g, '')}/` : '';
    if (prefix.startsWith(originPrefix)) return { originPrefix };
  }
  return {
    problem:
      `distribution ${distribution.id} reads bucket ${bucket} under OriginPath ` +
      `${origins.map(o => JSON.stringify(o.originPath)).join(', ')}, which does not contain prefix ${JSON.stringify(prefix)}`
  };
}

/**
 * A key as the request path CloudFront caches it under, URL-encoded (`*` too: it is a wildcard there).
 * @internal exported for its tests; the actions do not use it
 */
export function requestPath(key: string, originPrefix: string): string {
  return `/${key
    .slice(originPrefix.length)
    .split('/')
    .map(segment => encodeURIComponent(segment).replace(/\*/g, '%2A'))
    .join('/')}`;
}

/**
 * The paths to invalidate for changed keys: each key's path, plus `/` when the default root object
 * changed (CloudFront caches `/` and `/index.html` apart). Over CloudFront's exact-path limit: `/*`.
 */
export function invalidationPaths(keys: string[], originPrefix: string, defaultRootObject: string): string[] {
  const paths = new Set<string>();
  for (const key of keys) {
    paths.add(requestPath(key, originPrefix));
    if (defaultRootObject && key === `${originPrefix}${defaultRootObject}`) paths.add('/');
  }
  return paths.size > MAX_EXACT_PATHS ? [ALL_PATHS] : [...paths].sort();
}

export interface InvalidationOutcome {
  id: string;
  paths: string[];
  status: string;
  /** true when the wait ended with the invalidation Completed */
  completed: boolean;
  elapsedMs: number;
}

const LIMIT_ERRORS = new Set(['TooManyInvalidationsInProgress', 'BatchTooLarge']);

/**
 * Creates the invalidation and, with `wait`, polls it until Completed or the deadline. When CloudFront
 * refuses the exact paths for its limits, one `/*` is asked instead; when even that is refused (15
 * wildcards already in progress), it asks again until the deadline.
 */
export async function invalidate(
  api: CdnApi,
  request: {
    distributionId: string;
    paths: string[];
    callerReference: string;
    wait: boolean;
    timeoutMs: number;
    clock: Clock;
    logger: Logger;
  }
): Promise<InvalidationOutcome> {
  const { distributionId, clock, logger } = request;
  const started = clock.now();
  let paths = request.paths;
  const created = await waitUntil<CdnInvalidation>(
    async () => {
      try {
        // a new CallerReference for the fallback: the same one with other paths is InvalidationBatchAlreadyExists
        const reference =
          paths === request.paths ? request.callerReference : `${request.callerReference}-all`;
        return { done: true, value: await api.createInvalidation(distributionId, paths, reference) };
      } catch (error) {
        if (!LIMIT_ERRORS.has(awsErrorName(error) ?? '')) throw error;
        if (paths.length !== 1 || paths[0] !== ALL_PATHS) {
          logger.info(
            `CloudFront refused ${paths.length} path(s) (${awsErrorName(error)}): invalidating ${ALL_PATHS} instead`
          );
          paths = [ALL_PATHS];
          return { done: false, progress: 'asking for /* instead' };
        }
        return { done: false, progress: `${awsErrorName(error)}: waiting for other invalidations to finish` };
      }
    },
    {
      what: `CloudFront to accept an invalidation of distribution ${distributionId}`,
      timeoutMs: request.timeoutMs,
      intervalMs: 5_000,
      maxIntervalMs: 30_000,
      clock,
      onProgress: progress => progress && logger.info(progress)
    }
  );
  logger.info(
    `Invalidation ${created.id} of ${distributionId}: ${paths.length === 1 ? paths[0] : `${paths.length} paths`} (${created.status})`
  );
  if (!request.wait || created.status === 'Completed') {
    return {
      id: created.id,
      paths,
      status: created.status,
      completed: created.status === 'Completed',
      elapsedMs: clock.now() - started
    };
  }
  const remaining = Math.max(0, request.timeoutMs - (clock.now() - started));
  try {
    const done = await waitUntil<CdnInvalidation>(
      async () => {
        const seen = await api.getInvalidation(distributionId, created.id);
        return seen.status === 'Completed'
          ? { done: true, value: seen }
          : { done: false, progress: seen.status };
      },
      {
        what: `invalidation ${created.id} to complete`,
        timeoutMs: remaining,
        intervalMs: 5_000,
        maxIntervalMs: 20_000,
        clock,
        onProgress: status =>
          logger.info(
            `Invalidation ${created.id}: ${status ?? 'InProgress'}, ${Math.round((clock.now() - started) / 1000)}s elapsed`
          )
      }
    );
    logger.info(`Invalidation ${created.id} completed after ${Math.round((clock.now() - started) / 1000)}s`);
    return { id: done.id, paths, status: done.status, completed: true, elapsedMs: clock.now() - started };
  } catch (error) {
    if (!(error instanceof PollTimeoutError)) throw error;
    return {
      id: created.id,
      paths,
      status: 'InProgress',
      completed: false,
      elapsedMs: clock.now() - started
    };
  }
}
