import { describe, expect, it } from '@jest/globals';
import { isFingerprinted, kindOf } from '../../src/static-site/kinds.js';

describe('fingerprinted names', () => {
  it.each([
    ['static/js/main.8f3a2b1c.js', true],
    ['static/js/453.2b1c9d0e.chunk.js', true],
    ['static/js/main.8f3a2b1c.js.map', true],
    ['static/media/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg', true],
    ['assets/index-D8b4DLDy.js', true],
    ['assets/vendor-a1B2c3_d.css', true],
    ['index.html', false],
    ['manifest.json', false],
    ['favicon.ico', false],
    ['service-worker.js', false],
    ['bootstrap-responsive.css', false],
    ['app-Settings.js', false], // a word, not a hash: no digit
    ['images/deadbeef.png', false], // hex letters only: a word
    ['docs/2026-release-notes.html', false]
  ])('%s -> %s', (path, expected) => {
    expect(isFingerprinted(path)).toBe(expected);
  });

  it('makes HTML the entry points whatever their names', () => {
    expect(kindOf('index.html')).toBe('entry-point');
    expect(kindOf('docs/page.8f3a2b1c.html')).toBe('entry-point');
    expect(kindOf('static/js/main.8f3a2b1c.js')).toBe('fingerprinted');
    expect(kindOf('robots.txt')).toBe('unfingerprinted');
  });
});
