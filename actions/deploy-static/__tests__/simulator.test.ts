/**
 * deploy-static and the static-site rollback against the simulator, through the real SDK clients:
 * Eloquent AI's React build in eloquent-ai-frontend-prod behind CloudFront (guide 004).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CloudFrontSimService, RunningSimulator, S3SimService } from '@deploy-suite/sim';
import { MemoryLogger, frozenSim, simAwsContext, simClock } from '@deploy-suite/testing';
import { deploySite, type DeploySettings } from '../src/deploy.js';
import { resolveSource, scanSite } from '../src/files.js';
import { IMMUTABLE_CACHE_CONTROL } from '../src/site-rules.js';
import {
  rollbackSite,
  sdkCdnApi,
  sdkSiteStore,
  SiteInputError,
  type SiteDeps,
  type SiteStore
} from '@deploy-suite/aws/static-site';
import { tempWorkspace, type BuildOptions, type Workspace } from '@deploy-suite/testing/worlds/static-site';

const BUCKET = 'eloquent-ai-frontend-prod';
const DIST = 'E2ELOQUENTAI01';

let sim: RunningSimulator;
let ws: Workspace;
let s3: S3SimService;
let cloudfront: CloudFrontSimService;
/** keys in the order the deploy wrote them (PutObject / CopyObject / multipart) */
let writes: string[];

beforeEach(async () => {
  sim = await frozenSim();
  ws = tempWorkspace();
  s3 = sim.control.service<S3SimService>('S3')!;
  cloudfront = sim.control.service<CloudFrontSimService>('CloudFront')!;
  s3.ensureBucket(BUCKET, 'us-east-1');
  cloudfront.seedDistribution({ id: DIST, bucket: BUCKET, aliases: ['app.eloquent.ai'] });
  writes = [];
});
afterEach(async () => {
  ws.remove();
  await sim.close();
});

function settings(overrides: Partial<DeploySettings> = {}): DeploySettings {
  return {
    bucket: BUCKET,
    prefix: '',
    region: 'us-east-1',
    distributionId: DIST,
    cacheRules: [],
    delete: true,
    keepReleases: 3,
    invalidate: 'changed',
    waitForInvalidation: true,
    waitMs: 15 * 60_000,
    dryRun: false,
    ...overrides
  };
}

/** The action's own clients, with a store that notes the order of writes. */
function deps(logger = new MemoryLogger(), bucket = BUCKET): SiteDeps {
  const context = simAwsContext(sim, 'deploy-static');
  const real = sdkSiteStore(context, bucket);
  const store: SiteStore = {
    ...real,
    uploadFile: async (key, file, headers) => {
      writes.push(key);
      return real.uploadFile(key, file, headers);
    },
    copy: async (from, to, headers) => {
      writes.push(to);
      return real.copy(from, to, headers);
    }
  };
  return {
    store,
    cdn: sdkCdnApi(context),
    clock: simClock(sim),
    logger,
    now: () => new Date(sim.control.now() * 1000)
  };
}

async function deploy(
  build: BuildOptions,
  overrides: Partial<DeploySettings> = {},
  logger = new MemoryLogger()
) {
  ws.build(build);
  const files = await scanSite(await resolveSource('build', ws.root), ws.root);
  sim.control.advance(60); // releases a minute apart
  writes = [];
  const result = await deploySite(files, settings(overrides), deps(logger));
  return { result, logger };
}

/** What the bucket holds: key -> bytes, with the headers a browser gets. */
function bucketContents(): Map<string, { body: string; contentType: string; cacheControl?: string }> {
  const out = new Map<string, { body: string; contentType: string; cacheControl?: string }>();
  for (const key of listKeys()) {
    const o = s3.object(BUCKET, key)!;
    out.set(key, {
      body: o.body.toString('base64'),
      contentType: o.contentType,
      cacheControl: o.cacheControl
    });
  }
  return out;
}

function listKeys(prefix = ''): string[] {
  return s3.keys(BUCKET, prefix);
}

const siteKeys = () => listKeys().filter(k => !k.startsWith('.deploy-suite/'));
const edge = async (p: string) => (await fetch(`${sim.endpoint}/_app/cloudfront/${DIST}${p}`)).text();
const puts = () =>
  (sim.control.calls()['S3.PutObject'] ?? 0) + (sim.control.calls()['S3.CreateMultipartUpload'] ?? 0);

describe('deploy-static on the simulator', () => {
  it('first release: every file with its Content-Type, Cache-Control and content hash, HTML last', async () => {
    const { result } = await deploy({ version: '1.0.0' });
    expect(result.status).toBe('deployed');
    expect(result.release).toMatch(/^\d{8}T\d{6}Z$/);
    expect(result.previousRelease).toBeUndefined();
    expect(result.uploaded).toHaveLength(9);
    expect(result.url).toBe('https://app.eloquent.ai/');
    expect(writes[writes.length - 1]).toBe('index.html');
    // everything fingerprinted goes up before anything unfingerprinted
    const firstPlain = writes.findIndex(k => !k.startsWith('static/'));
    expect(writes.slice(firstPlain).every(k => !k.startsWith('static/'))).toBe(true);

    const js = siteKeys().find(k => /^static\/js\/main\.[0-9a-f]{8}\.js$/.test(k))!;
    expect(s3.object(BUCKET, js)).toMatchObject({
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: IMMUTABLE_CACHE_CONTROL
    });
    expect(s3.object(BUCKET, js)!.metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s3.object(BUCKET, 'index.html')).toMatchObject({
      contentType: 'text/html; charset=utf-8',
      cacheControl: 'no-cache'
    });
    expect(s3.object(BUCKET, 'favicon.ico')?.cacheControl).toBe('no-cache');
    const record = JSON.parse(
      s3.object(BUCKET, `.deploy-suite/releases/${result.release}.json`)!.body.toString()
    );
    expect(record.files).toHaveLength(9);
    expect(result.invalidation).toBeUndefined(); // nothing was cached before: nothing to invalidate
    expect(await edge('/')).toContain('data-version="1.0.0"');
  });

  it('second release: uploads only what changed, invalidates the changed entry points and waits', async () => {
    const first = await deploy({ version: '1.0.0' });
    expect(await edge('/')).toContain('1.0.0');
    expect(await edge('/index.html')).toContain('1.0.0');
    const before = puts();
    const { result, logger } = await deploy({ version: '1.0.1' });
    expect(result.status).toBe('deployed');
    expect(result.previousRelease).toBe(first.result.release);
    // main.<hash>.js + its map, asset-manifest.json, index.html: CSS, logo, robots, favicon, manifest unchanged
    expect(result.uploaded.map(f => f.path).sort()).toEqual(
      expect.arrayContaining(['asset-manifest.json', 'index.html'])
    );
    expect(result.uploaded).toHaveLength(4);
    expect(result.unchanged).toHaveLength(5);
    expect(puts() - before).toBe(4 + 1); // four files and the release record
    expect(result.invalidation).toMatchObject({
      status: 'Completed',
      completed: true,
      paths: ['/', '/asset-manifest.json', '/index.html']
    });
    expect(logger.lines.some(l => /Invalidation I[A-Z0-9]+: InProgress, \d+s elapsed/.test(l.message))).toBe(
      true
    );
    expect(await edge('/')).toContain('data-version="1.0.1"');
    // the old bundle stays: pages opened before the deploy keep loading (keep-releases 3)
    expect(siteKeys().filter(k => /^static\/js\/main\..*\.js$/.test(k))).toHaveLength(2);
  });

  it('a page stays stale at the edge when nobody invalidates it', async () => {
    await deploy({ version: '1.0.0' });
    expect(await edge('/')).toContain('1.0.0');
    const { result } = await deploy({ version: '1.0.1' }, { invalidate: 'none' });
    expect(result.invalidation).toBeUndefined();
    sim.control.advance(3600);
    expect(await edge('/')).toContain('data-version="1.0.0"');
    expect(s3.object(BUCKET, 'index.html')!.body.toString()).toContain('1.0.1');
  });

  it('the same build again: nothing written, no new release', async () => {
    const first = await deploy({ version: '1.0.0' });
    const before = sim.control.calls();
    const again = await deploy({ version: '1.0.0' });
    expect(again.result).toMatchObject({ status: 'unchanged', release: first.result.release });
    expect(again.result.uploaded).toHaveLength(0);
    const after = sim.control.calls();
    for (const op of ['S3.PutObject', 'S3.CopyObject', 'S3.DeleteObjects', 'CloudFront.CreateInvalidation']) {
      expect(after[op] ?? 0).toBe(before[op] ?? 0);
    }
  });

  it('a fresh CI build (new mtimes, same content) uploads nothing', async () => {
    await deploy({ version: '1.0.0' });
    const before = puts();
    ws.build({ version: '1.0.0' }); // rewrites every file
    const files = await scanSite(await resolveSource('build', ws.root), ws.root);
    const result = await deploySite(files, settings(), deps());
    expect(result.status).toBe('unchanged');
    expect(puts()).toBe(before);
  });

  it('keeps the assets of the last keep-releases releases and deletes older ones after the entry points', async () => {
    const releases = [];
    for (const version of ['1', '2', '3', '4']) releases.push((await deploy({ version })).result);
    const bundles = siteKeys().filter(k => /^static\/js\/main\.[0-9a-f]{8}\.js$/.test(k));
    expect(bundles).toHaveLength(3);
    expect(releases[3].deleted.map(o => o.key).sort()).toEqual(
      releases[0].uploaded
        .filter(f => /^static\/js\/main/.test(f.path))
        .map(f => f.key)
        .sort()
    );
    const records = listKeys('.deploy-suite/releases/');
    expect(records).toEqual(
      releases
        .slice(1)
        .map(r => `.deploy-suite/releases/${r.release}.json`)
        .sort()
    );
  });

  it('leaves objects from an earlier `aws s3 sync` until keep-releases releases are recorded', async () => {
    s3.putObjectBytes(BUCKET, 'static/js/main.0badc0de.js', Buffer.from('old'), 'application/javascript');
    await deploy({ version: '1' }, { keepReleases: 2 });
    expect(s3.object(BUCKET, 'static/js/main.0badc0de.js')).toBeDefined();
    const second = await deploy({ version: '2' }, { keepReleases: 2 });
    expect(s3.object(BUCKET, 'static/js/main.0badc0de.js')).toBeUndefined();
    expect(second.result.deleted.map(o => o.key)).toContain('static/js/main.0badc0de.js');
  });

  it('retries throttling and 5xx from S3 and CloudFront', async () => {
    sim.control.faults({ operation: 'S3.PutObject', throttle: 1, times: 3 });
    sim.control.faults({ operation: 'CloudFront.GetDistribution', error5xx: 1, times: 1 });
    const { result } = await deploy({ version: '1.0.0' });
    expect(result.status).toBe('deployed');
    expect(result.uploaded).toHaveLength(9);
  });

  it('uploads a large file in parts and knows it next time from the record', async () => {
    ws.build({ version: '1.0.0' });
    writeFileSync(
      path.join(ws.root, 'build', 'static/media/intro.4f1c2b9a.mp4'),
      Buffer.alloc(9 * 1024 * 1024, 1)
    );
    const files = await scanSite(await resolveSource('build', ws.root), ws.root);
    const first = await deploySite(files, settings(), deps());
    expect(first.status).toBe('deployed');
    expect(s3.object(BUCKET, 'static/media/intro.4f1c2b9a.mp4')!.etag).toMatch(/-2"$/);
    expect(s3.object(BUCKET, 'static/media/intro.4f1c2b9a.mp4')!.contentType).toBe('video/mp4');
    sim.control.advance(60);
    const heads = sim.control.calls()['S3.HeadObject'] ?? 0;
    const again = await deploySite(files, settings(), deps());
    expect(again.status).toBe('unchanged');
    expect(sim.control.calls()['S3.HeadObject'] ?? 0).toBe(heads); // the record vouched for every object
  });

  it('fails when the invalidation outlives wait-for-minutes, deleting nothing', async () => {
    await deploy({ version: '1' }, { keepReleases: 1 });
    cloudfront.reset();
    cloudfront.seedDistribution({ id: DIST, bucket: BUCKET, invalidationSeconds: 3600 });
    const { result } = await deploy({ version: '2' }, { keepReleases: 1, waitMs: 60_000 });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/still in progress after 1 minute/);
    expect(result.deleted).toHaveLength(0);
    expect(siteKeys().filter(k => /^static\/js\/main\..*\.js$/.test(k))).toHaveLength(2);
  });

  it('a dry run plans and writes nothing', async () => {
    await deploy({ version: '1' });
    const before = sim.control.calls();
    const { result } = await deploy({ version: '2' }, { dryRun: true });
    expect(result.status).toBe('planned');
    expect(result.plan.uploads).toHaveLength(4);
    const after = sim.control.calls();
    for (const op of ['S3.PutObject', 'S3.CopyObject', 'S3.DeleteObjects', 'CloudFront.CreateInvalidation']) {
      expect(after[op] ?? 0).toBe(before[op] ?? 0);
    }
  });

  it.each([
    [
      'an unknown bucket',
      { bucket: 'eloquent-ai-frontend-typo' },
      /Input "bucket": bucket eloquent-ai-frontend-typo does not exist/
    ],
    [
      'an unknown distribution',
      { distributionId: 'E2NOSUCHDIST00' },
      /Input "distribution-id": CloudFront distribution E2NOSUCHDIST00 does not exist/
    ],
    [
      'a distribution of another bucket',
      { distributionId: 'E2OTHERBUCKET0' },
      /has no origin for bucket eloquent-ai-frontend-prod/
    ]
  ])('rejects %s before any write', async (_name, overrides, message) => {
    s3.ensureBucket('eloquent-ai-marketing', 'us-east-1');
    cloudfront.seedDistribution({ id: 'E2OTHERBUCKET0', bucket: 'eloquent-ai-marketing' });
    ws.build({ version: '1' });
    const files = await scanSite(await resolveSource('build', ws.root), ws.root);
    const bucket = (overrides as Partial<DeploySettings>).bucket ?? BUCKET;
    await expect(deploySite(files, settings(overrides), deps(new MemoryLogger(), bucket))).rejects.toThrow(
      SiteInputError
    );
    await expect(deploySite(files, settings(overrides), deps(new MemoryLogger(), bucket))).rejects.toThrow(
      message
    );
    const calls = sim.control.calls();
    for (const op of [
      'S3.PutObject',
      'S3.CopyObject',
      'S3.DeleteObjects',
      'S3.CreateMultipartUpload',
      'CloudFront.CreateInvalidation'
    ]) {
      expect(calls[op] ?? 0).toBe(0);
    }
  });
});

describe('static-site rollback on the simulator', () => {
  it('puts the previous release back byte for byte and invalidates', async () => {
    await deploy({ version: '1.0.0' });
    const good = bucketContents();
    expect(await edge('/')).toContain('1.0.0');
    const bad = await deploy({ version: '1.0.1-broken', theme: '#ff0000' });
    expect(await edge('/')).toContain('1.0.1-broken');
    sim.control.advance(60);
    const logger = new MemoryLogger();
    const result = await rollbackSite(
      {
        bucket: BUCKET,
        prefix: '',
        region: 'us-east-1',
        distributionId: DIST,
        to: 'previous',
        invalidate: 'changed',
        waitForInvalidation: true,
        waitMs: 15 * 60_000,
        dryRun: false
      },
      deps(logger)
    );
    expect(result.status).toBe('deployed');
    expect(result.previousRelease).toBe(bad.result.release);
    expect(result.invalidation?.completed).toBe(true);
    // every key of the good release holds its bytes and headers again
    const now = bucketContents();
    for (const [key, value] of good) {
      if (key.startsWith('.deploy-suite/')) continue;
      expect({ key, ...now.get(key) }).toEqual({ key, ...value });
    }
    expect(await edge('/')).toContain('data-version="1.0.0"');
    const record = JSON.parse(
      s3.object(BUCKET, `.deploy-suite/releases/${result.release}.json`)!.body.toString()
    );
    expect(record.restoredFrom).toBe(result.target);
  });

  it('restores with no bucket versioning after the bad release overwrote every entry point, then a deploy goes on from there', async () => {
    const v1 = await deploy({ version: '1' });
    await deploy({ version: '2' });
    const rollback = await rollbackSite(
      {
        bucket: BUCKET,
        prefix: '',
        region: 'us-east-1',
        distributionId: DIST,
        to: v1.result.release!,
        invalidate: 'changed',
        waitForInvalidation: true,
        waitMs: 15 * 60_000,
        dryRun: false
      },
      deps()
    );
    expect(rollback.status).toBe('deployed');
    expect(s3.object(BUCKET, 'index.html')!.body.toString()).toContain('data-version="1"');
    expect([...rollback.sources.values()].some(source => source.startsWith('.deploy-suite/objects/'))).toBe(
      true
    );
    const v3 = await deploy({ version: '3' });
    expect(v3.result).toMatchObject({ status: 'deployed', previousRelease: rollback.release });
  });

  it('a dry run lists what would change and writes nothing', async () => {
    await deploy({ version: '1' });
    await deploy({ version: '2' });
    const before = sim.control.calls();
    const result = await rollbackSite(
      {
        bucket: BUCKET,
        prefix: '',
        region: 'us-east-1',
        distributionId: DIST,
        to: 'previous',
        invalidate: 'changed',
        waitForInvalidation: true,
        waitMs: 60_000,
        dryRun: true
      },
      deps()
    );
    expect(result.status).toBe('planned');
    expect(result.plan.uploads.map(u => u.file.path).sort()).toEqual(['asset-manifest.json', 'index.html']);
    const after = sim.control.calls();
    for (const op of ['S3.PutObject', 'S3.CopyObject', 'S3.DeleteObjects', 'CloudFront.CreateInvalidation']) {
      expect(after[op] ?? 0).toBe(before[op] ?? 0);
    }
  });

  it('refuses an unknown release and a site with one release, before any write', async () => {
    await deploy({ version: '1' });
    const base = {
      bucket: BUCKET,
      prefix: '',
      region: 'us-east-1',
      distributionId: DIST,
      invalidate: 'changed' as const,
      waitForInvalidation: true,
      waitMs: 60_000,
      dryRun: false
    };
    await expect(rollbackSite({ ...base, to: 'previous' }, deps())).rejects.toThrow(
      /no earlier release .* it is the only release recorded/
    );
    await expect(rollbackSite({ ...base, to: '20200101T000000Z' }, deps())).rejects.toThrow(
      /release 20200101T000000Z is not recorded/
    );
    expect(sim.control.calls()['S3.CopyObject'] ?? 0).toBe(0);
  });
});
