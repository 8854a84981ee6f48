import { describe, expect, it } from '@jest/globals';
import { kindOf } from '../../src/static-site/kinds.js';
import type { RemoteObject, SiteObject, UploadStep } from '../../src/static-site/plan.js';
import type { ReleaseRecord } from '../../src/static-site/records.js';
import {
  extraEntryPoints,
  filesOfRecord,
  pickSiteRelease,
  restoreSources
} from '../../src/static-site/restore.js';

const sha = (c: string) => c.repeat(64);
const record = (id: string, files: Array<[string, string]>): ReleaseRecord => ({
  format: 1,
  id,
  createdAt: '2026-12-02T00:00:00.000Z',
  files: files.map(([path, c]) => ({
    path,
    sha256: sha(c),
    size: 1,
    contentType: 'text/html',
    cacheControl: 'no-cache'
  }))
});
const r1 = record('20261201T000000Z', [['index.html', 'a']]);
const r2 = record('20261202T000000Z', [['index.html', 'b']]);
const r0 = record('20261130T000000Z', [['index.html', '0']]);
const r3 = { ...record('20261203T000000Z', [['index.html', 'a']]), restoredFrom: r1.id }; // a rollback to r1

describe('pickSiteRelease', () => {
  it('previous: the newest older release whose files differ from the live one', () => {
    expect(pickSiteRelease({ ids: [r2.id, r1.id], records: [r2, r1] }, 'previous', 's3://b/')).toEqual({
      record: r1
    });
    // after a rollback, previous goes further back: never to the release rolled back from
    const afterRollback = { ids: [r3.id, r2.id, r1.id, r0.id], records: [r3, r2, r1, r0] };
    expect(pickSiteRelease(afterRollback, 'previous', 's3://b/')).toEqual({ record: r0 });
    expect(pickSiteRelease({ ...afterRollback, records: [r3, r2, r1] }, 'previous', 's3://b/')).toEqual({
      problem: expect.stringMatching(/no earlier release/)
    });
  });

  it('a release id, read later when older than the records at hand', () => {
    expect(pickSiteRelease({ ids: [r2.id, r1.id], records: [r2, r1] }, r1.id, 's3://b/')).toEqual({
      record: r1
    });
    expect(pickSiteRelease({ ids: [r2.id, r1.id], records: [r2] }, r1.id, 's3://b/')).toEqual({
      needs: r1.id
    });
  });

  it('names the problem: nothing recorded, nothing to go back to, an unknown id', () => {
    expect(pickSiteRelease({ ids: [], records: [] }, 'previous', 's3://b/')).toEqual({
      problem: expect.stringMatching(/no release is recorded under s3:\/\/b\//)
    });
    expect(pickSiteRelease({ ids: [r1.id], records: [r1] }, 'previous', 's3://b/')).toEqual({
      problem: expect.stringMatching(/it is the only release recorded/)
    });
    expect(pickSiteRelease({ ids: [r1.id], records: [r1] }, '20200101T000000Z', 's3://b/')).toEqual({
      problem: expect.stringMatching(/release 20200101T000000Z is not recorded .* recorded: 20261201T000000Z/)
    });
  });
});

describe('restoreSources', () => {
  const step = (path: string, c: string, reason: UploadStep['reason'] = 'changed'): UploadStep => ({
    file: {
      path,
      key: path,
      kind: kindOf(path),
      sha256: sha(c),
      size: 1,
      contentType: 'text/html',
      cacheControl: 'no-cache'
    } as SiteObject,
    reason
  });
  const remote = (entries: Array<[string, string]>) =>
    new Map<string, RemoteObject>(
      entries.map(([key, c]) => [key, { key, size: 1, etag: '', sha256: sha(c) }])
    );

  it('takes a saved copy first, else a live object that is not overwritten, else reports the file missing', () => {
    const { sources, missing } = restoreSources({
      steps: [
        step('index.html', 'a'),
        step('about.html', 'c'),
        step('404.html', 'd'),
        step('robots.txt', 'e', 'headers')
      ],
      remote: remote([
        ['index.html', 'b'],
        ['copy-of-about.html', 'c'],
        ['404.html', 'x'],
        ['robots.txt', 'e']
      ]),
      blobs: new Set([sha('a')]),
      prefix: ''
    });
    expect(Object.fromEntries(sources)).toEqual({
      'index.html': `.deploy-suite/objects/${sha('a')}`,
      'about.html': 'copy-of-about.html',
      'robots.txt': 'robots.txt'
    });
    expect(missing.map(f => f.path)).toEqual(['404.html']);
  });

  it('never copies from a key the rollback overwrites', () => {
    const { missing } = restoreSources({
      steps: [step('a.html', '2'), step('b.html', '1')],
      remote: remote([
        ['a.html', '1'],
        ['b.html', '2']
      ]),
      blobs: new Set(),
      prefix: ''
    });
    expect(missing.map(f => f.path).sort()).toEqual(['a.html', 'b.html']);
  });
});

describe('extraEntryPoints', () => {
  it('lists live HTML the release does not have, not assets or records', () => {
    const target = record('1', [['index.html', 'a']]);
    const live = new Map<string, RemoteObject>(
      [
        'app/index.html',
        'app/pricing.html',
        'app/static/js/main.8f3a2b1c.js',
        'app/.deploy-suite/releases/x.html'
      ].map(key => [key, { key, size: 1, etag: '' }])
    );
    expect(extraEntryPoints(target, live, 'app/')).toEqual(['app/pricing.html']);
    expect(filesOfRecord(target, 'app/')[0]).toMatchObject({ key: 'app/index.html', kind: 'entry-point' });
  });
});
