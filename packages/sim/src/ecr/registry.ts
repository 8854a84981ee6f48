/**
 * The OCI distribution API of a real registry (Debian's `docker-registry`), used when the simulator is
 * started with `--registry`: the ECR API then reports the manifests and tags that registry holds, and
 * PutImage really puts a manifest under a new tag. Repository names map 1:1.
 */
import { createHash } from 'node:crypto';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
];

export interface RegistryManifest {
  digest: string;
  mediaType: string;
  body: string;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string
  ) {
    super(message);
  }
}

export const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export class RegistryClient {
  private readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, init);
    } catch (error) {
      throw new RegistryError(`registry ${this.base} unreachable: ${String(error)}`, 503);
    }
  }

  private static async fail(response: Response, what: string): Promise<never> {
    const text = await response.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { errors?: { code?: string }[] }).errors?.[0]?.code;
    } catch {
      code = undefined;
    }
    throw new RegistryError(
      `${what}: registry answered ${response.status} ${text.slice(0, 300)}`,
      response.status,
      code
    );
  }

  /** The repository's tags; undefined when the registry does not know the repository. */
  async tags(repository: string): Promise<string[] | undefined> {
    const response = await this.call(`/v2/${repository}/tags/list`);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) return RegistryClient.fail(response, `tags of ${repository}`);
    return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
  }

  /** A manifest by tag or digest; undefined when absent. */
  async manifest(repository: string, reference: string): Promise<RegistryManifest | undefined> {
    const response = await this.call(`/v2/${repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_TYPES.join(', ') }
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) return RegistryClient.fail(response, `manifest ${repository}:${reference}`);
    const body = await response.text();
    return {
      body,
      digest: response.headers.get('docker-content-digest') ?? sha256(body),
      mediaType: (response.headers.get('content-type') ?? MANIFEST_TYPES[1]).split(';')[0]
    };
  }

  /** Puts a manifest under a tag (or its digest); returns the registry's digest. */
  async putManifest(repository: string, reference: string, body: string, mediaType: string): Promise<string> {
    const response = await this.call(`/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body
    });
    if (!response.ok) return RegistryClient.fail(response, `put manifest ${repository}:${reference}`);
    await response.body?.cancel();
    return response.headers.get('docker-content-digest') ?? sha256(body);
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.call(`/v2/${repository}/manifests/${digest}`, { method: 'DELETE' });
    if (!response.ok && response.status !== 404) {
      return RegistryClient.fail(response, `delete ${repository}@${digest}`);
    }
    await response.body?.cancel();
  }

  /** Uploads a blob in one request (monolithic upload), unless the registry already has it. */
  async putBlob(repository: string, data: Buffer): Promise<string> {
    const digest = sha256(data);
    const head = await this.call(`/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
    if (head.ok) return digest;
    const start = await this.call(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) return RegistryClient.fail(start, `start blob upload to ${repository}`);
    await start.body?.cancel();
    const location = new URL(start.headers.get('location') ?? '', `${this.base}/`);
    location.searchParams.set('digest', digest);
    const put = await this.call(location.pathname + location.search, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: data
    });
    if (put.status !== 201) return RegistryClient.fail(put, `upload blob to ${repository}`);
    await put.body?.cancel();
    return digest;
  }
}
