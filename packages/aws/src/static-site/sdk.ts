/**
 * SiteStore and CdnApi over the real SDK clients. Throttling and 5xx are retried by the clients
 * themselves (adaptive retry mode, 8 attempts, from the AwsContext); each SDK module loads on first use.
 */
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { lazy, type AwsContext } from '../context.js';
import { awsErrorName } from '../errors.js';
import type { CdnApi, CdnDistribution } from './cdn.js';
import type { ListedObject } from './plan.js';
import type { BucketState, ObjectHeaders, SiteStore } from './store.js';

/** Files above this go up in parts (lib-storage Upload): 8 MiB parts, 4 at a time. */
const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
const DELETE_BATCH = 1000;
/** A listing bound: a site of more objects than this is not what this action is for. */
const MAX_LISTED = 200_000;

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'NotFound' || name === 'NoSuchKey' || statusOf(error) === 404;
}

export function sdkSiteStore(context: AwsContext, bucket: string): SiteStore {
  const sdk = lazy(async () => {
    const module = await import('@aws-sdk/client-s3');
    const client = new module.S3Client(
      (await context.clientConfig('s3')) as import('@aws-sdk/client-s3').S3ClientConfig
    );
    return { module, client };
  });
  const put = (headers: ObjectHeaders) => ({
    Bucket: bucket,
    ContentType: headers.contentType,
    CacheControl: headers.cacheControl,
    Metadata: headers.metadata
  });
  return {
    bucket,
    async bucketState(): Promise<BucketState> {
      const { module, client } = await sdk();
      try {
        await client.send(new module.HeadBucketCommand({ Bucket: bucket }));
        return 'ok';
      } catch (error) {
        if (isNotFound(error)) return 'missing';
        if (statusOf(error) === 403) return 'forbidden';
        throw error;
      }
    },
    async list(prefix) {
      const { module, client } = await sdk();
      const objects: ListedObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new module.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix || undefined,
            ContinuationToken: token
          })
        );
        for (const item of page.Contents ?? []) {
          if (item.Key) objects.push({ key: item.Key, size: item.Size ?? 0, etag: item.ETag ?? '' });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (objects.length > MAX_LISTED) {
          throw new Error(
            `s3://${bucket}/${prefix} holds more than ${MAX_LISTED} objects; give a narrower "prefix"`
          );
        }
      } while (token);
      return objects;
    },
    async head(key) {
      const { module, client } = await sdk();
      try {
        const out = await client.send(new module.HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          size: out.ContentLength ?? 0,
          etag: out.ETag ?? '',
          contentType: out.ContentType ?? '',
          cacheControl: out.CacheControl ?? '',
          metadata: out.Metadata ?? {}
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async uploadFile(key, file, headers) {
      const { module, client } = await sdk();
      if (file.size <= MULTIPART_THRESHOLD) {
        const out = await client.send(
          new module.PutObjectCommand({ ...put(headers), Key: key, Body: await readFile(file.absolute) })
        );
        return out.ETag ?? '';
      }
      const { Upload } = await import('@aws-sdk/lib-storage');
      const out = await new Upload({
        client,
        params: { ...put(headers), Key: key, Body: createReadStream(file.absolute) },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false
      }).done();
      return out.ETag ?? '';
    },
    async copy(fromKey, toKey, headers) {
      const { module, client } = await sdk();
      const out = await client.send(
        new module.CopyObjectCommand({
          Bucket: bucket,
          Key: toKey,
          CopySource: encodeURIComponent(`${bucket}/${fromKey}`),
          ...(headers
            ? {
                MetadataDirective: 'REPLACE',
                ContentType: headers.contentType,
                CacheControl: headers.cacheControl,
                Metadata: headers.metadata
              }
            : {})
        })
      );
      return out.CopyObjectResult?.ETag ?? '';
    },
    async deleteMany(keys) {
      const { module, client } = await sdk();
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const out = await client.send(
          new module.DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map(Key => ({ Key })), Quiet: true }
          })
        );
        if (out.Errors?.length) {
          const first = out.Errors.slice(0, 5).map(e => `${e.Key} (${e.Code}: ${e.Message})`);
          throw new Error(`S3 did not delete ${out.Errors.length} object(s): ${first.join(', ')}`);
        }
      }
    },
    async getText(key) {
      const { module, client } = await sdk();
      try {
        const out = await client.send(new module.GetObjectCommand({ Bucket: bucket, Key: key }));
        return out.Body ? await out.Body.transformToString('utf8') : '';
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async putText(key, text, headers) {
      const { module, client } = await sdk();
      const out = await client.send(new module.PutObjectCommand({ ...put(headers), Key: key, Body: text }));
      return out.ETag ?? '';
    }
  };
}

export function sdkCdnApi(context: AwsContext): CdnApi {
  const sdk = lazy(async () => {
    const module = await import('@aws-sdk/client-cloudfront');
    const client = new module.CloudFrontClient(
      (await context.clientConfig(
        'cloudfront'
      )) as import('@aws-sdk/client-cloudfront').CloudFrontClientConfig
    );
    return { module, client };
  });
  return {
    async getDistribution(id) {
      const { module, client } = await sdk();
      try {
        const out = await client.send(new module.GetDistributionCommand({ Id: id }));
        const d = out.Distribution;
        if (!d?.Id) return undefined;
        const distribution: CdnDistribution = {
          id: d.Id,
          domainName: d.DomainName ?? '',
          aliases: d.DistributionConfig?.Aliases?.Items ?? [],
          defaultRootObject: d.DistributionConfig?.DefaultRootObject ?? '',
          origins: (d.DistributionConfig?.Origins?.Items ?? []).map(origin => ({
            domainName: origin.DomainName ?? '',
            originPath: origin.OriginPath ?? ''
          }))
        };
        return distribution;
      } catch (error) {
        if (awsErrorName(error) === 'NoSuchDistribution') return undefined;
        throw error;
      }
    },
    async createInvalidation(distributionId, paths, callerReference) {
      const { module, client } = await sdk();
      const out = await client.send(
        new module.CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: {
            CallerReference: callerReference,
            Paths: { Quantity: paths.length, Items: paths }
          }
        })
      );
      return { id: out.Invalidation?.Id ?? '', status: out.Invalidation?.Status ?? '' };
    },
    async getInvalidation(distributionId, invalidationId) {
      const { module, client } = await sdk();
      const out = await client.send(
        new module.GetInvalidationCommand({ DistributionId: distributionId, Id: invalidationId })
      );
      return { id: out.Invalidation?.Id ?? invalidationId, status: out.Invalidation?.Status ?? '' };
    }
  };
}
