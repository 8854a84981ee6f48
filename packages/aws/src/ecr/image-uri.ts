/**
 * The one parser of ECR private-registry names: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`, alone
 * (build-push's `registry` input) or as the start of an image reference (rollback's image checks).
 */
const HOST = String.raw`(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?`;
const ECR_HOST = new RegExp(`^${HOST}$`);
const ECR_IMAGE = new RegExp(
  `^${HOST}\\/([a-z0-9][a-z0-9._/-]*?)(?:@(sha256:[a-f0-9]{64})|:([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$`
);

/** The registry host of an account's private ECR registry in a region. */
export function ecrHost(accountId: string, region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${accountId}.dkr.ecr.${region}.${suffix}`;
}

/** The account and region an ECR registry host names; undefined for any other host. */
export function parseEcrHost(host: string): { accountId: string; region: string } | undefined {
  const match = ECR_HOST.exec(host);
  return match ? { accountId: match[1], region: match[2] } : undefined;
}

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

/** Parses an ECR image URI (by tag or digest); undefined for images elsewhere (Docker Hub, public ECR...). */
export function parseEcrImage(image: string): EcrImage | undefined {
  const match = ECR_IMAGE.exec(image);
  if (!match) return undefined;
  const [, registryId, region, repository, digest, tag] = match;
  return digest
    ? { image, registryId, region, repository, digest }
    : { image, registryId, region, repository, tag: tag ?? 'latest' };
}
