import { describe, expect, it } from '@jest/globals';
import { kindOf } from '../../src/static-site/kinds.js';
import {
  keysToInspect,
  nestedSitePrefixes,
  planCleanup,
  planRelease,
  remoteFromRecords,
  uploadOrder,
  type RemoteObject,
  type SiteObject
} from '../../src/static-site/plan.js';
import type { ReleaseRecord } from '../../src/static-site/records.js';

const sha = (c: string) => c.repeat(64);
const file = (
  path: string,
  hash: string,
  cacheControl = 'no-cache',
  contentType = 'text/html; charset=utf-8'
): SiteObject => ({
  path,
  key: path,
  kind: kindOf(path),
  sha256: sha(hash),
  size: 10,
  contentType,
  cacheControl
});
const live = (f: SiteObject, overrides: Partial<RemoteObject> = {}): [string, RemoteObject] => [
  f.key,
  {
    key: f.key,
    size: f.size,
    etag: `"e-${f.sha256.slice(0, 4)}"`,
    sha256: f.sha256,
    contentType: f.contentType,
    cacheControl: f.cacheControl,
    ...overrides
  }
];
const record = (id: string, files: SiteObject[]): ReleaseRecord => ({
  format: 1,
  id,
  createdAt: '2026-12-02T00:00:00.000Z',
  files: files.map(f => ({
    path: f.path,
    sha256: f.sha256,
    size: f.size,
    contentType: f.contentType,
    cacheControl: f.cacheControl,
    etag: `"e-${f.sha256.slice(0, 4)}"`
  }))
});

describe('change detection', () => {
  it('uploads new and changed files, re-uploads changed headers, keeps equal ones', () => {
    const index = file('index.html', 'a');
    const js = file(
      'static/js/main.8f3a2b1c.js',
      'b',
      'public, max-age=31536000, immutable',
      'text/javascript; charset=utf-8'
    );
    const robots = file('robots.txt', 'c', 'no-cache', 'text/plain; charset=utf-8');
    const fresh = file(
      'static/css/main.1a2b3c4d.css',
      'd',
      'public, max-age=31536000, immutable',
      'text/css; charset=utf-8'
    );
    const remote = new Map([
      live({ ...index, sha256: sha('0') }),
      live(js),
      live(robots, { cacheControl: 'public, max-age=60' })
    ]);
    const plan = planRelease({
      files: [index, js, robots, fresh],
      remote,
      kept: [],
      blobs: new Set(),
      prefix: ''
    });
    expect(plan.uploads.map(u => [u.file.path, u.reason])).toEqual([
      ['static/css/main.1a2b3c4d.css', 'new'],
      ['robots.txt', 'headers'],
      ['index.html', 'changed']
    ]);
    expect(plan.unchanged.map(f => f.path)).toEqual(['static/js/main.8f3a2b1c.js']);
    expect(plan.overwritten).toEqual(['robots.txt', 'index.html']);
  });

  it('trusts a record only while the live ETag and size still match it; the rest is inspected', () => {
    const index = file('index.html', 'a');
    const js = file('static/js/main.8f3a2b1c.js', 'b');
    const listing = [
      { key: 'index.html', size: 10, etag: '"e-aaaa"' },
      { key: 'static/js/main.8f3a2b1c.js', size: 10, etag: '"changed-behind-our-back"' },
      { key: '.deploy-suite/releases/20261202T000000Z.json', size: 99, etag: '"r"' }
    ];
    const remote = remoteFromRecords(listing, [record('20261202T000000Z', [index, js])], '');
    expect(remote.get('index.html')?.sha256).toBe(sha('a'));
    expect(remote.get('static/js/main.8f3a2b1c.js')?.sha256).toBeUndefined();
    expect(remote.has('.deploy-suite/releases/20261202T000000Z.json')).toBe(false);
    expect(keysToInspect(['index.html', 'static/js/main.8f3a2b1c.js', 'new.html'], remote)).toEqual([
      'static/js/main.8f3a2b1c.js'
    ]);
  });
});

describe('upload order', () => {
  it('fingerprinted, then unfingerprinted, then HTML with the root index.html last', () => {
    const files = [
      'index.html',
      'about.html',
      'manifest.json',
      'static/js/main.8f3a2b1c.js',
      'zz/index.html',
      'favicon.ico'
    ].map(p => file(p, 'a'));
    expect([...files].sort(uploadOrder).map(f => f.path)).toEqual([
      'static/js/main.8f3a2b1c.js',
      'favicon.ico',
      'manifest.json',
      'about.html',
      'zz/index.html',
      'index.html'
    ]);
  });
});

describe('saving bytes before overwriting', () => {
  it('saves the old bytes of a changed key when a kept release needs them, once', () => {
    const v1 = file('index.html', 'a');
    const v2 = file('index.html', 'b');
    const plan = planRelease({
      files: [v2],
      remote: new Map([live(v1)]),
      kept: [record('1', [v1])],
      blobs: new Set(),
      prefix: 'app/'
    });
    expect(plan.preserve).toEqual([
      { key: 'index.html', sha256: sha('a'), blob: `app/.deploy-suite/objects/${sha('a')}` }
    ]);
  });

  it('does not save what no kept release needs, or what is saved already', () => {
    const v1 = file('index.html', 'a');
    const v2 = file('index.html', 'b');
    expect(
      planRelease({ files: [v2], remote: new Map([live(v1)]), kept: [], blobs: new Set(), prefix: '' })
        .preserve
    ).toEqual([]);
    expect(
      planRelease({
        files: [v2],
        remote: new Map([live(v1)]),
        kept: [record('1', [v1])],
        blobs: new Set([sha('a')]),
        prefix: ''
      }).preserve
    ).toEqual([]);
  });
});

describe('cleanup', () => {
  const js1 = file('static/js/main.11111111.js', '1');
  const js2 = file('static/js/main.22222222.js', '2');
  const js3 = file('static/js/main.33333333.js', '3');
  const listing = [js1, js2, js3].map(f => ({ key: f.key, size: 1, etag: '' }));

  it('deletes only what none of the kept releases needs', () => {
    const plan = planCleanup({
      prefix: '',
      listing: [
        ...listing,
        { key: `.deploy-suite/objects/${sha('1')}`, size: 1, etag: '' },
        { key: `.deploy-suite/objects/${sha('3')}`, size: 1, etag: '' }
      ],
      kept: [record('3', [js3]), record('2', [js2])],
      keep: 2,
      releaseCount: 3,
      droppedRecordKeys: ['.deploy-suite/releases/1.json']
    });
    expect(plan).toEqual({
      staleKeys: ['static/js/main.11111111.js'],
      staleBlobs: [`.deploy-suite/objects/${sha('1')}`],
      staleRecords: ['.deploy-suite/releases/1.json']
    });
  });

  it('leaves objects no record knows until keep-releases releases are recorded', () => {
    const plan = planCleanup({
      prefix: '',
      listing,
      kept: [record('3', [js3])],
      keep: 3,
      releaseCount: 1,
      droppedRecordKeys: []
    });
    expect(plan.staleKeys).toEqual([]);
  });

  it('never touches another site deployed under the prefix', () => {
    const other = [
      { key: 'staging/index.html', size: 1, etag: '' },
      { key: 'staging/.deploy-suite/releases/20261202T000000Z.json', size: 1, etag: '' }
    ];
    expect(nestedSitePrefixes('', [...listing, ...other])).toEqual(['staging/']);
    const plan = planCleanup({
      prefix: '',
      listing: [...listing, ...other],
      kept: [record('3', [js3])],
      keep: 1,
      releaseCount: 3,
      droppedRecordKeys: []
    });
    expect(plan.staleKeys.sort()).toEqual(['static/js/main.11111111.js', 'static/js/main.22222222.js']);
  });
});
