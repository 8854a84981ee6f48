import type { EcrApi, StoredManifest, PutImageOutcome } from '@deploy-suite/aws/ecr';
import { ActionError } from '@deploy-suite/core';
import { awsErrorName } from '@deploy-suite/aws';
import { repositoryPath, type Registry } from './registry.js';
import type { RegistryHttp } from './registry-http.js';

/**
 * What skip-existing, promote and digest read-back need from a registry, for ECR (ECR API) and plain OCI
 * registries (distribution HTTP API) alike. Repositories are named as in the inputs.
 */
export interface ImageStore {
  getManifest(repository: string, tag: string): Promise<StoredManifest | undefined>;
  digestOf(repository: string, tag: string): Promise<string | undefined>;
  /** points `tag` at exactly this manifest, without moving layers */
  putTag(repository: string, tag: string, manifest: StoredManifest): Promise<PutImageOutcome>;
  /** true when a tag, once set, cannot be moved to another image */
  immutableTags(repository: string): Promise<boolean>;
  /**
   * Promotion across repositories: points `tag` of `repository` at the manifest found in `from`, bringing
   * its layers across first (mounted within the registry, copied only when mounting is declined).
   */
  putTagFrom(
    from: string,
    repository: string,
    tag: string,
    manifest: StoredManifest
  ): Promise<PutImageOutcome>;
}

/**
 * The blobs (config and layers) a single-platform manifest references.
 * @internal exported for its tests; the actions do not use it
 */
export function manifestBlobs(manifest: StoredManifest, where: string): string[] {
  const parsed = JSON.parse(manifest.manifest) as {
    manifests?: unknown[];
    config?: { digest?: string };
    layers?: Array<{ digest?: string }>;
  };
  if (Array.isArray(parsed.manifests)) {
    throw new ActionError(
      'deployment',
      `${where} is a multi-platform index: promoting it into another repository is not supported; ` +
        'promote each platform image, or build into the target repository'
    );
  }
  return [parsed.config?.digest, ...(parsed.layers ?? []).map(layer => layer.digest)].filter(
    (digest): digest is string => typeof digest === 'string' && digest !== ''
  );
}

export function ecrImageStore(
  api: EcrApi,
  registry: Extract<Registry, { kind: 'ecr' }>,
  /** the registry API with this job's ECR login, for layers PutImage cannot find in the target repository */
  http?: () => RegistryHttp
): ImageStore {
  const mutability = new Map<string, Promise<string | undefined>>();
  const registryId = registry.accountId;
  return {
    async putTagFrom(from, repository, tag, manifest) {
      try {
        return await api.putImage(registryId, repository, tag, manifest);
      } catch (error) {
        // PutImage needs the layers in the target repository: mount them (same registry), then try again
        if (awsErrorName(error) !== 'LayersNotFoundException' || !http) throw error;
      }
      const client = http();
      for (const digest of manifestBlobs(manifest, `${from}@${manifest.digest}`)) {
        await client.bringBlob(repository, digest, from);
      }
      return api.putImage(registryId, repository, tag, manifest);
    },
    getManifest: (repository, tag) => api.getManifest(registryId, repository, tag),
    digestOf: (repository, tag) => api.describeDigest(registryId, repository, tag),
    putTag: (repository, tag, manifest) => api.putImage(registryId, repository, tag, manifest),
    async immutableTags(repository) {
      if (!mutability.has(repository)) {
        mutability.set(
          repository,
          api.describeRepository(registryId, repository).then(info => info?.tagMutability)
        );
      }
      // IMMUTABLE_WITH_EXCLUSION may still allow some tags to move; PutImage's own error covers those.
      return (await mutability.get(repository)) === 'IMMUTABLE';
    }
  };
}

export function ociImageStore(http: RegistryHttp, registry: Extract<Registry, { kind: 'oci' }>): ImageStore {
  const path = (repository: string) => repositoryPath(registry, repository);
  return {
    getManifest: (repository, tag) => http.getManifest(path(repository), tag),
    digestOf: (repository, tag) => http.digestOf(path(repository), tag),
    async putTag(repository, tag, manifest) {
      const current = await http.digestOf(path(repository), tag);
      if (current === manifest.digest) return 'already-tagged';
      const digest = await http.putManifest(path(repository), tag, manifest);
      if (digest !== manifest.digest) {
        throw new ActionError(
          'deployment',
          `${repository}:${tag}: the registry stored ${digest}, not ${manifest.digest}`
        );
      }
      return 'tagged';
    },
    immutableTags: async () => false,
    async putTagFrom(from, repository, tag, manifest) {
      for (const digest of manifestBlobs(manifest, `${from}@${manifest.digest}`)) {
        await http.bringBlob(path(repository), digest, path(from));
      }
      return this.putTag(repository, tag, manifest);
    }
  };
}
