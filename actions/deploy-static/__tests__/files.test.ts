import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SiteSourceError, resolveSource, scanSite } from '../src/files.js';

let workspace: string;
let outside: string;

beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'ws-'));
  outside = mkdtempSync(path.join(tmpdir(), 'outside-'));
  mkdirSync(path.join(workspace, 'build/static/js'), { recursive: true });
  writeFileSync(path.join(workspace, 'build/index.html'), '<h1>Eloquent</h1>');
  writeFileSync(path.join(workspace, 'build/static/js/main.8f3a2b1c.js'), 'console.log(1)');
  writeFileSync(path.join(outside, 'secret.txt'), 'not for the bucket');
});
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const scan = async (source = 'build') => scanSite(await resolveSource(source, workspace), workspace);

describe('reading the built site', () => {
  it('lists every file with its SHA-256 and MD5, sorted, with forward slashes', async () => {
    const files = await scan();
    expect(files.map(f => f.path)).toEqual(['index.html', 'static/js/main.8f3a2b1c.js']);
    expect(files[0]).toMatchObject({
      size: 17,
      sha256: createHash('sha256').update('<h1>Eloquent</h1>').digest('hex'),
      md5: createHash('md5').update('<h1>Eloquent</h1>').digest('hex')
    });
  });

  it('follows a symlink that stays in the workspace', async () => {
    writeFileSync(path.join(workspace, 'LICENSE.txt'), 'MIT');
    symlinkSync(path.join(workspace, 'LICENSE.txt'), path.join(workspace, 'build/license.txt'));
    expect((await scan()).map(f => f.path)).toContain('license.txt');
  });

  it.each([
    ['a missing folder', () => 'dist', /folder "dist" does not exist in the workspace/],
    ['a path outside the workspace', () => '../elsewhere', /is outside the workspace/],
    ['an absolute path outside', () => outside, /is outside the workspace/],
    ['a file', () => 'build/index.html', /is a file; give the folder/],
    [
      'a source that is a symlink leaving the workspace',
      () => {
        symlinkSync(outside, path.join(workspace, 'linked'));
        return 'linked';
      },
      /is a symlink to .*, outside the workspace/
    ],
    [
      'an empty folder',
      () => {
        mkdirSync(path.join(workspace, 'empty'));
        return 'empty';
      },
      /the folder is empty; build the site first/
    ],
    [
      'a symlink inside that leaves the workspace',
      () => {
        symlinkSync(path.join(outside, 'secret.txt'), path.join(workspace, 'build/secret.txt'));
        return 'build';
      },
      /symlink secret.txt points outside the workspace/
    ],
    [
      'a dangling symlink',
      () => {
        symlinkSync(path.join(workspace, 'nope'), path.join(workspace, 'build/gone.txt'));
        return 'build';
      },
      /symlink gone.txt points to a file that does not exist/
    ],
    [
      'a symlink loop',
      () => {
        symlinkSync(path.join(workspace, 'build'), path.join(workspace, 'build/static/again'));
        return 'build';
      },
      /a symlink loop/
    ],
    [
      'our own records folder',
      () => {
        mkdirSync(path.join(workspace, 'build/.deploy-suite'));
        writeFileSync(path.join(workspace, 'build/.deploy-suite/x.json'), '{}');
        return 'build';
      },
      /holds a .deploy-suite folder/
    ]
  ])('refuses %s, naming the input', async (_name, setup, message) => {
    const source = setup();
    await expect(scan(source)).rejects.toThrow(SiteSourceError);
    await expect(scan(source)).rejects.toThrow(/^Input "source"/);
    await expect(scan(source)).rejects.toThrow(message);
  });
});
