import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryLogger, frozenSim, simAwsContext, simClock } from '@deploy-suite/testing';
import { createEcrApi, type EcrApi, type ScanFailOn } from '@deploy-suite/aws/ecr';
import { buildAndPush, ScanGateError, type BuildPushResult } from '../src/build-push.js';
import { ecrRegistry } from '../src/registry.js';
import { actionOutputs, summaryMarkdown } from '../src/summary.js';
import type { CommandResult, CommandRunner } from '../src/commands.js';
import type { ImageSpec, BuildPushInputs } from '../src/inputs.js';

/**
 * The ECR scan gate through the real AWS SDK against the simulator: scans run on push for 5 simulated seconds and
 * report the `findings` of the image's rule; the poll clock is simulated time.
 */
type Sim = Awaited<ReturnType<typeof frozenSim>>;
let sim: Sim;
let ecr: EcrApi;
const SHA = '0123456789abcdef0123456789abcdef01234567';
const ACCOUNT = '123456789012';
const REGISTRY = ecrRegistry(ACCOUNT, 'us-east-1');
const BACKEND = `${REGISTRY.host}/docuthinker-backend`;
/** a planted build-arg secret, echoed back inside a finding's package name */
const NPM_TOKEN = 'npm_Planted7Kq2VbX9mT4wRzL8pN3';

const XZ = { name: 'CVE-2024-3094', severity: 'CRITICAL', package: 'xz-utils', version: '5.6.0-0.2' };
const OPENSSL = { name: 'CVE-2023-0286', severity: 'HIGH', package: 'openssl', version: '3.0.7' };
const ZLIB = { name: 'CVE-2022-37434', severity: 'MEDIUM', package: 'zlib1g', version: '1:1.2.13' };
const TAR = { name: 'CVE-2005-2541', severity: 'LOW', package: 'tar', version: '1.34' };

beforeAll(async () => {
  sim = await frozenSim();
  ecr = createEcrApi(simAwsContext(sim, 'build-push'));
});
afterAll(async () => sim?.close());
beforeEach(() => sim.control.reset());

/** A buildah whose pushes land in the simulated ECR (one manifest per build, every tag the same). */
const simBuildah: CommandRunner = {
  async run(_command, args): Promise<CommandResult> {
    if (args[0] === 'build') writeFileSync(args[args.indexOf('--iidfile') + 1], 'sha256:local');
    if (args[0] === 'push') {
      const reference = args[args.length - 1].replace('docker://', '');
      const [repository, tag] = reference.split('/').slice(1).join('/').split(':');
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        annotations: { built: `${repository} ${SHA}` }
      });
      const image = await sim.control.ecrImages({ repository, tag, manifest });
      writeFileSync(args[args.indexOf('--digestfile') + 1], image.digest);
    }
    return { exitCode: 0, stdout: '', stderr: '', output: '' };
  }
};

function image(repository: string, tags = [SHA, 'latest'], sourceTag?: string): ImageSpec {
  return {
    repository,
    context: './backend',
    dockerfile: 'backend/Dockerfile',
    buildArgs: [`NPM_TOKEN=${NPM_TOKEN}`],
    tags,
    commitTag: tags.includes(SHA) ? SHA : undefined,
    movingTags: tags.filter(tag => tag !== SHA),
    sourceTag
  };
}
function settings(images: ImageSpec[], scanFailOn: ScanFailOn, change: Partial<BuildPushInputs> = {}) {
  return {
    images,
    builder: 'buildah',
    platforms: [],
    cacheFrom: [],
    cacheTo: [],
    provenance: false,
    push: true,
    createRepository: true,
    skipExisting: true,
    maxParallel: 2,
    scanFailOn,
    scanTimeoutMs: 10 * 60_000,
    notes: [],
    ...change
  } satisfies BuildPushInputs;
}
function deps(logger = new MemoryLogger()) {
  return {
    runner: simBuildah,
    logger,
    defaultRegistry: async () => REGISTRY,
    ecrApi: () => ecr,
    workspace: '/ws',
    runnerTemp: mkdtempSync(path.join(tmpdir(), 'runner-temp-')),
    env: { HOME: mkdtempSync(path.join(tmpdir(), 'home-')) },
    clock: simClock(sim)
  };
}
function findings(...list: Array<Record<string, string>>) {
  sim.control.images({ image: BACKEND, behavior: 'healthy', findings: list as never });
}
async function gateError(run: Promise<BuildPushResult>): Promise<ScanGateError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(ScanGateError);
  return error as ScanGateError;
}
const latest = () => ecr.describeDigest(ACCOUNT, 'docuthinker-backend', 'latest');
const pinned = () => ecr.describeDigest(ACCOUNT, 'docuthinker-backend', SHA);

describe('scan gate after a push (scan on push)', () => {
  it.each(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'none'] as ScanFailOn[])(
    'a clean image passes scan-fail-on %s and gets latest after the scan',
    async failOn => {
      const logger = new MemoryLogger();
      const result = await buildAndPush(settings([image('docuthinker-backend')], failOn), deps(logger));
      expect(result.images[0].tags).toEqual([SHA, 'latest']);
      expect(await latest()).toBe(result.images[0].digest);
      expect(result.images[0].scan?.outcome).toEqual({ state: 'complete', counts: {}, findings: [] });
      expect(actionOutputs(result)['scan-findings']).toEqual({
        'docuthinker-backend': { status: 'complete', counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 } }
      });
      expect(logger.messages('warning')).toEqual([]);
    }
  );

  it.each([
    ['CRITICAL', [XZ], ['CVE-2024-3094']],
    ['HIGH', [XZ, OPENSSL], ['CVE-2024-3094', 'CVE-2023-0286']],
    ['MEDIUM', [ZLIB], ['CVE-2022-37434']],
    ['LOW', [TAR], ['CVE-2005-2541']]
  ] as Array<[ScanFailOn, Array<Record<string, string>>, string[]]>)(
    'findings at or above scan-fail-on %s fail naming the CVEs, and latest is not added',
    async (failOn, planted, named) => {
      findings(...planted);
      const error = await gateError(buildAndPush(settings([image('docuthinker-backend')], failOn), deps()));
      for (const name of named) expect(error.message).toContain(name);
      expect(error.message).toContain(`Not added (moving tags): ${BACKEND}:latest`);
      expect(await latest()).toBeUndefined();
      expect(await pinned()).toBe(error.result.images[0].digest);
      expect(error.result.images[0]).toMatchObject({ tags: [SHA], heldBack: ['latest'] });
      const summary = summaryMarkdown(error.result);
      expect(summary).toContain('not tagged latest (scan gate)');
      expect(summary).toContain(`[${named[0]}](https://nvd.nist.gov/vuln/detail/${named[0]})`);
    }
  );

  it('findings below the threshold pass: latest added, findings reported in the summary and output', async () => {
    findings(ZLIB, TAR);
    const logger = new MemoryLogger();
    const result = await buildAndPush(settings([image('docuthinker-backend')], 'HIGH'), deps(logger));
    expect(await latest()).toBe(result.images[0].digest);
    expect(actionOutputs(result)['scan-findings']).toEqual({
      'docuthinker-backend': { status: 'complete', counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 1 } }
    });
    const summary = summaryMarkdown(result);
    expect(summary).toContain('1 MEDIUM, 1 LOW');
    expect(summary).toMatch(/CVE-2022-37434.*\| MEDIUM \| `zlib1g` \|/);
    expect(logger.text()).toContain(`ECR scan of ${BACKEND}@${result.images[0].digest}: 1 MEDIUM, 1 LOW`);
  });

  it('finding text from AWS is redacted: a masked build-arg value and URL credentials never reach the summary', async () => {
    findings({
      name: 'CVE-2024-21626',
      severity: 'HIGH',
      package: `runc-${NPM_TOKEN}`,
      uri: 'https://deploy:hunter2hunter2@advisories.example.test/CVE-2024-21626?token=abc123'
    });
    const logger = new MemoryLogger();
    const error = await gateError(
      buildAndPush(settings([image('docuthinker-backend')], 'HIGH'), deps(logger))
    );
    const everything = [error.message, summaryMarkdown(error.result), logger.text()].join('\n');
    expect(logger.masked).toContain(NPM_TOKEN);
    expect(everything).toContain('CVE-2024-21626');
    expect(everything).not.toContain(NPM_TOKEN);
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('abc123');
  });

  it('scan-fail-on none: findings are reported, never fail, latest is pushed with the build', async () => {
    findings(XZ);
    const result = await buildAndPush(settings([image('docuthinker-backend')], 'none'), deps());
    expect(await latest()).toBe(result.images[0].digest);
    expect(actionOutputs(result)['scan-findings']).toMatchObject({
      'docuthinker-backend': { counts: { CRITICAL: 1 } }
    });
  });

  it('a scan not done by scan-timeout fails when gating; latest is held back', async () => {
    const error = await gateError(
      buildAndPush(settings([image('docuthinker-backend')], 'HIGH', { scanTimeoutMs: 0 }), deps())
    );
    expect(error.message).toMatch(/did not finish within "scan-timeout" \(0ms; last status: IN_PROGRESS\)/);
    expect(await latest()).toBeUndefined();
  });
});

describe('repositories without scanning', () => {
  async function unscanned() {
    const { CreateRepositoryCommand, ECRClient } = await import('@aws-sdk/client-ecr');
    const client = new ECRClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
    });
    await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'docuthinker-backend',
        imageScanningConfiguration: { scanOnPush: false }
      })
    );
  }

  it('not gating: said once, no wait, latest pushed', async () => {
    await unscanned();
    const logger = new MemoryLogger();
    const before = sim.control.now();
    const result = await buildAndPush(settings([image('docuthinker-backend')], 'none'), deps(logger));
    expect(sim.control.now()).toBe(before);
    expect(
      logger.messages('info').filter(line => line.includes('does not scan images on push'))
    ).toHaveLength(1);
    expect(await latest()).toBe(result.images[0].digest);
    expect(actionOutputs(result)['scan-findings']).toEqual({
      'docuthinker-backend': { status: 'not-scanned' }
    });
  });

  it('gating: fails naming the fix (turn on scanOnPush)', async () => {
    await unscanned();
    const error = await gateError(buildAndPush(settings([image('docuthinker-backend')], 'CRITICAL'), deps()));
    expect(error.message).toContain('--image-scanning-configuration scanOnPush=true');
    expect(await latest()).toBeUndefined();
  });
});

describe('missing ecr:DescribeImageScanFindings', () => {
  it('not gating: a warning naming the permission, and the push goes on', async () => {
    sim.control.deny({ action: 'ecr:DescribeImageScanFindings' });
    const logger = new MemoryLogger();
    const result = await buildAndPush(settings([image('docuthinker-backend')], 'none'), deps(logger));
    const warnings = logger.messages('warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('lacks ecr:DescribeImageScanFindings');
    expect(await latest()).toBe(result.images[0].digest);
    expect(actionOutputs(result)['scan-findings']).toEqual({ 'docuthinker-backend': { status: 'denied' } });
  });

  it('gating: fails naming the permission', async () => {
    sim.control.deny({ action: 'ecr:DescribeImageScanFindings' });
    const error = await gateError(buildAndPush(settings([image('docuthinker-backend')], 'HIGH'), deps()));
    expect(error.message).toContain('lacks ecr:DescribeImageScanFindings');
    expect(await latest()).toBeUndefined();
  });
});

describe('promotion (source-tag)', () => {
  async function staging() {
    // pushed earlier by the staging run, to a repository that scans on push
    await buildAndPush(settings([image('docuthinker-backend', [SHA, 'staging'])], 'none'), deps());
  }

  it('refuses to add production to an image with findings at or above scan-fail-on', async () => {
    findings(XZ);
    await staging();
    const puts = sim.control.calls()['ECR.PutImage'] ?? 0;
    const error = await gateError(
      buildAndPush(
        settings([image('docuthinker-backend', ['production'], 'staging')], 'CRITICAL', {
          sourceTag: 'staging'
        }),
        deps()
      )
    );
    expect(error.message).toMatch(/^Not promoting: .*CVE-2024-3094 \(CRITICAL in xz-utils 5\.6\.0-0\.2\)/);
    expect(error.message).toContain('No tag was added.');
    expect(await ecr.describeDigest(ACCOUNT, 'docuthinker-backend', 'production')).toBeUndefined();
    expect(sim.control.calls()['ECR.PutImage'] ?? 0).toBe(puts);
  });

  it('promotes an image whose findings are below scan-fail-on', async () => {
    findings(ZLIB);
    await staging();
    const result = await buildAndPush(
      settings([image('docuthinker-backend', ['production'], 'staging')], 'HIGH', { sourceTag: 'staging' }),
      deps()
    );
    expect(result.images[0]).toMatchObject({ action: 'promoted', addedTags: ['production'] });
    expect(await ecr.describeDigest(ACCOUNT, 'docuthinker-backend', 'production')).toBe(
      result.images[0].digest
    );
  });
});
