import { ActionError, inputError } from '@deploy-suite/core';
import type { CommandRunner } from './commands.js';
import type { BuilderChoice } from './inputs.js';

export type BuilderKind = 'docker' | 'buildah' | 'podman';

/** Everything one image's build command depends on; pure data so the arguments are a table test. */
export interface BuildRequest {
  builder: BuilderKind;
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: string[];
  /** full references: host/repository:tag */
  references: string[];
  platforms: string[];
  cacheFrom: string[];
  cacheTo: string[];
  provenance: boolean;
  push: boolean;
  /** buildah/podman: where the built image id is written */
  iidFile: string;
  /** docker: where buildx writes its metadata (the pushed digest) */
  metadataFile: string;
}

export interface Command {
  command: string;
  args: string[];
}

/** The registry ref in a buildx `type=registry,ref=...` cache spec, or the plain value. */
function registryCacheRef(spec: string): string | undefined {
  if (!spec.includes('=')) return spec;
  const fields = Object.fromEntries(spec.split(',').map(part => part.split('=', 2) as [string, string]));
  return fields.type === 'registry' ? fields.ref : undefined;
}

/** Warnings for options a builder cannot honour; they are dropped rather than failing the build. */
export function unsupportedOptions(request: Omit<BuildRequest, 'iidFile' | 'metadataFile'>): string[] {
  if (request.builder === 'docker') return [];
  const warnings: string[] = [];
  const caches = [...request.cacheFrom, ...request.cacheTo];
  const nonRegistry = caches.filter(spec => registryCacheRef(spec) === undefined);
  if (nonRegistry.length > 0) {
    warnings.push(`${request.builder} only uses registry caches; ignoring ${nonRegistry.join(', ')}`);
  }
  if (request.provenance)
    warnings.push(`${request.builder} does not write provenance attestations; "provenance" is ignored`);
  return warnings;
}

/** The build command for one image. Buildah and podman build locally (push comes after); buildx pushes itself. */
export function buildCommand(request: BuildRequest): Command {
  const args: string[] = [];
  args.push('--file', request.dockerfile);
  for (const reference of request.references) args.push('--tag', reference);
  if (request.target) args.push('--target', request.target);
  for (const buildArg of request.buildArgs) args.push('--build-arg', buildArg);
  if (request.platforms.length > 0) args.push('--platform', request.platforms.join(','));

  if (request.builder === 'docker') {
    for (const spec of request.cacheFrom) args.push('--cache-from', spec);
    for (const spec of request.cacheTo) args.push('--cache-to', spec);
    args.push(`--provenance=${request.provenance}`);
    args.push('--metadata-file', request.metadataFile);
    // --load cannot hold a multi-platform image: without push such a build only fills the cache.
    if (request.push) args.push('--push');
    else if (request.platforms.length <= 1) args.push('--load');
    return { command: 'docker', args: ['buildx', 'build', ...args, request.context] };
  }

  const cacheFrom = request.cacheFrom.map(registryCacheRef).filter((ref): ref is string => ref !== undefined);
  const cacheTo = request.cacheTo.map(registryCacheRef).filter((ref): ref is string => ref !== undefined);
  if (cacheFrom.length > 0 || cacheTo.length > 0) args.push('--layers');
  for (const ref of cacheFrom) args.push('--cache-from', ref);
  for (const ref of cacheTo) args.push('--cache-to', ref);
  args.push('--iidfile', request.iidFile);
  return { command: request.builder, args: ['build', ...args, request.context] };
}

export interface PushRequest {
  builder: 'buildah' | 'podman';
  imageId: string;
  reference: string;
  insecure: boolean;
  digestFile: string;
}

/** Pushes a locally built image to one reference, writing the manifest digest the registry accepted. */
export function pushCommand(request: PushRequest): Command {
  const args = ['push', '--digestfile', request.digestFile];
  if (request.insecure) args.push('--tls-verify=false');
  args.push(request.imageId, `docker://${request.reference}`);
  return { command: request.builder, args };
}

const INSTALL_HINT =
  'Install one: GitHub-hosted ubuntu runners have docker buildx, buildah and podman; on Debian or Ubuntu ' +
  '`sudo apt-get install -y buildah` (or podman); or run docker/setup-buildx-action before this step';

interface Probe {
  builder: BuilderKind;
  available: boolean;
  /** why not, for the error message */
  reason?: string;
}

async function probe(runner: CommandRunner, builder: BuilderKind): Promise<Probe> {
  if (builder === 'docker') {
    const engine = await runner.run('docker', ['version', '--format', '{{.Server.Version}}']);
    if (engine.exitCode === null) return { builder, available: false, reason: 'docker is not installed' };
    if (engine.exitCode !== 0) {
      return {
        builder,
        available: false,
        reason: 'the docker CLI is installed but no Docker engine answers'
      };
    }
    const buildx = await runner.run('docker', ['buildx', 'version']);
    if (buildx.exitCode !== 0) return { builder, available: false, reason: 'docker buildx is not installed' };
    return { builder, available: true };
  }
  const version = await runner.run(builder, ['--version']);
  if (version.exitCode === null) return { builder, available: false, reason: `${builder} is not installed` };
  if (version.exitCode !== 0) return { builder, available: false, reason: `\`${builder} --version\` failed` };
  return { builder, available: true };
}

/**
 * Picks the builder: `auto` tries docker buildx (when an engine answers), then buildah, then podman. A named
 * builder must be available. The error says which were tried, why each was refused, and how to install one.
 */
export async function selectBuilder(runner: CommandRunner, choice: BuilderChoice): Promise<BuilderKind> {
  const order: BuilderKind[] = choice === 'auto' ? ['docker', 'buildah', 'podman'] : [choice];
  const tried: Probe[] = [];
  for (const builder of order) {
    const result = await probe(runner, builder);
    if (result.available) return builder;
    tried.push(result);
  }
  const reasons = tried.map(result => `${result.builder}: ${result.reason}`).join('; ');
  const message =
    choice === 'auto'
      ? `No image builder available (tried docker, buildah, podman — ${reasons}). ${INSTALL_HINT}`
      : `Input "builder" is ${choice}, but it is not available (${reasons}). ${INSTALL_HINT}, or set builder: auto`;
  throw choice === 'auto' ? new ActionError('environment', message) : inputError(message);
}

/** Buildah and podman build one platform per image here; several need buildx. */
export function checkPlatforms(builder: BuilderKind, platforms: string[]): void {
  if (builder !== 'docker' && platforms.length > 1) {
    throw inputError(
      `Input "platforms" lists ${platforms.length} platforms, but ${builder} builds one platform per image in this action; ` +
        'use builder: docker (buildx, with docker/setup-qemu-action) for multi-platform images'
    );
  }
}
