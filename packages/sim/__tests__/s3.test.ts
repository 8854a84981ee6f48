import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { RunningSimulator } from '../src/index.js';
import { credentials, frozenSim } from './helpers.js';

const BUCKET = 'elasticbeanstalk-us-east-1-123456789012';
const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

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

describe('S3 buckets', () => {
  it('creates, heads and refuses a second create of a bucket', async () => {
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: BUCKET })))).toEqual({
      name: 'BucketAlreadyOwnedByYou',
      status: 409
    });
    expect(await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })))).toEqual({
      name: 'NotFound',
      status: 404
    });
    expect((await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).name).toBe(
      'InvalidBucketName'
    );
  });
});

describe('S3 objects', () => {
  it('puts, gets, heads, lists and deletes objects', async () => {
    const body = '{"lastKnownGood":"v1"}';
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'deploy-suite/records/ChatRelay/chatrelay-prod.json',
        Body: body,
        ContentType: 'application/json'
      })
    );
    expect(put.ETag).toBe(`"${md5(body)}"`);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bundles/v1.zip', Body: Buffer.from('zip') }));

    const got = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'deploy-suite/records/ChatRelay/chatrelay-prod.json' })
    );
    expect(await got.Body!.transformToString()).toBe(body);
    expect(got.ContentType).toBe('application/json');
    expect(got.ETag).toBe(`"${md5(body)}"`);

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'bundles/v1.zip' }));
    expect(head.ContentLength).toBe(3);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'deploy-suite/' }));
    expect(listed.KeyCount).toBe(1);
    expect(listed.Contents?.map(o => [o.Key, o.Size])).toEqual([
      ['deploy-suite/records/ChatRelay/chatrelay-prod.json', body.length]
    ]);
    const byFolder = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
    expect(byFolder.CommonPrefixes?.map(p => p.Prefix)).toEqual(['bundles/', 'deploy-suite/']);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'bundles/v1.zip' }));
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'bundles/v1.zip' })))).toEqual({
      name: 'NotFound',
      status: 404
    });
  });

  it('answers NoSuchKey and NoSuchBucket in S3 shape', async () => {
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' })))).toEqual({
      name: 'NoSuchKey',
      status: 404
    });
    expect(
      await errorOf(s3.send(new PutObjectCommand({ Bucket: 'nope-bucket', Key: 'k', Body: 'x' })))
    ).toEqual({ name: 'NoSuchBucket', status: 404 });
  });

  it('stores a streamed body sent with aws-chunked encoding', async () => {
    const { Readable } = await import('node:stream');
    const data = Buffer.alloc(70_000, 7);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'streamed.bin',
        Body: Readable.from([data.subarray(0, 30_000), data.subarray(30_000)]),
        ContentLength: data.length
      })
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'streamed.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });
});

describe('S3 multipart uploads', () => {
  it('uploads a body over 5 MiB in parts through lib-storage Upload, and a small one in one PUT', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    const result = await new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'bundles/big.zip', Body: big, ContentType: 'application/zip' },
      partSize: 5 * 1024 * 1024,
      queueSize: 2
    }).done();
    const parts = [big.subarray(0, 5 << 20), big.subarray(5 << 20, 10 << 20), big.subarray(10 << 20)];
    const expected = md5(Buffer.concat(parts.map(p => createHash('md5').update(p).digest())));
    expect(result.ETag).toBe(`"${expected}-3"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'bundles/big.zip' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big)).toBe(true);
    expect(sim.control.calls()['S3.UploadPart']).toBe(3);

    await new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'small.txt', Body: 'hello' } }).done();
    const small = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'small.txt' }));
    expect(await small.Body!.transformToString()).toBe('hello');
    expect(sim.control.calls()['S3.PutObject']).toBe(1);
  });

  it('refuses small non-final parts, unknown parts and aborted uploads', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'k' }));
    const one = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId, PartNumber: 1, Body: 'tiny' })
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId, PartNumber: 2, Body: 'end' })
    );
    const complete = (parts: { ETag?: string; PartNumber: number }[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'k',
          UploadId,
          MultipartUpload: { Parts: parts }
        })
      );
    expect(
      (
        await errorOf(
          complete([
            { ETag: one.ETag, PartNumber: 1 },
            { ETag: two.ETag, PartNumber: 2 }
          ])
        )
      ).name
    ).toBe('EntityTooSmall');
    expect((await errorOf(complete([{ ETag: '"0000"', PartNumber: 1 }]))).name).toBe('InvalidPart');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'k', UploadId }));
    expect((await errorOf(complete([{ ETag: one.ETag, PartNumber: 1 }]))).name).toBe('NoSuchUpload');
  });
});

describe('S3 over HTTP without a signature', () => {
  it('refuses an unsigned request', async () => {
    const response = await fetch(`${sim.endpoint}/${BUCKET}/x`);
    // no SigV4 scope: the simulator cannot tell the service, so it answers like AWS JSON services do
    expect(response.status).toBe(403);
  });
});
