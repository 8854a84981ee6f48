import path from 'node:path';
import { statSync, readFileSync } from 'node:fs';
import { Inputs, inputError, splitLines } from '@deploy-suite/core';
import { checkFolderConfined, resolveInWorkspace } from '@deploy-suite/core/workspace';
import type { GitContext } from './git-context.js';
import { renderTags, checkTagTemplates, type TagTemplate } from './tags.js';
import { parseRegistry, type Registry } from './registry.js';
import { SCAN_FAIL_ON, type ScanFailOn } from '@deploy-suite/aws/ecr';

/** Input names, as action.yml spells them. */
const INPUT = {
  repository: 'repository',
  context: 'context',
  dockerfile: 'dockerfile',
  target: 'target',
  buildArgs: 'build-args',
  images: 'images',
  tags: 'tags',
  version: 'version',
  registry: 'registry',
  builder: 'builder',
  platforms: 'platforms',
  cacheFrom: 'cache-from',
  cacheTo: 'cache-to',
  provenance: 'provenance',
  push: 'push',
  createRepository: 'create-repository',
  lifecycleKeepLast: 'lifecycle-keep-last',
  skipExisting: 'skip-existing',
  sourceTag: 'source-tag',
  sourceRepository: 'source-repository',
  maxParallel: 'max-parallel',
  awsRegion: 'aws-region',
  scanFailOn: 'scan-fail-on',
  scanTimeout: 'scan-timeout'
} as const;

const BUILDERS = ['auto', 'docker', 'buildah', 'podman'] as const;
export type BuilderChoice = (typeof BUILDERS)[number];

/** One image to build (or promote), its tags rendered for this run. */
export interface ImageSpec {
  repository: string;
  /** as given, relative to the workspace */
  context: string;
  /** as given or `<context>/Dockerfile`, relative to the workspace */
  dockerfile: string;
  target?: string;
  /** KEY=VALUE */
  buildArgs: string[];
  version?: string;
  tags: string[];
  /** the tag naming this commit's image, checked by skip-existing */
  commitTag?: string;
  /** the tags of `tags` that move from build to build (latest, environment tags): added after the scan gate */
  movingTags?: string[];
  /** promote mode: the existing tag to add `tags` to */
  sourceTag?: string;
  /**
   * promote mode: the repository of the same registry that holds `sourceTag`, when it is not `repository`
   * (e.g. tria-aibpo-staging -> tria-aibpo-production): its manifest and layers are copied across
   */
  sourceRepository?: string;
}

export interface BuildPushInputs {
  images: ImageSpec[];
  /** undefined: the ECR registry of the current account and region */
  registry?: Registry;
  builder: BuilderChoice;
  platforms: string[];
  cacheFrom: string[];
  cacheTo: string[];
  provenance: boolean;
  push: boolean;
  createRepository: boolean;
  lifecycleKeepLast?: number;
  skipExisting: boolean;
  /** promote mode when set (as given, before rendering) */
  sourceTag?: string;
  maxParallel: number;
  awsRegion?: string;
  /** ECR scan findings at or above this severity fail the step; `none` reports them only */
  scanFailOn: ScanFailOn;
  /** how long to wait for an image's ECR scan */
  scanTimeoutMs: number;
  /** tag lines left out on this run and why */
  notes: string[];
}

/** What settings need from the file system: injected so validation is a table test. */
export interface FileAccess {
  isDirectory(file: string): boolean;
  isFile(file: string): boolean;
  /** undefined when missing */
  readText(file: string): string | undefined;
  /**
   * Refuses `given` (relative to the workspace) when a symlink on its way, or inside it when it is a
   * folder (a build context), leaves the workspace. The disk implementation resolves real paths.
   */
  confine?(input: string, given: string, workspace: string): void;
}

export const diskFiles: FileAccess = {
  confine: (input, given, workspace) => {
    const found = resolveInWorkspace(input, given, workspace);
    if (found && statSync(found.real).isDirectory()) checkFolderConfined(input, found.real, workspace);
  },
  isDirectory: file => statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false,
  isFile: file => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false,
  readText: file => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }
};

const IMAGE_KEYS = ['repository', 'context', 'dockerfile', 'target', 'build-args'] as const;

/** ECR's rule for repository names (also valid for OCI registries). */
const REPOSITORY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

interface RawImage {
  repository: string;
  context: string;
  dockerfile?: string;
  target?: string;
  buildArgs: string[];
  /** where it came from, for messages: 'Input "images" item 2' or 'Input "repository"' */
  where: string;
}

function parseBuildArgs(value: unknown, where: string): string[] {
  let lines: string[];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') lines = splitLines(value).map(line => line.text);
  else if (Array.isArray(value)) lines = value.map(item => String(item).trim());
  else if (typeof value === 'object') {
    lines = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) => `${key}=${String(item ?? '')}`
    );
  } else throw inputError(`${where} "build-args" must be KEY=VALUE lines, got ${typeOf(value)}`);
  lines.forEach((line, index) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(line)) {
      // build args carry tokens: the line is never quoted
      throw inputError(
        `${where} "build-args" line ${index + 1} must look like NAME=value (the line is not shown: it may hold a secret)`
      );
    }
  });
  return lines;
}

/** What a value is, for messages that must not quote it (it may hold build-arg secrets). */
function typeOf(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value === null || value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

async function readImagesYaml(inputs: Inputs): Promise<RawImage[]> {
  const parsed = await inputs.yaml<unknown>('images');
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw inputError(
      'Input "images" must be a YAML list of objects, e.g.\n- repository: chatrelay/main-app\n  context: .\n' +
        `got ${typeOf(parsed)}`
    );
  }
  return parsed.map((item, index) => {
    const where = `Input "images" item ${index + 1}`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw inputError(
        `${where} must be an object with "repository" (and context, dockerfile, ...), got ${typeOf(item)}`
      );
    }
    const record = item as Record<string, unknown>;
    const unknown = Object.keys(record).filter(key => !(IMAGE_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw inputError(
        `${where} has unknown key ${unknown.map(key => JSON.stringify(key)).join(', ')}; keys are ${IMAGE_KEYS.join(', ')}`
      );
    }
    for (const key of ['repository', 'context', 'dockerfile', 'target'] as const) {
      if (record[key] !== undefined && typeof record[key] !== 'string') {
        throw inputError(`${where} "${key}" must be a string, got ${JSON.stringify(record[key])}`);
      }
    }
    if (!record.repository)
      throw inputError(`${where} needs a "repository", e.g. repository: chatrelay/main-app`);
    return {
      repository: (record.repository as string).trim(),
      context: ((record.context as string | undefined) ?? '.').trim() || '.',
      dockerfile: (record.dockerfile as string | undefined)?.trim() || undefined,
      target: (record.target as string | undefined)?.trim() || undefined,
      buildArgs: parseBuildArgs(record['build-args'], where),
      where
    };
  });
}

async function readRawImages(inputs: Inputs): Promise<RawImage[]> {
  const hasImages = inputs.has(INPUT.images);
  const hasRepository = inputs.has(INPUT.repository);
  if (hasImages && hasRepository) {
    throw inputError('Give either "repository" (one image) or "images" (a list), not both');
  }
  if (!hasImages && !hasRepository) {
    throw inputError(
      'Input "repository" is required (e.g. chatrelay/main-app), or give several images in "images"'
    );
  }
  if (hasImages) {
    for (const single of ['context', 'dockerfile', 'target', 'build-args']) {
      // action.yml gives "context" the default ".", so only another value is a conflict.
      if (inputs.has(single) && !(single === 'context' && inputs.raw(single) === '.')) {
        throw inputError(
          `Input "${single}" applies to a single "repository"; with "images" give "${single}" on each item`
        );
      }
    }
    return readImagesYaml(inputs);
  }
  return [
    {
      repository: inputs.required(INPUT.repository),
      context: inputs.string(INPUT.context, { default: '.' }),
      dockerfile: inputs.optionalString(INPUT.dockerfile),
      target: inputs.optionalString(INPUT.target),
      buildArgs: parseBuildArgs(inputs.raw(INPUT.buildArgs), 'Input'),
      where: 'Input "repository"'
    }
  ];
}

/**
 * A build context or Dockerfile must lie inside the workspace: a path climbing out is refused, and so
 * is a symlink leaving it (the builder would send the linked files to the build).
 */
function confineToWorkspace(context: BuildPushContext, input: string, given: string): void {
  const relative = path.relative(context.workspace, path.resolve(context.workspace, given));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw inputError(
      `Input "${input}": ${JSON.stringify(given)} is outside the workspace (${context.workspace}); ` +
        'build contexts and Dockerfiles are read from the checked-out repository only'
    );
  }
  context.files.confine?.(input, given, context.workspace);
}

/** The `version` field of <context>/package.json, if it has one. */
function packageVersion(files: FileAccess, contextDir: string): string | undefined {
  const text = files.readText(path.join(contextDir, 'package.json'));
  if (text === undefined) return undefined;
  try {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' && version.trim() !== '' ? version.trim() : undefined;
  } catch {
    throw inputError(
      `${path.join(contextDir, 'package.json')} is not valid JSON; fix it or set the "version" input`
    );
  }
}

export interface BuildPushContext {
  git: GitContext;
  files: FileAccess;
  /** where relative paths start: GITHUB_WORKSPACE */
  workspace: string;
}

/**
 * Reads and checks every input before anything touches a registry: a bad value fails here with a message that
 * names the input and the fix.
 */
export async function readBuildPushInputs(
  inputs: Inputs,
  context: BuildPushContext
): Promise<BuildPushInputs> {
  const rawImages = await readRawImages(inputs);
  const sourceTag = inputs.optionalString(INPUT.sourceTag);
  const promote = sourceTag !== undefined;
  const sourceRepository = inputs.optionalString(INPUT.sourceRepository);
  if (sourceRepository !== undefined) {
    if (!promote) {
      throw inputError(
        'Input "source-repository" names where "source-tag" is found: give "source-tag" too (promote mode), or drop it'
      );
    }
    if (!REPOSITORY_NAME.test(sourceRepository) || /^[^/]+\.[^/]+\//.test(sourceRepository)) {
      throw inputError(
        `Input "source-repository" must be a repository of the same registry (no host, tag or digest), got ${JSON.stringify(sourceRepository)}`
      );
    }
    if (rawImages.length !== 1) {
      throw inputError('Input "source-repository" promotes one image: give one "repository", not "images"');
    }
  }

  const seen = new Map<string, string>();
  for (const image of rawImages) {
    if (image.repository.includes(':') || image.repository.includes('@')) {
      throw inputError(
        `${image.where}: repository ${JSON.stringify(image.repository)} must not hold a tag or digest; tags go in "tags"`
      );
    }
    // A first part with a dot reads as a registry host to every builder, so it cannot be a repository path.
    if (/^[^/]+\.[^/]+\//.test(image.repository)) {
      throw inputError(
        `${image.where}: ${JSON.stringify(image.repository)} starts with a host name; put the registry host in the "registry" input`
      );
    }
    if (!REPOSITORY_NAME.test(image.repository) || image.repository.length > 256) {
      throw inputError(
        `${image.where}: ${JSON.stringify(image.repository)} is not a valid repository name: use lower-case letters, digits, and . _ - / separators`
      );
    }
    const earlier = seen.get(image.repository);
    if (earlier) {
      throw inputError(
        `${image.where} repeats repository ${JSON.stringify(image.repository)} (also in ${earlier}); give each repository once`
      );
    }
    seen.set(image.repository, image.where);
  }

  const tagTemplates: TagTemplate[] = inputs.has(INPUT.tags)
    ? inputs.lines(INPUT.tags)
    : [{ text: '{sha}', line: 1 }];
  checkTagTemplates(tagTemplates, 'tags');
  if (sourceTag !== undefined) checkTagTemplates([{ text: sourceTag, line: 1 }], 'source-tag');
  const versionInput = inputs.optionalString(INPUT.version);
  const notes = new Set<string>();

  const images = rawImages.map((raw): ImageSpec => {
    const contextDir = path.resolve(context.workspace, raw.context);
    const dockerfile = raw.dockerfile ?? path.join(raw.context, 'Dockerfile');
    if (!promote) {
      const single = raw.where === 'Input "repository"';
      confineToWorkspace(context, single ? 'context' : 'images', raw.context);
      confineToWorkspace(
        context,
        single && raw.dockerfile ? 'dockerfile' : single ? 'context' : 'images',
        dockerfile
      );
      if (!context.files.isDirectory(contextDir)) {
        throw inputError(
          `${raw.where}: build context ${JSON.stringify(raw.context)} is not a directory in the workspace (${contextDir}); check "context" and that the repository is checked out`
        );
      }
      if (!context.files.isFile(path.resolve(context.workspace, dockerfile))) {
        throw inputError(
          `${raw.where}: Dockerfile ${JSON.stringify(dockerfile)} not found (${path.resolve(context.workspace, dockerfile)}); ` +
            'set "dockerfile" (relative to the workspace) or add a Dockerfile to the context'
        );
      }
    }
    // ChatRelay versions every image from the root package.json, even the Python service's.
    const version =
      versionInput ??
      packageVersion(context.files, contextDir) ??
      packageVersion(context.files, context.workspace);
    const values = { ...context.git, version };
    const rendered = renderTags(tagTemplates, values, 'tags');
    rendered.skipped.forEach(note => notes.add(`tag ${note} left out`));
    const source =
      sourceTag !== undefined ? renderTags([{ text: sourceTag, line: 1 }], values, 'source-tag') : undefined;
    if (source && source.tags.length !== 1) {
      throw inputError(`Input "source-tag" must name one existing tag, got ${JSON.stringify(sourceTag)}`);
    }
    return {
      repository: raw.repository,
      context: raw.context,
      dockerfile,
      target: raw.target,
      buildArgs: raw.buildArgs,
      version,
      tags: rendered.tags,
      commitTag: rendered.commitTag,
      movingTags: rendered.moving,
      sourceTag: source?.tags[0],
      sourceRepository: sourceRepository === raw.repository ? undefined : sourceRepository
    };
  });

  const push = inputs.boolean(INPUT.push, true);
  if (promote && !push) {
    throw inputError(
      'Input "source-tag" promotes an image in the registry, which "push: false" forbids; drop one of them'
    );
  }
  const registryInput = inputs.optionalString(INPUT.registry);
  const registry = registryInput ? parseRegistry(registryInput) : undefined;
  const scanFailOn = inputs.oneOf(INPUT.scanFailOn, SCAN_FAIL_ON, 'none');
  const scanTimeoutMs = inputs.duration(INPUT.scanTimeout, { default: '10m', min: 0, max: 60 * 60_000 });
  if (scanFailOn !== 'none') checkScanGate(scanFailOn, images, registry, push, promote);
  const lifecycleKeepLast = inputs.optionalInteger(INPUT.lifecycleKeepLast, { min: 1, max: 10000 });
  const platforms = inputs.list(INPUT.platforms);
  for (const platform of platforms) {
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform)) {
      throw inputError(
        `Input "platforms" entry ${JSON.stringify(platform)} must look like linux/amd64 or linux/arm64/v8`
      );
    }
  }
  return {
    images,
    registry,
    builder: inputs.oneOf(INPUT.builder, BUILDERS, 'auto'),
    platforms,
    cacheFrom: inputs.lines(INPUT.cacheFrom).map(line => line.text),
    cacheTo: inputs.lines(INPUT.cacheTo).map(line => line.text),
    provenance: inputs.boolean(INPUT.provenance, false),
    push,
    createRepository: inputs.boolean(INPUT.createRepository, false),
    lifecycleKeepLast,
    skipExisting: inputs.boolean(INPUT.skipExisting, true),
    sourceTag,
    maxParallel: inputs.integer(INPUT.maxParallel, { min: 1, max: 16, default: 2 }),
    awsRegion: inputs.optionalString(INPUT.awsRegion),
    scanFailOn,
    scanTimeoutMs,
    notes: [...notes]
  };
}

/**
 * "scan-fail-on" gates on ECR's scan of the pushed image: it needs ECR, a push, and (when building) a tag that
 * names this build, pushed before the scan; the moving tags follow once the scan passes.
 */
function checkScanGate(
  scanFailOn: ScanFailOn,
  images: ImageSpec[],
  registry: Registry | undefined,
  push: boolean,
  promote: boolean
): void {
  if (registry?.kind === 'oci') {
    throw inputError(
      `Input "scan-fail-on: ${scanFailOn}" reads ECR image scans, but "registry" ${registry.host} is not ECR; set "scan-fail-on: none"`
    );
  }
  if (!push) {
    throw inputError(
      `Input "scan-fail-on: ${scanFailOn}" checks the scan of pushed images, and "push: false" pushes none; drop one of them`
    );
  }
  if (promote) return;
  for (const image of images) {
    const moving = image.movingTags ?? [];
    if (image.tags.every(tag => moving.includes(tag))) {
      throw inputError(
        `Input "scan-fail-on: ${scanFailOn}": every tag of ${image.repository} (${image.tags.join(', ')}) moves from build to build, and ` +
          'moving tags are added only after the scan passes; add a tag that names this build to "tags", such as {sha}'
      );
    }
  }
}
