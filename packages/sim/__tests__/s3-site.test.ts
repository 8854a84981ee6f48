/** The S3 operations and headers a static-site deploy uses: stored headers, CopyObject, DeleteObjects, paging. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { RunningSimulator } from '../src/index.js';
import type { S3SimService } from '../src/s3/service.js';
import { credentials, frozenSim } from './helpers.js';

const BUCKET = 'eloquent-ai-frontend-prod';

let sim: RunningSimulator;
let s3: S3Client;

beforeAll(async () => {
  sim = await frozenSim();
  s3 = new S3Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
});
afterAll(async () => {
  s3.destroy();
  await sim.close();
});
beforeEach(async () => {
  sim.control.reset();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

const putPage = (key: string, body: string) =>
  s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: body,
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'no-cache',
      Metadata: { sha256: 'a'.repeat(64) }
    })
  );

describe('S3 object headers', () => {
  it('stores Content-Type, Cache-Control and x-amz-meta-* and returns them on HEAD and GET', async () => {
    await putPage('index.html', '<h1>Eloquent</h1>');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'index.html' }));
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    expect(head.CacheControl).toBe('no-cache');
    expect(head.Metadata).toEqual({ sha256: 'a'.repeat(64) });
    expect(head.ContentLength).toBe(17);
    expect(head.ContentEncoding).toBeUndefined(); // the SDK's aws-chunked framing is not the object's
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'index.html' }));
    expect(got.CacheControl).toBe('no-cache');
    expect(await got.Body!.transformToString()).toBe('<h1>Eloquent</h1>');
  });

  it('keeps the headers of a multipart upload', async () => {
    const body = Buffer.alloc(11 * 1024 * 1024, 7);
    await new Upload({
      client: s3,
      params: {
        Bucket: BUCKET,
        Key: 'static/media/hero.0a1b2c3d.mp4',
        Body: body,
        ContentType: 'video/mp4',
        CacheControl: 'public, max-age=31536000, immutable',
        Metadata: { sha256: 'b'.repeat(64) }
      }
    }).done();
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'static/media/hero.0a1b2c3d.mp4' })
    );
    expect(head.ETag).toMatch(/-3"$/);
    expect(head.CacheControl).toBe('public, max-age=31536000, immutable');
    expect(head.ContentType).toBe('video/mp4');
    expect(head.Metadata).toEqual({ sha256: 'b'.repeat(64) });
  });
});

describe('S3 CopyObject', () => {
  it('copies bytes and headers (COPY), or takes new headers from the request (REPLACE)', async () => {
    await putPage('index.html', 'release one');
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'keep/index.html', CopySource: `${BUCKET}/index.html` })
    );
    expect(copied.CopyObjectResult?.ETag).toBe(
      (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'index.html' }))).ETag
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'keep/index.html' }));
    expect(head.CacheControl).toBe('no-cache');
    expect(head.Metadata).toEqual({ sha256: 'a'.repeat(64) });

    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'index.html',
        CopySource: `${BUCKET}/index.html`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/html; charset=utf-8',
        CacheControl: 'max-age=60',
        Metadata: { sha256: 'c'.repeat(64) }
      })
    );
    const replaced = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'index.html' }));
    expect(replaced.CacheControl).toBe('max-age=60');
    expect(replaced.Metadata).toEqual({ sha256: 'c'.repeat(64) });
    expect(await replaced.Body!.transformToString()).toBe('release one');
  });

  it('copies keys that need URL encoding', async () => {
    await putPage('docs/a page.html', 'spaced');
    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'docs/copy of a page.html',
        CopySource: encodeURIComponent(`${BUCKET}/docs/a page.html`)
      })
    );
    const s3sim = sim.control.service<S3SimService>('S3')!;
    expect(s3sim.object(BUCKET, 'docs/copy of a page.html')?.body.toString()).toBe('spaced');
  });

  it('refuses a copy onto itself without new metadata, and a missing source', async () => {
    await putPage('index.html', 'x');
    expect(
      await errorOf(
        s3.send(
          new CopyObjectCommand({ Bucket: BUCKET, Key: 'index.html', CopySource: `${BUCKET}/index.html` })
        )
      )
    ).toEqual({ name: 'InvalidRequest', status: 400 });
    expect(
      await errorOf(
        s3.send(
          new CopyObjectCommand({ Bucket: BUCKET, Key: 'b.html', CopySource: `${BUCKET}/missing.html` })
        )
      )
    ).toEqual({ name: 'NoSuchKey', status: 404 });
  });
});

describe('S3 DeleteObjects', () => {
  it('deletes up to 1000 keys, counting missing keys as deleted', async () => {
    await putPage('a.html', 'a');
    await putPage('b.html', 'b');
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'a.html' }, { Key: 'b.html' }, { Key: 'never-there.html' }] }
      })
    );
    expect(out.Deleted?.map(d => d.Key).sort()).toEqual(['a.html', 'b.html', 'never-there.html']);
    expect(out.Errors).toBeUndefined();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.KeyCount).toBe(0);
  });

  it('answers nothing per key when Quiet, and MalformedXML for more than 1000 keys', async () => {
    await putPage('a.html', 'a');
    const quiet = await s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'a.html' }], Quiet: true } })
    );
    expect(quiet.Deleted).toBeUndefined();
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` }));
    expect(
      await errorOf(s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: tooMany } })))
    ).toEqual({
      name: 'MalformedXML',
      status: 400
    });
  });
});

describe('S3 ListObjectsV2 paging', () => {
  it('pages with opaque continuation tokens under a prefix', async () => {
    const s3sim = sim.control.service<S3SimService>('S3')!;
    for (let i = 0; i < 2500; i++)
      s3sim.putObjectBytes(BUCKET, `site/static/js/${String(i).padStart(4, '0')}.js`, Buffer.from('x'));
    s3sim.putObjectBytes(BUCKET, 'other/index.html', Buffer.from('x'));
    const keys: string[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'site/', ContinuationToken: token })
      );
      keys.push(...(page.Contents ?? []).map(c => c.Key!));
      token = page.NextContinuationToken;
      if (token) tokens.push(token);
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    expect(keys).toHaveLength(2500);
    expect(new Set(keys).size).toBe(2500);
    expect(tokens).toHaveLength(2);
    expect(tokens.some(t => t.includes('static/js'))).toBe(false);
    expect(
      await errorOf(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'not-a-token' })))
    ).toEqual({ name: 'InvalidArgument', status: 400 });
  });
});
