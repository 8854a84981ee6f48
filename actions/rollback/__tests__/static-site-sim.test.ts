/** Static-site mode on the simulator: deploy-static publishes two releases, the rollback step puts the first back. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { CloudFrontSimService, RunningSimulator, S3SimService } from '@deploy-suite/sim';
import { MemoryLogger, frozenSim, simAwsContext, simClock } from '@deploy-suite/testing';
import { deploySite } from '../../deploy-static/src/deploy.js';
import { resolveSource, scanSite } from '../../deploy-static/src/files.js';
import { sdkCdnApi, sdkSiteStore } from '@deploy-suite/aws/static-site';
import { tempWorkspace, type Workspace } from '@deploy-suite/testing/worlds/static-site';
import type { StaticSiteRollbackInputs } from '../src/inputs.js';
import { rollbackStaticSite, staticSiteSummary } from '../src/static-site.js';

const BUCKET = 'eloquent-ai-frontend-prod';
const DIST = 'E2ELOQUENTAI01';

let sim: RunningSimulator;
let ws: Workspace;
let s3: S3SimService;

beforeEach(async () => {
  sim = await frozenSim();
  ws = tempWorkspace();
  s3 = sim.control.service<S3SimService>('S3')!;
  s3.ensureBucket(BUCKET, 'us-east-1');
  sim.control.service<CloudFrontSimService>('CloudFront')!.seedDistribution({ id: DIST, bucket: BUCKET });
});
afterEach(async () => {
  ws.remove();
  await sim.close();
});

const deps = () => {
  const context = simAwsContext(sim, 'rollback');
  return {
    store: sdkSiteStore(context, BUCKET),
    cdn: sdkCdnApi(context),
    clock: simClock(sim),
    logger: new MemoryLogger(),
    now: () => new Date(sim.control.now() * 1000)
  };
};

async function release(version: string, extraPage = false): Promise<string> {
  ws.build({ version });
  if (extraPage) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${ws.root}/build/pricing.html`, `<h1>pricing ${version}</h1>`);
  }
  sim.control.advance(60);
  const files = await scanSite(await resolveSource('build', ws.root), ws.root);
  const result = await deploySite(
    files,
    {
      bucket: BUCKET,
      prefix: '',
      region: 'us-east-1',
      distributionId: DIST,
      cacheRules: [],
      delete: true,
      keepReleases: 3,
      invalidate: 'changed',
      waitForInvalidation: true,
      waitMs: 15 * 60_000,
      dryRun: false
    },
    deps()
  );
  expect(result.status).toBe('deployed');
  return result.release!;
}

const inputs = (overrides: Partial<StaticSiteRollbackInputs> = {}): StaticSiteRollbackInputs => ({
  kind: 'static-site',
  bucket: BUCKET,
  prefix: '',
  distributionId: DIST,
  to: 'previous',
  waitForServiceStability: true,
  waitMs: 20 * 60_000,
  pollIntervalMs: 10_000,
  dryRun: false,
  force: false,
  reason: 'verify-health failed on the frontend',
  mode: 'rollback',
  recordKnownGood: true,
  ...overrides
});

describe('rollback, static-site mode, on the simulator', () => {
  it('puts the previous release back, removes the page it lacked, invalidates, and reports like the other modes', async () => {
    const good = await release('1.0.0');
    const goodIndex = s3.object(BUCKET, 'index.html')!.body.toString();
    const bad = await release('1.0.1-broken', true);
    sim.control.advance(60);
    const d = deps();
    const { result, site } = await rollbackStaticSite(inputs(), 'us-east-1', d);
    expect(result).toMatchObject({
      status: 'rolled-back',
      services: [
        {
          service: 's3://eloquent-ai-frontend-prod/',
          from: bad,
          to: good,
          source: 'previous-release',
          result: 'rolled-back'
        }
      ]
    });
    expect(s3.object(BUCKET, 'index.html')!.body.toString()).toBe(goodIndex);
    expect(s3.object(BUCKET, 'pricing.html')).toBeUndefined();
    expect(site.invalidation).toMatchObject({ completed: true });
    expect(site.invalidation!.paths).toEqual(expect.arrayContaining(['/', '/index.html', '/pricing.html']));
    const page = await fetch(`${sim.endpoint}/_app/cloudfront/${DIST}/`);
    expect(await page.text()).toBe(goodIndex);
    const summary = staticSiteSummary(inputs(), site, 'us-east-1', 'octocat');
    expect(summary).toMatch(/### rollback: rolled back/);
    expect(summary).toMatch(/\| Files \| Restored \| Unchanged \| Deleted \|/);
    expect(summary).toContain(`Back to release \`${good}\` from \`${bad}\``);
    expect(summary).toContain('**Triggered by:** @octocat');
  });

  it('is already there when the live release is the one asked for', async () => {
    const only = await release('1.0.0');
    await release('1.0.1');
    await rollbackStaticSite(inputs({ to: only }), 'us-east-1', deps());
    const again = await rollbackStaticSite(inputs({ to: only }), 'us-east-1', deps());
    expect(again.result.status).toBe('already-there');
  });

  it('refuses an unknown release naming the "to" input, before any write', async () => {
    await release('1.0.0');
    await expect(rollbackStaticSite(inputs({ to: '20200101T000000Z' }), 'us-east-1', deps())).rejects.toThrow(
      /^Input "to": release 20200101T000000Z is not recorded under s3:\/\/eloquent-ai-frontend-prod\//
    );
    await expect(
      rollbackStaticSite(inputs({ bucket: 'eloquent-ai-typo' }), 'us-east-1', {
        ...deps(),
        store: sdkSiteStore(simAwsContext(sim, 'rollback'), 'eloquent-ai-typo')
      })
    ).rejects.toThrow(/^Input "site-bucket": bucket eloquent-ai-typo does not exist/);
    expect(sim.control.calls()['S3.CopyObject'] ?? 0).toBe(0);
  });
});
