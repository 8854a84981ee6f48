import { describe, expect, it } from '@jest/globals';
import {
  RecordError,
  isRecordKey,
  newReleaseId,
  newestFirst,
  parseRecord,
  recordKey,
  releaseIdOf,
  serializeRecord,
  type ReleaseRecord
} from '../../src/static-site/records.js';

const SHA = 'a'.repeat(64);
const record = (id: string, files: Array<[string, string]> = [['index.html', SHA]]): ReleaseRecord => ({
  format: 1,
  id,
  createdAt: '2026-12-02T04:15:00.000Z',
  files: files.map(([path, sha256]) => ({
    path,
    sha256,
    size: 1,
    contentType: 'text/html',
    cacheControl: 'no-cache'
  }))
});

describe('release ids', () => {
  it('are the UTC second plus the short commit, and sort by time', () => {
    expect(newReleaseId(new Date('2026-12-02T04:15:00.123Z'), '3f2a9c1d0e', [])).toBe(
      '20261202T041500Z-3f2a9c1'
    );
    expect(newReleaseId(new Date('2026-12-02T04:15:00Z'), undefined, [])).toBe('20261202T041500Z');
    expect(newestFirst(['20261202T041500Z-aaaaaaa', '20261203T000000Z', '20261201T235959Z-fffffff'])).toEqual(
      ['20261203T000000Z', '20261202T041500Z-aaaaaaa', '20261201T235959Z-fffffff']
    );
  });

  it('always sort after the latest, in the same second or with the clock behind', () => {
    const latest = '20261202T041500Z-bbbbbbb';
    const same = newReleaseId(new Date('2026-12-02T04:15:00Z'), 'aaaaaaaa', [latest]);
    expect(same).toBe('20261202T041500Z-aaaaaaa.1');
    const behind = newReleaseId(new Date('2026-12-01T00:00:00Z'), 'ccccccc', [latest, same]);
    expect(behind).toBe('20261202T041500Z-ccccccc.2');
    expect(newestFirst([latest, behind, same])).toEqual([behind, same, latest]);
  });

  it('round-trip through record keys under a prefix', () => {
    expect(recordKey('app/', '20261202T041500Z')).toBe('app/.deploy-suite/releases/20261202T041500Z.json');
    expect(releaseIdOf('app/', 'app/.deploy-suite/releases/20261202T041500Z.json')).toBe('20261202T041500Z');
    expect(releaseIdOf('app/', 'app/.deploy-suite/releases/notes.json')).toBeUndefined();
    expect(isRecordKey('app/', 'app/.deploy-suite/objects/' + SHA)).toBe(true);
    expect(isRecordKey('app/', 'app/index.html')).toBe(false);
  });
});

describe('release records', () => {
  it('parse what serializeRecord writes', () => {
    const r = record('20261202T041500Z');
    expect(parseRecord(serializeRecord(r), 'test')).toEqual(r);
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['another format', JSON.stringify({ format: 2 }), /not a format-1/],
    [
      'no files',
      JSON.stringify({ format: 1, id: '20261202T041500Z', createdAt: 'x' }),
      /lacks its id, createdAt or files/
    ],
    [
      'a bad hash',
      JSON.stringify({
        ...record('20261202T041500Z'),
        files: [{ path: 'a', sha256: 'xyz', size: 1, contentType: 't', cacheControl: 'c' }]
      }),
      /file entry without/
    ],
    [
      'a file twice',
      JSON.stringify(
        record('20261202T041500Z', [
          ['a', SHA],
          ['a', SHA]
        ])
      ),
      /lists a twice/
    ]
  ])('refuse %s', (_name, text, message) => {
    expect(() => parseRecord(text, 's3://b/k')).toThrow(RecordError);
    expect(() => parseRecord(text, 's3://b/k')).toThrow(message);
  });
});
