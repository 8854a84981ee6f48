import {
  ActionError,
  awsErrorName,
  errorMessage,
  type AwsContext,
  type Logger
} from '../../../packages/shared/src/index.js';

/** A manifest as the registry stores it: the exact bytes matter, since the digest is their sha256. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  manifest: string;
}

export interface EcrRepositoryInfo {
  uri: string;
  tagMutability: string;
}

export type PutImageOutcome = 'tagged' | 'already-tagged';

/** The ECR calls build-push makes: small, so tests use an in-memory fake and the sim speaks the same. */
export interface EcrApi {
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

/** The lifecycle policy DocuThinker writes by hand: keep the newest N images of any tag state. */
export function keepLastPolicy(count: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep the last ${count} images (deploy-suite build-push)`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: count },
        action: { type: 'expire' }
      }
    ]
  });
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
];

/** The real ECR API through the AWS SDK (loaded on first use). */
export function sdkEcrApi(aws: AwsContext, region?: string): EcrApi {
  let client:
    | Promise<{ sdk: typeof import('@aws-sdk/client-ecr'); ecr: import('@aws-sdk/client-ecr').ECRClient }>
    | undefined;
  const connect = () =>
    (client ??= (async () => {
      const sdk = await import('@aws-sdk/client-ecr');
      const config = await aws.clientConfig('ecr');
      return { sdk, ecr: new sdk.ECRClient({ ...config, region: region ?? config.region } as never) };
    })());
  const info = (
    repository: { repositoryUri?: string; imageTagMutability?: string } | undefined
  ): EcrRepositoryInfo => ({
    uri: repository?.repositoryUri ?? '',
    tagMutability: repository?.imageTagMutability ?? 'MUTABLE'
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
    }
  };
}

/** Decodes the authorization token; masks both the token and the password before anything can print them. */
export function decodeAuthorization(token: string, logger: Logger): { username: string; password: string } {
  logger.mask(token);
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  if (at <= 0)
    throw new ActionError('aws', 'ECR returned an authorization token that is not "user:password"');
  const password = decoded.slice(at + 1);
  logger.mask(password);
  return { username: decoded.slice(0, at), password };
}
