/**
 * CloudFront's state as the simulator keeps it, and the XML documents of API version 2020-05-31 that
 * `@aws-sdk/client-cloudfront` and botocore read (`Distribution`, `DistributionList`, `Invalidation`,
 * `InvalidationList`). Lists are CloudFront's `<Quantity>` + `<Items>` pairs, not Query `<member>`s.
 */
import { escapeXml } from '../core/xml.js';

export const CLOUDFRONT_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

/** CloudFront's limits on invalidations in progress (per distribution). */
export const MAX_EXACT_PATHS_IN_PROGRESS = 3000;
export const MAX_WILDCARD_PATHS_IN_PROGRESS = 15;

export interface Invalidation {
  id: string;
  status: 'InProgress' | 'Completed';
  createTime: Date;
  callerReference: string;
  paths: string[];
}

/** What the edge holds for one request path: the object as it was read from the origin. */
export interface CachedCopy {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
  cachedAtMs: number;
  /** error answers are cached briefly (CloudFront's default error caching minimum TTL, 10 s) */
  expiresAtMs?: number;
}

export interface Distribution {
  id: string;
  arn: string;
  domainName: string;
  etag: string;
  callerReference: string;
  comment: string;
  enabled: boolean;
  aliases: string[];
  defaultRootObject: string;
  /** the S3 origin: bucket and OriginPath ('' or '/path') */
  bucket: string;
  originPath: string;
  region: string;
  lastModified: Date;
  /** simulated seconds an invalidation stays InProgress */
  invalidationSeconds: number;
  invalidations: Invalidation[];
  cache: Map<string, CachedCopy>;
}

const el = (name: string, value: string | number | boolean) =>
  `<${name}>${escapeXml(String(value))}</${name}>`;

/** CloudFront's list shape: `<Name><Quantity>n</Quantity><Items>...</Items></Name>` (Items left out when empty). */
function quantityList(name: string, items: string[]): string {
  return `<${name}>${el('Quantity', items.length)}${items.length ? `<Items>${items.join('')}</Items>` : ''}</${name}>`;
}

export function xmlDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${CLOUDFRONT_NS}">${inner}</${root}>`;
}

function originDomain(d: Distribution): string {
  return `${d.bucket}.s3.${d.region}.amazonaws.com`;
}

function originId(d: Distribution): string {
  return `S3-${d.bucket}`;
}

function originsXml(d: Distribution): string {
  return quantityList('Origins', [
    `<Origin>${el('Id', originId(d))}${el('DomainName', originDomain(d))}${el('OriginPath', d.originPath)}` +
      `${quantityList('CustomHeaders', [])}<S3OriginConfig>${el('OriginAccessIdentity', '')}</S3OriginConfig>` +
      `${el('ConnectionAttempts', 3)}${el('ConnectionTimeout', 10)}${el('OriginAccessControlId', '')}</Origin>`
  ]);
}

function defaultCacheBehaviorXml(d: Distribution): string {
  return (
    `<DefaultCacheBehavior>${el('TargetOriginId', originId(d))}` +
    `<TrustedSigners>${el('Enabled', false)}${el('Quantity', 0)}</TrustedSigners>` +
    `<TrustedKeyGroups>${el('Enabled', false)}${el('Quantity', 0)}</TrustedKeyGroups>` +
    `${el('ViewerProtocolPolicy', 'redirect-to-https')}` +
    `<AllowedMethods>${el('Quantity', 2)}<Items>${el('Method', 'HEAD')}${el('Method', 'GET')}</Items>` +
    `<CachedMethods>${el('Quantity', 2)}<Items>${el('Method', 'HEAD')}${el('Method', 'GET')}</Items></CachedMethods></AllowedMethods>` +
    `${el('SmoothStreaming', false)}${el('Compress', true)}` +
    // the managed CachingOptimized policy
    `${el('CachePolicyId', '658327ea-f89d-4fab-a63d-7e88639e58f6')}</DefaultCacheBehavior>`
  );
}

function commonFields(d: Distribution): string {
  return (
    quantityList(
      'Aliases',
      d.aliases.map(a => el('CNAME', a))
    ) +
    el('DefaultRootObject', d.defaultRootObject) +
    originsXml(d) +
    quantityList('OriginGroups', []) +
    defaultCacheBehaviorXml(d) +
    quantityList('CacheBehaviors', []) +
    quantityList('CustomErrorResponses', [])
  );
}

const restrictionsXml =
  '<Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction></Restrictions>';
const viewerCertificateXml =
  '<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>' +
  '<MinimumProtocolVersion>TLSv1</MinimumProtocolVersion><CertificateSource>cloudfront</CertificateSource></ViewerCertificate>';

export function distributionXml(d: Distribution): string {
  const inProgress = d.invalidations.filter(i => i.status === 'InProgress').length;
  const config =
    `<DistributionConfig>${el('CallerReference', d.callerReference)}${commonFields(d)}` +
    `${el('Comment', d.comment)}<Logging>${el('Enabled', false)}${el('IncludeCookies', false)}` +
    `${el('Bucket', '')}${el('Prefix', '')}</Logging>${el('PriceClass', 'PriceClass_All')}${el('Enabled', d.enabled)}` +
    `${viewerCertificateXml}${restrictionsXml}${el('WebACLId', '')}${el('HttpVersion', 'http2')}` +
    `${el('IsIPV6Enabled', true)}${el('Staging', false)}</DistributionConfig>`;
  return (
    el('Id', d.id) +
    el('ARN', d.arn) +
    el('Status', 'Deployed') +
    el('LastModifiedTime', d.lastModified.toISOString()) +
    el('InProgressInvalidationBatches', inProgress) +
    el('DomainName', d.domainName) +
    `<ActiveTrustedSigners>${el('Enabled', false)}${el('Quantity', 0)}</ActiveTrustedSigners>` +
    `<ActiveTrustedKeyGroups>${el('Enabled', false)}${el('Quantity', 0)}</ActiveTrustedKeyGroups>` +
    config
  );
}

export function distributionSummaryXml(d: Distribution): string {
  return (
    `<DistributionSummary>${el('Id', d.id)}${el('ARN', d.arn)}${el('ETag', d.etag)}${el('Status', 'Deployed')}` +
    `${el('LastModifiedTime', d.lastModified.toISOString())}${el('DomainName', d.domainName)}` +
    `${commonFields(d)}${el('Comment', d.comment)}${el('PriceClass', 'PriceClass_All')}${el('Enabled', d.enabled)}` +
    `${viewerCertificateXml}${restrictionsXml}${el('WebACLId', '')}${el('HttpVersion', 'http2')}` +
    `${el('IsIPV6Enabled', true)}${el('Staging', false)}</DistributionSummary>`
  );
}

export function invalidationXml(inv: Invalidation): string {
  return (
    el('Id', inv.id) +
    el('Status', inv.status) +
    el('CreateTime', inv.createTime.toISOString()) +
    `<InvalidationBatch>${quantityList(
      'Paths',
      inv.paths.map(p => el('Path', p))
    )}${el('CallerReference', inv.callerReference)}</InvalidationBatch>`
  );
}

export function invalidationSummaryXml(inv: Invalidation): string {
  return `<InvalidationSummary>${el('Id', inv.id)}${el('CreateTime', inv.createTime.toISOString())}${el('Status', inv.status)}</InvalidationSummary>`;
}

/** A paged list: `Marker`, `NextMarker`, `MaxItems`, `IsTruncated`, `Quantity`, `Items`. */
export function pagedListXml(marker: string, maxItems: number, page: string[], nextMarker?: string): string {
  return (
    el('Marker', marker) +
    (nextMarker ? el('NextMarker', nextMarker) : '') +
    el('MaxItems', maxItems) +
    el('IsTruncated', nextMarker !== undefined) +
    el('Quantity', page.length) +
    (page.length ? `<Items>${page.join('')}</Items>` : '')
  );
}

/** Whether an invalidation path covers a request path: exact, or a prefix ending in `*`. */
export function pathCovers(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

export function isWildcard(path: string): boolean {
  return path.includes('*');
}
