/**
 * The S3 calls a static-site deploy or rollback makes, on one bucket, in the site's own terms. The
 * logic depends on this interface only; `sdkSiteStore` (store-sdk.ts) implements it over the SDK, and
 * the simulator answers that implementation in tests.
 */
import type { ListedObject } from './plan.js';

export interface ObjectHeaders {
  contentType: string;
  cacheControl: string;
  /** x-amz-meta-* without the prefix */
  metadata: Record<string, string>;
}

interface ObjectHead extends ObjectHeaders {
  size: number;
  etag: string;
}

export type BucketState = 'ok' | 'missing' | 'forbidden';

export interface SiteStore {
  readonly bucket: string;
  /** HeadBucket */
  bucketState(): Promise<BucketState>;
  /** every object under `prefix` (ListObjectsV2, all pages) */
  list(prefix: string): Promise<ListedObject[]>;
  /** HeadObject; undefined when there is no such key */
  head(key: string): Promise<ObjectHead | undefined>;
  /** PutObject, or a multipart upload for a large file; resolves the new ETag */
  uploadFile(key: string, file: { absolute: string; size: number }, headers: ObjectHeaders): Promise<string>;
  /** CopyObject inside the bucket; with headers, they replace the source's (MetadataDirective REPLACE) */
  copy(fromKey: string, toKey: string, headers?: ObjectHeaders): Promise<string>;
  /** DeleteObjects in batches of 1000; fails naming the keys S3 did not delete */
  deleteMany(keys: string[]): Promise<void>;
  /** the object's text, undefined when there is no such key */
  getText(key: string): Promise<string | undefined>;
  putText(key: string, text: string, headers: ObjectHeaders): Promise<string>;
}

/** Runs `work` over `items` with at most `concurrency` in flight; the first failure rejects (after in-flight work settles). */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>
): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (!failed && next < items.length) {
        const index = next++;
        try {
          await work(items[index], index);
        } catch (error) {
          failed ??= { error };
        }
      }
    })
  );
  if (failed) throw failed.error;
}
