import { describe, expect, it } from '@jest/globals';
import {
  IMMUTABLE_CACHE_CONTROL,
  SiteRuleError,
  cacheControlOf,
  contentTypeOf,
  isValidCacheControl,
  parseCacheRules
} from '../src/site-rules.js';

const lines = (...texts: string[]) => texts.map((text, i) => ({ text, line: i + 1 }));

describe('Content-Type', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['static/js/main.8f3a2b1c.js', 'text/javascript; charset=utf-8'],
    ['static/css/main.1a2b3c4d.css', 'text/css; charset=utf-8'],
    ['manifest.json', 'application/json; charset=utf-8'],
    ['site.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['logo.svg', 'image/svg+xml; charset=utf-8'],
    ['robots.txt', 'text/plain; charset=utf-8'],
    ['logo192.png', 'image/png'],
    ['fonts/inter.5f2c9a01.woff2', 'font/woff2'],
    ['video.mp4', 'video/mp4'],
    ['data.wasm', 'application/wasm'],
    ['LICENSE', 'application/octet-stream'],
    ['archive.unknownext', 'application/octet-stream']
  ])('%s is %s', (path, type) => {
    expect(contentTypeOf(path)).toBe(type);
  });
});

describe('Cache-Control rules', () => {
  it('defaults: immutable for fingerprinted files, no-cache for HTML and the rest', () => {
    expect(cacheControlOf('static/js/main.8f3a2b1c.js', [])).toBe(IMMUTABLE_CACHE_CONTROL);
    expect(cacheControlOf('index.html', [])).toBe('no-cache');
    expect(cacheControlOf('favicon.ico', [])).toBe('no-cache');
  });

  it('glob=value lines override the defaults; the last matching line wins; no slash matches any folder', () => {
    const rules = parseCacheRules(
      lines(
        '*.html=public, max-age=60',
        'docs/**=public, max-age=600',
        'docs/private/*.html=no-store',
        'favicon.ico=public, max-age=86400'
      )
    );
    expect(cacheControlOf('index.html', rules)).toBe('public, max-age=60');
    expect(cacheControlOf('deep/er/page.html', rules)).toBe('public, max-age=60');
    expect(cacheControlOf('docs/intro.html', rules)).toBe('public, max-age=600');
    expect(cacheControlOf('docs/private/keys.html', rules)).toBe('no-store');
    expect(cacheControlOf('favicon.ico', rules)).toBe('public, max-age=86400');
    expect(cacheControlOf('static/js/main.8f3a2b1c.js', rules)).toBe(IMMUTABLE_CACHE_CONTROL);
  });

  it('matches dot files and ignores a leading ./', () => {
    const rules = parseCacheRules(lines('./.well-known/**=public, max-age=300'));
    expect(cacheControlOf('.well-known/security.txt', rules)).toBe('public, max-age=300');
  });

  it.each([
    ['no equals sign', 'no-cache', /line 1 must be glob=value/],
    ['empty glob', '=no-cache', /line 1 must be glob=value/],
    ['empty value', '*.html=', /line 1 must be glob=value/],
    ['not a Cache-Control value', '*.html=cache me please', /is not a Cache-Control value/],
    ['unbalanced quote', '*.html=private="x', /is not a Cache-Control value/]
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseCacheRules(lines(text))).toThrow(SiteRuleError);
    expect(() => parseCacheRules(lines(text))).toThrow(message);
  });

  it('knows Cache-Control syntax', () => {
    expect(isValidCacheControl('public, max-age=31536000, immutable')).toBe(true);
    expect(isValidCacheControl('no-cache="Set-Cookie"')).toBe(true);
    expect(isValidCacheControl('max-age=60,,')).toBe(false);
  });
});
