import { ActionError, errorMessage } from '@deploy-suite/core';
import { lazy, type AwsContext } from '../context.js';
import { awsErrorName } from '../errors.js';
import type { EcrImage } from './image-uri.js';

/** A manifest as the registry stores it: the exact bytes matter, since the digest is their sha256. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  manifest: string;
}

interface EcrRepositoryInfo {
  uri: string;
  tagMutability: string;
  /** basic scanning on push (imageScanningConfiguration.scanOnPush) */
  scanOnPush: boolean;
}

/** One finding of an image scan, as DescribeImageScanFindings reports it (text straight from AWS). */
export interface ScanFinding {
  name: string;
  severity: string;
  package?: string;
  version?: string;
  uri?: string;
}

/** An image's scan as ECR reports it at one moment. */
export interface ScanFindingsPage {
  /** imageScanStatus.status: IN_PROGRESS, COMPLETE, FAILED, UNSUPPORTED_IMAGE, ACTIVE, PENDING, ... */
  status: string;
  description?: string;
  /** findingSeverityCounts: only the severities found */
  counts: Record<string, number>;
  /** the first page of findings (up to 1000), in ECR's order */
  findings: ScanFinding[];
}

export type PutImageOutcome = 'tagged' | 'already-tagged';

export type ImagePresence = { state: 'present' } | { state: 'missing'; why: string };

/** The one ECR call the rollback makes: does this image (tag or digest) still exist? */
export interface EcrImageLookup {
  imagePresence(image: EcrImage): Promise<ImagePresence>;
}

/**
 * The ECR calls the suite makes (build-push's, and the rollback's image lookup): small, so tests use an
 * in-memory fake (packages/testing) and the simulator speaks the same.
 */
export interface EcrApi extends EcrImageLookup {
  /** base64 "AWS:<password>" and when it expires */
  getAuthorizationToken(registryId: string): Promise<{ token: string; expiresAt?: Date }>;
  describeRepository(registryId: string, repository: string): Promise<EcrRepositoryInfo | undefined>;
  /** with scan on push and AES256 encryption */
  createRepository(registryId: string, repository: string): Promise<EcrRepositoryInfo>;
  putLifecyclePolicy(registryId: string, repository: string, policyText: string): Promise<void>;
  /** undefined when no image has the tag */
  getManifest(registryId: string, repository: string, tag: string): Promise<StoredManifest | undefined>;
  /** undefined when no image has the tag */
  describeDigest(registryId: string, repository: string, tag: string): Promise<string | undefined>;
  /** throws TagConflictError when an immutable tag already names another image */
  putImage(
    registryId: string,
    repository: string,
    tag: string,
    manifest: StoredManifest
  ): Promise<PutImageOutcome>;
  /** undefined when ECR holds no scan of the image (ScanNotFoundException); AccessDeniedException is thrown */
  describeScanFindings(
    registryId: string,
    repository: string,
    digest: string
  ): Promise<ScanFindingsPage | undefined>;
}

export class TagConflictError extends ActionError {
  constructor(repository: string, tag: string, detail: string) {
    super(
      'deployment',
      `Tag ${JSON.stringify(tag)} already names another image in ${repository} and the repository's tags are immutable ` +
        `(${detail}). Use a tag that changes with each build, such as {sha} or {version}, or drop this tag`
    );
  }
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
];

/** The real ECR API through the AWS SDK (loaded on first use), in the context's region unless told. */
export function createEcrApi(context: AwsContext, region?: string): EcrApi {
  const connect = lazy(async () => {
    const sdk = await import('@aws-sdk/client-ecr');
    const config = (await context.clientConfig('ecr')) as import('@aws-sdk/client-ecr').ECRClientConfig;
    return { sdk, ecr: new sdk.ECRClient({ ...config, region: region ?? config.region }) };
  });
  const info = (
    repository:
      | {
          repositoryUri?: string;
          imageTagMutability?: string;
          imageScanningConfiguration?: { scanOnPush?: boolean };
        }
      | undefined
  ): EcrRepositoryInfo => ({
    uri: repository?.repositoryUri ?? '',
    tagMutability: repository?.imageTagMutability ?? 'MUTABLE',
    scanOnPush: repository?.imageScanningConfiguration?.scanOnPush === true
  });

  return {
    async getAuthorizationToken(registryId) {
      const { sdk, ecr } = await connect();
      // registryIds is deprecated but still honoured: it picks the registry for cross-account pushes.
      const out = await ecr.send(new sdk.GetAuthorizationTokenCommand({ registryIds: [registryId] }));
      const data = out.authorizationData?.[0];
      if (!data?.authorizationToken)
        throw new ActionError('aws', 'ECR GetAuthorizationToken returned no token');
      return { token: data.authorizationToken, expiresAt: data.expiresAt };
    },
    async describeRepository(registryId, repository) {
      const { sdk, ecr } = await connect();
      try {
        const out = await ecr.send(
          new sdk.DescribeRepositoriesCommand({ registryId, repositoryNames: [repository] })
        );
        return info(out.repositories?.[0]);
      } catch (error) {
        if (awsErrorName(error) === 'RepositoryNotFoundException') return undefined;
        throw error;
      }
    },
    async createRepository(registryId, repository) {
      const { sdk, ecr } = await connect();
      try {
        const out = await ecr.send(
          new sdk.CreateRepositoryCommand({
            registryId,
            repositoryName: repository,
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfiguration: { encryptionType: 'AES256' },
            tags: [{ Key: 'created-by', Value: 'deploy-suite/build-push' }]
          })
        );
        return info(out.repository);
      } catch (error) {
        // Another job created it between our describe and create: that is the state we wanted.
        if (awsErrorName(error) === 'RepositoryAlreadyExistsException') {
          const existing = await this.describeRepository(registryId, repository);
          if (existing) return existing;
        }
        throw error;
      }
    },
    async putLifecyclePolicy(registryId, repository, policyText) {
      const { sdk, ecr } = await connect();
      await ecr.send(
        new sdk.PutLifecyclePolicyCommand({
          registryId,
          repositoryName: repository,
          lifecyclePolicyText: policyText
        })
      );
    },
    async getManifest(registryId, repository, tag) {
      const { sdk, ecr } = await connect();
      let out: import('@aws-sdk/client-ecr').BatchGetImageCommandOutput;
      try {
        out = await ecr.send(
          new sdk.BatchGetImageCommand({
            registryId,
            repositoryName: repository,
            imageIds: [{ imageTag: tag }],
            acceptedMediaTypes: MANIFEST_TYPES
          })
        );
      } catch (error) {
        // No repository yet (create-repository will make it): no image either.
        if (awsErrorName(error) === 'RepositoryNotFoundException') return undefined;
        throw error;
      }
      const image = out.images?.[0];
      if (!image?.imageManifest || !image.imageId?.imageDigest) {
        const failure = out.failures?.[0];
        if (
          !failure ||
          failure.failureCode === 'ImageNotFound' ||
          failure.failureCode === 'ImageTagDoesNotMatchDigest'
        ) {
          return undefined;
        }
        throw new ActionError(
          'aws',
          `ECR BatchGetImage ${repository}:${tag} failed: ${failure.failureCode} ${failure.failureReason ?? ''}`
        );
      }
      return {
        digest: image.imageId.imageDigest,
        mediaType: image.imageManifestMediaType ?? MANIFEST_TYPES[0],
        manifest: image.imageManifest
      };
    },
    async describeDigest(registryId, repository, tag) {
      const { sdk, ecr } = await connect();
      try {
        const out = await ecr.send(
          new sdk.DescribeImagesCommand({
            registryId,
            repositoryName: repository,
            imageIds: [{ imageTag: tag }]
          })
        );
        return out.imageDetails?.[0]?.imageDigest;
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'ImageNotFoundException' || name === 'RepositoryNotFoundException') return undefined;
        throw error;
      }
    },
    async putImage(registryId, repository, tag, manifest) {
      const { sdk, ecr } = await connect();
      try {
        await ecr.send(
          new sdk.PutImageCommand({
            registryId,
            repositoryName: repository,
            imageTag: tag,
            imageManifest: manifest.manifest,
            imageManifestMediaType: manifest.mediaType,
            imageDigest: manifest.digest
          })
        );
        return 'tagged';
      } catch (error) {
        const name = awsErrorName(error);
        // The tag already names exactly this manifest: re-running is a no-op, as it should be.
        if (name === 'ImageAlreadyExistsException') return 'already-tagged';
        if (name === 'ImageTagAlreadyExistsException')
          throw new TagConflictError(repository, tag, errorMessage(error));
        throw error;
      }
    },
    async describeScanFindings(registryId, repository, digest) {
      const { sdk, ecr } = await connect();
      let out: import('@aws-sdk/client-ecr').DescribeImageScanFindingsCommandOutput;
      try {
        out = await ecr.send(
          new sdk.DescribeImageScanFindingsCommand({
            registryId,
            repositoryName: repository,
            imageId: { imageDigest: digest },
            maxResults: 1000
          })
        );
      } catch (error) {
        if (awsErrorName(error) === 'ScanNotFoundException') return undefined;
        throw error;
      }
      const attribute = (
        attributes: Array<{ key?: string; value?: string }> | undefined,
        key: string
      ): string | undefined => attributes?.find(item => item.key === key)?.value;
      return {
        status: out.imageScanStatus?.status ?? 'IN_PROGRESS',
        description: out.imageScanStatus?.description,
        counts: { ...(out.imageScanFindings?.findingSeverityCounts ?? {}) } as Record<string, number>,
        findings: (out.imageScanFindings?.findings ?? []).map(finding => ({
          name: finding.name ?? '',
          severity: finding.severity ?? 'UNDEFINED',
          package: attribute(finding.attributes, 'package_name'),
          version: attribute(finding.attributes, 'package_version'),
          uri: finding.uri
        }))
      };
    },
    async imagePresence(image) {
      const { sdk, ecr } = await connect();
      try {
        const output = await ecr.send(
          new sdk.DescribeImagesCommand({
            registryId: image.registryId,
            repositoryName: image.repository,
            imageIds: [image.digest ? { imageDigest: image.digest } : { imageTag: image.tag }]
          })
        );
        return (output.imageDetails ?? []).length > 0
          ? { state: 'present' }
          : { state: 'missing', why: 'ECR lists no such image' };
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'ImageNotFoundException') return { state: 'missing', why: errorMessage(error) };
        if (name === 'RepositoryNotFoundException')
          return { state: 'missing', why: `the repository is gone: ${errorMessage(error)}` };
        throw error;
      }
    }
  };
}

/** Image lookups in whatever region each image names: one client per region, created on first use. */
export function ecrImageLookup(context: AwsContext): EcrImageLookup {
  const clients = new Map<string, EcrApi>();
  return {
    imagePresence(image) {
      if (!clients.has(image.region)) clients.set(image.region, createEcrApi(context, image.region));
      return clients.get(image.region)!.imagePresence(image);
    }
  };
}
