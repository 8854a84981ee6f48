/**
 * Amazon ECR API (JSON 1.1, X-Amz-Target AmazonEC2ContainerRegistry_V20150921.<Op>): repositories with
 * scan-on-push, encryption and tag-mutability settings, lifecycle policies, GetAuthorizationToken, and
 * images (DescribeImages, ListImages, BatchGetImage, PutImage, BatchDeleteImage).
 *
 * Images live in the simulator (seeded with `control.ecrImages` / `POST /_sim/ecr/images`), or, when the
 * simulator runs with `--registry <url>`, in that real OCI registry: images pushed there with buildah are
 * the images ECR reports, and PutImage really tags them.
 */
import { SimError } from '../core/errors.js';
import { json, jsonBody, type HttpReply, type SimRequest } from '../core/http.js';
import { parseImage } from '../core/images.js';
import {
  DEFAULT_REGION,
  type AwsCall,
  type SimContext,
  type SimService,
  type SimServiceModule
} from '../core/service.js';
import { MANIFEST_TYPES, RegistryClient, RegistryError, sha256 } from './registry.js';
import { ImageScans, describeFinding, findingsSummaryOf, scanStatusOf, severityCounts } from './scans.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

type Params = Record<string, unknown>;

interface StoredImage {
  digest: string;
  manifest: string;
  mediaType: string;
  tags: Set<string>;
  pushedAt: number;
}

interface Repository {
  name: string;
  region: string;
  createdAt: number;
  mutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
  encryption: { encryptionType: string; kmsKey?: string };
  lifecyclePolicy?: string;
  images: Map<string, StoredImage>;
}

/** One image as the ECR API reports it, wherever it is stored. */
interface ImageRecord {
  digest: string;
  tags: string[];
  manifest: string;
  mediaType: string;
  pushedAt: number;
}

interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

/** What `control.ecrImages` / `POST /_sim/ecr/images` accepts. */
export interface EcrImageSeed {
  repository: string;
  tag?: string;
  tags?: string[];
  /** a manifest (JSON text or object); default: a small generated one, unique per repository and tags */
  manifest?: string | Record<string, unknown>;
  mediaType?: string;
  region?: string;
}

export interface SeededImage {
  repository: string;
  digest: string;
  tags: string[];
  uri: string;
  /** uri@digest, what a task definition pins */
  image: string;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function sizeOf(manifest: string): number {
  try {
    const doc = JSON.parse(manifest) as { config?: { size?: number }; layers?: { size?: number }[] };
    return (doc.config?.size ?? 0) + (doc.layers ?? []).reduce((sum, layer) => sum + (layer.size ?? 0), 0);
  } catch {
    return manifest.length;
  }
}

function describeId(id: ImageId): string {
  return `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;
}

export class EcrSimService implements SimService {
  readonly name = 'ECR';
  readonly aws;
  readonly routes;
  private repositories = new Map<string, Repository>();
  private readonly registry?: RegistryClient;
  /** registry mode: when the simulator first saw each manifest (the registry API has no push time) */
  private firstSeen = new Map<string, number>();
  private readonly scans: ImageScans;

  constructor(private readonly ctx: SimContext) {
    this.registry = ctx.registry ? new RegistryClient(ctx.registry) : undefined;
    this.scans = new ImageScans(ctx);
    const op = (fn: (params: Params, call: AwsCall) => unknown) => (call: AwsCall) =>
      this.guard(() => fn.call(this, call.params, call));
    this.aws = {
      protocol: 'json1.1' as const,
      signingName: 'ecr',
      targetPrefix: ECR_TARGET_PREFIX,
      throttlingError: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
      operations: {
        CreateRepository: op(this.createRepository),
        DescribeRepositories: op(this.describeRepositories),
        DeleteRepository: op(this.deleteRepository),
        PutLifecyclePolicy: op(this.putLifecyclePolicy),
        GetLifecyclePolicy: op(this.getLifecyclePolicy),
        DeleteLifecyclePolicy: op(this.deleteLifecyclePolicy),
        PutImageTagMutability: op(this.putImageTagMutability),
        PutImageScanningConfiguration: op(this.putImageScanningConfiguration),
        GetAuthorizationToken: op(this.getAuthorizationToken),
        DescribeImages: op(this.describeImages),
        ListImages: op(this.listImages),
        BatchGetImage: op(this.batchGetImage),
        PutImage: op(this.putImage),
        BatchDeleteImage: op(this.batchDeleteImage),
        StartImageScan: op(this.startImageScan),
        DescribeImageScanFindings: op(this.describeImageScanFindings)
      }
    };
    this.routes = [{ prefix: '/_sim/ecr/', handle: (req: SimRequest) => this.controlRoute(req) }];
  }

  reset(): void {
    this.repositories.clear();
    this.firstSeen.clear();
    this.scans.clear();
  }

  /** Registry failures answer as ECR's ServerException rather than a simulator bug. */
  private async guard(fn: () => unknown): Promise<unknown> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof RegistryError) {
        if (error.code === 'MANIFEST_BLOB_UNKNOWN' || error.code === 'BLOB_UNKNOWN') {
          throw new SimError(
            'LayersNotFoundException',
            `The image manifest references layers the registry does not have: ${error.message}`
          );
        }
        throw new SimError('ServerException', error.message, 500);
      }
      throw error;
    }
  }

  // ---- in-process API -----------------------------------------------------------------------------

  registryHost(region: string): string {
    return `${this.ctx.accountId}.dkr.ecr.${region}.amazonaws.com`;
  }

  /**
   * Whether an image reference can be pulled, for ECS tasks: true/false when it names a repository of
   * this simulated registry that exists (in-memory mode); undefined when the simulator cannot tell
   * (another registry, a repository it does not hold, or registry-backed mode).
   */
  hasImage(image: string): boolean | undefined {
    if (this.registry) return undefined;
    const match = /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/(.+)$/.exec(image);
    if (!match || match[1] !== this.ctx.accountId) return undefined;
    const ref = parseImage(match[2]);
    const repository = this.repositories.get(ref.repository);
    if (!repository) return undefined;
    if (ref.digest) return repository.images.has(ref.digest);
    const tag = ref.tag ?? 'latest';
    return [...repository.images.values()].some(i => i.tags.has(tag));
  }

  /** Puts an image into a repository (created if missing) without building anything. */
  async seedImage(seed: EcrImageSeed): Promise<SeededImage> {
    if (!seed || typeof seed.repository !== 'string' || !REPOSITORY_NAME.test(seed.repository)) {
      throw new Error('ecrImages: "repository" must be a repository name, e.g. chatrelay/main-app');
    }
    const tags = [...(seed.tags ?? []), ...(seed.tag ? [seed.tag] : [])];
    for (const tag of tags) {
      if (typeof tag !== 'string' || !TAG.test(tag))
        throw new Error(`ecrImages: invalid tag ${JSON.stringify(tag)}`);
    }
    const region = seed.region ?? DEFAULT_REGION;
    const repository =
      this.repositories.get(seed.repository) ?? this.newRepository(seed.repository, region, {});
    this.repositories.set(repository.name, repository);
    let manifest: string;
    let mediaType = seed.mediaType;
    if (seed.manifest !== undefined) {
      manifest = typeof seed.manifest === 'string' ? seed.manifest : JSON.stringify(seed.manifest);
    } else {
      // a small schema-2 manifest whose config blob names the repository and tags, so each seed differs
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Labels: { 'sim.repository': seed.repository, 'sim.tags': tags.join(',') } },
          rootfs: { type: 'layers', diff_ids: [] }
        })
      );
      const layer = Buffer.from(`layer of ${seed.repository}:${tags.join(',')}`);
      const layerDigest = this.registry ? await this.registry.putBlob(seed.repository, layer) : sha256(layer);
      const configDigest = this.registry
        ? await this.registry.putBlob(seed.repository, config)
        : sha256(config);
      manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          size: config.length,
          digest: configDigest
        },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            size: layer.length,
            digest: layerDigest
          }
        ]
      });
      mediaType = DOCKER_MANIFEST;
    }
    mediaType ??= this.mediaTypeOf(manifest);
    let digest = sha256(manifest);
    if (this.registry) {
      for (const tag of tags.length ? tags : [digest]) {
        digest = await this.registry.putManifest(repository.name, tag, manifest, mediaType);
      }
      this.pushed(repository, digest, tags);
    } else {
      const image = this.storeImage(repository, manifest, mediaType);
      for (const tag of tags) this.moveTag(repository, tag, image);
      digest = image.digest;
    }
    const uri = `${this.registryHost(repository.region)}/${repository.name}`;
    return { repository: repository.name, digest, tags, uri, image: `${uri}@${digest}` };
  }

  // ---- repositories -------------------------------------------------------------------------------

  private notFound(name: string): SimError {
    return new SimError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${this.ctx.accountId}'`
    );
  }

  private newRepository(name: string, region: string, params: Params): Repository {
    const mutability = str(params.imageTagMutability) ?? 'MUTABLE';
    if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') {
      throw new SimError(
        'InvalidParameterException',
        `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'`
      );
    }
    const encryption = (params.encryptionConfiguration ?? {}) as Params;
    const encryptionType = str(encryption.encryptionType) ?? 'AES256';
    if (!['AES256', 'KMS', 'KMS_DSSE'].includes(encryptionType)) {
      throw new SimError(
        'InvalidParameterException',
        `Invalid parameter at 'encryptionConfiguration.encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'`
      );
    }
    if (encryptionType === 'AES256' && str(encryption.kmsKey)) {
      throw new SimError(
        'InvalidParameterException',
        'A KMS key can only be specified with the KMS encryption type.'
      );
    }
    const scanning = (params.imageScanningConfiguration ?? {}) as Params;
    return {
      name,
      region,
      createdAt: this.ctx.clock.nowMs() / 1000,
      mutability,
      scanOnPush: scanning.scanOnPush === true,
      encryption:
        encryptionType === 'AES256'
          ? { encryptionType }
          : {
              encryptionType,
              kmsKey:
                str(encryption.kmsKey) ??
                `arn:aws:kms:${region}:${this.ctx.accountId}:key/${this.ctx.random.uuid()}`
            },
      images: new Map()
    };
  }

  private describeRepository(repo: Repository): Record<string, unknown> {
    return {
      repositoryArn: `arn:aws:ecr:${repo.region}:${this.ctx.accountId}:repository/${repo.name}`,
      registryId: this.ctx.accountId,
      repositoryName: repo.name,
      repositoryUri: `${this.registryHost(repo.region)}/${repo.name}`,
      createdAt: repo.createdAt,
      imageTagMutability: repo.mutability,
      imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
      encryptionConfiguration: repo.encryption
    };
  }

  /** The repository; in registry mode a repository the registry already holds is adopted. */
  private async mustRepository(params: Params): Promise<Repository> {
    const name = str(params.repositoryName);
    if (!name) {
      throw new SimError(
        'InvalidParameterException',
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be null'"
      );
    }
    const found = this.repositories.get(name);
    if (found) return found;
    if (this.registry && (await this.registry.tags(name)) !== undefined) {
      const adopted = this.newRepository(name, DEFAULT_REGION, {});
      this.repositories.set(name, adopted);
      return adopted;
    }
    throw this.notFound(name);
  }

  private createRepository(params: Params, call: AwsCall): unknown {
    const name = str(params.repositoryName);
    if (!name || name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) {
      throw new SimError(
        'InvalidParameterException',
        `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`
      );
    }
    if (this.repositories.has(name)) {
      throw new SimError(
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${this.ctx.accountId}'`
      );
    }
    const repo = this.newRepository(name, call.region || DEFAULT_REGION, params);
    this.repositories.set(name, repo);
    return { repository: this.describeRepository(repo) };
  }

  private describeRepositories(params: Params): unknown {
    const names = Array.isArray(params.repositoryNames) ? (params.repositoryNames as string[]) : [];
    for (const name of names) if (!this.repositories.has(name)) throw this.notFound(name);
    const repos = [...this.repositories.values()]
      .filter(r => names.length === 0 || names.includes(r.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    const start = Number(str(params.nextToken) ?? 0) || 0;
    const max = typeof params.maxResults === 'number' ? params.maxResults : 1000;
    return {
      repositories: repos.slice(start, start + max).map(r => this.describeRepository(r)),
      nextToken: start + max < repos.length ? String(start + max) : undefined
    };
  }

  private async deleteRepository(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const images = await this.images(repo);
    if (images.length > 0 && params.force !== true) {
      throw new SimError(
        'RepositoryNotEmptyException',
        `The repository with name '${repo.name}' in registry with id '${this.ctx.accountId}' cannot be deleted because it still contains images`
      );
    }
    if (this.registry)
      for (const image of images) await this.registry.deleteManifest(repo.name, image.digest);
    this.repositories.delete(repo.name);
    this.scans.forget(repo.name);
    return { repository: this.describeRepository(repo) };
  }

  private async putLifecyclePolicy(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const text = str(params.lifecyclePolicyText);
    let rules: unknown;
    try {
      rules = text ? (JSON.parse(text) as { rules?: unknown }).rules : undefined;
    } catch {
      rules = undefined;
    }
    if (!Array.isArray(rules) || rules.length === 0) {
      throw new SimError(
        'InvalidParameterException',
        "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: the policy must be a JSON object with a non-empty \"rules\" array'"
      );
    }
    repo.lifecyclePolicy = text;
    return { registryId: this.ctx.accountId, repositoryName: repo.name, lifecyclePolicyText: text };
  }

  private async getLifecyclePolicy(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    if (!repo.lifecyclePolicy) {
      throw new SimError(
        'LifecyclePolicyNotFoundException',
        `Lifecycle policy does not exist for the repository with name '${repo.name}' in the registry with id '${this.ctx.accountId}'`
      );
    }
    return {
      registryId: this.ctx.accountId,
      repositoryName: repo.name,
      lifecyclePolicyText: repo.lifecyclePolicy,
      lastEvaluatedAt: this.ctx.clock.nowMs() / 1000
    };
  }

  private async deleteLifecyclePolicy(params: Params): Promise<unknown> {
    const result = await this.getLifecyclePolicy(params);
    (await this.mustRepository(params)).lifecyclePolicy = undefined;
    return result;
  }

  private async putImageTagMutability(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    repo.mutability = this.newRepository(repo.name, repo.region, params).mutability;
    return { registryId: this.ctx.accountId, repositoryName: repo.name, imageTagMutability: repo.mutability };
  }

  private async putImageScanningConfiguration(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    repo.scanOnPush = (params.imageScanningConfiguration as Params | undefined)?.scanOnPush === true;
    return {
      registryId: this.ctx.accountId,
      repositoryName: repo.name,
      imageScanningConfiguration: { scanOnPush: repo.scanOnPush }
    };
  }

  private getAuthorizationToken(_params: Params, call: AwsCall): unknown {
    const region = call.region || DEFAULT_REGION;
    const now = this.ctx.clock.nowMs() / 1000;
    // ECR's passwords are long opaque base64 strings; this one is random per call, like a real token
    const password = Buffer.from(
      JSON.stringify({ payload: this.ctx.random.alnum(64), datakey: this.ctx.random.alnum(32), version: '2' })
    ).toString('base64');
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: now + TOKEN_LIFETIME_SECONDS,
          proxyEndpoint: `https://${this.registryHost(region)}`
        }
      ]
    };
  }

  // ---- images -------------------------------------------------------------------------------------

  private mediaTypeOf(manifest: string): string {
    try {
      return str((JSON.parse(manifest) as { mediaType?: unknown }).mediaType) ?? DOCKER_MANIFEST;
    } catch {
      throw new SimError(
        'InvalidParameterException',
        "Invalid parameter at 'imageManifest': the manifest is not valid JSON"
      );
    }
  }

  /** Every image of a repository, from memory or from the registry. */
  private async images(repo: Repository): Promise<ImageRecord[]> {
    if (!this.registry) {
      return [...repo.images.values()].map(i => ({
        digest: i.digest,
        tags: [...i.tags].sort(),
        manifest: i.manifest,
        mediaType: i.mediaType,
        pushedAt: i.pushedAt
      }));
    }
    const byDigest = new Map<string, ImageRecord>();
    for (const tag of (await this.registry.tags(repo.name)) ?? []) {
      const manifest = await this.registry.manifest(repo.name, tag);
      if (!manifest) continue;
      const key = `${repo.name}@${manifest.digest}`;
      if (!this.firstSeen.has(key)) this.pushed(repo, manifest.digest, [tag]);
      const record = byDigest.get(manifest.digest) ?? {
        digest: manifest.digest,
        tags: [],
        manifest: manifest.body,
        mediaType: manifest.mediaType,
        pushedAt: this.firstSeen.get(key)!
      };
      record.tags.push(tag);
      byDigest.set(manifest.digest, record);
    }
    return [...byDigest.values()].map(r => ({ ...r, tags: r.tags.sort() }));
  }

  private imageIdsOf(params: Params): ImageId[] | undefined {
    if (params.imageIds === undefined) return undefined;
    if (!Array.isArray(params.imageIds)) {
      throw new SimError('InvalidParameterException', "Invalid parameter at 'imageIds': must be a list");
    }
    return params.imageIds as ImageId[];
  }

  private find(images: ImageRecord[], id: ImageId): ImageRecord | undefined {
    if (id.imageDigest) {
      const image = images.find(i => i.digest === id.imageDigest);
      return image && (!id.imageTag || image.tags.includes(id.imageTag)) ? image : undefined;
    }
    return id.imageTag ? images.find(i => i.tags.includes(id.imageTag!)) : undefined;
  }

  private detail(repo: Repository, image: ImageRecord): Record<string, unknown> {
    return {
      registryId: this.ctx.accountId,
      repositoryName: repo.name,
      imageDigest: image.digest,
      imageTags: image.tags.length ? image.tags : undefined,
      imageSizeInBytes: sizeOf(image.manifest),
      imagePushedAt: image.pushedAt,
      imageManifestMediaType: image.mediaType,
      artifactMediaType: (JSON.parse(image.manifest) as { config?: { mediaType?: string } }).config
        ?.mediaType,
      ...this.scanDetail(repo, image.digest)
    };
  }

  private async describeImages(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const images = await this.images(repo);
    const ids = this.imageIdsOf(params);
    let selected: ImageRecord[];
    if (ids) {
      selected = ids.map(id => {
        const image = this.find(images, id);
        if (!image) {
          throw new SimError(
            'ImageNotFoundException',
            `The image with imageId ${describeId(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${this.ctx.accountId}'`
          );
        }
        return image;
      });
    } else {
      const status = str((params.filter as Params | undefined)?.tagStatus) ?? 'ANY';
      selected = images
        .filter(i => status === 'ANY' || (status === 'TAGGED') === i.tags.length > 0)
        .sort((a, b) => b.pushedAt - a.pushedAt || a.digest.localeCompare(b.digest));
    }
    const start = Number(str(params.nextToken) ?? 0) || 0;
    const max = typeof params.maxResults === 'number' ? params.maxResults : 1000;
    return {
      imageDetails: selected.slice(start, start + max).map(i => this.detail(repo, i)),
      nextToken: start + max < selected.length ? String(start + max) : undefined
    };
  }

  private async listImages(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const status = str((params.filter as Params | undefined)?.tagStatus) ?? 'ANY';
    const ids: ImageId[] = [];
    for (const image of await this.images(repo)) {
      if (image.tags.length === 0) {
        if (status !== 'TAGGED') ids.push({ imageDigest: image.digest });
      } else if (status !== 'UNTAGGED') {
        for (const tag of image.tags) ids.push({ imageDigest: image.digest, imageTag: tag });
      }
    }
    const start = Number(str(params.nextToken) ?? 0) || 0;
    const max = typeof params.maxResults === 'number' ? params.maxResults : 1000;
    return {
      imageIds: ids.slice(start, start + max),
      nextToken: start + max < ids.length ? String(start + max) : undefined
    };
  }

  private async batchGetImage(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const ids = this.imageIdsOf(params) ?? [];
    const accepted = Array.isArray(params.acceptedMediaTypes)
      ? (params.acceptedMediaTypes as string[])
      : undefined;
    const images = await this.images(repo);
    const found: unknown[] = [];
    const failures: unknown[] = [];
    for (const id of ids) {
      const image = this.find(images, id);
      if (!image) {
        const tagMismatch = id.imageDigest && id.imageTag && images.some(i => i.digest === id.imageDigest);
        failures.push({
          imageId: id,
          failureCode: tagMismatch ? 'ImageTagDoesNotMatchDigest' : 'ImageNotFound',
          failureReason: tagMismatch ? 'Image tag does not match the digest' : 'Requested image not found'
        });
        continue;
      }
      if (accepted && accepted.length && !accepted.includes(image.mediaType)) {
        failures.push({
          imageId: id,
          failureCode: 'UnsupportedImageType',
          failureReason: `The image manifest media type ${image.mediaType} is not among the accepted media types`
        });
        continue;
      }
      found.push({
        registryId: this.ctx.accountId,
        repositoryName: repo.name,
        imageId: { imageDigest: image.digest, imageTag: id.imageTag },
        imageManifest: image.manifest,
        imageManifestMediaType: image.mediaType
      });
    }
    return { images: found, failures };
  }

  private storeImage(repo: Repository, manifest: string, mediaType: string): StoredImage {
    const digest = sha256(manifest);
    const existing = repo.images.get(digest);
    if (existing) return existing;
    const image: StoredImage = {
      digest,
      manifest,
      mediaType,
      tags: new Set(),
      pushedAt: this.ctx.clock.nowMs() / 1000
    };
    repo.images.set(digest, image);
    this.pushed(repo, digest, []);
    return image;
  }

  /** Points a tag at an image (a mutable tag leaves the image it was on). */
  private moveTag(repo: Repository, tag: string, image: StoredImage): void {
    for (const other of repo.images.values()) if (other !== image) other.tags.delete(tag);
    image.tags.add(tag);
  }

  private async putImage(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const manifest = str(params.imageManifest);
    if (!manifest) {
      throw new SimError(
        'InvalidParameterException',
        "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'must not be null'"
      );
    }
    const mediaType = str(params.imageManifestMediaType) ?? this.mediaTypeOf(manifest);
    if (!MANIFEST_TYPES.includes(mediaType)) {
      throw new SimError(
        'InvalidParameterException',
        `Invalid parameter at 'imageManifestMediaType': unsupported media type ${mediaType}`
      );
    }
    const tag = str(params.imageTag);
    if (tag !== undefined && !TAG.test(tag)) {
      throw new SimError(
        'InvalidParameterException',
        `Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9-_.]+''`
      );
    }
    const digest = sha256(manifest);
    const wanted = str(params.imageDigest);
    if (wanted && wanted !== digest) {
      throw new SimError(
        'ImageDigestDoesNotMatchException',
        `The digest ${wanted} does not match the digest ${digest} of the image manifest`
      );
    }
    const current = tag ? (await this.images(repo)).find(i => i.tags.includes(tag)) : undefined;
    if (tag && current?.digest === digest) {
      throw new SimError(
        'ImageAlreadyExistsException',
        `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repo.name}' in the registry with id '${this.ctx.accountId}'`
      );
    }
    if (tag && current && repo.mutability === 'IMMUTABLE') {
      throw new SimError(
        'ImageTagAlreadyExistsException',
        `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`
      );
    }
    let stored = digest;
    if (this.registry) {
      stored = await this.registry.putManifest(repo.name, tag ?? digest, manifest, mediaType);
      this.pushed(repo, stored, tag ? [tag] : []);
    } else {
      const image = this.storeImage(repo, manifest, mediaType);
      if (tag) this.moveTag(repo, tag, image);
    }
    return {
      image: {
        registryId: this.ctx.accountId,
        repositoryName: repo.name,
        imageId: { imageDigest: stored, imageTag: tag },
        imageManifest: manifest,
        imageManifestMediaType: mediaType
      }
    };
  }

  private async batchDeleteImage(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const ids = this.imageIdsOf(params) ?? [];
    const deleted: ImageId[] = [];
    const failures: unknown[] = [];
    for (const id of ids) {
      const image = this.find(await this.images(repo), id);
      if (!image) {
        failures.push({
          imageId: id,
          failureCode: 'ImageNotFound',
          failureReason: 'Requested image not found'
        });
        continue;
      }
      if (this.registry) {
        // the distribution API cannot untag: deleting by tag or digest removes the manifest and all its tags
        await this.registry.deleteManifest(repo.name, image.digest);
        this.scans.forget(repo.name, image.digest);
        deleted.push(...image.tags.map(t => ({ imageDigest: image.digest, imageTag: t })));
        if (image.tags.length === 0) deleted.push({ imageDigest: image.digest });
        continue;
      }
      const stored = repo.images.get(image.digest)!;
      if (id.imageTag && !id.imageDigest) {
        // removing a tag; ECR deletes the image with its last tag
        stored.tags.delete(id.imageTag);
        if (stored.tags.size === 0) {
          repo.images.delete(stored.digest);
          this.scans.forget(repo.name, stored.digest);
        }
        deleted.push({ imageDigest: stored.digest, imageTag: id.imageTag });
      } else {
        repo.images.delete(stored.digest);
        this.scans.forget(repo.name, stored.digest);
        deleted.push(...[...stored.tags].map(t => ({ imageDigest: stored.digest, imageTag: t })));
        if (stored.tags.size === 0) deleted.push({ imageDigest: stored.digest });
      }
    }
    return { imageIds: deleted, failures };
  }

  // ---- image scans (see scans.ts) -----------------------------------------------------------------

  /**
   * An image arrived in a repository (PutImage, a seed, or first seen in the backing registry): it
   * counts as pushed then, and scan-on-push starts its scan.
   */
  private pushed(repo: Repository, digest: string, tags: string[]): void {
    const key = `${repo.name}@${digest}`;
    if (this.registry && !this.firstSeen.has(key)) this.firstSeen.set(key, this.ctx.clock.nowMs() / 1000);
    if (repo.scanOnPush && !this.scans.get(repo.name, digest)) {
      this.scans.start(repo.name, digest, () => this.referencesOf(repo, digest, tags));
    }
  }

  /** Every reference an image rule may use for the image: uri@digest, uri:<tag>..., (then uri). */
  private referencesOf(repo: Repository, digest: string, knownTags: string[]): string[] {
    const uri = `${this.registryHost(repo.region)}/${repo.name}`;
    const tags = repo.images.get(digest)?.tags ?? knownTags;
    return [`${uri}@${digest}`, ...[...tags].sort().map(tag => `${uri}:${tag}`), uri];
  }

  private scanDetail(repo: Repository, digest: string): Record<string, unknown> {
    const scan = this.scans.get(repo.name, digest);
    if (!scan) return {};
    return { imageScanStatus: scanStatusOf(scan), imageScanFindingsSummary: findingsSummaryOf(scan) };
  }

  /** The image an `imageId` names, or ECR's ImageNotFoundException. */
  private async mustImage(repo: Repository, params: Params): Promise<{ id: ImageId; image: ImageRecord }> {
    const id = (params.imageId ?? {}) as ImageId;
    if (!str(id.imageDigest) && !str(id.imageTag)) {
      throw new SimError(
        'InvalidParameterException',
        "Invalid parameter at 'imageId' failed to satisfy constraint: 'must name an imageDigest or an imageTag'"
      );
    }
    const image = this.find(await this.images(repo), id);
    if (!image) {
      throw new SimError(
        'ImageNotFoundException',
        `The image with imageId ${describeId(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${this.ctx.accountId}'`
      );
    }
    return { id, image };
  }

  private async startImageScan(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const { id, image } = await this.mustImage(repo, params);
    if (this.scans.quotaExceeded(repo.name, image.digest)) {
      throw new SimError(
        'LimitExceededException',
        'The scan quota per image has been exceeded. Wait and try again.'
      );
    }
    const scan = this.scans.start(repo.name, image.digest, () =>
      this.referencesOf(repo, image.digest, image.tags)
    );
    return {
      registryId: this.ctx.accountId,
      repositoryName: repo.name,
      imageId: { imageDigest: image.digest, imageTag: id.imageTag },
      imageScanStatus: scanStatusOf(scan)
    };
  }

  private async describeImageScanFindings(params: Params): Promise<unknown> {
    const repo = await this.mustRepository(params);
    const { id, image } = await this.mustImage(repo, params);
    const scan = this.scans.get(repo.name, image.digest);
    if (!scan) {
      throw new SimError(
        'ScanNotFoundException',
        `Image scan does not exist for the image with '${describeId(id)}' in the repository with name '${repo.name}' in the registry with id '${this.ctx.accountId}'`
      );
    }
    const max = params.maxResults === undefined ? 100 : params.maxResults;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 1000) {
      throw new SimError(
        'InvalidParameterException',
        "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'"
      );
    }
    const start = Number(str(params.nextToken) ?? 0) || 0;
    const summary = findingsSummaryOf(scan);
    return {
      registryId: this.ctx.accountId,
      repositoryName: repo.name,
      imageId: { imageDigest: image.digest, imageTag: id.imageTag },
      imageScanStatus: scanStatusOf(scan),
      imageScanFindings: summary
        ? {
            ...summary,
            findingSeverityCounts: severityCounts(scan.findings),
            findings: scan.findings.slice(start, start + max).map(describeFinding)
          }
        : undefined,
      nextToken: summary && start + max < scan.findings.length ? String(start + max) : undefined
    };
  }

  // ---- control ------------------------------------------------------------------------------------

  /** `POST /_sim/ecr/images` seeds an image; `GET /_sim/ecr/images?repository=r` lists them. */
  private async controlRoute(req: SimRequest): Promise<HttpReply | undefined> {
    if (req.path.replace(/\/$/, '') !== '/_sim/ecr/images') return undefined;
    try {
      if (req.method === 'POST') {
        const body = jsonBody(req);
        if (!body || typeof body !== 'object')
          return json(400, { message: 'the body must be a JSON object' });
        return json(200, await this.seedImage(body as EcrImageSeed));
      }
      if (req.method === 'GET') {
        const name = req.query.get('repository') ?? '';
        const repo = this.repositories.get(name);
        if (!repo) return json(404, { message: `no repository ${name}` });
        return json(200, { images: (await this.images(repo)).map(i => this.detail(repo, i)) });
      }
      return undefined;
    } catch (error) {
      return json(400, { message: error instanceof Error ? error.message : String(error) });
    }
  }
}

const ecr: SimServiceModule = { name: 'ECR', create: ctx => new EcrSimService(ctx) };
export default ecr;
