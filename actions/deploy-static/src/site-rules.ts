/**
 * What each file of a built site is served with: its Content-Type (from the `mime` package, with
 * charset=utf-8 for text), its Cache-Control (defaults by whether the name carries a content hash,
 * overridden by `glob=value` lines). Its kind (kinds.ts) decides the default and the upload order.
 */
import mime from 'mime';
import picomatch from 'picomatch';
import { kindOf } from '@deploy-suite/aws/static-site';

/**
 * Long-lived and never revalidated: the name changes whenever the content does.
 * @internal exported for its tests; the actions do not use it
 */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Stored by browsers and edges but revalidated on every use: HTML and files whose names do not change. */
const REVALIDATE_CACHE_CONTROL = 'no-cache';

export class SiteRuleError extends Error {}

export interface CacheRule {
  glob: string;
  value: string;
  line: number;
  matches: (path: string) => boolean;
}

/** A Cache-Control value: directives `name` or `name=value` (token or quoted string), separated by commas. */
const DIRECTIVE = /^[A-Za-z][A-Za-z0-9-]*(=([A-Za-z0-9!#$%&'*+.^_`|~-]+|"[^"\\]*"))?$/;

/**
 * @internal exported for its tests; the actions do not use it
 */
export function isValidCacheControl(value: string): boolean {
  const directives = value.split(',').map(part => part.trim());
  return directives.length > 0 && directives.every(part => DIRECTIVE.test(part));
}

/**
 * `cache-control` lines `glob=value`, e.g. `*.html=no-cache` or `assets/**=public, max-age=31536000, immutable`.
 * Globs are matched against the path inside `source` (picomatch, dot files included); a glob without a
 * slash matches the file name in any folder. When several lines match a file, the last one wins.
 */
export function parseCacheRules(
  lines: Array<{ text: string; line: number }>,
  input = 'cache-control'
): CacheRule[] {
  return lines.map(({ text, line }) => {
    const at = text.indexOf('=');
    const glob = at > 0 ? text.slice(0, at).trim() : '';
    const value = at > 0 ? text.slice(at + 1).trim() : '';
    if (at <= 0 || glob === '' || value === '') {
      throw new SiteRuleError(
        `Input "${input}" line ${line} must be glob=value, e.g. "*.html=no-cache" or ` +
          `"static/**=${IMMUTABLE_CACHE_CONTROL}"; got ${JSON.stringify(text)}`
      );
    }
    if (!isValidCacheControl(value)) {
      throw new SiteRuleError(
        `Input "${input}" line ${line}: ${JSON.stringify(value)} is not a Cache-Control value; write directives ` +
          'separated by commas, e.g. "public, max-age=600" or "no-cache"'
      );
    }
    let matches: (path: string) => boolean;
    try {
      matches = picomatch(glob.replace(/^\.?\//, ''), { dot: true, basename: !glob.includes('/') });
    } catch (error) {
      throw new SiteRuleError(
        `Input "${input}" line ${line}: ${JSON.stringify(glob)} is not a glob (${(error as Error).message})`
      );
    }
    return { glob, value, line, matches };
  });
}

/** Media types that are text although not text/*: served with charset=utf-8 like text. */
const TEXT_TYPES = new Set([
  'application/javascript',
  'application/json',
  'application/ld+json',
  'application/manifest+json',
  'application/xml',
  'application/xhtml+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/x-sh',
  'image/svg+xml'
]);

/** Content-Type from the file extension; unknown extensions are application/octet-stream. */
export function contentTypeOf(path: string): string {
  const type = mime.getType(path) ?? 'application/octet-stream';
  const text = type.startsWith('text/') || TEXT_TYPES.has(type) || /\+(xml|json)$/.test(type);
  return text ? `${type}; charset=utf-8` : type;
}

/** The Cache-Control of a file: the last matching rule, else the default for its kind. */
export function cacheControlOf(path: string, rules: CacheRule[]): string {
  for (let i = rules.length - 1; i >= 0; i--) if (rules[i].matches(path)) return rules[i].value;
  return kindOf(path) === 'fingerprinted' ? IMMUTABLE_CACHE_CONTROL : REVALIDATE_CACHE_CONTROL;
}
