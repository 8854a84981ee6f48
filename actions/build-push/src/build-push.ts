import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import {
  ActionError,
  errorMessage,
  formatDuration,
  redactUrlsIn,
  runBounded,
  secretRedactor,
  worthMasking,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import {
  buildCommand,
  checkPlatforms,
  pushCommand,
  selectBuilder,
  unsupportedOptions,
  type BuilderKind
} from './builders.js';
import { decodeAuthorization, keepLastPolicy } from './ecr.js';
import {
  TagConflictError,
  judgeScan,
  readImageScan,
  type EcrApi,
  type ScanOutcome,
  type ScanVerdict,
  type StoredManifest
} from '@deploy-suite/aws/ecr';
import { ecrImageStore, ociImageStore, type ImageStore } from './image-store.js';
import { RegistryHttp } from './registry-http.js';
import { repositoryUri, type Registry } from './registry.js';
import { lastLines, type CommandRunner } from './commands.js';
import type { ImageSpec, BuildPushInputs } from './inputs.js';
import { writeJobAuth, userCredentials, type JobAuth } from './auth-file.js';

/**
 * Build-arg values may be secrets (tokens for a private package registry): the ones worth masking are
 * masked before anything runs, so the runner hides them should the build echo them.
 * @internal exported for its tests; the actions do not use it
 */
export function maskBuildArgs(settings: BuildPushInputs, logger: Logger): string[] {
  const masked: string[] = [];
  for (const image of settings.images) {
    for (const buildArg of image.buildArgs) {
      const at = buildArg.indexOf('=');
      const value = buildArg.slice(at + 1);
      if (worthMasking(value, buildArg.slice(0, at))) {
        logger.mask(value);
        masked.push(value);
      }
    }
  }
  return masked;
}

/**
 * The builder's command line as the log shows it: every `--build-arg` as NAME=*** (values never shown).
 * @internal exported for its tests; the actions do not use it
 */
export function printableCommand(command: string, args: readonly string[]): string {
  return [
    command,
    ...args.map((arg, index) =>
      args[index - 1] === '--build-arg' && arg.includes('=') ? `${arg.slice(0, arg.indexOf('='))}=***` : arg
    )
  ].join(' ');
}

type ImageAction = 'built' | 'existing' | 'promoted' | 'built-not-pushed';

export interface ImageResult {
  repository: string;
  uri: string;
  tags: string[];
  /** the registry's digest of the manifest the tags name; undefined only when nothing was pushed */
  digest?: string;
  /** uri@digest: what a task definition should pin */
  image?: string;
  action: ImageAction;
  /** tags this run added to an image that already existed */
  addedTags: string[];
  /** promote: the tag the image was found under */
  sourceTag?: string;
  /** the ECR scan of the image (of the source image when promoting); undefined when not read */
  scan?: { outcome: ScanOutcome; verdict: ScanVerdict };
  /** moving tags not added because a scan gate failed */
  heldBack: string[];
}

export interface BuildPushResult {
  registry: Registry;
  builder?: BuilderKind;
  images: ImageResult[];
  createdRepositories: string[];
}

export interface BuildPushDeps {
  runner: CommandRunner;
  logger: Logger;
  /** the ECR registry of the caller's account and region (STS GetCallerIdentity); only called when needed */
  defaultRegistry: () => Promise<Registry>;
  /** the ECR API for a region; never called for a plain registry */
  ecrApi: (region: string) => EcrApi;
  /** a distribution-API client for a plain registry */
  registryHttp?: (registry: Registry) => RegistryHttp;
  workspace: string;
  runnerTemp: string;
  env: NodeJS.ProcessEnv;
  /** told the job's auth folder as soon as it exists, so the post step can delete it whatever happens next */
  onAuthWritten?: (auth: JobAuth) => void;
  /** called as each image is pushed, so a step that ends early can report what reached the registry */
  onPushed?: (image: string) => void;
  /** the scan wait's clock (tests: simulated time) */
  clock?: Clock;
}

/** A scan gate stopped the step: carries what was done, so the summary and outputs still say it. */
export class ScanGateError extends ActionError {
  constructor(
    message: string,
    readonly result: BuildPushResult
  ) {
    super('deployment', message);
  }
}

interface Plan {
  spec: ImageSpec;
  uri: string;
  action: ImageAction;
  /** existing / promoted: the manifest to add tags to */
  manifest?: StoredManifest;
  /** the registry's digest once known */
  digest?: string;
  /** tags this run added to an existing manifest */
  added?: string[];
  /** every tag the image ends with (spec.tags holds only those pushed before the scan gate) */
  allTags?: string[];
  /** moving tags added only after the scan gate passes */
  deferred?: string[];
  scan?: { outcome: ScanOutcome; verdict: ScanVerdict };
  heldBack?: string[];
}

/** Builds, tags and pushes the images of `settings` (or promotes them); see README for the rules. */
export async function buildAndPush(settings: BuildPushInputs, deps: BuildPushDeps): Promise<BuildPushResult> {
  const { logger } = deps;
  const masked = maskBuildArgs(settings, logger);
  const known = secretRedactor(masked);
  const redact = (text: string) => redactUrlsIn(known(text));
  const registry = settings.registry ?? (await deps.defaultRegistry());
  const work = mkdtempSync(path.join(deps.runnerTemp, 'build-push-'));
  let plans: Plan[] = [];
  let builder: BuilderKind | undefined;
  let createdRepositories: string[] = [];
  const result = (): BuildPushResult => ({
    registry,
    builder,
    createdRepositories,
    images: plans.map(plan => ({
      repository: plan.spec.repository,
      uri: plan.uri,
      tags: (plan.allTags ?? plan.spec.tags).filter(tag => !plan.heldBack?.includes(tag)),
      digest: plan.digest,
      image: plan.digest ? `${plan.uri}@${plan.digest}` : undefined,
      action: plan.action,
      addedTags: plan.added ?? [],
      sourceTag: plan.action === 'promoted' ? plan.spec.sourceTag : undefined,
      scan: plan.scan,
      heldBack: plan.heldBack ?? []
    }))
  });
  try {
    const { store, builderEnv, ecr } = await connectRegistry(registry, settings, deps);
    createdRepositories =
      ecr && registry.kind === 'ecr' ? await checkRepositories(ecr, registry, settings, logger, 'check') : [];
    plans = await planImages(settings, registry, store, logger);
    const gate =
      ecr && registry.kind === 'ecr' && settings.push
        ? new ScanGate(ecr, registry.accountId, settings, deps, redact)
        : undefined;
    if (gate?.gating) {
      for (const plan of plans) {
        if (plan.action === 'promoted') continue;
        const pinned = plan.spec.commitTag;
        plan.deferred = plan.spec.tags.filter(tag => plan.spec.movingTags?.includes(tag) && tag !== pinned);
        plan.allTags = plan.spec.tags;
        plan.spec = { ...plan.spec, tags: plan.spec.tags.filter(tag => !plan.deferred?.includes(tag)) };
      }
    }
    // Promotion checks the image it would tag before any tag moves (its scan is long done).
    const promoted = plans.filter(plan => plan.action === 'promoted');
    if (gate && promoted.length > 0) {
      const failed = await gate.judge(promoted, plan => ({
        repository: plan.spec.sourceRepository ?? plan.spec.repository,
        digest: (plan.manifest as StoredManifest).digest,
        uri: plan.spec.sourceRepository ? repositoryUri(registry, plan.spec.sourceRepository) : plan.uri
      }));
      if (failed.length > 0) {
        for (const plan of promoted)
          plan.heldBack = plan.spec.tags.filter(tag => tag !== plan.spec.sourceTag);
        throw new ScanGateError(`Not promoting: ${failed.join('\n')}\nNo tag was added.`, result());
      }
    }

    const toBuild = plans.filter(plan => plan.action === 'built' || plan.action === 'built-not-pushed');
    if (toBuild.length > 0) {
      builder = await selectBuilder(deps.runner, settings.builder);
      checkPlatforms(builder, settings.platforms);
      logger.info(`Builder: ${builder}`);
    }
    // Everything above only read; from here on the registry changes.
    if (ecr && registry.kind === 'ecr' && settings.push)
      await checkRepositories(ecr, registry, settings, logger, 'apply');

    if (builder) await buildAll(toBuild, builder, settings, registry, store, builderEnv, work, deps);
    for (const plan of plans)
      if (plan.action === 'existing' || plan.action === 'promoted') await addTags(plan, store, logger);

    const pushed = plans.filter(plan => plan.action === 'built' || plan.action === 'existing');
    if (gate && pushed.length > 0) {
      const failed = await gate.judge(pushed, plan => ({
        repository: plan.spec.repository,
        digest: plan.digest as string,
        uri: plan.uri
      }));
      if (failed.length > 0) {
        // Nothing half-done: one image failing holds back the moving tags of all of them.
        for (const plan of pushed) plan.heldBack = plan.deferred ?? [];
        const held = pushed.flatMap(plan => (plan.deferred ?? []).map(tag => `${plan.uri}:${tag}`));
        throw new ScanGateError(
          `${failed.join('\n')}\n` +
            (held.length > 0
              ? `Not added (moving tags): ${held.join(', ')}.`
              : 'No moving tag was held back.') +
            ` Pushed and left in place: ${pushed.map(plan => `${plan.uri}:${plan.spec.tags.join(',')}`).join(', ')}.`,
          result()
        );
      }
      for (const plan of pushed) await addDeferredTags(plan, store, logger);
    }
    return result();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** After the scan gate passed: the moving tags go onto the scanned manifest, then every tag is read back. */
async function addDeferredTags(plan: Plan, store: ImageStore, logger: Logger): Promise<void> {
  if (!plan.deferred || plan.deferred.length === 0 || !plan.digest) return;
  const manifest = await store.getManifest(plan.spec.repository, plan.spec.tags[0]);
  if (!manifest || manifest.digest !== plan.digest) {
    throw new ActionError(
      'deployment',
      `${plan.uri}:${plan.spec.tags[0]} no longer names ${plan.digest} (now ${manifest?.digest ?? 'missing'}); moving tags ${plan.deferred.join(', ')} not added`
    );
  }
  const added: string[] = [];
  for (const tag of plan.deferred) {
    if ((await store.putTag(plan.spec.repository, tag, manifest)) === 'tagged') added.push(tag);
  }
  plan.spec = { ...plan.spec, tags: plan.allTags ?? plan.spec.tags };
  plan.added = [...(plan.added ?? []), ...added];
  logger.info(`Scan passed: tagged ${plan.uri} ${plan.deferred.join(', ')} -> ${plan.digest}`);
  await readBack(plan, store, plan.digest);
}

/**
 * Reads the ECR scan of each image (in parallel, each within "scan-timeout") and judges it against
 * "scan-fail-on": warnings and notes are said here, failures returned for the caller to stop on.
 */
class ScanGate {
  readonly gating: boolean;
  private readonly said = new Set<string>();
  constructor(
    private readonly ecr: EcrApi,
    private readonly registryId: string,
    private readonly settings: BuildPushInputs,
    private readonly deps: BuildPushDeps,
    private readonly redact: (text: string) => string
  ) {
    this.gating = settings.scanFailOn !== 'none';
  }

  async judge(
    plans: Plan[],
    imageOf: (plan: Plan) => { repository: string; digest: string; uri: string }
  ): Promise<string[]> {
    const { logger } = this.deps;
    const timeout = formatDuration(this.settings.scanTimeoutMs);
    const verdicts = await Promise.all(
      plans.map(async plan => {
        const image = imageOf(plan);
        const label = `${image.uri}@${image.digest}`;
        let outcome: ScanOutcome;
        try {
          outcome = await readImageScan(
            this.ecr,
            { registryId: this.registryId, repository: image.repository, digest: image.digest, label },
            {
              timeoutMs: this.settings.scanTimeoutMs,
              clock: this.deps.clock,
              redact: this.redact,
              onProgress: line => logger.info(`Waiting for the ${line}`),
              justPushed: plan.action === 'built'
            }
          );
        } catch (error) {
          // gating: no verdict without the findings (the step fails); reporting only: a warning, never a failure
          if (this.gating) throw error;
          outcome = { state: 'failed', status: 'ERROR', description: this.redact(errorMessage(error)) };
        }
        const verdict = judgeScan(outcome, this.settings.scanFailOn, {
          label,
          repository: image.repository,
          timeout
        });
        plan.scan = { outcome, verdict };
        if (outcome.state === 'complete') {
          const counts = Object.entries(outcome.counts)
            .map(([severity, count]) => `${count} ${severity}`)
            .join(', ');
          logger.info(`ECR scan of ${label}: ${counts || 'no findings'}`);
        }
        return { verdict, repository: image.repository };
      })
    );
    const failed: string[] = [];
    for (const { verdict, repository } of verdicts) {
      if (!verdict.pass) failed.push(verdict.message as string);
      else if (verdict.message) logger.warning(verdict.message);
      else if (verdict.note && !this.said.has(repository)) {
        // said once per repository, not once per image
        this.said.add(repository);
        logger.info(verdict.note);
      }
    }
    return failed;
  }
}

async function connectRegistry(
  registry: Registry,
  settings: BuildPushInputs,
  deps: BuildPushDeps
): Promise<{ store: ImageStore; builderEnv: Record<string, string>; ecr?: EcrApi }> {
  if (registry.kind === 'oci') {
    if (settings.createRepository || settings.lifecycleKeepLast !== undefined) {
      deps.logger.warning(
        `"create-repository" and "lifecycle-keep-last" apply to ECR only; ${registry.host} is a plain registry, so they are ignored`
      );
    }
    const http =
      deps.registryHttp?.(registry) ??
      new RegistryHttp(registry.host, registry.insecure, userCredentials(registry.host, deps.env));
    return { store: ociImageStore(http, registry), builderEnv: {} };
  }
  const ecr = deps.ecrApi(registry.region);
  const { token, expiresAt } = await ecr.getAuthorizationToken(registry.accountId);
  const { username, password } = decodeAuthorization(token, deps.logger);
  const auth = writeJobAuth(deps.runnerTemp, registry.host, username, password, deps.env);
  deps.onAuthWritten?.(auth);
  deps.logger.info(
    `Logged in to ${registry.host} (credentials in this job's own ${auth.file}${expiresAt ? `, valid until ${expiresAt.toISOString()}` : ''})`
  );
  const http = () =>
    deps.registryHttp?.(registry) ?? new RegistryHttp(registry.host, false, { username, password });
  return { store: ecrImageStore(ecr, registry, http), builderEnv: auth.env, ecr };
}

/**
 * 'check': fails before any change when a repository is missing and may not be created; returns the ones
 * that will be created. 'apply': creates them and puts the lifecycle policy.
 */
async function checkRepositories(
  ecr: EcrApi,
  registry: Extract<Registry, { kind: 'ecr' }>,
  settings: BuildPushInputs,
  logger: Logger,
  mode: 'check' | 'apply'
): Promise<string[]> {
  const missing: string[] = [];
  for (const { repository } of settings.images) {
    if (!(await ecr.describeRepository(registry.accountId, repository))) missing.push(repository);
  }
  if (mode === 'check') {
    if (
      missing.length > 0 &&
      settings.push &&
      (!settings.createRepository || settings.sourceTag !== undefined)
    ) {
      const fix =
        settings.sourceTag !== undefined
          ? 'promote needs the image to exist already'
          : 'set create-repository: true';
      throw new ActionError(
        'deployment',
        `ECR repository ${missing.join(', ')} does not exist in ${registry.host}: create it (aws ecr create-repository) or ${fix}`
      );
    }
    return settings.push ? missing : [];
  }
  for (const repository of missing) {
    await ecr.createRepository(registry.accountId, repository);
    logger.info(`Created ECR repository ${repository} (scan on push, AES256 encryption)`);
  }
  if (settings.lifecycleKeepLast !== undefined) {
    for (const { repository } of settings.images) {
      await ecr.putLifecyclePolicy(
        registry.accountId,
        repository,
        keepLastPolicy(settings.lifecycleKeepLast)
      );
    }
    logger.info(
      `Lifecycle policy on ${settings.images.map(image => image.repository).join(', ')}: keep the last ${settings.lifecycleKeepLast} images`
    );
  }
  return missing;
}

/** Decides per image: build, reuse this commit's image, or promote; checks tag conflicts before any write. */
async function planImages(
  settings: BuildPushInputs,
  registry: Registry,
  store: ImageStore,
  logger: Logger
): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (const spec of settings.images) {
    const uri = repositoryUri(registry, spec.repository);
    if (!settings.push) {
      plans.push({ spec, uri, action: 'built-not-pushed' });
      continue;
    }
    if (spec.sourceTag !== undefined) {
      const from = spec.sourceRepository ?? spec.repository;
      const manifest = await store.getManifest(from, spec.sourceTag);
      if (!manifest) {
        throw new ActionError(
          'deployment',
          `No image tagged ${JSON.stringify(spec.sourceTag)} in ${repositoryUri(registry, from)} to promote ("source-tag"` +
            `${spec.sourceRepository ? ', "source-repository"' : ''})`
        );
      }
      if (spec.sourceRepository) {
        logger.info(
          `Promoting ${repositoryUri(registry, from)}:${spec.sourceTag} (${manifest.digest}) into ${uri}`
        );
      }
      plans.push({ spec, uri, action: 'promoted', manifest });
      continue;
    }
    const existing =
      settings.skipExisting && spec.commitTag
        ? await store.getManifest(spec.repository, spec.commitTag)
        : undefined;
    if (existing) {
      logger.info(`${uri}:${spec.commitTag} already exists (${existing.digest}): not building it again`);
      plans.push({ spec, uri, action: 'existing', manifest: existing });
    } else {
      if (settings.skipExisting && !spec.commitTag) {
        logger.info(
          `skip-existing: no {sha} or {short-sha} tag for ${spec.repository}, so it is always built`
        );
      }
      plans.push({ spec, uri, action: 'built' });
    }
  }
  for (const plan of plans) {
    if (plan.action === 'built-not-pushed' || !(await store.immutableTags(plan.spec.repository))) continue;
    for (const tag of plan.spec.tags) {
      const current = await store.digestOf(plan.spec.repository, tag);
      if (current !== undefined && current !== plan.manifest?.digest) {
        throw new TagConflictError(
          plan.spec.repository,
          tag,
          `it names ${current}; checked before any change`
        );
      }
    }
  }
  return plans;
}

async function addTags(plan: Plan, store: ImageStore, logger: Logger): Promise<void> {
  const manifest = plan.manifest as StoredManifest;
  const added: string[] = [];
  // The tag the manifest was found under already names it: no call needed.
  const across = plan.action === 'promoted' ? plan.spec.sourceRepository : undefined;
  const foundUnder = across
    ? undefined
    : plan.action === 'promoted'
      ? plan.spec.sourceTag
      : plan.spec.commitTag;
  for (const tag of plan.spec.tags) {
    if (tag === foundUnder) continue;
    const outcome = across
      ? await store.putTagFrom(across, plan.spec.repository, tag, manifest)
      : await store.putTag(plan.spec.repository, tag, manifest);
    if (outcome === 'tagged') added.push(tag);
  }
  plan.added = added;
  const verb =
    plan.action === 'promoted'
      ? `Promoted ${across ? `${across}:` : `${plan.uri}:`}${plan.spec.sourceTag}${across ? ` into ${plan.uri}` : ''}`
      : `Reused ${plan.uri}`;
  logger.info(
    `${verb} (${manifest.digest}): ${added.length > 0 ? `added ${added.join(', ')}` : 'every tag was already there'}`
  );
  await readBack(plan, store, manifest.digest);
  plan.digest = manifest.digest;
}

/** Confirms from the registry that every tag names `digest`; fails naming the tags that do not. */
async function readBack(plan: Plan, store: ImageStore, digest: string): Promise<void> {
  const wrong: string[] = [];
  for (const tag of plan.spec.tags) {
    const actual = await store.digestOf(plan.spec.repository, tag);
    if (actual !== digest) wrong.push(`${tag} -> ${actual ?? 'missing'}`);
  }
  if (wrong.length > 0) {
    throw new ActionError(
      'deployment',
      `${plan.uri}: after the push the registry does not show ${digest} for ${wrong.join(', ')}`
    );
  }
}

/** Output of one build, kept to print in the build's own log group. */
class BuildLog {
  readonly lines: string[] = [];
  constructor(private readonly live?: Logger) {}
  line(text: string): void {
    if (this.live) this.live.info(text);
    else this.lines.push(text);
  }
}

class BuildFailure extends Error {}

/**
 * Builds every image with at most `max-parallel` at a time, each in its own log group (printed live when
 * builds run one at a time, else as each finishes). Buildah/podman push only after every build succeeded, so a
 * failed build leaves the registry untouched; buildx builds and pushes each image in one command.
 */
async function buildAll(
  plans: Plan[],
  builder: BuilderKind,
  settings: BuildPushInputs,
  registry: Registry,
  store: ImageStore,
  builderEnv: Record<string, string>,
  work: string,
  deps: BuildPushDeps
): Promise<void> {
  const { logger, runner } = deps;
  const sequential = settings.maxParallel === 1 || plans.length === 1;
  for (const plan of plans) {
    const warnings = unsupportedOptions({
      ...settings,
      ...plan.spec,
      builder,
      references: [],
      push: settings.push
    });
    warnings.forEach(warning => logger.warning(warning));
  }

  const build = async (plan: Plan, index: number): Promise<string | undefined> => {
    const title = `Build ${plan.uri} (${plan.spec.tags.join(', ')})`;
    const request = {
      ...plan.spec,
      builder,
      references: plan.spec.tags.map(tag => `${plan.uri}:${tag}`),
      platforms: settings.platforms,
      cacheFrom: settings.cacheFrom,
      cacheTo: settings.cacheTo,
      provenance: settings.provenance,
      push: settings.push,
      iidFile: path.join(work, `image-${index}.iid`),
      metadataFile: path.join(work, `image-${index}.metadata.json`)
    };
    const { command, args } = buildCommand(request);
    const run = async (log: BuildLog) => {
      log.line(`$ ${printableCommand(command, args)}`);
      const result = await runner.run(command, args, {
        cwd: deps.workspace,
        env: builderEnv,
        onLine: text => log.line(text)
      });
      if (result.exitCode !== 0) {
        throw new BuildFailure(
          `Building ${plan.uri} (${plan.spec.dockerfile}) failed with ${builder} (exit ${result.exitCode ?? result.startError}):\n${lastLines(result)}`
        );
      }
      if (builder === 'docker')
        return settings.push ? buildxDigest(request.metadataFile, plan.uri) : undefined;
      return readFileSync(request.iidFile, 'utf8').trim();
    };
    if (sequential) return logger.group(title, () => run(new BuildLog(logger)));
    const log = new BuildLog();
    logger.info(`Started: ${title}`);
    try {
      return await run(log);
    } finally {
      await logger.group(title, async () => log.lines.forEach(text => logger.info(text)));
    }
  };

  const outcomes = await runBounded(plans, settings.maxParallel, build);
  const failures = outcomes.flatMap(outcome => (outcome.status === 'rejected' ? [outcome.reason] : []));
  if (failures.length > 0) {
    const pushed =
      builder === 'docker' ? plans.filter((_, index) => outcomes[index].status === 'fulfilled') : [];
    const note =
      builder === 'docker'
        ? pushed.length > 0
          ? `\n(buildx pushed ${pushed.map(plan => plan.uri).join(', ')} as it built them)`
          : ''
        : '\nNothing was pushed.';
    throw new ActionError('deployment', `${failures.map(errorMessage).join('\n\n')}${note}`);
  }
  if (!settings.push) return;

  const ids = outcomes.map(outcome => (outcome.status === 'fulfilled' ? outcome.value : undefined));
  const pushes = await runBounded(plans, settings.maxParallel, async (plan, index) => {
    let digest: string | undefined;
    if (builder === 'docker') digest = ids[index];
    else {
      digest = await pushTags(plan, builder, ids[index] as string, registry, builderEnv, work, index, deps);
    }
    if (!digest) throw new ActionError('deployment', `${builder} reported no digest for ${plan.uri}`);
    await readBack(plan, store, digest).catch(error => {
      // A plain registry we cannot read (no credentials for its API): the builder's own record stands.
      if (registry.kind === 'oci' && /HTTP 401|HTTP 403/.test(errorMessage(error))) {
        logger.warning(
          `Could not read ${plan.uri} back from the registry (${errorMessage(error)}); using ${builder}'s digest`
        );
        return;
      }
      throw error;
    });
    plan.digest = digest;
    logger.info(`Pushed ${plan.uri} ${plan.spec.tags.join(', ')} -> ${digest}`);
    deps.onPushed?.(`${plan.uri}:${plan.spec.tags.join(',')} (${digest})`);
  });
  const pushFailures = pushes.flatMap(outcome => (outcome.status === 'rejected' ? [outcome.reason] : []));
  if (pushFailures.length > 0)
    throw new ActionError('deployment', pushFailures.map(errorMessage).join('\n\n'));
}

function buildxDigest(metadataFile: string, uri: string): string {
  if (!existsSync(metadataFile))
    throw new ActionError('deployment', `docker buildx wrote no metadata for ${uri}`);
  const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, unknown>;
  const digest = metadata['containerimage.digest'];
  if (typeof digest !== 'string')
    throw new ActionError('deployment', `docker buildx metadata for ${uri} has no digest`);
  return digest;
}

/** buildah/podman: pushes the built image to each tag; every push must report the same manifest digest. */
async function pushTags(
  plan: Plan,
  builder: 'buildah' | 'podman',
  imageId: string,
  registry: Registry,
  builderEnv: Record<string, string>,
  work: string,
  index: number,
  deps: BuildPushDeps
): Promise<string> {
  const digests = new Map<string, string>();
  for (const [tagIndex, tag] of plan.spec.tags.entries()) {
    const digestFile = path.join(work, `image-${index}-${tagIndex}.digest`);
    const { command, args } = pushCommand({
      builder,
      imageId,
      reference: `${plan.uri}:${tag}`,
      insecure: registry.kind === 'oci' && registry.insecure,
      digestFile
    });
    const result = await deps.runner.run(command, args, { cwd: deps.workspace, env: builderEnv });
    if (result.exitCode !== 0) {
      throw new ActionError(
        'deployment',
        `Pushing ${plan.uri}:${tag} failed (exit ${result.exitCode ?? result.startError}):\n${lastLines(result)}`
      );
    }
    digests.set(tag, readFileSync(digestFile, 'utf8').trim());
  }
  const distinct = new Set(digests.values());
  if (distinct.size !== 1) {
    throw new ActionError(
      'deployment',
      `${plan.uri}: the tags were pushed as different manifests (${[...digests].map(([tag, digest]) => `${tag}=${digest}`).join(', ')})`
    );
  }
  return [...distinct][0];
}
