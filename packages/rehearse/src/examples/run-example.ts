import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startSimulator } from '../../../sim/src/index.js';
import { rehearseWorkflow } from '../engine.js';
import type { RehearsalResult } from '../types.js';
import { ACCOUNT, REGION, createRepositories } from './aws-setup.js';
import { imagesToBreak, type ExampleDefinition, type ExampleImage } from './catalog.js';

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
}

export interface ExampleOptions {
  example: ExampleDefinition;
  suiteRoot: string;
  /** releases to rehearse in order; the first starts from the state the README sets up */
  releases: Release[];
  log?: (line: string) => void;
  /** simulated seconds per real second (default 600: a 10-minute rollout takes a second) */
  timeScale?: number;
}

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
    const broken = imagesToBreak(example, breakTarget);
    if (broken.length === 0)
      throw new Error(`--break ${breakTarget}: not an image or service of ${example.name}`);
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

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function rehearseExample(options: ExampleOptions): Promise<ExampleRun> {
  const { example, suiteRoot } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const exampleDir = path.join(suiteRoot, example.dir);
  if (!existsSync(path.join(exampleDir, example.workflow))) {
    throw new Error(`${example.dir}/${example.workflow} does not exist`);
  }
  const sim = await startSimulator({ port: 0, timeScale: options.timeScale ?? 600 });
  const outcomes: ReleaseOutcome[] = [];
  try {
    log(`# Rehearsing ${example.title}`);
    log(`  local AWS simulator (not AWS) at ${sim.endpoint}, ${options.timeScale ?? 600}x real time`);
    if (hasCommand('buildah') && hasCommand('docker-registry')) {
      log(
        '  buildah and docker-registry are installed, but this rehearsal does not build: each release’s ' +
          'images are put straight into the simulated ECR under the commit’s tag, and build-push finds them ' +
          'there (skip-existing) instead of building'
      );
    } else {
      log(
        '  buildah/docker-registry not installed: each release’s images are put straight into the ' +
          'simulated ECR under the commit’s tag, and build-push finds them there (skip-existing)'
      );
    }
    const target = { endpoint: sim.endpoint };
    log('  creating what the example README asks for: ECR repositories, the first revision, services…');
    await createRepositories(target, [...new Set(example.images.map(image => image.repository))]);
    const baseline: Record<string, string> = {};
    for (const image of example.images) {
      if (baseline[image.repository]) continue;
      const seeded = await sim.control.ecrImages({ repository: image.repository, tags: ['baseline'] });
      sim.control.images({ image: seeded.image, behavior: 'healthy', version: 'baseline' });
      baseline[image.repository] = seeded.image;
    }
    await example.setup({ target, exampleDir, baseline, advance: seconds => sim.control.advance(seconds) });
    // let the first revision settle, as it has long before anyone runs the pipeline
    sim.control.advance(900);

    for (const release of options.releases) {
      log('');
      log(`# ${example.name}: ${release.label}, commit ${release.sha.slice(0, 12)}`);
      for (const image of example.images) {
        const seeded = await sim.control.ecrImages({ repository: image.repository, tags: [release.sha] });
        const broken = release.broken.includes(image);
        sim.control.images({
          image: seeded.image,
          behavior: broken && release.how === 'crash' ? 'crash' : 'healthy',
          version: broken && release.how === 'wrong-version' ? 'stale-build' : example.appVersion(release.sha)
        });
        const note = !broken
          ? ''
          : release.how === 'crash'
            ? ' — its containers will crash-loop (exit code 1)'
            : ' — it will answer /health with version "stale-build"';
        log(
          `  ${image.repository}:${release.sha.slice(0, 12)} put into the simulated ECR as ${seeded.digest.slice(0, 19)}…${note}`
        );
      }
      const rehearsal = await rehearseWorkflow({
        file: example.workflow,
        repoRoot: exampleDir,
        event: example.event,
        inputs: example.inputs,
        env: {
          AWS_ENDPOINT_URL: sim.endpoint,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_REGION: REGION,
          GITHUB_API_URL: `${sim.endpoint}/github`
        },
        vars: example.vars(sim.endpoint),
        github: { sha: release.sha, repository: example.repository },
        repositories: { [SUITE_REPOSITORY]: suiteRoot },
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
  } finally {
    await sim.close();
  }
  return { example, outcomes };
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
