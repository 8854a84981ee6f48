import { createHash } from 'node:crypto';
import type {
  EcrApi,
  EcrImage,
  ImagePresence,
  ScanFindingsPage,
  StoredManifest
} from '@deploy-suite/aws/ecr';
import { TagConflictError } from '@deploy-suite/aws/ecr';

/** An in-memory ECR registry behind the action's EcrApi interface, with the real service's rules. */
export interface FakeRepository {
  tagMutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
  encryptionType: string;
  lifecyclePolicy?: string;
  /** digest -> manifest */
  manifests: Map<string, StoredManifest>;
  /** tag -> digest */
  tags: Map<string, string>;
  /** digest -> what DescribeImageScanFindings answers (none: a clean scan with scanOnPush, else ScanNotFoundException) */
  scans: Map<string, ScanFindingsPage>;
}

export class FakeEcr implements EcrApi {
  readonly repositories = new Map<string, FakeRepository>();
  readonly calls: string[] = [];
  constructor(readonly password = 'ecr-password-Zq8Kx2VbN5mT1wRy') {}

  addRepository(name: string, tagMutability: 'MUTABLE' | 'IMMUTABLE' = 'MUTABLE'): FakeRepository {
    const repository: FakeRepository = {
      tagMutability,
      scanOnPush: false,
      encryptionType: 'AES256',
      manifests: new Map(),
      tags: new Map(),
      scans: new Map()
    };
    this.repositories.set(name, repository);
    return repository;
  }

  /** Stores an image as if pushed; returns its digest. */
  addImage(name: string, tags: string[], content = name + tags.join()): StoredManifest {
    const repository = this.repositories.get(name) ?? this.addRepository(name);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      content
    });
    const stored = {
      digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      manifest
    };
    repository.manifests.set(stored.digest, stored);
    for (const tag of tags) repository.tags.set(tag, stored.digest);
    return stored;
  }

  private repo(name: string): FakeRepository {
    const repository = this.repositories.get(name);
    if (!repository)
      throw Object.assign(new Error(`repository ${name} not found`), { name: 'RepositoryNotFoundException' });
    return repository;
  }

  async getAuthorizationToken(registryId: string) {
    this.calls.push(`GetAuthorizationToken ${registryId}`);
    return {
      token: Buffer.from(`AWS:${this.password}`).toString('base64'),
      expiresAt: new Date('2026-11-26T06:00:00Z')
    };
  }
  async describeRepository(registryId: string, name: string) {
    this.calls.push(`DescribeRepositories ${name}`);
    const repository = this.repositories.get(name);
    return repository
      ? {
          uri: `${registryId}.dkr.ecr.us-east-1.amazonaws.com/${name}`,
          tagMutability: repository.tagMutability,
          scanOnPush: repository.scanOnPush
        }
      : undefined;
  }
  async createRepository(registryId: string, name: string) {
    this.calls.push(`CreateRepository ${name}`);
    const repository = this.addRepository(name);
    repository.scanOnPush = true;
    repository.encryptionType = 'AES256';
    return {
      uri: `${registryId}.dkr.ecr.us-east-1.amazonaws.com/${name}`,
      tagMutability: 'MUTABLE',
      scanOnPush: true
    };
  }
  async putLifecyclePolicy(_registryId: string, name: string, policyText: string) {
    this.calls.push(`PutLifecyclePolicy ${name}`);
    this.repo(name).lifecyclePolicy = policyText;
  }
  async getManifest(_registryId: string, name: string, tag: string) {
    this.calls.push(`BatchGetImage ${name}:${tag}`);
    const repository = this.repositories.get(name);
    const digest = repository?.tags.get(tag);
    return digest ? repository?.manifests.get(digest) : undefined;
  }
  async describeDigest(_registryId: string, name: string, tag: string) {
    this.calls.push(`DescribeImages ${name}:${tag}`);
    return this.repositories.get(name)?.tags.get(tag);
  }
  async imagePresence(image: EcrImage): Promise<ImagePresence> {
    this.calls.push(`DescribeImages ${image.repository}:${image.digest ?? image.tag}`);
    const repository = this.repositories.get(image.repository);
    if (!repository) return { state: 'missing', why: 'the repository is gone' };
    const found = image.digest
      ? repository.manifests.has(image.digest)
      : repository.tags.has(image.tag ?? 'latest');
    return found ? { state: 'present' } : { state: 'missing', why: 'ECR lists no such image' };
  }
  async putImage(_registryId: string, name: string, tag: string, manifest: StoredManifest) {
    this.calls.push(`PutImage ${name}:${tag}`);
    const repository = this.repo(name);
    const current = repository.tags.get(tag);
    if (current === manifest.digest) return 'already-tagged' as const;
    if (current && repository.tagMutability === 'IMMUTABLE') {
      throw new TagConflictError(
        name,
        tag,
        `The image tag '${tag}' already exists and cannot be overwritten because the repository is immutable`
      );
    }
    repository.manifests.set(manifest.digest, manifest);
    repository.tags.set(tag, manifest.digest);
    return 'tagged' as const;
  }
  async describeScanFindings(_registryId: string, name: string, digest: string) {
    this.calls.push(`DescribeImageScanFindings ${name}@${digest}`);
    const repository = this.repo(name);
    // A repository scanning on push has scanned the image by the time anyone asks: clean, unless told.
    return (
      repository.scans.get(digest) ??
      (repository.scanOnPush ? { status: 'COMPLETE', counts: {}, findings: [] } : undefined)
    );
  }
}
