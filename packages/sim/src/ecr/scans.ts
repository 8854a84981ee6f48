/**
 * ECR basic image scanning: a scan of an image (by digest) starts on push when the repository has
 * `scanOnPush`, or with StartImageScan; it is IN_PROGRESS for SCAN_TAKES_SECONDS simulated seconds,
 * then COMPLETE with the findings of the image's rule (`findings`, looked up by `uri@digest`, then
 * `uri:<tag>` for each tag, then the repository), read when the scan completes.
 */
import { FINDING_SEVERITIES, type ImageFinding } from '../core/images.js';
import type { SimContext } from '../core/service.js';

export const SCAN_TAKES_SECONDS = 5;
/** basic scanning allows one scan per image per day */
export const SCAN_QUOTA_SECONDS = 24 * 60 * 60;
/** how old the vulnerability database is when a scan completes */
const SOURCE_AGE_SECONDS = 60 * 60;

export interface ImageScan {
  status: 'IN_PROGRESS' | 'COMPLETE';
  startedAt: number;
  completedAt?: number;
  findings: ImageFinding[];
}

export class ImageScans {
  private scans = new Map<string, ImageScan>();

  constructor(private readonly ctx: SimContext) {}

  /**
   * Starts a scan of `repository@digest`; `references` gives the image's references when the scan
   * completes (its tags may have moved meanwhile).
   */
  start(repository: string, digest: string, references: () => string[]): ImageScan {
    const key = `${repository}@${digest}`;
    const scan: ImageScan = { status: 'IN_PROGRESS', startedAt: this.ctx.clock.nowMs(), findings: [] };
    this.scans.set(key, scan);
    this.ctx.clock.after(SCAN_TAKES_SECONDS, `scan ${key}`, () => {
      if (this.scans.get(key) !== scan) return; // the image was deleted (or rescanned) meanwhile
      scan.status = 'COMPLETE';
      scan.completedAt = this.ctx.clock.nowMs();
      scan.findings = [...(this.ctx.images.ruleFor(references())?.findings ?? [])].sort(
        (a, b) =>
          FINDING_SEVERITIES.indexOf(a.severity) - FINDING_SEVERITIES.indexOf(b.severity) ||
          a.name.localeCompare(b.name)
      );
    });
    return scan;
  }

  get(repository: string, digest: string): ImageScan | undefined {
    return this.scans.get(`${repository}@${digest}`);
  }

  /** Whether basic scanning's quota (one scan per image per day) refuses another scan now. */
  quotaExceeded(repository: string, digest: string): boolean {
    const scan = this.get(repository, digest);
    return !!scan && this.ctx.clock.nowMs() - scan.startedAt < SCAN_QUOTA_SECONDS * 1000;
  }

  forget(repository: string, digest?: string): void {
    for (const key of [...this.scans.keys()]) {
      if (digest ? key === `${repository}@${digest}` : key.startsWith(`${repository}@`))
        this.scans.delete(key);
    }
  }

  clear(): void {
    this.scans.clear();
  }
}

/** `imageScanStatus` as ECR writes it. */
export function scanStatusOf(scan: ImageScan): { status: string; description?: string } {
  return scan.status === 'COMPLETE'
    ? { status: 'COMPLETE', description: 'The scan was completed successfully.' }
    : { status: 'IN_PROGRESS' };
}

/** Counts by severity; severities without findings are left out, as ECR does. */
export function severityCounts(findings: ImageFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

/** The summary DescribeImages carries (COMPLETE scans only); epoch seconds. */
export function findingsSummaryOf(scan: ImageScan): Record<string, unknown> | undefined {
  if (scan.status !== 'COMPLETE' || scan.completedAt === undefined) return undefined;
  return {
    imageScanCompletedAt: scan.completedAt / 1000,
    vulnerabilitySourceUpdatedAt: scan.completedAt / 1000 - SOURCE_AGE_SECONDS,
    findingSeverityCounts: severityCounts(scan.findings)
  };
}

/** One finding as DescribeImageScanFindings writes it. */
export function describeFinding(f: ImageFinding): Record<string, unknown> {
  const attributes = [
    ...(f.version !== undefined ? [{ key: 'package_version', value: f.version }] : []),
    ...(f.package !== undefined ? [{ key: 'package_name', value: f.package }] : [])
  ];
  return {
    name: f.name,
    description: f.description,
    uri: f.uri ?? `https://nvd.nist.gov/vuln/detail/${f.name}`,
    severity: f.severity,
    attributes
  };
}
