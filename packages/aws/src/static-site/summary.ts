import { code, markdownDetails, markdownLink, markdownTable } from '@deploy-suite/core';
import { formatBytes, type ReleaseResult } from './release.js';
import type { ListedObject } from './plan.js';

const HEADLINE: Record<ReleaseResult['status'], string> = {
  deployed: 'deployed',
  unchanged: 'nothing changed',
  planned: 'dry run: planned, nothing changed',
  failed: 'FAILED'
};

/** Links into the AWS console for the bucket, a release record and the distribution's invalidations. */
const siteConsoleLinks = {
  bucket: (region: string, bucket: string, prefix: string): string =>
    `https://${region}.console.aws.amazon.com/s3/buckets/${encodeURIComponent(bucket)}?region=${region}&prefix=${encodeURIComponent(prefix)}`,
  distribution: (id: string): string =>
    `https://us-east-1.console.aws.amazon.com/cloudfront/v4/home#/distributions/${encodeURIComponent(id)}`,
  invalidation: (distributionId: string, invalidationId: string): string =>
    `https://us-east-1.console.aws.amazon.com/cloudfront/v4/home#/distributions/${encodeURIComponent(distributionId)}/invalidations/details/${encodeURIComponent(invalidationId)}`
};

const CATEGORIES = ['HTML', 'JavaScript', 'CSS', 'images', 'fonts', 'data', 'other'] as const;
type Category = (typeof CATEGORIES)[number];

/** A file's category for the summary, from its name. */
function categoryOf(path: string): Category {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (ext === 'html' || ext === 'htm') return 'HTML';
  if (['js', 'mjs', 'cjs', 'map'].includes(ext)) return 'JavaScript';
  if (ext === 'css') return 'CSS';
  if (['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp'].includes(ext)) return 'images';
  if (['woff', 'woff2', 'ttf', 'otf', 'eot'].includes(ext)) return 'fonts';
  if (['json', 'xml', 'txt', 'webmanifest', 'csv'].includes(ext)) return 'data';
  return 'other';
}

type Tally = Record<Category, { count: number; bytes: number }>;

function tally(items: Array<{ path: string; size: number }>): Tally {
  const result = Object.fromEntries(CATEGORIES.map(c => [c, { count: 0, bytes: 0 }])) as Tally;
  for (const item of items) {
    const entry = result[categoryOf(item.path)];
    entry.count++;
    entry.bytes += item.size;
  }
  return result;
}

const cellOf = (t: { count: number; bytes: number }) =>
  t.count === 0 ? '—' : `${t.count} (${formatBytes(t.bytes)})`;

/**
 * The job summary of a release (deploy-static, or rollback's static-site mode): files by type and size,
 * release, invalidation, URL and console links.
 */
export function releaseSummary(
  title: string,
  result: ReleaseResult,
  settings: { bucket: string; prefix: string; region: string },
  words: {
    headline?: Partial<Record<ReleaseResult['status'], string>>;
    written?: string;
    toWrite?: string;
  } = {}
): string {
  const written = words.written ?? 'Uploaded';
  const toWrite = words.toWrite ?? 'To upload';
  const deletedItems = (objects: ListedObject[]) =>
    objects.map(o => ({ path: o.key.slice(settings.prefix.length), size: o.size }));
  const uploaded =
    result.status === 'planned' ? (result.plan?.uploads.map(u => u.file) ?? []) : result.uploaded;
  const columns: Array<[string, Tally]> = [
    [result.status === 'planned' ? toWrite : written, tally(uploaded)],
    ['Unchanged', tally(result.unchanged)],
    [result.status === 'planned' ? 'To delete' : 'Deleted', tally(deletedItems(result.deleted))]
  ];
  const rows = CATEGORIES.filter(c => columns.some(([, t]) => t[c].count > 0)).map(c => [
    c,
    ...columns.map(([, t]) => cellOf(t[c]))
  ]);
  const totals = columns.map(([, t]) => {
    const all = Object.values(t).reduce(
      (sum, e) => ({ count: sum.count + e.count, bytes: sum.bytes + e.bytes }),
      { count: 0, bytes: 0 }
    );
    return `**${cellOf(all)}**`;
  });
  rows.push(['**total**', ...totals]);

  const bucketLink = markdownLink(
    `s3://${settings.bucket}/${settings.prefix}`,
    siteConsoleLinks.bucket(settings.region, settings.bucket, settings.prefix)
  );
  const lines = [
    `### ${title}: ${words.headline?.[result.status] ?? HEADLINE[result.status]}`,
    `${bucketLink} · release ${code(result.release ?? '—')} (previous ${code(result.previousRelease ?? 'none')}) · ${markdownLink(result.url, result.url)}`,
    markdownTable(['Files', ...columns.map(([name]) => name)], rows)
  ];
  if (result.distribution) {
    const d = result.distribution;
    const invalidation = result.invalidation
      ? `invalidation ${markdownLink(result.invalidation.id, siteConsoleLinks.invalidation(d.id, result.invalidation.id))} of ` +
        `${result.invalidation.paths.length === 1 ? code(result.invalidation.paths[0]) : `${result.invalidation.paths.length} paths`}: ` +
        `**${result.invalidation.status}** after ${Math.round(result.invalidation.elapsedMs / 1000)}s`
      : 'no invalidation';
    lines.push(
      `CloudFront ${markdownLink(d.id, siteConsoleLinks.distribution(d.id))} (${code(d.domainName)}): ${invalidation}`
    );
  }
  if (result.reason) lines.push(`**Reason:** ${result.reason}`);
  if (result.stage && result.status === 'failed') lines.push(`**Where it stopped:** ${result.stage}`);
  const changed =
    (result.status === 'planned'
      ? result.plan?.uploads
      : result.plan?.uploads.filter(u => result.uploaded.includes(u.file))) ?? [];
  if (changed.length) {
    const list = changed
      .slice(0, 200)
      .map(
        u => `${u.reason === 'new' ? '+' : '~'} ${u.file.path}  ${u.file.contentType}  ${u.file.cacheControl}`
      )
      .join('\n');
    lines.push(
      markdownDetails(
        `Files ${(result.status === 'planned' ? toWrite : written).toLowerCase()} (${changed.length})`,
        '```\n' + list + (changed.length > 200 ? '\n...' : '') + '\n```'
      )
    );
  }
  if (result.deleted.length) {
    lines.push(
      markdownDetails(
        `Deleted (${result.deleted.length})`,
        '```\n' +
          result.deleted
            .slice(0, 200)
            .map(o => `- ${o.key}`)
            .join('\n') +
          '\n```'
      )
    );
  }
  return lines.join('\n\n') + '\n';
}
