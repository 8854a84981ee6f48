import { describe, expect, it } from '@jest/globals';
import { FakeClock, MemoryLogger } from '@deploy-suite/testing';
import {
  ALL_PATHS,
  invalidate,
  invalidationPaths,
  requestPath,
  siteOrigin,
  type CdnApi,
  type CdnDistribution
} from '../../src/static-site/cdn.js';

const distribution = (origins: Array<[string, string]>): CdnDistribution => ({
  id: 'E2ELOQUENTAI01',
  domainName: 'd111111abcdef8.cloudfront.net',
  aliases: [],
  defaultRootObject: 'index.html',
  origins: origins.map(([domainName, originPath]) => ({ domainName, originPath }))
});

describe('the distribution origin', () => {
  it('finds the origin of the bucket, REST or website, and its OriginPath', () => {
    expect(
      siteOrigin(
        distribution([['eloquent-ai-frontend-prod.s3.us-east-1.amazonaws.com', '']]),
        'eloquent-ai-frontend-prod',
        ''
      )
    ).toEqual({ originPrefix: '' });
    expect(
      siteOrigin(
        distribution([['eloquent-ai-frontend-prod.s3-website-us-east-1.amazonaws.com', '/app']]),
        'eloquent-ai-frontend-prod',
        'app/v2/'
      )
    ).toEqual({ originPrefix: 'app/' });
  });

  it('names the problem when the distribution does not serve the bucket or the prefix', () => {
    expect(siteOrigin(distribution([['api.eloquent.ai', '']]), 'eloquent-ai-frontend-prod', '')).toEqual({
      problem: expect.stringMatching(
        /has no origin for bucket eloquent-ai-frontend-prod \(its origins: api.eloquent.ai\)/
      )
    });
    expect(
      siteOrigin(
        distribution([['eloquent-ai-frontend-prod.s3.amazonaws.com', '/site']]),
        'eloquent-ai-frontend-prod',
        'other/'
      )
    ).toEqual({
      problem: expect.stringMatching(/OriginPath "\/site", which does not contain prefix "other\/"/)
    });
  });
});

describe('invalidation paths', () => {
  it('are the request paths of the keys, URL-encoded, plus / for the default root object', () => {
    expect(
      invalidationPaths(['index.html', 'asset-manifest.json', 'docs/a page*.html'], '', 'index.html')
    ).toEqual(['/', '/asset-manifest.json', '/docs/a%20page%2A.html', '/index.html']);
    expect(requestPath('app/v2/index.html', 'app/')).toBe('/v2/index.html');
  });

  it('become /* past the 3000 exact paths CloudFront allows', () => {
    const keys = Array.from({ length: 3001 }, (_, i) => `page-${i}.html`);
    expect(invalidationPaths(keys, '', 'index.html')).toEqual([ALL_PATHS]);
    expect(invalidationPaths(keys.slice(0, 3000), '', 'index.html')).toHaveLength(3000);
  });
});

/** A CloudFront double for the wait logic: statuses by call, errors by name. */
function cdnDouble(script: {
  create: Array<string | 'ok'>;
  statuses: string[];
}): CdnApi & { created: string[][] } {
  const created: string[][] = [];
  return {
    created,
    getDistribution: async () => undefined,
    createInvalidation: async (_id, paths) => {
      const next = script.create.shift() ?? 'ok';
      if (next !== 'ok') throw Object.assign(new Error(next), { name: next });
      created.push(paths);
      return { id: 'I2J0I21PCUYOIK', status: 'InProgress' };
    },
    getInvalidation: async () => ({ id: 'I2J0I21PCUYOIK', status: script.statuses.shift() ?? 'InProgress' })
  };
}

describe('invalidate', () => {
  const base = {
    distributionId: 'E2ELOQUENTAI01',
    paths: ['/index.html', '/'],
    callerReference: 'deploy-suite-r1',
    wait: true,
    timeoutMs: 15 * 60_000
  };

  it('waits until Completed, printing progress', async () => {
    const logger = new MemoryLogger();
    const cdn = cdnDouble({ create: [], statuses: ['InProgress', 'InProgress', 'Completed'] });
    const outcome = await invalidate(cdn, { ...base, clock: new FakeClock(), logger });
    expect(outcome).toMatchObject({
      id: 'I2J0I21PCUYOIK',
      completed: true,
      status: 'Completed',
      paths: ['/index.html', '/']
    });
    expect(logger.lines.filter(l => /InProgress, \d+s elapsed/.test(l.message))).toHaveLength(2);
  });

  it('asks for /* when CloudFront refuses the paths for its limits', async () => {
    const cdn = cdnDouble({ create: ['TooManyInvalidationsInProgress'], statuses: ['Completed'] });
    const outcome = await invalidate(cdn, { ...base, clock: new FakeClock(), logger: new MemoryLogger() });
    expect(cdn.created).toEqual([[ALL_PATHS]]);
    expect(outcome.paths).toEqual([ALL_PATHS]);
  });

  it('reports a wait past the deadline as not completed', async () => {
    const cdn = cdnDouble({ create: [], statuses: [] });
    const outcome = await invalidate(cdn, {
      ...base,
      timeoutMs: 60_000,
      clock: new FakeClock(),
      logger: new MemoryLogger()
    });
    expect(outcome).toMatchObject({ completed: false, status: 'InProgress' });
  });

  it('fails at once on another error', async () => {
    const cdn = cdnDouble({ create: ['AccessDenied'], statuses: [] });
    await expect(
      invalidate(cdn, { ...base, clock: new FakeClock(), logger: new MemoryLogger() })
    ).rejects.toThrow('AccessDenied');
  });
});
