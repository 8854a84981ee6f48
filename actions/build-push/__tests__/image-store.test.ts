import { describe, expect, it } from '@jest/globals';
import { ActionError } from '@deploy-suite/core';
import type { EcrApi, StoredManifest } from '@deploy-suite/aws/ecr';
import { ecrImageStore, manifestBlobs } from '../src/image-store.js';
import { ecrRegistry, type Registry } from '../src/registry.js';
import type { RegistryHttp } from '../src/registry-http.js';

const MANIFEST: StoredManifest = {
  digest: 'sha256:' + 'a'.repeat(64),
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  manifest: JSON.stringify({
    schemaVersion: 2,
    config: { digest: 'sha256:' + 'c'.repeat(64) },
    layers: [{ digest: 'sha256:' + '1'.repeat(64) }, { digest: 'sha256:' + '2'.repeat(64) }]
  })
};

function layersNotFound(): Error {
  return Object.assign(new Error('Layers with digests are not available'), {
    name: 'LayersNotFoundException'
  });
}

describe('promotion across repositories in ECR (ecrImageStore.putTagFrom)', () => {
  it('PutImage first; on LayersNotFoundException it mounts every blob from the source repository and puts again', async () => {
    const puts: string[] = [];
    let first = true;
    const api = {
      putImage: async (_registry: string, repository: string, tag: string) => {
        puts.push(`${repository}:${tag}`);
        if (first) {
          first = false;
          throw layersNotFound();
        }
        return 'tagged' as const;
      }
    } as unknown as EcrApi;
    const brought: string[] = [];
    const http = {
      bringBlob: async (repository: string, digest: string, from: string) => {
        brought.push(`${from} -> ${repository} ${digest.slice(7, 9)}`);
        return 'mounted' as const;
      }
    } as unknown as RegistryHttp;
    const registry = ecrRegistry('123456789012', 'us-east-1') as Extract<Registry, { kind: 'ecr' }>;
    const store = ecrImageStore(api, registry, () => http);
    await expect(
      store.putTagFrom('tria-aibpo-staging', 'tria-aibpo-production', 'production', MANIFEST)
    ).resolves.toBe('tagged');
    expect(puts).toEqual(['tria-aibpo-production:production', 'tria-aibpo-production:production']);
    expect(brought).toEqual([
      'tria-aibpo-staging -> tria-aibpo-production cc',
      'tria-aibpo-staging -> tria-aibpo-production 11',
      'tria-aibpo-staging -> tria-aibpo-production 22'
    ]);
  });

  it('a multi-platform index is refused by name (its child manifests would need copying too)', () => {
    const index = { ...MANIFEST, manifest: JSON.stringify({ schemaVersion: 2, manifests: [] }) };
    expect(() => manifestBlobs(index, 'tria-aibpo-staging@sha256:aaa')).toThrow(ActionError);
    expect(() => manifestBlobs(index, 'tria-aibpo-staging@sha256:aaa')).toThrow(/is a multi-platform index/);
  });
});
