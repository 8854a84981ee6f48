import { code, markdownLink, markdownTable, markdownText } from '@deploy-suite/core';
import { severityCounts, type ScanOutcome } from '@deploy-suite/aws/ecr';
import type { BuildPushResult, ImageResult } from './build-push.js';

interface ImageOutput {
  uri: string;
  digest: string;
  tags: string[];
  image: string;
}

/** The step's outputs: `images` keyed by repository, the first image's `image` and `digest`, and `registry`. */
export function actionOutputs(result: BuildPushResult): Record<string, string | object> {
  const images: Record<string, ImageOutput> = {};
  for (const image of result.images) {
    images[image.repository] = {
      uri: image.uri,
      digest: image.digest ?? '',
      tags: image.tags,
      // Without a push there is no digest: the first tag is the best reference there is.
      image: image.image ?? `${image.uri}:${image.tags[0]}`
    };
  }
  const first = result.images[0];
  return {
    images,
    image: images[first.repository].image,
    digest: first.digest ?? '',
    registry: result.registry.host,
    'scan-findings': scanFindingsOutput(result)
  };
}

/**
 * `scan-findings`: keyed by repository, `{"status", "counts"}` where status is complete, not-scanned, failed,
 * timeout or denied, and counts (complete only) has CRITICAL, HIGH, MEDIUM and LOW always, others when found.
 */
function scanFindingsOutput(result: BuildPushResult): Record<string, object> {
  const out: Record<string, object> = {};
  for (const image of result.images) {
    if (!image.scan) continue;
    const { outcome } = image.scan;
    out[image.repository] =
      outcome.state === 'complete'
        ? { status: outcome.state, counts: severityCounts(outcome.counts) }
        : { status: outcome.state };
  }
  return out;
}

/** The scan column: counts worst first, or what stood in the way of a scan. */
function scanCell(outcome: ScanOutcome | undefined): string {
  if (!outcome) return '';
  switch (outcome.state) {
    case 'complete': {
      const found = Object.entries(severityCounts(outcome.counts)).filter(([, count]) => count > 0);
      return found.length > 0
        ? found.map(([severity, count]) => `${count} ${severity}`).join(', ')
        : 'no findings';
    }
    case 'not-scanned':
      return 'repository does not scan on push';
    case 'failed':
      return `scan ${outcome.status}`;
    case 'timeout':
      return `scan not done (last: ${outcome.lastStatus})`;
    case 'denied':
      return 'findings not readable (ecr:DescribeImageScanFindings)';
  }
}

/** How many findings the summary lists per image. */
const SUMMARY_FINDINGS = 10;

/** A link only when ECR's text is a plain https URL; anything else is shown as inert text. */
function findingLink(name: string, uri: string | undefined): string {
  const text = markdownText(name);
  return uri && /^https:\/\/[^\s()<>[\]]+$/.test(uri) ? markdownLink(text, uri) : text;
}

/** Why the scan gate stopped the step, image by image (the messages carry AWS text: made inert). */
function gateSection(result: BuildPushResult): string {
  const failed = result.images.flatMap(image =>
    image.scan && !image.scan.verdict.pass && image.scan.verdict.message ? [image.scan.verdict.message] : []
  );
  return failed.length > 0
    ? `\n\n**Scan gate failed** ("scan-fail-on"):\n\n${failed.map(message => `- ${markdownText(message)}`).join('\n')}`
    : '';
}

/** Package and version text from AWS as a code span: inert (no HTML, links or emphasis) and shown as it is. */
function inertCode(text: string): string {
  return code(text.replace(/`/g, "'").replace(/\s+/g, ' '));
}

/** The top findings of each image that has any, worst first (text from AWS made inert). */
function findingsSection(result: BuildPushResult): string {
  const parts: string[] = [];
  for (const image of result.images) {
    const outcome = image.scan?.outcome;
    if (outcome?.state !== 'complete' || outcome.findings.length === 0) continue;
    const rows = outcome.findings
      .slice(0, SUMMARY_FINDINGS)
      .map(finding => [
        findingLink(finding.name, finding.uri),
        finding.severity,
        finding.package ? inertCode(finding.package) : '',
        finding.version ? inertCode(finding.version) : ''
      ]);
    const more =
      outcome.findings.length > SUMMARY_FINDINGS
        ? `\n\n...and ${outcome.findings.length - SUMMARY_FINDINGS} more (ECR console: the image's vulnerabilities)`
        : '';
    parts.push(
      `#### Scan findings: ${code(image.repository)}\n\n` +
        markdownTable(['finding', 'severity', 'package', 'version'], rows) +
        more
    );
  }
  return parts.length > 0 ? `\n\n${parts.join('\n\n')}` : '';
}

function what(image: ImageResult): string {
  switch (image.action) {
    case 'built':
      return 'built and pushed';
    case 'built-not-pushed':
      return 'built (push: false)';
    case 'existing':
      return image.addedTags.length > 0
        ? `already built; added ${image.addedTags.join(', ')}`
        : 'already built and tagged';
    case 'promoted':
      return `promoted from ${image.sourceTag}${image.addedTags.length > 0 ? `; added ${image.addedTags.join(', ')}` : ''}`;
  }
}

function resultCell(image: ImageResult): string {
  const held = image.heldBack.length > 0 ? `; not tagged ${image.heldBack.join(', ')} (scan gate)` : '';
  const failed = image.scan && !image.scan.verdict.pass ? '; scan gate failed' : '';
  return `${what(image)}${failed}${held}`;
}

export function summaryMarkdown(result: BuildPushResult): string {
  const scanned = result.images.some(image => image.scan);
  const rows = result.images.map(image => [
    code(image.repository),
    image.tags.map(code).join(' '),
    image.digest ? code(image.digest) : '',
    resultCell(image),
    ...(scanned ? [scanCell(image.scan?.outcome)] : [])
  ]);
  const created =
    result.createdRepositories.length > 0
      ? `\n\nCreated repositories: ${result.createdRepositories.map(code).join(', ')}`
      : '';
  return (
    `### build-push: ${result.images.length} image${result.images.length === 1 ? '' : 's'} in ${code(result.registry.host)}` +
    `${result.builder ? ` (builder ${result.builder})` : ''}\n\n` +
    markdownTable(['repository', 'tags', 'digest', 'result', ...(scanned ? ['ECR scan'] : [])], rows) +
    created +
    gateSection(result) +
    findingsSection(result) +
    '\n'
  );
}
