import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExample } from '../src/examples/catalog.js';
import { BUILD_TOOLS, installCommand, missingTools as missingOf } from '@deploy-suite/testing/local-registry';
import { actionBundlePath } from '@deploy-suite/testing/run-action';
import { rehearseExample, releasesFor, type ExampleRun } from '../src/examples/run-example.js';
import type { JobRunResult } from '../src/types.js';

/**
 * DocuThinker rehearsed for real: the committed bundles of build-push, deploy-ecs and verify-health run
 * against the simulator (600x real time, 200 ms polls), a good release then one whose backend crash-loops.
 * Where buildah and docker-registry are installed the images are really built and pushed to a local
 * registry (the build-path checks skip with the install command otherwise, and fail under CI=true);
 * the fallback (images put straight into the simulated ECR) is rehearsed with Tria below.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUNDLES = ['build-push', 'deploy-ecs', 'verify-health', 'rollback'].map(name =>
  actionBundlePath(path.join(root, 'actions', name))
);
// The rehearsal runs the committed bundles; they are part of the repository, so a missing one is a failure.
it('has every bundle the rehearsal runs (npm run build makes them)', () => {
  expect(BUNDLES.filter(file => !existsSync(file)).map(file => path.relative(root, file))).toEqual([]);
});

const missingTools = missingOf(BUILD_TOOLS);
if (missingTools.length > 0) {
  const message = `${missingTools.join(' and ')} not installed (\`${installCommand(BUILD_TOOLS)}\`): the real-build checks skip`;
  if (process.env.CI === 'true') throw new Error(`CI=true, so the real-build rehearsal must run: ${message}`);
  console.warn(message);
}
const itBuilds = missingTools.length === 0 ? it : it.skip;

function job(run: ExampleRun, release: number, key: string): JobRunResult {
  const found = run.outcomes[release].rehearsal.jobs.find(candidate => candidate.key === key);
  if (!found) throw new Error(`no job ${key}`);
  return found;
}

describe('npm run rehearse: DocuThinker', () => {
  let run: ExampleRun;
  let output: string;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'rehearse-example-'));
    const example = findExample('docuthinker')!;
    const lines: string[] = [];
    run = await rehearseExample({
      example,
      suiteRoot: root,
      workRoot: tmpdir(),
      releases: releasesFor(example, root, 'backend'),
      log: line => lines.push(line),
      timeScale: 600
    });
    output = lines.join('\n');
  }, 180_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('deploys and verifies a good release: both services, this commit on both /health', () => {
    const [good] = run.outcomes;
    expect(good.verdict).toBe('deployed');
    expect(good.rehearsal.result).toBe('success');
    const jobs = good.rehearsal.jobs.map(item => [item.key, item.result]);
    expect(jobs).toEqual(
      expect.arrayContaining([
        ['pipeline / build backend', 'success'],
        ['pipeline / build ai-ml', 'success'],
        ['pipeline / deploy', 'success'],
        ['pipeline / verify', 'success'],
        ['pipeline / rollback', 'skipped']
      ])
    );
    const deployed = JSON.parse(job(run, 0, 'pipeline / deploy').outputs['task-definitions']) as Array<{
      service: string;
      result: string;
    }>;
    expect(deployed.map(entry => [entry.service, entry.result])).toEqual([
      ['backend-service', 'deployed'],
      ['aiml-service', 'deployed']
    ]);
    const verify = job(run, 0, 'pipeline / verify').steps[0];
    expect(verify.outputs.healthy).toBe('true');
    const report = JSON.parse(verify.outputs.report) as Array<{ url: string; healthy: boolean }>;
    expect(report.map(entry => entry.url)).toEqual([
      expect.stringContaining('/_app/docuthinker-cluster/backend-service/health'),
      expect.stringContaining('/_app/docuthinker-cluster/aiml-service/health')
    ]);
  });

  it('detects the crash-looping backend of the broken release and puts both services back', () => {
    const [good, broken] = run.outcomes;
    expect(broken.verdict).toBe('rolled-back');
    expect(broken.rehearsal.result).toBe('failure');
    const deploy = job(run, 1, 'pipeline / deploy');
    expect(deploy.result).toBe('failure');
    expect(deploy.outputs.status).toBe('rolled-back');
    const step = deploy.steps.find(item => item.name === 'Deploy to docuthinker-cluster')!;
    expect(step.log.join('\n')).toMatch(/Essential container in task exited; backend exit 1/);
    expect(job(run, 1, 'pipeline / verify').result).toBe('skipped');
    expect(job(run, 1, 'pipeline / rollback').result).toBe('success');
    // back on what the good release deployed
    const before = JSON.parse(job(run, 0, 'pipeline / deploy').outputs['task-definitions']) as Array<{
      taskDefinitionArn: string;
    }>;
    const after = JSON.parse(deploy.outputs['task-definitions']) as Array<{
      previousTaskDefinitionArn: string;
      result: string;
    }>;
    expect(after.map(entry => entry.previousTaskDefinitionArn)).toEqual(
      before.map(entry => entry.taskDefinitionArn)
    );
    expect(after.every(entry => entry.result === 'rolled-back')).toBe(true);
    expect(good.release.sha).not.toBe(broken.release.sha);
  });

  it('prints each job and step with its result and the job summaries', () => {
    expect(output).toMatch(/▶ pipeline \/ deploy/);
    expect(output).toMatch(/✓ Deploy to docuthinker-cluster/);
    expect(output).toMatch(/✗ Deploy to docuthinker-cluster/);
    expect(output).toMatch(/══ Job summaries ══/);
    expect(output).toMatch(/stood in for by the local folder/);
    expect(output).toMatch(/images: (built for real|.*put straight into the simulated ECR)/);
  });

  itBuilds('builds both images with buildah, pushes them to the local registry and deploys those', () => {
    expect(output).toMatch(/images: built for real/);
    const host = /local registry: http:\/\/(127\.0\.0\.1:\d+) \(IMAGE_REGISTRY=/.exec(output)?.[1];
    expect(host).toBeDefined();
    for (const [release, sha] of run.outcomes.map(
      (outcome, index) => [index, outcome.release.sha] as const
    )) {
      for (const [name, repository] of [
        ['backend', 'docuthinker-backend'],
        ['ai-ml', 'docuthinker-ai-ml']
      ]) {
        const build = job(run, release, `pipeline / build ${name}`);
        const push = build.steps.find(step => step.name === `Build and push ${repository}`)!;
        expect(push.outputs.registry).toBe(host);
        expect(push.outputs.image).toMatch(
          new RegExp(`^${host!.replaceAll('.', '\\.')}/${repository}@sha256:[a-f0-9]{64}$`)
        );
        // really built (not found in a registry), with this commit's tag
        expect(push.log.join('\n')).toContain(`buildah build`);
        expect(push.log.join('\n')).toContain(`${host}/${repository}:${sha}`);
        const deployed = JSON.parse(job(run, release, 'pipeline / deploy').outputs.images) as Record<
          string,
          { image: string }
        >;
        expect(deployed[repository].image).toBe(push.outputs.image);
      }
    }
    // the break rule followed the built image: the broken backend is a different digest from the good one
    const image = (release: number) =>
      job(run, release, 'pipeline / build backend').steps.find(
        step => step.name === 'Build and push docuthinker-backend'
      )!.outputs.image;
    expect(image(1)).not.toBe(image(0));
    expect(output).toContain(`rehearsal: ${image(1)} built and pushed — its containers will crash-loop`);
  });
});

describe('npm run rehearse: the fallback when buildah or docker-registry is missing (Tria)', () => {
  let run: ExampleRun;
  let output: string;

  beforeAll(async () => {
    const example = findExample('tria')!;
    const lines: string[] = [];
    run = await rehearseExample({
      example,
      suiteRoot: root,
      workRoot: tmpdir(),
      releases: releasesFor(example, root),
      log: line => lines.push(line),
      timeScale: 600,
      images: 'auto',
      hasCommand: command => command !== 'docker-registry'
    });
    output = lines.join('\n');
  }, 180_000);

  it('says which path it took: images put straight into the simulated ECR', () => {
    expect(output).toMatch(
      /images: docker-registry not installed \(`apt-get install -y buildah docker-registry` to build for real\): each release’s images are put straight into the simulated ECR/
    );
    expect(output).not.toMatch(/local registry:/);
  });

  it('build-push finds the seeded image in the simulated ECR instead of building, and the release deploys', () => {
    expect(run.outcomes[0].verdict).toBe('deployed');
    const push = job(run, 0, 'staging / build tria-aibpo').steps.find(
      step => step.name === 'Build and push tria-aibpo-staging'
    )!;
    expect(push.outputs.registry).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(push.log.join('\n')).toMatch(/already exists \(sha256:[a-f0-9]{64}\): not building it again/);
    expect(push.log.join('\n')).not.toContain('buildah build');
    expect(job(run, 0, 'production / deploy').result).toBe('success');
  });
});

describe('npm run rehearse: DocuThinker whose backend reports a stale version', () => {
  let run: ExampleRun;

  beforeAll(async () => {
    const example = findExample('docuthinker')!;
    run = await rehearseExample({
      example,
      suiteRoot: root,
      workRoot: tmpdir(),
      releases: releasesFor(example, root, 'backend-service', 'wrong-version'),
      log: () => undefined,
      timeScale: 600
    });
  }, 180_000);

  it('deploys, fails the version check, and the rollback action puts both services on the revision before', () => {
    const broken = run.outcomes[1];
    expect(broken.verdict).toBe('rolled-back');
    expect(job(run, 1, 'pipeline / deploy').result).toBe('success');
    expect(job(run, 1, 'pipeline / verify').result).toBe('failure');
    const rollback = job(run, 1, 'pipeline / rollback');
    expect(rollback.result).toBe('success');
    expect(rollback.outputs['rolled-back']).toBe('true');
    const step = rollback.steps.find(item => item.name === 'Put the services back')!;
    expect(step.outputs.status).toBe('rolled-back');
    const good = JSON.parse(job(run, 0, 'pipeline / deploy').outputs['task-definitions']) as Array<{
      service: string;
      taskDefinitionArn: string;
    }>;
    expect(JSON.parse(step.outputs['rolled-back-to'])).toEqual(
      Object.fromEntries(good.map(entry => [entry.service, entry.taskDefinitionArn]))
    );
    const again = rollback.steps.find(item => item.name === 'Verify the previous version answers again')!;
    expect(again.outputs.healthy).toBe('true');
  });
});
