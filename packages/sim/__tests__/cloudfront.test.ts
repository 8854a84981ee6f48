import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetDistributionCommand,
  GetInvalidationCommand,
  ListDistributionsCommand,
  ListInvalidationsCommand
} from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFrontSimService } from '../src/cloudfront/service.js';
import type { RunningSimulator } from '../src/index.js';
import { credentials, frozenSim } from './helpers.js';

// Eloquent AI's frontend (guide 004): the React build in eloquent-ai-frontend-prod behind CloudFront
const BUCKET = 'eloquent-ai-frontend-prod';
const DIST = 'E2ELOQUENTAI01';

let sim: RunningSimulator;
let cloudfront: CloudFrontClient;
let s3: S3Client;
let service: CloudFrontSimService;

beforeAll(async () => {
  sim = await frozenSim();
  cloudfront = new CloudFrontClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials });
  s3 = new S3Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  service = sim.control.service<CloudFrontSimService>('CloudFront')!;
});
afterAll(async () => {
  cloudfront.destroy();
  s3.destroy();
  await sim.close();
});
beforeEach(async () => {
  sim.control.reset();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  service.seedDistribution({ id: DIST, bucket: BUCKET, aliases: ['app.eloquent.ai'] });
});

async function errorOf(
  promise: Promise<unknown>
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

const invalidate = (paths: string[], ref: string, id = DIST) =>
  cloudfront.send(
    new CreateInvalidationCommand({
      DistributionId: id,
      InvalidationBatch: { CallerReference: ref, Paths: { Quantity: paths.length, Items: paths } }
    })
  );

const put = (key: string, body: string, cacheControl = 'no-cache') =>
  s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: body,
      ContentType: 'text/html; charset=utf-8',
      CacheControl: cacheControl
    })
  );

const edge = (path: string) => fetch(`${sim.endpoint}/_app/cloudfront/${DIST}${path}`);

describe('CloudFront distributions', () => {
  it('reads a seeded distribution with its S3 origin, aliases and ETag', async () => {
    const out = await cloudfront.send(new GetDistributionCommand({ Id: DIST }));
    expect(out.ETag).toMatch(/^E[A-Z0-9]{13}$/);
    const d = out.Distribution!;
    expect(d.Id).toBe(DIST);
    expect(d.ARN).toBe(`arn:aws:cloudfront::123456789012:distribution/${DIST}`);
    expect(d.Status).toBe('Deployed');
    expect(d.DomainName).toMatch(/^d[a-z0-9]{13}\.cloudfront\.net$/);
    expect(d.InProgressInvalidationBatches).toBe(0);
    expect(d.DistributionConfig?.DefaultRootObject).toBe('index.html');
    expect(d.DistributionConfig?.Aliases).toEqual({ Quantity: 1, Items: ['app.eloquent.ai'] });
    expect(d.DistributionConfig?.Origins?.Items?.[0].DomainName).toBe(`${BUCKET}.s3.us-east-1.amazonaws.com`);
    expect(d.DistributionConfig?.Enabled).toBe(true);
  });

  it('answers NoSuchDistribution (404) for an unknown id', async () => {
    expect(await errorOf(cloudfront.send(new GetDistributionCommand({ Id: 'ENOSUCHDIST000' })))).toEqual({
      name: 'NoSuchDistribution',
      status: 404,
      message: 'The specified distribution does not exist.'
    });
  });

  it('lists distributions in pages with Marker / NextMarker', async () => {
    service.seedDistribution({ id: 'E2SECOND000001', bucket: BUCKET });
    service.seedDistribution({ id: 'E2THIRD0000001', bucket: BUCKET });
    const first = (await cloudfront.send(new ListDistributionsCommand({ MaxItems: 2 }))).DistributionList!;
    expect(first.Items?.map(d => d.Id)).toEqual([DIST, 'E2SECOND000001']);
    expect(first.IsTruncated).toBe(true);
    expect(first.Quantity).toBe(2);
    const second = (
      await cloudfront.send(new ListDistributionsCommand({ MaxItems: 2, Marker: first.NextMarker }))
    ).DistributionList!;
    expect(second.Items?.map(d => d.Id)).toEqual(['E2THIRD0000001']);
    expect(second.IsTruncated).toBe(false);
    expect(second.NextMarker).toBeUndefined();
  });
});

describe('CloudFront invalidations', () => {
  it('moves InProgress -> Completed over the simulated clock', async () => {
    const created = await invalidate(['/index.html', '/'], 'deploy-1');
    expect(created.Location).toBe(
      `https://cloudfront.amazonaws.com/2020-05-31/distribution/${DIST}/invalidation/${created.Invalidation!.Id}`
    );
    expect(created.Invalidation).toMatchObject({
      Status: 'InProgress',
      InvalidationBatch: { CallerReference: 'deploy-1', Paths: { Quantity: 2, Items: ['/index.html', '/'] } }
    });
    const id = created.Invalidation!.Id!;
    const status = async () =>
      (await cloudfront.send(new GetInvalidationCommand({ DistributionId: DIST, Id: id }))).Invalidation!
        .Status;
    expect(
      (await cloudfront.send(new GetDistributionCommand({ Id: DIST }))).Distribution!
        .InProgressInvalidationBatches
    ).toBe(1);
    sim.control.advance(59);
    expect(await status()).toBe('InProgress');
    sim.control.advance(1);
    expect(await status()).toBe('Completed');
  });

  it('returns the same invalidation for a repeated CallerReference and refuses a different batch under it', async () => {
    const first = await invalidate(['/index.html'], 'release-20261202');
    const again = await invalidate(['/index.html'], 'release-20261202');
    expect(again.Invalidation!.Id).toBe(first.Invalidation!.Id);
    const list = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: DIST }));
    expect(list.InvalidationList!.Quantity).toBe(1);
    expect(await errorOf(invalidate(['/other.html'], 'release-20261202'))).toMatchObject({
      name: 'InvalidationBatchAlreadyExists',
      status: 409
    });
  });

  it('lists invalidations newest first, in pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await invalidate([`/p${i}.html`], `ref-${i}`)).Invalidation!.Id!);
    const first = (await cloudfront.send(new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2 })))
      .InvalidationList!;
    expect(first.Items?.map(i => i.Id)).toEqual([ids[2], ids[1]]);
    expect(first.Items?.[0].Status).toBe('InProgress');
    expect(first.IsTruncated).toBe(true);
    const second = (
      await cloudfront.send(
        new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2, Marker: first.NextMarker })
      )
    ).InvalidationList!;
    expect(second.Items?.map(i => i.Id)).toEqual([ids[0]]);
    expect(second.IsTruncated).toBe(false);
  });

  it("enforces CloudFront's limits: 15 wildcard paths and 3000 exact paths in progress", async () => {
    await invalidate(
      Array.from({ length: 15 }, (_, i) => `/static/${i}/*`),
      'wild-1'
    );
    expect(await errorOf(invalidate(['/*'], 'wild-2'))).toEqual({
      name: 'TooManyInvalidationsInProgress',
      status: 400,
      message:
        'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.'
    });
    await invalidate(
      Array.from({ length: 2999 }, (_, i) => `/static/js/${i}.js`),
      'exact-1'
    );
    expect(await errorOf(invalidate(['/a.html', '/b.html'], 'exact-2'))).toMatchObject({
      name: 'TooManyInvalidationsInProgress',
      message:
        'Processing your request will cause you to exceed the maximum number of in-progress invalidations.'
    });
    await invalidate(['/a.html'], 'exact-3'); // exactly 3000 is allowed
    sim.control.advance(60); // all complete: the limits count only what is in progress
    await expect(invalidate(['/*'], 'wild-3')).resolves.toBeDefined();
  });

  it('refuses malformed batches as CloudFront does', async () => {
    expect(
      await errorOf(
        invalidate(
          Array.from({ length: 3001 }, (_, i) => `/${i}`),
          'big'
        )
      )
    ).toMatchObject({
      name: 'BatchTooLarge',
      status: 413
    });
    expect(await errorOf(invalidate(['index.html'], 'no-slash'))).toMatchObject({
      name: 'InvalidArgument',
      status: 400
    });
    const inconsistent = cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: DIST,
        InvalidationBatch: { CallerReference: 'q', Paths: { Quantity: 3, Items: ['/a'] } }
      })
    );
    expect(await errorOf(inconsistent)).toMatchObject({ name: 'InconsistentQuantities', status: 400 });
    expect(await errorOf(invalidate(['/a'], 'x', 'ENOSUCHDIST000'))).toMatchObject({
      name: 'NoSuchDistribution',
      status: 404
    });
    expect(
      await errorOf(cloudfront.send(new GetInvalidationCommand({ DistributionId: DIST, Id: 'INOSUCH' })))
    ).toMatchObject({ name: 'NoSuchInvalidation', status: 404 });
  });

  it('is throttled in its own shape, which the SDK retries', async () => {
    sim.control.faults({ operation: 'CloudFront.CreateInvalidation', throttle: 1, times: 2 });
    const out = await invalidate(['/index.html'], 'throttled');
    expect(out.Invalidation!.Status).toBe('InProgress');
    expect(sim.control.calls()['CloudFront.CreateInvalidation']).toBe(3);
  });
});

describe('the CloudFront edge (/_app/cloudfront/<id>/<path>)', () => {
  it('serves the default root object and the object headers from the S3 origin', async () => {
    await put('index.html', '<h1>Eloquent AI v1</h1>');
    const res = await edge('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<h1>Eloquent AI v1</h1>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-cache')).toBe('Miss from cloudfront');
    expect((await edge('')).headers.get('x-cache')).toBe('Hit from cloudfront');
  });

  it('keeps serving the cached copy until an invalidation covering the path completes', async () => {
    await put('index.html', 'v1');
    expect(await (await edge('/index.html')).text()).toBe('v1');
    expect(await (await edge('/')).text()).toBe('v1');
    await put('index.html', 'v2');
    // no invalidation: the edge still has v1 (what a deploy that forgets to invalidate looks like)
    sim.control.advance(3600);
    expect(await (await edge('/index.html')).text()).toBe('v1');
    await invalidate(['/index.html'], 'only-index');
    sim.control.advance(30);
    expect(await (await edge('/index.html')).text()).toBe('v1'); // still in progress
    sim.control.advance(30);
    expect(await (await edge('/index.html')).text()).toBe('v2');
    // "/" is its own cache key: invalidating /index.html does not refresh it
    expect(await (await edge('/')).text()).toBe('v1');
    expect(service.cachedPaths(DIST)).toEqual(['/', '/index.html']);
    await invalidate(['/*'], 'everything');
    sim.control.advance(60);
    expect(await (await edge('/')).text()).toBe('v2');
  });

  it('caches a missing object as an error for 10 seconds', async () => {
    const missing = await edge('/static/js/main.abc123.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-cache')).toBe('Error from cloudfront');
    await put('static/js/main.abc123.js', 'console.log(1)', 'public, max-age=31536000, immutable');
    expect((await edge('/static/js/main.abc123.js')).status).toBe(404);
    sim.control.advance(10);
    const found = await edge('/static/js/main.abc123.js');
    expect(found.status).toBe(200);
    expect(found.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('reads under the OriginPath and answers 404 for an unknown distribution', async () => {
    service.seedDistribution({ id: 'E2STAGING00001', bucket: BUCKET, originPath: '/staging' });
    await put('staging/index.html', 'staging');
    expect(await (await fetch(`${sim.endpoint}/_app/cloudfront/E2STAGING00001/`)).text()).toBe('staging');
    expect((await fetch(`${sim.endpoint}/_app/cloudfront/ENOPE/`)).status).toBe(404);
  });

  it('is seeded over HTTP too', async () => {
    const res = await fetch(`${sim.endpoint}/_sim/cloudfront/distributions`, {
      method: 'POST',
      body: JSON.stringify({ id: 'E2HTTPSEED0001', bucket: BUCKET })
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: 'E2HTTPSEED0001',
      url: `${sim.endpoint}/_app/cloudfront/E2HTTPSEED0001`
    });
    const bad = await fetch(`${sim.endpoint}/_sim/cloudfront/distributions`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
    const listed = (await (await fetch(`${sim.endpoint}/_sim/cloudfront/distributions`)).json()) as {
      distributions: { id: string }[];
    };
    expect(listed.distributions.map(d => d.id)).toEqual([DIST, 'E2HTTPSEED0001']);
  });
});

describe('wire agreement with botocore (aws CLI v1)', () => {
  const run = promisify(execFile);
  const aws = (args: string[]) =>
    run('aws', ['--endpoint-url', sim.endpoint, '--output', 'json', ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: ''
      }
    });

  it('creates and reads an invalidation, and reads its error shape', async () => {
    const available = await run('aws', ['--version']).then(
      () => true,
      () => false
    );
    if (!available) {
      if (process.env.CI === 'true') throw new Error('the aws CLI is not installed (apt-get install awscli)');
      console.warn('skipped: the aws CLI is not installed (apt-get install awscli)');
      return;
    }
    const created = JSON.parse(
      (
        await aws([
          'cloudfront',
          'create-invalidation',
          '--distribution-id',
          DIST,
          '--paths',
          '/index.html',
          '/'
        ])
      ).stdout
    ) as {
      Location: string;
      Invalidation: { Id: string; Status: string; InvalidationBatch: { Paths: unknown } };
    };
    expect(created.Invalidation.Status).toBe('InProgress');
    expect(created.Invalidation.InvalidationBatch.Paths).toEqual({
      Quantity: 2,
      Items: ['/index.html', '/']
    });
    sim.control.advance(60);
    const read = JSON.parse(
      (
        await aws([
          'cloudfront',
          'get-invalidation',
          '--distribution-id',
          DIST,
          '--id',
          created.Invalidation.Id
        ])
      ).stdout
    ) as { Invalidation: { Status: string } };
    expect(read.Invalidation.Status).toBe('Completed');
    const failed = await aws(['cloudfront', 'get-distribution', '--id', 'ENOSUCHDIST000']).then(
      () => '',
      (error: { stderr: string }) => error.stderr
    );
    expect(failed).toContain(
      'An error occurred (NoSuchDistribution) when calling the GetDistribution operation: The specified distribution does not exist.'
    );
  }, 30_000);
});
