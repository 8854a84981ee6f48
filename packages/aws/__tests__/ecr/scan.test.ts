import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '@deploy-suite/testing';
import {
  atOrAbove,
  judgeScan,
  readImageScan,
  severityCounts,
  type ScanFailOn,
  type ScanFindingsPage,
  type ScanOutcome
} from '@deploy-suite/aws/ecr';

const IMAGE = {
  label: '123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend@sha256:abc',
  repository: 'docuthinker-backend',
  timeout: '10m'
};

describe('atOrAbove', () => {
  const table: Array<[string, ScanFailOn, boolean]> = [
    ['CRITICAL', 'CRITICAL', true],
    ['HIGH', 'CRITICAL', false],
    ['CRITICAL', 'HIGH', true],
    ['HIGH', 'HIGH', true],
    ['MEDIUM', 'HIGH', false],
    ['MEDIUM', 'MEDIUM', true],
    ['LOW', 'MEDIUM', false],
    ['LOW', 'LOW', true],
    ['INFORMATIONAL', 'LOW', false],
    ['UNDEFINED', 'LOW', false],
    ['CRITICAL', 'none', false],
    ['high', 'HIGH', true]
  ];
  it.each(table)('%s against %s: %s', (severity, threshold, expected) => {
    expect(atOrAbove(severity, threshold)).toBe(expected);
  });
});

it('severityCounts always has the four gating severities, worst first, others only when found', () => {
  expect(severityCounts({ LOW: 2 })).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 2 });
  expect(Object.keys(severityCounts({ INFORMATIONAL: 1, HIGH: 1 }))).toEqual([
    'CRITICAL',
    'HIGH',
    'MEDIUM',
    'LOW',
    'INFORMATIONAL'
  ]);
});

const xz = { name: 'CVE-2024-3094', severity: 'CRITICAL', package: 'xz-utils', version: '5.6.0-0.2' };
const openssl = { name: 'CVE-2023-0286', severity: 'HIGH', package: 'openssl', version: '3.0.7' };
const zlib = { name: 'CVE-2022-37434', severity: 'MEDIUM', package: 'zlib' };
const findings: ScanOutcome = {
  state: 'complete',
  counts: { CRITICAL: 1, HIGH: 1, MEDIUM: 1 },
  findings: [xz, openssl, zlib]
};

describe('judgeScan: findings against the threshold', () => {
  it.each([
    ['CRITICAL', false, ['CVE-2024-3094']],
    ['HIGH', false, ['CVE-2024-3094', 'CVE-2023-0286']],
    ['MEDIUM', false, ['CVE-2024-3094', 'CVE-2023-0286', 'CVE-2022-37434']],
    ['LOW', false, ['CVE-2024-3094', 'CVE-2023-0286', 'CVE-2022-37434']],
    ['none', true, []]
  ] as Array<[ScanFailOn, boolean, string[]]>)('scan-fail-on %s: pass %s', (failOn, pass, named) => {
    const verdict = judgeScan(findings, failOn, IMAGE);
    expect(verdict.pass).toBe(pass);
    expect(verdict.blocking.map(finding => finding.name)).toEqual(named);
    for (const name of named) expect(verdict.message).toContain(name);
    if (!pass) {
      expect(verdict.message).toContain(`at or above ${failOn}`);
      expect(verdict.message).toContain('CVE-2024-3094 (CRITICAL in xz-utils 5.6.0-0.2)');
    }
  });

  it('below the threshold passes without a message', () => {
    const medium: ScanOutcome = { state: 'complete', counts: { MEDIUM: 1 }, findings: [zlib] };
    expect(judgeScan(medium, 'HIGH', IMAGE)).toEqual({ pass: true, blocking: [] });
  });

  it('a clean image passes at every threshold', () => {
    const clean: ScanOutcome = { state: 'complete', counts: {}, findings: [] };
    for (const failOn of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'none'] as const)
      expect(judgeScan(clean, failOn, IMAGE).pass).toBe(true);
  });

  it('counts beyond the findings read are still counted ("and N more")', () => {
    const many: ScanOutcome = { state: 'complete', counts: { CRITICAL: 14 }, findings: [xz] };
    expect(judgeScan(many, 'CRITICAL', IMAGE).message).toMatch(/14 findings .* CVE-2024-3094 .* and 13 more/);
  });
});

describe('judgeScan: no result', () => {
  const cases: Array<[string, ScanOutcome, RegExp]> = [
    ['not-scanned', { state: 'not-scanned' }, /does not scan images on push/],
    [
      'failed',
      { state: 'failed', status: 'UNSUPPORTED_IMAGE', description: 'The operating system is not supported' },
      /ended UNSUPPORTED_IMAGE: The operating system is not supported/
    ],
    [
      'timeout',
      { state: 'timeout', waitedMs: 600_000, lastStatus: 'IN_PROGRESS' },
      /did not finish within "scan-timeout" \(10m; last status: IN_PROGRESS\)/
    ],
    [
      'denied',
      { state: 'denied', message: 'User: ... is not authorized' },
      /lacks ecr:DescribeImageScanFindings/
    ]
  ];
  it.each(cases)('%s fails when gating', (_, outcome, reason) => {
    const verdict = judgeScan(outcome, 'HIGH', IMAGE);
    expect(verdict.pass).toBe(false);
    expect(verdict.message).toMatch(reason);
  });
  it.each(cases)('%s passes with a warning (or a note) when not gating', (state, outcome, reason) => {
    const verdict = judgeScan(outcome, 'none', IMAGE);
    expect(verdict.pass).toBe(true);
    if (state === 'not-scanned') {
      expect(verdict.message).toBeUndefined();
      expect(verdict.note).toMatch(reason);
    } else expect(verdict.message).toMatch(reason);
  });
  it('gating on a repository without scanning names the fix', () => {
    expect(judgeScan({ state: 'not-scanned' }, 'CRITICAL', IMAGE).message).toContain(
      'aws ecr put-image-scanning-configuration --repository-name docuthinker-backend --image-scanning-configuration scanOnPush=true'
    );
  });
});

/** DescribeImageScanFindings answers in turn (the last repeats); `'denied'` throws as the SDK does. */
function scripted(answers: Array<ScanFindingsPage | undefined | 'denied'>, scanOnPush = true) {
  const calls: string[] = [];
  let asked = 0;
  return {
    calls,
    api: {
      async describeScanFindings() {
        const answer = answers[Math.min(asked++, answers.length - 1)];
        calls.push('DescribeImageScanFindings');
        if (answer === 'denied')
          throw Object.assign(new Error('not authorized to perform: ecr:DescribeImageScanFindings'), {
            name: 'AccessDeniedException'
          });
        return answer;
      },
      async describeRepository() {
        calls.push('DescribeRepositories');
        return { uri: '', tagMutability: 'MUTABLE', scanOnPush };
      }
    }
  };
}
const target = {
  registryId: '123456789012',
  repository: 'docuthinker-backend',
  digest: 'sha256:abc',
  label: 'backend'
};
const inProgress: ScanFindingsPage = { status: 'IN_PROGRESS', counts: {}, findings: [] };

describe('readImageScan', () => {
  it('waits while IN_PROGRESS, then reads the findings worst first, every text field redacted', async () => {
    const { api } = scripted([
      undefined,
      inProgress,
      {
        status: 'COMPLETE',
        counts: { HIGH: 1, CRITICAL: 1 },
        findings: [
          { ...openssl, uri: 'https://user:hunter2@example.test/CVE?token=abc' },
          { ...xz, package: 'xz-utils TOPSECRETVALUE' }
        ]
      }
    ]);
    const clock = new FakeClock();
    const outcome = await readImageScan(api, target, {
      timeoutMs: 600_000,
      clock,
      redact: text =>
        text
          .replace('TOPSECRETVALUE', '***')
          .replace(/\/\/[^@/]+@/, '//')
          .replace(/=abc/, '=***')
    });
    expect(outcome).toEqual({
      state: 'complete',
      counts: { HIGH: 1, CRITICAL: 1 },
      findings: [
        { ...xz, package: 'xz-utils ***', uri: undefined },
        { ...openssl, uri: 'https://example.test/CVE?token=***' }
      ]
    });
    expect(clock.sleeps.length).toBe(2);
  });

  it('a repository without scan on push: said at once, no wait', async () => {
    const { api, calls } = scripted([undefined], false);
    const clock = new FakeClock();
    expect(await readImageScan(api, target, { timeoutMs: 600_000, clock, redact: t => t })).toEqual({
      state: 'not-scanned'
    });
    expect(clock.sleeps).toEqual([]);
    expect(calls).toEqual(['DescribeImageScanFindings', 'DescribeRepositories']);
  });

  it('an image this step did not push (reused, promoted) without a scan: not-scanned at once, even with scan on push', async () => {
    const { api } = scripted([undefined], true);
    const clock = new FakeClock();
    const outcome = await readImageScan(api, target, {
      timeoutMs: 600_000,
      clock,
      redact: t => t,
      justPushed: false
    });
    expect(outcome).toEqual({ state: 'not-scanned', unscannedPush: true });
    expect(clock.sleeps).toEqual([]);
    const verdict = judgeScan(outcome, 'HIGH', {
      label: 'img',
      repository: 'docuthinker-backend',
      timeout: '10m'
    });
    expect(verdict.pass).toBe(false);
    expect(verdict.message).toMatch(
      /pushed before repository docuthinker-backend scanned on push.*start-image-scan/
    );
  });

  it('a scan still running at the deadline: timeout with the last status', async () => {
    const { api } = scripted([inProgress]);
    const outcome = await readImageScan(api, target, {
      timeoutMs: 60_000,
      clock: new FakeClock(),
      redact: t => t
    });
    expect(outcome).toMatchObject({ state: 'timeout', lastStatus: 'IN_PROGRESS' });
  });

  it('FAILED and UNSUPPORTED_IMAGE end the wait with ECR description', async () => {
    const { api } = scripted([
      {
        status: 'UNSUPPORTED_IMAGE',
        description: 'UnsupportedImageError: distroless',
        counts: {},
        findings: []
      }
    ]);
    expect(
      await readImageScan(api, target, { timeoutMs: 60_000, clock: new FakeClock(), redact: t => t })
    ).toEqual({
      state: 'failed',
      status: 'UNSUPPORTED_IMAGE',
      description: 'UnsupportedImageError: distroless'
    });
  });

  it('AccessDeniedException is an outcome, not a crash', async () => {
    const { api } = scripted(['denied']);
    expect(
      await readImageScan(api, target, { timeoutMs: 60_000, clock: new FakeClock(), redact: t => t })
    ).toMatchObject({
      state: 'denied',
      message: expect.stringContaining('ecr:DescribeImageScanFindings')
    });
  });
});
