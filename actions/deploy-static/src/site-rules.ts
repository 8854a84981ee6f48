/**
 * What each file of a built site is served with: its Content-Type (from the `mime` package, with
 * charset=utf-8 for text), its Cache-Control (defaults by whether the name carries a content hash,
 * overridden by `glob=value` lines), and its kind, which decides the upload order.
 */
import mime from 'mime';
import picomatch from 'picomatch';

/** Long-lived and never revalidated: the name changes whenever the content does. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Stored by browsers and edges but revalidated on every use: HTML and files whose names do not change. */
export const REVALIDATE_CACHE_CONTROL = 'no-cache';

/**
 * The upload phases, in order: content-hashed files first (new names nobody references yet), then other
 * files that keep their names (scripts or manifests the new pages may load), then the HTML entry points,
 * so no page goes live before everything it loads is there.
 */
export type FileKind = 'fingerprinted' | 'unfingerprinted' | 'entry-point';
export const UPLOAD_PHASES: readonly FileKind[] = ['fingerprinted', 'unfingerprinted', 'entry-point'];

export class SiteRuleError extends Error {}

export interface CacheRule {
  glob: string;
  value: string;
  line: number;
  matches: (path: string) => boolean;
}

/** A Cache-Control value: directives `name` or `name=value` (token or quoted string), separated by commas. */
const DIRECTIVE = /^[A-Za-z][A-Za-z0-9-]*(=([A-Za-z0-9!#$%&'*+.^_`|~-]+|"[^"\\]*"))?$/;

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

/**
 * Whether a file name carries a content hash, as bundlers write them: webpack / Create React App
 * (`main.8f3a2b1c.js`, `logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg`, `453.2b1c9d0e.chunk.js`) and
 * Vite / Rollup (`index-D8b4DLDy.js`). Deliberately strict: a hashed file taken for an unhashed one is
 * only revalidated more often, while an unhashed file taken for a hashed one would be cached for a year.
 */
export function isFingerprinted(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  // hex of 8+ characters with a digit, as its own dot- or dash-separated part
  const hexPart = stem.split(/[.-]/).some(part => /^[0-9a-f]{8,}$/i.test(part) && /\d/.test(part));
  // Rollup's [name]-[hash]: 8 base64url characters after the last dash, with a digit and a letter
  const rollup = /-([A-Za-z0-9_]{8})$/.exec(stem);
  const rollupHash = rollup !== null && /\d/.test(rollup[1]) && /[A-Za-z]/.test(rollup[1]);
  return hexPart || rollupHash;
}

export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

export function kindOf(path: string): FileKind {
  if (isHtml(path)) return 'entry-point';
  return isFingerprinted(path) ? 'fingerprinted' : 'unfingerprinted';
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
