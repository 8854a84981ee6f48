import { describe, expect, it } from '@jest/globals';
import { judgeScan, type ScanOutcome } from '@deploy-suite/aws/ecr';
import type { BuildPushResult, ImageResult } from '../src/build-push.js';
import { ecrRegistry } from '../src/registry.js';
import { actionOutputs, summaryMarkdown } from '../src/summary.js';

const REGISTRY = ecrRegistry('123456789012', 'us-east-1');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const SHA = '0123456789abcdef0123456789abcdef01234567';

function imageWith(
  repository: string,
  outcome: ScanOutcome | undefined,
  change: Partial<ImageResult> = {}
): ImageResult {
  const uri = `${REGISTRY.host}/${repository}`;
  return {
    repository,
    uri,
    tags: [SHA, 'latest'],
    digest: DIGEST,
    image: `${uri}@${DIGEST}`,
    action: 'built',
    addedTags: [],
    heldBack: [],
    scan: outcome
      ? { outcome, verdict: judgeScan(outcome, 'HIGH', { label: uri, repository, timeout: '10m' }) }
      : undefined,
    ...change
  };
}
const result = (...images: ImageResult[]): BuildPushResult => ({
  registry: REGISTRY,
  builder: 'buildah',
  images,
  createdRepositories: []
});

const many = Array.from({ length: 12 }, (_, index) => ({
  name: `CVE-2024-${1000 + index}`,
  severity: index < 2 ? 'CRITICAL' : 'MEDIUM',
  package: 'openssl',
  version: '3.0.7',
  uri: `https://nvd.nist.gov/vuln/detail/CVE-2024-${1000 + index}`
}));

describe('summaryMarkdown with scans', () => {
  it('no scan read (plain registry): no scan column, no findings section', () => {
    const summary = summaryMarkdown(result(imageWith('docuthinker-backend', undefined)));
    expect(summary).not.toContain('ECR scan');
    expect(summary).not.toContain('Scan findings');
  });

  it('counts worst first per image, what stood in the way otherwise, held-back tags named', () => {
    const summary = summaryMarkdown(
      result(
        imageWith(
          'docuthinker-backend',
          { state: 'complete', counts: { MEDIUM: 10, CRITICAL: 2 }, findings: many },
          {
            tags: [SHA],
            heldBack: ['latest']
          }
        ),
        imageWith('docuthinker-frontend', { state: 'complete', counts: {}, findings: [] }),
        imageWith('docuthinker-ai-ml', { state: 'not-scanned' }),
        imageWith('docuthinker-nginx', { state: 'timeout', waitedMs: 600_000, lastStatus: 'IN_PROGRESS' }),
        imageWith('docuthinker-worker', { state: 'denied', message: 'not authorized' }),
        imageWith('docuthinker-docs', { state: 'failed', status: 'UNSUPPORTED_IMAGE', description: 'x' })
      )
    );
    const row = (repository: string) =>
      summary.split('\n').find(line => line.startsWith(`| \`${repository}\``));
    expect(summary).toContain('| repository | tags | digest | result | ECR scan |');
    expect(row('docuthinker-backend')).toMatch(
      /built and pushed; scan gate failed; not tagged latest \(scan gate\) \| 2 CRITICAL, 10 MEDIUM \|$/
    );
    expect(row('docuthinker-frontend')).toMatch(/\| built and pushed \| no findings \|$/);
    expect(row('docuthinker-ai-ml')).toMatch(/repository does not scan on push \|$/);
    expect(row('docuthinker-nginx')).toMatch(/scan gate failed \| scan not done \(last: IN_PROGRESS\) \|$/);
    expect(row('docuthinker-worker')).toMatch(/findings not readable \(ecr:DescribeImageScanFindings\) \|$/);
    expect(row('docuthinker-docs')).toMatch(/scan UNSUPPORTED_IMAGE \|$/);
    expect(summary).toContain('**Scan gate failed** ("scan-fail-on"):');
    expect(summary).toMatch(
      /^- The image \S+docuthinker-backend has 2 findings at or above HIGH .*CVE-2024-1000/m
    );
    expect(summary).toMatch(/^- .*lacks ecr:DescribeImageScanFindings/m);
  });

  it('lists the top 10 findings with their links, then how many more', () => {
    const summary = summaryMarkdown(
      result(
        imageWith('docuthinker-backend', {
          state: 'complete',
          counts: { CRITICAL: 2, MEDIUM: 10 },
          findings: many
        })
      )
    );
    expect(summary).toContain('#### Scan findings: `docuthinker-backend`');
    expect(summary).toContain('| finding | severity | package | version |');
    expect(summary).toContain(
      '| [CVE-2024-1000](https://nvd.nist.gov/vuln/detail/CVE-2024-1000) | CRITICAL | `openssl` | `3.0.7` |'
    );
    expect(summary).toContain('CVE-2024-1009');
    expect(summary).not.toContain('CVE-2024-1010');
    expect(summary).toContain('...and 2 more');
  });

  it('text from AWS is inert: no HTML, no injected links; a link only for a plain https URL', () => {
    const summary = summaryMarkdown(
      result(
        imageWith('docuthinker-backend', {
          state: 'complete',
          counts: { HIGH: 2 },
          findings: [
            {
              name: 'CVE-1 <img src=x>',
              severity: 'HIGH',
              package: '[click](https://evil.test)',
              uri: 'javascript:alert(1)'
            },
            { name: 'CVE-2', severity: 'HIGH', uri: 'https://evil.test/a)(b' }
          ]
        })
      )
    );
    expect(summary).not.toContain('<img');
    // package text is a code span: shown as written, never a link
    expect(summary).toContain('| `[click](https://evil.test)` |');
    expect(summary).not.toContain('javascript:');
    expect(summary).not.toContain('(https://evil.test/a)(b)');
  });
});

describe('scan-findings output', () => {
  it('keyed by repository: counts for complete scans, the state otherwise; {} when nothing was scanned', () => {
    expect(
      actionOutputs(
        result(
          imageWith('docuthinker-backend', {
            state: 'complete',
            counts: { HIGH: 1, INFORMATIONAL: 3 },
            findings: []
          }),
          imageWith('docuthinker-ai-ml', { state: 'not-scanned' })
        )
      )['scan-findings']
    ).toEqual({
      'docuthinker-backend': {
        status: 'complete',
        counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 3 }
      },
      'docuthinker-ai-ml': { status: 'not-scanned' }
    });
    expect(actionOutputs(result(imageWith('docuthinker-backend', undefined)))['scan-findings']).toEqual({});
  });
});
