import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExample } from '../src/examples/catalog.js';
import { rehearseExample, releasesFor, type ExampleRun } from '../src/examples/run-example.js';
import type { JobRunResult } from '../src/types.js';

/**
 * Eloquent AI rehearsed, both halves: the frontend job builds the React stand-in, deploy-static publishes
 * it to the simulated S3 behind the simulated CloudFront, verify-health reads version.json at the edge; the
 * second release's build ships a stale version.json, which must end with the site rolled back. Images are
 * seeded (the backend's real build is covered by the DocuThinker rehearsal).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function job(run: ExampleRun, release: number, key: string): JobRunResult {
  const found = run.outcomes[release].rehearsal.jobs.find(candidate => candidate.key === key);
  if (!found)
    throw new Error(`no job ${key}: ${run.outcomes[release].rehearsal.jobs.map(j => j.key).join(', ')}`);
  return found;
}

describe('npm run rehearse -- eloquent --break frontend', () => {
  let run: ExampleRun;

  beforeAll(async () => {
    const example = findExample('eloquent')!;
    run = await rehearseExample({
      workRoot: tmpdir(),
      example,
      suiteRoot: root,
      releases: releasesFor(example, root, 'frontend'),
      log: () => undefined,
      timeScale: 600,
      images: 'seed'
    });
  }, 240_000);

  it('deploys and verifies both halves of the good release', () => {
    expect(run.outcomes[0].verdict).toBe('deployed');
    const frontend = job(run, 0, 'frontend');
    const site = frontend.steps.find(step => step.id === 'site')!;
    expect(site.outputs).toMatchObject({ status: 'deployed', 'previous-release': '', uploaded: '7' });
    expect(frontend.outputs.release).toBe(site.outputs.release);
  });

  it('publishes the broken frontend, fails its verification and rolls the site back to the good release', () => {
    const broken = run.outcomes[1];
    expect(broken.verdict).toBe('rolled-back');
    expect(job(run, 1, 'backend').result).toBe('success');
    const frontend = job(run, 1, 'frontend');
    expect(frontend.result).toBe('failure');
    expect(frontend.outputs['rolled-back']).toBe('true');
    const site = frontend.steps.find(step => step.id === 'site')!;
    expect(site.outputs).toMatchObject({ status: 'deployed', uploaded: '1', unchanged: '6' });
    const rollback = frontend.steps.find(step => step.id === 'rollback')!;
    expect(rollback.outputs).toMatchObject({
      status: 'rolled-back',
      'rolled-back-from': site.outputs.release,
      'rolled-back-to': job(run, 0, 'frontend').outputs.release
    });
  });
});
