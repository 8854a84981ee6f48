import { createHash } from 'node:crypto';
import { ActionError, redactUrl } from '@deploy-suite/core';
import type { StoredManifest } from '@deploy-suite/aws/ecr';

/**
 * A minimal client of the OCI distribution API (manifest GET/HEAD/PUT), for plain registries: enough to check
 * whether a tag exists, read a manifest's digest back, and add a tag to an existing manifest without moving a
 * layer. Handles anonymous access, Basic auth and the Bearer token challenge (Docker Hub, GHCR, distribution).
 */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array }
) => Promise<Response>;

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
].join(', ');

function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(' ', 1)[0].toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(scheme.length).matchAll(/(\w+)="([^"]*)"/g)) params[match[1]] = match[2];
  return { scheme, params };
}

export class RegistryHttp {
  private authorization?: string;
  private readonly base: string;

  constructor(
    host: string,
    insecure: boolean,
    private readonly credentials?: RegistryCredentials,
    private readonly fetcher: Fetch = (url, init) => fetch(url, init)
  ) {
    this.base = `${insecure ? 'http' : 'https'}://${host}`;
  }

  private async send(
    method: string,
    path: string,
    scope: string,
    headers: Record<string, string>,
    body?: string | Uint8Array
  ): Promise<Response> {
    // an upload's Location may be absolute (another host serves the upload) or relative to the registry
    const url = /^https?:\/\//.test(path) ? path : `${this.base}${path}`;
    const attempt = () =>
      this.fetcher(url, {
        method,
        headers: { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
        body
      });
    let response = await attempt();
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate');
      if (challenge && (await this.authenticate(challenge, scope))) response = await attempt();
    }
    return response;
  }

  /** Answers a 401 challenge; false when there is nothing more to try. */
  private async authenticate(header: string, scope: string): Promise<boolean> {
    const { scheme, params } = parseChallenge(header);
    const basic = this.credentials
      ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`
      : undefined;
    if (scheme === 'basic') {
      if (!basic || this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer' || !params.realm) return false;
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? scope);
    const response = await this.fetcher(tokenUrl.toString(), {
      method: 'GET',
      headers: basic ? { authorization: basic } : {}
    });
    if (!response.ok) {
      throw new ActionError(
        'aws',
        `Registry token request to ${redactUrl(params.realm)} failed: HTTP ${response.status}`
      );
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) return false;
    this.authorization = `Bearer ${token}`;
    return true;
  }

  private failure(what: string, response: Response, text: string): ActionError {
    return new ActionError('aws', `${what} failed: HTTP ${response.status} ${text.slice(0, 300)}`.trim());
  }

  /** The manifest a tag names, exactly as stored; undefined when the tag or repository does not exist. */
  async getManifest(repository: string, reference: string): Promise<StoredManifest | undefined> {
    const response = await this.send(
      'GET',
      `/v2/${repository}/manifests/${reference}`,
      `repository:${repository}:pull`,
      {
        accept: ACCEPT
      }
    );
    const text = await response.text();
    if (response.status === 404) return undefined;
    if (!response.ok)
      throw this.failure(`GET ${this.base}/v2/${repository}/manifests/${reference}`, response, text);
    const digest =
      response.headers.get('docker-content-digest') ??
      `sha256:${createHash('sha256').update(text).digest('hex')}`;
    const mediaType =
      response.headers.get('content-type')?.split(';')[0] ??
      (JSON.parse(text) as { mediaType?: string }).mediaType ??
      '';
    return { digest, mediaType, manifest: text };
  }

  /** The digest a tag names, read back from the registry; undefined when it does not exist. */
  async digestOf(repository: string, reference: string): Promise<string | undefined> {
    return (await this.getManifest(repository, reference))?.digest;
  }

  /**
   * Makes blob `digest` of repository `from` available in `repository`: already there, mounted across
   * repositories (POST ?mount=&from=, 201: no bytes move), or — when the registry declines the mount (202,
   * e.g. ECR without blob mounting) — downloaded and uploaded in one monolithic PUT.
   */
  async bringBlob(
    repository: string,
    digest: string,
    from: string
  ): Promise<'present' | 'mounted' | 'copied'> {
    const scope = `repository:${repository}:pull,push repository:${from}:pull`;
    const head = await this.send('HEAD', `/v2/${repository}/blobs/${digest}`, scope, {});
    if (head.ok) return 'present';
    const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const mount = await this.send('POST', `/v2/${repository}/blobs/uploads/?${query}`, scope, {});
    await mount.arrayBuffer();
    if (mount.status === 201) return 'mounted';
    const location = mount.headers.get('location');
    if (mount.status !== 202 || !location) {
      throw this.failure(`Mounting ${digest} from ${from} into ${repository}`, mount, '');
    }
    const download = await this.send('GET', `/v2/${from}/blobs/${digest}`, scope, {});
    if (!download.ok)
      throw this.failure(`GET ${this.base}/v2/${from}/blobs/${digest}`, download, await download.text());
    const bytes = new Uint8Array(await download.arrayBuffer());
    const target = new URL(location, this.base);
    target.searchParams.set('digest', digest);
    const upload = await this.send(
      'PUT',
      target.toString(),
      scope,
      { 'content-type': 'application/octet-stream' },
      bytes
    );
    const text = await upload.text();
    if (upload.status !== 201) throw this.failure(`Uploading ${digest} to ${repository}`, upload, text);
    return 'copied';
  }

  /** Points `tag` at this exact manifest; returns the digest the registry computed. */
  async putManifest(repository: string, tag: string, manifest: StoredManifest): Promise<string> {
    const path = `/v2/${repository}/manifests/${tag}`;
    const response = await this.send(
      'PUT',
      path,
      `repository:${repository}:pull,push`,
      { 'content-type': manifest.mediaType },
      manifest.manifest
    );
    const text = await response.text();
    if (!response.ok) throw this.failure(`PUT ${this.base}${path}`, response, text);
    return response.headers.get('docker-content-digest') ?? manifest.digest;
  }
}
