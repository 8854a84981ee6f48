import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import path from 'node:path';
import { startSimulator } from '@deploy-suite/sim';
import { rehearseWorkflow } from '../engine.js';
import type { RehearsalHooks, RehearsalResult } from '../types.js';
import { ACCOUNT, REGION, createRepositories } from './aws-setup.js';
import {
  ROLES,
  imagesToBreak,
  sitesToBreak,
  type ExampleDefinition,
  type ExampleImage,
  type ExampleSite
} from './catalog.js';
import type { TrustPolicy } from '../oidc.js';
import { parse as parseYaml } from 'yaml';
// its own subpath, not the test kit's index (which loads the simulator and the SDK clients)
import {
  BUILD_TOOLS,
  installCommand,
  missingTools,
  startLocalRegistry,
  type LocalRegistry
} from '@deploy-suite/testing/local-registry';

/**
 * `npm run rehearse -- <example>`: the simulator in-process, the AWS state the example's README asks for,
 * then one or more releases of the example's workflow through the rehearsal engine, the suite's own
 * reusable workflows and actions resolved in this checkout (`octo-org/deploy-suite` → the suite root).
 */

export const SUITE_REPOSITORY = 'octo-org/deploy-suite';

export interface Release {
  /** what the log calls it */
  label: string;
  sha: string;
  /** images that are broken in this release */
  broken: ExampleImage[];
  /** static sites whose build is broken in this release: its version.json reports a stale version */
  brokenSites?: ExampleSite[];
  /**
   * how they are broken: `crash` (containers exit 1: the deploy fails), or `wrong-version` (healthy, but
   * /health reports a stale version: the deploy succeeds and the verification fails)
   */
  how: BreakKind;
}

export type BreakKind = 'crash' | 'wrong-version';
export const BREAK_KINDS: readonly BreakKind[] = ['crash', 'wrong-version'];

export interface ReleaseOutcome {
  release: Release;
  rehearsal: RehearsalResult;
  /** deployed and verified / rolled back after a failure / failed without getting back */
  verdict: 'deployed' | 'rolled-back' | 'failed';
}

export interface ExampleRun {
  example: ExampleDefinition;
  outcomes: ReleaseOutcome[];
  /** `--then`: the workflow run after the releases, and the workflow_run workflows it triggered */
  then: ThenOutcome[];
  /** the combined summary.md of every run */
  summaryFile?: string;
}

/** `--then <workflow>`: one more workflow of the example, on the same simulator, after the releases. */
export interface ThenRun {
  /** relative to the example folder, e.g. .github/workflows/rollback.yml */
  workflow: string;
  /** default workflow_dispatch */
  event?: string;
  inputs?: Record<string, string>;
}

export interface ThenOutcome {
  workflow: string;
  event: string;
  rehearsal: RehearsalResult;
  /** the sticky PR comment the chain wrote (pull_request rehearsals), with its URL */
  comment?: { url: string; body: string };
}

export interface ExampleOptions {
  example: ExampleDefinition;
  suiteRoot: string;
  /** releases to rehearse in order; the first starts from the state the README sets up */
  releases: Release[];
  log?: (line: string) => void;
  /** simulated seconds per real second (default 600: a 10-minute rollout takes a second) */
  timeScale?: number;
  /**
   * Where each release's images come from (default: REHEARSE_IMAGES from the environment, else `auto`):
   * `build` = the pipeline's build jobs really build them with buildah and push them to a local
   * docker-registry that backs the simulated ECR; `seed` = they are put straight into the simulated ECR
   * and build-push finds them (skip-existing); `auto` = `build` when buildah and docker-registry are
   * installed, else `seed`.
   */
  images?: ImageSource;
  /** which commands exist (default: `command -v`); lets tests take the fallback path */
  hasCommand?: (command: string) => boolean;
  /** where each release's work folder is made (default: the example's own .rehearsal folder) */
  workRoot?: string;
  /** one more workflow after the releases (npm run rehearse -- <example> --then <workflow>) */
  then?: ThenRun;
  /** replaces the trust policies of the example's roles (tests: a policy that refuses a job's subject) */
  trustPolicies?: Record<string, TrustPolicy>;
}

/**
 * The trust policies of the example's roles, from examples/<name>/aws/*.json, with the README's
 * placeholders filled the way users fill them: <ACCOUNT_ID> the simulator's account, <OWNER> the owner
 * of the repository the example stands for.
 */
export function exampleTrustPolicies(
  example: ExampleDefinition,
  suiteRoot: string
): Record<string, TrustPolicy> {
  const owner = example.repository.split('/')[0];
  const policies: Record<string, TrustPolicy> = {};
  for (const role of Object.values(ROLES)) {
    const file = path.join(suiteRoot, example.dir, role.policy);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8').replaceAll('<ACCOUNT_ID>', ACCOUNT).replaceAll('<OWNER>', owner);
    policies[role.arn] = { file: path.join(example.dir, role.policy), document: JSON.parse(text) as unknown };
  }
  return policies;
}

export type ImageSource = 'auto' | 'build' | 'seed';
export const IMAGE_SOURCES: readonly ImageSource[] = ['auto', 'build', 'seed'];

/** The repository variable the examples pass to the pipelines' `registry` input. */
export const REGISTRY_VARIABLE = 'IMAGE_REGISTRY';

/** The commit being rehearsed, and a second, made-up commit for a later release. */
export function releaseShas(suiteRoot: string): [string, string] {
  let head = '0'.repeat(40);
  try {
    head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: suiteRoot, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: a fixed SHA is as good for a rehearsal
  }
  const next = createHash('sha1').update(`next release after ${head}`).digest('hex');
  return [head, next];
}

export function releasesFor(
  example: ExampleDefinition,
  suiteRoot: string,
  breakTarget?: string,
  how: BreakKind = 'crash'
): Release[] {
  const [good, bad] = releaseShas(suiteRoot);
  const releases: Release[] = [{ label: 'a good release', sha: good, broken: [], how }];
  if (breakTarget !== undefined) {
    const sites = sitesToBreak(example, breakTarget);
    if (sites.length > 0) {
      releases.push({
        label: `a broken release (the ${sites.map(site => site.name).join(', ')} build ships a stale version.json)`,
        sha: bad,
        broken: [],
        brokenSites: sites,
        how
      });
      return releases;
    }
    const broken = imagesToBreak(example, breakTarget);
    if (broken.length === 0)
      throw new Error(`--break ${breakTarget}: not an image, service or site of ${example.name}`);
    const what = how === 'crash' ? 'crash-loops' : 'reports a stale version on /health';
    releases.push({
      label: `a broken release (${broken.map(image => image.repository).join(', ')} ${what})`,
      sha: bad,
      broken,
      how
    });
  }
  return releases;
}

/** How the images of this rehearsal are made: decided once, before anything starts, and logged. */
export interface ImagePlan {
  mode: 'build' | 'seed';
  /** the log line that says which path the rehearsal takes, and why */
  why: string;
}

export function planImages(requested: ImageSource, has?: (command: string) => boolean): ImagePlan {
  if (!IMAGE_SOURCES.includes(requested)) {
    throw new Error(`images must be ${IMAGE_SOURCES.join(', ')} (REHEARSE_IMAGES), got "${requested}"`);
  }
  const seedText =
    'each release’s images are put straight into the simulated ECR under the commit’s tag, and ' +
    'build-push finds them there (skip-existing) instead of building';
  if (requested === 'seed') return { mode: 'seed', why: `images: not built (seed asked for): ${seedText}` };
  const missing = missingTools(BUILD_TOOLS, has);
  if (missing.length === 0) {
    return {
      mode: 'build',
      why:
        'images: built for real: buildah and docker-registry are installed, so the pipeline’s build jobs ' +
        'build each release with buildah and build-push pushes it to a local docker-registry (repository ' +
        `variable ${REGISTRY_VARIABLE}), which also backs the simulated ECR API`
    };
  }
  const lacking = `${missing.join(' and ')} not installed (\`${installCommand(BUILD_TOOLS)}\` to build for real)`;
  if (requested === 'build') throw new Error(`images: build asked for, but ${lacking}`);
  return { mode: 'seed', why: `images: ${lacking}: ${seedText}` };
}

function requestedImages(options: ExampleOptions): ImageSource {
  return options.images ?? ((process.env.REHEARSE_IMAGES || 'auto') as ImageSource);
}

/**
 * Build mode: build-push reports each image it pushed (`images` output, keyed by repository); the
 * simulator is told how that exact image (`127.0.0.1:<port>/<repo>@sha256:...`) behaves in this release,
 * before the deploy job runs it. Rules by digest, so the previous release's images keep their behaviour
 * (a rollback to them comes back healthy).
 */
function builtImageHooks(
  example: ExampleDefinition,
  release: Release,
  setRule: (image: ExampleImage, reference: string) => void,
  log: (line: string) => void
): RehearsalHooks {
  return {
    afterStep: (step, result) => {
      if (!/\/actions\/build-push(@|$)/.test(step.uses ?? '') || !result.outputs.images) return;
      let built: Record<string, { image?: string }>;
      try {
        built = JSON.parse(result.outputs.images) as Record<string, { image?: string }>;
      } catch {
        log(`  rehearsal: build-push's images output is not JSON: ${result.outputs.images}`);
        return;
      }
      for (const [repository, record] of Object.entries(built)) {
        const image = example.images.find(candidate => candidate.repository === repository);
        if (!image || !record.image) continue;
        setRule(image, record.image);
        log(`  rehearsal: ${record.image} built and pushed${breakNote(release, image)}`);
      }
    }
  };
}

/**
 * A broken site release: just before deploy-static publishes the built folder, its version.json is made
 * to report "stale-build" (as a build that picked up an old commit would), so the pipeline's verification
 * fails after the deploy and the job must roll the site back.
 */
function brokenSiteHooks(release: Release, log: (line: string) => void): RehearsalHooks {
  return {
    beforeStep: step => {
      if (!/\/actions\/deploy-static(@|$)/.test(step.uses ?? '')) return;
      for (const site of release.brokenSites ?? []) {
        writeFileSync(
          path.join(step.job.workspace, site.buildDir, 'version.json'),
          JSON.stringify({ status: 'healthy', version: 'stale-build' })
        );
        log(
          `  rehearsal: ${site.buildDir}/version.json now says version "stale-build" (the broken ${site.name} release)`
        );
      }
    }
  };
}

/** Both sets of hooks, in order. */
function combineHooks(...all: Array<RehearsalHooks | undefined>): RehearsalHooks | undefined {
  const hooks = all.filter((h): h is RehearsalHooks => h !== undefined);
  if (hooks.length <= 1) return hooks[0];
  return {
    beforeStep: async step => {
      let env: Record<string, string> = {};
      for (const h of hooks) env = { ...env, ...((await h.beforeStep?.(step))?.env ?? {}) };
      return Object.keys(env).length > 0 ? { env } : undefined;
    },
    afterStep: async (step, result) => {
      for (const h of hooks) await h.afterStep?.(step, result);
    }
  };
}

function breakNote(release: Release, image: ExampleImage): string {
  if (!release.broken.includes(image)) return '';
  return release.how === 'crash'
    ? ' — its containers will crash-loop (exit code 1)'
    : ' — it will answer /health with version "stale-build"';
}

export async function rehearseExample(options: ExampleOptions): Promise<ExampleRun> {
  const { example, suiteRoot } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const exampleDir = path.join(suiteRoot, example.dir);
  if (!existsSync(path.join(exampleDir, example.workflow))) {
    throw new Error(`${example.dir}/${example.workflow} does not exist`);
  }
  const plan = planImages(requestedImages(options), options.hasCommand);
  const registry: LocalRegistry | undefined = plan.mode === 'build' ? await startLocalRegistry() : undefined;
  const outcomes: ReleaseOutcome[] = [];
  const then: ThenOutcome[] = [];
  const runDir = options.workRoot
    ? mkdtempSync(path.join(options.workRoot, 'example-'))
    : freshRunDir(path.join(exampleDir, '.rehearsal'));
  try {
    const sim = await startSimulator({
      port: 0,
      timeScale: options.timeScale ?? 600,
      ...(registry ? { registry: registry.url } : {})
    });
    try {
      log(`# Rehearsing ${example.title}`);
      log(`  local AWS simulator (not AWS) at ${sim.endpoint}, ${options.timeScale ?? 600}x real time`);
      log(`  ${plan.why}`);
      if (registry) log(`  local registry: ${registry.url} (${REGISTRY_VARIABLE}=${registry.host})`);
      const context: RunContext = { sim, registry, exampleDir, log, outcomes, runDir, runs: 0 };
      await runReleases(options, context);
      if (options.then && !outcomes.some(outcome => outcome.rehearsal.problems.length > 0)) {
        then.push(...(await runThen(options, options.then, context)));
      }
    } finally {
      await sim.close();
    }
  } finally {
    await registry?.stop();
  }
  const summaryFile = writeSummary(runDir, example, outcomes, then);
  log(`# ${example.name}: every run's jobs and summaries: ${summaryFile}`);
  return { example, outcomes, then, summaryFile };
}

interface RunContext {
  sim: Awaited<ReturnType<typeof startSimulator>>;
  registry: LocalRegistry | undefined;
  exampleDir: string;
  log: (line: string) => void;
  outcomes: ReleaseOutcome[];
  /** this rehearsal's folder: one work folder per run, and summary.md */
  runDir: string;
  /** how many runs so far (names the work folders) */
  runs: number;
}

const KEEP_RUNS = 5;

/** `<example>/.rehearsal/example-<time>-*`, keeping the last few (a workRoot given is never pruned). */
function freshRunDir(base: string): string {
  mkdirSync(base, { recursive: true });
  const old = readdirSync(base)
    .filter(name => name.startsWith('example-'))
    .sort()
    .reverse();
  for (const name of old.slice(KEEP_RUNS - 1))
    rmSync(path.join(base, name), { recursive: true, force: true });
  return mkdtempSync(path.join(base, `example-${new Date().toISOString().replace(/[:.]/g, '-')}-`));
}

function workDirFor(context: RunContext, label: string): string {
  const dir = path.join(
    context.runDir,
    `${String(++context.runs).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}`
  );
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The environment and repository variables every run of this rehearsal gets. */
function runSettings(example: ExampleDefinition, context: RunContext) {
  const { sim, registry } = context;
  return {
    env: {
      AWS_ENDPOINT_URL: sim.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: REGION,
      GITHUB_API_URL: `${sim.endpoint}/github`,
      ...(registry?.buildEnv ?? {})
    },
    vars: {
      ...example.vars(sim.endpoint),
      ...(registry ? { [REGISTRY_VARIABLE]: registry.host } : {})
    },
    simulator: {
      now: () => sim.control.now() * 1000,
      calls: () => Object.values(sim.control.calls()).reduce((sum, count) => sum + count, 0)
    }
  };
}

async function runReleases(options: ExampleOptions, context: RunContext): Promise<void> {
  const { example, suiteRoot } = options;
  const { sim, registry, exampleDir, log, outcomes } = context;
  const settings = runSettings(example, context);
  const target = { endpoint: sim.endpoint };
  log('  creating what the example README asks for: ECR repositories, the first revision, services…');
  await createRepositories(target, [...new Set(example.images.map(image => image.repository))]);
  // The image the first revision runs, as if pushed long ago; with a registry it is really pushed there
  // and referenced by the registry's host, like every image the pipeline builds.
  const baseline: Record<string, string> = {};
  for (const image of example.images) {
    if (baseline[image.repository]) continue;
    const seeded = await sim.control.ecrImages({ repository: image.repository, tags: ['baseline'] });
    const reference = registry ? `${registry.host}/${image.repository}@${seeded.digest}` : seeded.image;
    sim.control.images({
      image: reference,
      behavior: 'healthy',
      version: 'baseline',
      ...(example.healthFields ? { health: example.healthFields } : {})
    });
    baseline[image.repository] = reference;
  }
  await example.setup({ target, exampleDir, baseline, advance: seconds => sim.control.advance(seconds) });
  // let the first revision settle, as it has long before anyone runs the pipeline
  sim.control.advance(900);

  for (const release of options.releases) {
    log('');
    log(`# ${example.name}: ${release.label}, commit ${release.sha.slice(0, 12)}`);
    const setRule = (image: ExampleImage, reference: string) => {
      const broken = release.broken.includes(image);
      sim.control.images({
        image: reference,
        behavior: broken && release.how === 'crash' ? 'crash' : 'healthy',
        version: broken && release.how === 'wrong-version' ? 'stale-build' : example.appVersion(release.sha),
        ...(example.healthFields ? { health: example.healthFields } : {})
      });
    };
    // build-push reports every image it pushed or promoted: its exact reference gets this release's rule
    let hooks: RehearsalHooks | undefined = builtImageHooks(example, release, setRule, log);
    if (registry) {
      log(
        `  the build jobs build ${example.images.map(image => image.repository).join(', ')} with buildah ` +
          `and push them to ${registry.host}`
      );
      for (const image of release.broken)
        log(`  ${image.repository} is broken in this release${breakNote(release, image)}`);
    } else {
      for (const image of example.images) {
        if (image.promotedFrom) {
          log(`  ${image.repository}: promoted by the pipeline from ${image.promotedFrom} (not seeded)`);
          continue;
        }
        const seeded = await sim.control.ecrImages({ repository: image.repository, tags: [release.sha] });
        setRule(image, seeded.image);
        log(
          `  ${image.repository}:${release.sha.slice(0, 12)} put into the simulated ECR as ${seeded.digest.slice(0, 19)}…${breakNote(release, image)}`
        );
      }
    }
    if (release.brokenSites?.length) hooks = combineHooks(hooks, brokenSiteHooks(release, log));
    const rehearsal = await rehearseWorkflow({
      file: example.workflow,
      repoRoot: exampleDir,
      event: example.event,
      inputs: example.inputs,
      workDir: workDirFor(context, release.broken.length > 0 ? 'broken-release' : 'release'),
      ...settings,
      // a push to the default branch: the ref the push role's trust policy names
      github: { sha: release.sha, repository: example.repository, ref: 'refs/heads/main' },
      repositories: { [SUITE_REPOSITORY]: suiteRoot },
      trustPolicies: options.trustPolicies ?? exampleTrustPolicies(example, suiteRoot),
      hooks,
      log
    });
    const verdict = judge(rehearsal);
    outcomes.push({ release, rehearsal, verdict });
    log('');
    log(`# ${example.name}: ${release.label}: ${describeVerdict(verdict)}`);
    if (rehearsal.problems.length > 0) {
      // the workflow could not start (a missing bundle, a parse error): later releases would not either
      log(`# ${example.name}: stopped: the workflow could not run (see the problems above)`);
      break;
    }
  }
}

/**
 * A release is deployed when the workflow succeeded; rolled back when it failed and the pipeline says it
 * put the services back (a job output rolled-back=true, or the deploy action's status rolled-back).
 */
export function judge(rehearsal: RehearsalResult): ReleaseOutcome['verdict'] {
  if (rehearsal.result === 'success') return 'deployed';
  const rolledBack = rehearsal.jobs.some(
    job => job.outputs['rolled-back'] === 'true' || job.outputs.status === 'rolled-back'
  );
  return rolledBack ? 'rolled-back' : 'failed';
}

export function describeVerdict(verdict: ReleaseOutcome['verdict']): string {
  switch (verdict) {
    case 'deployed':
      return 'deployed and verified';
    case 'rolled-back':
      return 'failed, detected and rolled back to the previous revision';
    default:
      return 'FAILED and not rolled back';
  }
}

export { ACCOUNT };

/** The workflows of the example that a `workflow_run` of `name` starts (on.workflow_run.workflows). */
function workflowRunFollowers(exampleDir: string, name: string): string[] {
  const dir = path.join(exampleDir, '.github/workflows');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter(entry => /\.ya?ml$/.test(entry))
        .sort()
    : [];
  return files
    .filter(file => {
      const document = parseYaml(readFileSync(path.join(dir, file), 'utf8')) as {
        on?: { workflow_run?: { workflows?: unknown } };
      } | null;
      const workflows = document?.on?.workflow_run?.workflows;
      return Array.isArray(workflows) && workflows.includes(name);
    })
    .map(file => `.github/workflows/${file}`);
}

function workflowName(file: string): string {
  const document = parseYaml(readFileSync(file, 'utf8')) as { name?: unknown } | null;
  return typeof document?.name === 'string' ? document.name : path.basename(file);
}

/**
 * `--then`: the workflow runs on the same simulator after the releases (e.g. a dispatch rollback). A
 * pull_request run is followed, like on GitHub, by the workflow_run workflows it starts, which get its
 * artifacts and a workflow_run event naming the pull request; the sticky comment they write is printed.
 */
async function runThen(options: ExampleOptions, then: ThenRun, context: RunContext): Promise<ThenOutcome[]> {
  const { example, suiteRoot } = options;
  const { sim, exampleDir, log } = context;
  const event = then.event ?? 'workflow_dispatch';
  const settings = runSettings(example, context);
  const [sha] = releaseShas(suiteRoot);
  const common = {
    repoRoot: exampleDir,
    ...settings,
    repositories: { [SUITE_REPOSITORY]: suiteRoot },
    trustPolicies: options.trustPolicies ?? exampleTrustPolicies(example, suiteRoot),
    log
  };
  log('');
  log(`# ${example.name}: then ${then.workflow} (${event})`);
  const first = await rehearseWorkflow({
    ...common,
    file: then.workflow,
    event,
    inputs: then.inputs,
    workDir: workDirFor(context, `then-${path.basename(then.workflow)}`),
    github: {
      sha,
      repository: example.repository,
      ...(event === 'pull_request' ? {} : { ref: 'refs/heads/main' })
    }
  });
  const outcomes: ThenOutcome[] = [{ workflow: then.workflow, event, rehearsal: first }];
  if (event !== 'pull_request' || first.problems.length > 0) return outcomes;

  const name = workflowName(path.join(exampleDir, then.workflow));
  const runId = Date.now();
  for (const follower of workflowRunFollowers(exampleDir, name)) {
    log('');
    log(`# ${example.name}: ${name} completed (${first.result}): workflow_run starts ${follower}`);
    const workDir = workDirFor(context, `then-${path.basename(follower)}`);
    // artifacts of the triggering run (download-artifact with its run-id)
    if (existsSync(path.join(first.workDir, 'artifacts'))) {
      cpSync(path.join(first.workDir, 'artifacts'), path.join(workDir, 'artifacts'), { recursive: true });
    }
    const rehearsal = await rehearseWorkflow({
      ...common,
      file: follower,
      event: 'workflow_run',
      workDir,
      github: { sha, repository: example.repository, ref: 'refs/heads/main' },
      eventPayload: {
        action: 'completed',
        workflow_run: {
          id: runId,
          name,
          event: 'pull_request',
          status: 'completed',
          conclusion: first.result === 'success' ? 'success' : 'failure',
          head_sha: sha,
          head_branch: 'rehearsal-feature',
          html_url: `https://github.com/${example.repository}/actions/runs/${runId}`,
          // GitHub lists the pull requests of a same-repository head here (empty for forks)
          pull_requests: [{ number: 1, head: { sha, ref: 'rehearsal-feature' }, base: { ref: 'main' } }]
        }
      }
    });
    const comment = await stickyComment(sim.endpoint, example.repository, 1);
    if (comment) {
      log(`# ${example.name}: the pull request comment (${comment.url}):`);
      for (const line of comment.body.split('\n')) log(`    ${line}`);
    }
    outcomes.push({ workflow: follower, event: 'workflow_run', rehearsal, comment });
  }
  return outcomes;
}

async function stickyComment(endpoint: string, repository: string, issue: number) {
  const response = await fetch(`${endpoint}/github/repos/${repository}/issues/${issue}/comments`, {
    headers: { authorization: 'Bearer rehearsal-reader' }
  });
  if (!response.ok) return undefined;
  const comments = (await response.json()) as Array<{
    html_url: string;
    body: string;
    user?: { login?: string };
  }>;
  const last = comments.filter(comment => comment.user?.login === 'github-actions[bot]').at(-1);
  return last ? { url: last.html_url, body: last.body } : undefined;
}

/** summary.md of the whole rehearsal: each run's verdict, its jobs, and the job summaries. */
function writeSummary(
  runDir: string,
  example: ExampleDefinition,
  outcomes: ReleaseOutcome[],
  then: ThenOutcome[]
): string {
  const lines = [`# Rehearsal of ${example.title}`, ''];
  const runs: Array<{ title: string; rehearsal: RehearsalResult; extra?: string[] }> = [
    ...outcomes.map(outcome => ({
      title: `${outcome.release.label}, commit ${outcome.release.sha.slice(0, 12)}: ${describeVerdict(outcome.verdict)}`,
      rehearsal: outcome.rehearsal
    })),
    ...then.map(run => ({
      title: `then ${run.workflow} (${run.event}): ${run.rehearsal.result}`,
      rehearsal: run.rehearsal,
      extra: run.comment
        ? [`Pull request comment: ${run.comment.url}`, '', ...run.comment.body.split('\n')]
        : []
    }))
  ];
  for (const run of runs) {
    lines.push(`## ${run.title}`, '');
    for (const problem of run.rehearsal.problems) lines.push(`- not run: ${problem}`);
    lines.push('| job | result | duration |', '| --- | --- | --- |');
    for (const job of run.rehearsal.jobs) {
      lines.push(
        `| ${job.key} | ${job.result}${job.reason ? ` (${job.reason.replace(/\|/g, '/')})` : ''} | ${(job.durationMs / 1000).toFixed(1)}s |`
      );
    }
    lines.push('');
    for (const job of run.rehearsal.jobs.filter(candidate => candidate.summary.trim() !== '')) {
      lines.push(`### ${job.key}`, '', job.summary.trimEnd(), '');
    }
    if (run.extra?.length) lines.push(...run.extra, '');
    lines.push(`Work folder: ${run.rehearsal.workDir}`, '');
  }
  const file = path.join(runDir, 'summary.md');
  writeFileSync(file, lines.join('\n'));
  return file;
}
