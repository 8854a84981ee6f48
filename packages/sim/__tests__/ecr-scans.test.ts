import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
  StartImageScanCommand,
  type ImageScanFinding
} from '@aws-sdk/client-ecr';
import type { RunningSimulator } from '../src/index.js';
import { ECR, credentials, frozenSim } from './helpers.js';

const REPO = 'docuthinker-backend';
const URI = `${ECR}/${REPO}`;
const FINDINGS = [
  { name: 'CVE-2024-5535', severity: 'MEDIUM', package: 'openssl', version: '3.0.13-1' },
  { name: 'CVE-2023-44487', severity: 'HIGH', package: 'nghttp2', version: '1.52.0-1' },
  {
    name: 'CVE-2024-3094',
    severity: 'CRITICAL',
    package: 'xz-utils',
    version: '5.6.0-0.2',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2024-3094'
  },
  { name: 'CVE-2022-40897', severity: 'HIGH', package: 'setuptools', version: '65.5.0' },
  { name: 'CVE-2023-4039', severity: 'LOW' }
] as const;

let sim: RunningSimulator;
let ecr: ECRClient;

beforeAll(async () => {
  sim = await frozenSim();
  ecr = new ECRClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
});
afterAll(async () => {
  ecr.destroy();
  await sim.close();
});
beforeEach(() => sim.control.reset());

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the call to fail');
}

async function repository(scanOnPush: boolean, name = REPO): Promise<void> {
  await ecr.send(
    new CreateRepositoryCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush } })
  );
}

async function describeImage(tag: string) {
  const out = await ecr.send(
    new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageTag: tag }] })
  );
  return out.imageDetails![0];
}

async function allFindings(
  tag: string,
  maxResults: number
): Promise<{ pages: number; found: ImageScanFinding[] }> {
  const found: ImageScanFinding[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: REPO,
        imageId: { imageTag: tag },
        maxResults,
        nextToken
      })
    );
    found.push(...page.imageScanFindings!.findings!);
    nextToken = page.nextToken;
    pages++;
  } while (nextToken && pages < 20);
  return { pages, found };
}

describe('ECR image scanning', () => {
  it('scan on push: IN_PROGRESS, then COMPLETE a few simulated seconds later with the rule findings by severity', async () => {
    await repository(true);
    sim.control.images({ image: URI, behavior: 'healthy', findings: [...FINDINGS] });
    const seeded = await sim.control.ecrImages({ repository: REPO, tags: ['deadbee', 'latest'] });

    const pushed = await describeImage('deadbee');
    expect(pushed.imageScanStatus).toEqual({ status: 'IN_PROGRESS' });
    expect(pushed.imageScanFindingsSummary).toBeUndefined();
    const early = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: REPO, imageId: { imageTag: 'deadbee' } })
    );
    expect(early.imageScanStatus!.status).toBe('IN_PROGRESS');
    expect(early.imageScanFindings).toBeUndefined();

    sim.control.advance(5);
    const scanned = await describeImage('latest');
    expect(scanned.imageScanStatus).toEqual({
      status: 'COMPLETE',
      description: 'The scan was completed successfully.'
    });
    expect(scanned.imageScanFindingsSummary!.findingSeverityCounts).toEqual({
      CRITICAL: 1,
      HIGH: 2,
      MEDIUM: 1,
      LOW: 1
    });
    expect(scanned.imageScanFindingsSummary!.imageScanCompletedAt!.getTime()).toBe(
      scanned.imagePushedAt!.getTime() + 5000
    );

    const out = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: REPO, imageId: { imageDigest: seeded.digest } })
    );
    expect(out.imageId).toEqual({ imageDigest: seeded.digest });
    expect(out.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 1 });
    expect(out.imageScanFindings!.findings![0]).toEqual({
      name: 'CVE-2024-3094',
      severity: 'CRITICAL',
      uri: 'https://security-tracker.debian.org/tracker/CVE-2024-3094',
      attributes: [
        { key: 'package_version', value: '5.6.0-0.2' },
        { key: 'package_name', value: 'xz-utils' }
      ]
    });

    // paging: 5 findings, 2 per page, worst first
    const { pages, found } = await allFindings('deadbee', 2);
    expect(pages).toBe(3);
    expect(found.map(f => `${f.severity} ${f.name}`)).toEqual([
      'CRITICAL CVE-2024-3094',
      'HIGH CVE-2022-40897',
      'HIGH CVE-2023-44487',
      'MEDIUM CVE-2024-5535',
      'LOW CVE-2023-4039'
    ]);
    expect(found[4]).toMatchObject({ uri: 'https://nvd.nist.gov/vuln/detail/CVE-2023-4039', attributes: [] });
  });

  it('an image without findings scans COMPLETE with no counts; a tag rule and a digest rule pick their image', async () => {
    await repository(true);
    const clean = await sim.control.ecrImages({ repository: REPO, tags: ['v1'] });
    sim.control.images({
      image: `${URI}:v2`,
      behavior: 'healthy',
      findings: [{ name: 'CVE-2024-1', severity: 'HIGH' }]
    });
    const tagged = await sim.control.ecrImages({ repository: REPO, tags: ['v2'] });
    const pinned = await sim.control.ecrImages({ repository: REPO, tags: ['v3'] });
    sim.control.images({
      image: `${URI}:v3`,
      behavior: 'healthy',
      findings: [{ name: 'CVE-2024-2', severity: 'LOW' }]
    });
    sim.control.images({
      image: `${URI}@${pinned.digest}`,
      behavior: 'healthy',
      findings: [{ name: 'CVE-2024-3', severity: 'INFORMATIONAL' }]
    });
    sim.control.advance(5);

    expect((await describeImage('v1')).imageScanFindingsSummary!.findingSeverityCounts).toEqual({});
    const none = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: REPO, imageId: { imageDigest: clean.digest } })
    );
    expect(none.imageScanFindings!.findings).toEqual([]);
    expect(none.nextToken).toBeUndefined();
    expect((await describeImage('v2')).imageScanFindingsSummary!.findingSeverityCounts).toEqual({ HIGH: 1 });
    // the digest rule wins over the tag rule; findings are read when the scan completes
    expect((await describeImage('v3')).imageScanFindingsSummary!.findingSeverityCounts).toEqual({
      INFORMATIONAL: 1
    });
    expect(tagged.digest).not.toBe(pinned.digest);
  });

  it('PutImage of a new manifest on a scan-on-push repository scans it; retagging a scanned image does not rescan', async () => {
    await repository(true);
    sim.control.images({
      image: URI,
      behavior: 'healthy',
      findings: [{ name: 'CVE-2024-9', severity: 'CRITICAL' }]
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: 10,
        digest: 'sha256:' + 'a'.repeat(64)
      },
      layers: []
    });
    await ecr.send(
      new PutImageCommand({ repositoryName: REPO, imageManifest: manifest, imageTag: 'abc1234' })
    );
    expect((await describeImage('abc1234')).imageScanStatus!.status).toBe('IN_PROGRESS');
    sim.control.advance(10);
    const first = await describeImage('abc1234');
    await ecr.send(
      new PutImageCommand({ repositoryName: REPO, imageManifest: manifest, imageTag: 'production' })
    );
    const retagged = await describeImage('production');
    expect(retagged.imageScanStatus!.status).toBe('COMPLETE');
    expect(retagged.imageScanFindingsSummary).toEqual(first.imageScanFindingsSummary);
  });

  it('never scanned: no status, ScanNotFoundException; StartImageScan scans once a day (basic scanning quota)', async () => {
    await repository(false);
    const seeded = await sim.control.ecrImages({ repository: REPO, tags: ['v1'] });
    expect((await describeImage('v1')).imageScanStatus).toBeUndefined();
    expect(
      await errorOf(
        ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: REPO, imageId: { imageTag: 'v1' } }))
      )
    ).toEqual({
      name: 'ScanNotFoundException',
      message: `Image scan does not exist for the image with '{imageDigest:'null', imageTag:'v1'}' in the repository with name '${REPO}' in the registry with id '123456789012'`
    });

    const started = await ecr.send(
      new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: 'v1' } })
    );
    expect(started).toMatchObject({
      repositoryName: REPO,
      imageId: { imageDigest: seeded.digest, imageTag: 'v1' },
      imageScanStatus: { status: 'IN_PROGRESS' }
    });
    sim.control.advance(5);
    expect((await describeImage('v1')).imageScanStatus!.status).toBe('COMPLETE');
    expect(
      (
        await errorOf(
          ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: 'v1' } }))
        )
      ).name
    ).toBe('LimitExceededException');
    sim.control.advance(24 * 3600);
    await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: 'v1' } }));
    expect((await describeImage('v1')).imageScanStatus!.status).toBe('IN_PROGRESS');

    expect(
      (
        await errorOf(
          ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: 'nope' } }))
        )
      ).name
    ).toBe('ImageNotFoundException');
  });

  it('a denied ecr:DescribeImageScanFindings answers AccessDeniedException', async () => {
    await repository(true);
    await sim.control.ecrImages({ repository: REPO, tags: ['v1'] });
    sim.control.advance(5);
    sim.control.deny({ action: 'ecr:DescribeImageScanFindings' });
    expect(
      await errorOf(
        ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: REPO, imageId: { imageTag: 'v1' } }))
      )
    ).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('ecr:DescribeImageScanFindings')
    });
    expect((await describeImage('v1')).imageScanStatus!.status).toBe('COMPLETE');
  });

  it('refuses findings rules it cannot honour, naming the field', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.endpoint}/_sim/images`, { method: 'POST', body: JSON.stringify(body) }).then(async r => ({
        status: r.status,
        body: (await r.json()) as { message?: string }
      }));
    expect(await post({ image: URI, findings: [{ name: 'CVE-1', severity: 'SEVERE' }] })).toEqual({
      status: 400,
      body: {
        message:
          'images: findings[0].severity must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED, got "SEVERE"'
      }
    });
    expect((await post({ image: URI, findings: [{ severity: 'LOW' }] })).body.message).toMatch(
      /findings\[0\]\.name/
    );
    expect((await post({ image: URI, logs: 'one line' })).body.message).toMatch(/"logs" must be a list/);
    expect(
      (await post({ image: URI, findings: [{ name: 'CVE-1', severity: 'LOW', package: 'zlib' }] })).status
    ).toBe(200);
  });
});
