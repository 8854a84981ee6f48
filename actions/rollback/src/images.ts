import { awsErrorName, errorMessage, lazy, type AwsContext } from '../../../packages/shared/src/index.js';

/** An image reference that lives in a private ECR repository. */
export interface EcrImage {
  /** the reference as the task definition holds it */
  image: string;
  registryId: string;
  region: string;
  repository: string;
  /** exactly one of tag or digest; an image without either means tag `latest` */
  tag?: string;
  digest?: string;
}

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*?)(?:@(sha256:[a-f0-9]{64})|:([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$/;

/** Parses an ECR image URI (by tag or digest); undefined for images elsewhere (Docker Hub, public ECR...). */
export function parseEcrImage(image: string): EcrImage | undefined {
  const match = ECR_IMAGE.exec(image);
  if (!match) return undefined;
  const [, registryId, region, repository, digest, tag] = match;
  return digest
    ? { image, registryId, region, repository, digest }
    : { image, registryId, region, repository, tag: tag ?? 'latest' };
}

export type ImagePresence = { state: 'present' } | { state: 'missing'; why: string };

/** The one ECR call the rollback makes: does this image (tag or digest) still exist? */
export interface EcrImageApi {
  imagePresence(image: EcrImage): Promise<ImagePresence>;
}

/** DescribeImages over the SDK; one client per region the images name, created on first use. */
export function createEcrImageApi(context: AwsContext): EcrImageApi {
  const clients = new Map<string, ReturnType<typeof clientFor>>();
  const clientFor = (region: string) =>
    lazy(async () => {
      const sdk = await import('@aws-sdk/client-ecr');
      const config = (await context.clientConfig('ecr')) as import('@aws-sdk/client-ecr').ECRClientConfig;
      return { sdk, client: new sdk.ECRClient({ ...config, region }) };
    });
  return {
    async imagePresence(image) {
      if (!clients.has(image.region)) clients.set(image.region, clientFor(image.region));
      const { sdk, client } = await clients.get(image.region)!();
      try {
        const output = await client.send(
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

export interface ImageCheck {
  image: string;
  container: string;
  state: 'present' | 'missing' | 'not-ecr' | 'unchecked';
  why?: string;
}

/**
 * Checks every image a task definition references. Images outside private ECR are listed as `not-ecr`
 * (nothing to ask); an error other than "not found" (e.g. AccessDenied) fails the check, since a
 * rollback that cannot pull its image would take the service down.
 */
export async function checkImages(
  api: EcrImageApi,
  containers: ReadonlyArray<{ name?: string; image?: string }>
): Promise<ImageCheck[]> {
  const checks: ImageCheck[] = [];
  for (const container of containers) {
    if (!container.image) continue;
    const parsed = parseEcrImage(container.image);
    const name = container.name ?? '?';
    if (!parsed) {
      checks.push({ image: container.image, container: name, state: 'not-ecr' });
      continue;
    }
    const presence = await api.imagePresence(parsed);
    checks.push(
      presence.state === 'present'
        ? { image: container.image, container: name, state: 'present' }
        : { image: container.image, container: name, state: 'missing', why: presence.why }
    );
  }
  return checks;
}
