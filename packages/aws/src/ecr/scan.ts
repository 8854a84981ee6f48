import { PollTimeoutError, errorMessage, waitUntil, type Clock } from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';
import type { EcrApi, ScanFinding } from './client.js';

/**
 * ECR image scan findings: wait for the scan of a pushed image, read its findings, and decide whether they
 * stop the step (`scan-fail-on`). Reading (readImageScan) and deciding (judgeScan) are apart, so the decisions
 * are table tests and the waiting is a simulator test.
 */

/** ECR's severities, worst first (basic scanning; INFORMATIONAL and UNDEFINED never gate). */
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;

/** The severities `scan-fail-on` accepts, plus `none` (report only). */
export const SCAN_FAIL_ON = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'none'] as const;
export type ScanFailOn = (typeof SCAN_FAIL_ON)[number];

/** The IAM permission the findings need: named in every message about a denied read. */
const SCAN_PERMISSION = 'ecr:DescribeImageScanFindings';

/** How many findings the summary lists per image, and a failure names. */
const TOP_FINDINGS = 10;

function rank(severity: string): number {
  const at = (SEVERITIES as readonly string[]).indexOf(severity.toUpperCase());
  return at < 0 ? SEVERITIES.length : at;
}

/**
 * True when `severity` is at or above the `scan-fail-on` threshold; `none` never is.
 * @internal exported for its tests; the actions go through judgeScan
 */
export function atOrAbove(severity: string, threshold: ScanFailOn): boolean {
  return threshold !== 'none' && rank(severity) <= rank(threshold);
}

/** Counts by severity, every gating severity present (0 when none found), worst first. */
export function severityCounts(counts: Record<string, number>): Record<string, number> {
  const all: Record<string, number> = {};
  for (const severity of SEVERITIES) {
    if (severity === 'CRITICAL' || severity === 'HIGH' || severity === 'MEDIUM' || severity === 'LOW')
      all[severity] = counts[severity] ?? 0;
    else if (counts[severity]) all[severity] = counts[severity];
  }
  return all;
}

/** What is known of one image's scan when the step stops looking. */
export type ScanOutcome =
  | { state: 'complete'; counts: Record<string, number>; findings: ScanFinding[] }
  /** the repository does not scan on push and ECR holds no scan of this image */
  /** unscannedPush: the repository scans on push, but this image (reused or promoted) was never scanned */
  | { state: 'not-scanned'; unscannedPush?: boolean }
  /** FAILED, UNSUPPORTED_IMAGE, SCAN_ELIGIBILITY_EXPIRED, FINDINGS_UNAVAILABLE: ECR's own description */
  | { state: 'failed'; status: string; description: string }
  | { state: 'timeout'; waitedMs: number; lastStatus: string }
  | { state: 'denied'; message: string };

export interface ImageScanTarget {
  registryId: string;
  repository: string;
  digest: string;
  /** what the messages call the image, e.g. uri@digest */
  label: string;
}

export interface ScanWaitOptions {
  timeoutMs: number;
  clock?: Clock;
  /** a line while the scan runs */
  onProgress?: (line: string) => void;
  /**
   * Finding text comes from AWS (a package name or link can carry anything): every text field goes through
   * this before it is kept, as all log text does.
   */
  redact: (text: string) => string;
  /**
   * false: the image was not pushed by this step (a reused or promoted one): a missing scan will not come
   * (scan-on-push only scans pushes), so it is `not-scanned` at once instead of a wait for the deadline.
   */
  justPushed?: boolean;
}

const WAITING = new Set(['IN_PROGRESS', 'PENDING']);
const DONE = new Set(['COMPLETE', 'ACTIVE']);

/**
 * Waits (up to `timeoutMs`) for the scan of one image and reads its findings. A repository without scan on push
 * whose image has no scan is said at once, without waiting: nothing would ever come. With scan on push, a scan
 * not found yet is one about to start (ECR starts it just after the push), so the wait goes on.
 */
export async function readImageScan(
  api: Pick<EcrApi, 'describeScanFindings' | 'describeRepository'>,
  target: ImageScanTarget,
  options: ScanWaitOptions
): Promise<ScanOutcome> {
  let scanOnPush: boolean | undefined;
  let lastStatus = 'not started';
  try {
    return await waitUntil<ScanOutcome>(
      async () => {
        const page = await api.describeScanFindings(target.registryId, target.repository, target.digest);
        if (!page) {
          scanOnPush ??=
            (await api.describeRepository(target.registryId, target.repository))?.scanOnPush ?? false;
          if (!scanOnPush) return { done: true, value: { state: 'not-scanned' } };
          if (options.justPushed === false)
            return { done: true, value: { state: 'not-scanned', unscannedPush: true } };
          return { done: false, progress: `scan of ${target.label} not started yet` };
        }
        lastStatus = page.status;
        if (WAITING.has(page.status))
          return { done: false, progress: `scan of ${target.label} ${page.status}` };
        if (!DONE.has(page.status)) {
          return {
            done: true,
            value: {
              state: 'failed',
              status: page.status,
              description: options.redact(page.description ?? 'no description')
            }
          };
        }
        const findings = page.findings
          .map(finding => ({
            name: options.redact(finding.name),
            severity: finding.severity.toUpperCase(),
            package: finding.package === undefined ? undefined : options.redact(finding.package),
            version: finding.version === undefined ? undefined : options.redact(finding.version),
            uri: finding.uri === undefined ? undefined : options.redact(finding.uri)
          }))
          .sort((a, b) => rank(a.severity) - rank(b.severity) || a.name.localeCompare(b.name));
        return { done: true, value: { state: 'complete', counts: page.counts, findings } };
      },
      {
        what: `the ECR scan of ${target.label}`,
        timeoutMs: options.timeoutMs,
        intervalMs: 5_000,
        maxIntervalMs: 30_000,
        clock: options.clock,
        onProgress: (progress, elapsedMs, attempt) => {
          // every few checks, not every one: a scan takes a minute or two
          if (progress && attempt % 3 === 1)
            options.onProgress?.(`${progress} (${Math.round(elapsedMs / 1000)}s)`);
        }
      }
    );
  } catch (error) {
    if (error instanceof PollTimeoutError) return { state: 'timeout', waitedMs: error.elapsedMs, lastStatus };
    if (awsErrorName(error) === 'AccessDeniedException')
      return { state: 'denied', message: options.redact(errorMessage(error)) };
    throw error;
  }
}

/** The verdict on one image's scan: `fail` stops the step; `warning` and `note` are said and it goes on. */
export interface ScanVerdict {
  pass: boolean;
  /** why it fails, or the warning when it passes with one */
  message?: string;
  /** a plain line (no warning annotation) */
  note?: string;
  /** the findings at or above the threshold (what a failure names) */
  blocking: ScanFinding[];
}

function findingText(finding: ScanFinding): string {
  const what = finding.package ? ` in ${finding.package}${finding.version ? ` ${finding.version}` : ''}` : '';
  return `${finding.name} (${finding.severity}${what})`;
}

/**
 * Decides what a scan outcome means for `failOn`. Asked to gate (`failOn` a severity), the step fails whenever
 * it cannot show the image is clean enough: no scanning, a failed scan, no result by the deadline, no permission
 * to read it. Not gating, those are warnings (a repository without scanning is a plain note).
 */
export function judgeScan(
  outcome: ScanOutcome,
  failOn: ScanFailOn,
  image: { label: string; repository: string; timeout: string }
): ScanVerdict {
  const gating = failOn !== 'none';
  const verdict = (message: string, note = false): ScanVerdict =>
    gating
      ? { pass: false, message, blocking: [] }
      : note
        ? { pass: true, note: message, blocking: [] }
        : { pass: true, message, blocking: [] };
  switch (outcome.state) {
    case 'complete': {
      const blocking = outcome.findings.filter(finding => atOrAbove(finding.severity, failOn));
      const counted = Object.entries(outcome.counts)
        .filter(([severity]) => atOrAbove(severity, failOn))
        .reduce((sum, [, count]) => sum + count, 0);
      const total = Math.max(blocking.length, counted);
      if (total === 0) return { pass: true, blocking: [] };
      const named = blocking.slice(0, TOP_FINDINGS).map(findingText).join(', ');
      const more =
        total > Math.min(blocking.length, TOP_FINDINGS)
          ? ` and ${total - Math.min(blocking.length, TOP_FINDINGS)} more`
          : '';
      return {
        pass: false,
        blocking,
        message:
          `The image ${image.label} has ${total} finding${total === 1 ? '' : 's'} at or above ${failOn} ("scan-fail-on"): ${named}${more}. ` +
          'Fix them (update the base image or the packages) and build again, or raise "scan-fail-on"'
      };
    }
    case 'not-scanned':
      if (outcome.unscannedPush) {
        return verdict(
          `ECR has no scan of ${image.label}: it was pushed before repository ${image.repository} scanned on push` +
            (gating
              ? `, and "scan-fail-on: ${failOn}" cannot be checked. Scan it: aws ecr start-image-scan --repository-name ${image.repository} ` +
                '--image-id imageDigest=<digest>, then run again'
              : ''),
          true
        );
      }
      return verdict(
        `ECR repository ${image.repository} does not scan images on push, so ${image.label} has no scan findings` +
          (gating
            ? `, and "scan-fail-on: ${failOn}" cannot be checked. Turn scanning on: aws ecr put-image-scanning-configuration --repository-name ${image.repository} ` +
              '--image-scanning-configuration scanOnPush=true (or set "scan-fail-on: none")'
            : ''),
        true
      );
    case 'failed':
      return verdict(
        `The ECR scan of ${image.label} ended ${outcome.status}: ${outcome.description}` +
          (outcome.status === 'UNSUPPORTED_IMAGE'
            ? ' (basic scanning reads the OS packages of Linux images; this image has none it knows)'
            : '') +
          (gating ? `; "scan-fail-on: ${failOn}" needs a completed scan` : '')
      );
    case 'timeout':
      return verdict(
        `The ECR scan of ${image.label} did not finish within "scan-timeout" (${image.timeout}; last status: ${outcome.lastStatus})` +
          (gating
            ? `, so "scan-fail-on: ${failOn}" could not be checked; raise "scan-timeout" and run again`
            : '; no findings reported')
      );
    case 'denied':
      return verdict(
        `Cannot read the scan findings of ${image.label}: the role lacks ${SCAN_PERMISSION} (${outcome.message}). ` +
          `Add ${SCAN_PERMISSION} on the repository to the role's policy` +
          (gating ? `; "scan-fail-on: ${failOn}" needs it` : ', or findings stay unreported')
      );
  }
}
