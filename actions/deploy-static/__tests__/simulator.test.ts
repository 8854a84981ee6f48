import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RunningSimulator } from '../../../packages/sim/src/index.js';
import type { CloudFrontSimService } from '../../../packages/sim/src/cloudfront/service.js';
import type { S3SimService } from '../../../packages/sim/src/s3/service.js';
import { MemoryLogger } from '../../../packages/shared/src/index.js';
import { frozenSim, simAwsContext, simClock } from '../../../packages/testkit/src/index.js';
import { deploySite, type DeploySettings } from '../src/deploy.js';
import { resolveSource, scanSite } from '../src/files.js';
import { sdkCdnApi, sdkSiteStore } from '../src/sdk.js';
import { tempWorkspace, type Workspace } from './site-build.js';

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

function settings(overrides: Partial<DeploySettings> = {}): DeploySettings {
  return {
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
    dryRun: false,
    ...overrides
  };
}

async function deploy(version: string, overrides: Partial<DeploySettings> = {}) {
  ws.build({ version });
  const files = await scanSite(await resolveSource('build', ws.root), ws.root);
  const context = simAwsContext(sim, 'deploy-static');
  const logger = new MemoryLogger();
  const result = await deploySite(files, settings(overrides), {
    store: sdkSiteStore(context, BUCKET),
    cdn: sdkCdnApi(context),
    clock: simClock(sim),
    logger,
    now: () => new Date(sim.control.now() * 1000)
  });
  return { result, logger };
}

describe('deploy-static on the simulator', () => {
  it('first release then a second with changes', async () => {
    const first = await deploy('1.0.0');
    expect(first.result).toMatchObject({ status: 'deployed' });
    console.log(first.logger.lines.map(l => l.message).join('\n'));
    sim.control.advance(5);
    const second = await deploy('1.0.1');
    console.log(second.logger.lines.map(l => l.message).join('\n'));
    console.log(sim.control.calls());
    expect(second.result.status).toBe('deployed');
  });
});
