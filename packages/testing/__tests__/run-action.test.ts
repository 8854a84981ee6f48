import { describe, expect, it, beforeAll } from '@jest/globals';
import { chmodSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  actionBundlePath,
  applyMasks,
  bundleNode,
  leaksOf,
  parseCommandFile,
  runActionAsRunner
} from '../src/run-action.js';
// @ts-expect-error plain ESM build helper without types
import { bundle } from '../../../scripts/bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let actionDir: string;

beforeAll(async () => {
  // Bundle the fixture with the same esbuild settings `npm run build` uses, into a scratch copy.
  // The source stays in place (its imports are relative); action.yml and the bundle go to a temp folder.
  const fixture = path.join(here, '../fixtures/echo-action');
  actionDir = mkdtempSync(path.join(tmpdir(), 'echo-action-'));
  copyFileSync(path.join(fixture, 'action.yml'), path.join(actionDir, 'action.yml'));
  await bundle(path.join(fixture, 'src/index.ts'), path.join(actionDir, 'dist'));
}, 120_000);

describe('parseCommandFile', () => {
  it('reads name=value lines and heredocs', () => {
    const text = 'a=1\nmulti<<ghadelimiter_x\nline one\nline two\nghadelimiter_x\nb=x=y\n';
    expect(parseCommandFile(text)).toEqual({ a: '1', multi: 'line one\nline two', b: 'x=y' });
  });

  it('rejects an unterminated heredoc', () => {
    expect(() => parseCommandFile('m<<EOF\nno end\n')).toThrow(
      'Unterminated heredoc for "m" (delimiter EOF)'
    );
  });
});

describe('applyMasks', () => {
  it('replaces masked values and hides add-mask commands, as the runner does', () => {
    expect(applyMasks('::add-mask::s3cret\ntoken s3cret used\n', ['s3cret'])).toBe('token *** used\n');
  });
});

describe('runActionAsRunner on the bundled fixture action', () => {
  it('applies action.yml defaults, reads outputs (heredoc form), summary, state and runs the post step', async () => {
    const result = await runActionAsRunner({
      actionDir,
      inputs: { greeting: 'chatrelay', secret: 'hunter2-token' },
      expressions: { 'github.token': 'ghs_faketoken' }
    });
    expect(result.exitCode).toBe(0);
    // count defaulted to 2 from action.yml, so the multi-line output needs the heredoc form
    expect(result.outputs.message).toBe('hello chatrelay\nhello chatrelay');
    expect(result.outputs.count).toBe('2');
    expect(result.summary).toContain('### Greeted chatrelay');
    expect(result.state).toEqual({ greeted: 'chatrelay' });
    expect(result.log).toContain('secret is ***; token is set');
    expect(result.masks).toEqual(['hunter2-token']);
    // the fixture printed its secret after masking it: the runner hides it, the raw log shows the leak
    expect(leaksOf(result.rawLog, 'hunter2-token')).toHaveLength(1);
    expect(leaksOf(result.log, 'hunter2-token')).toHaveLength(0);
    expect(result.post?.exitCode).toBe(0);
    expect(result.post?.log).toContain('post: cleaning up after chatrelay');
  });

  it('scans log, summary, outputs and state for planted secrets, and fails the run that leaks one', async () => {
    const planted = 'planted-greeting-secret-0005';
    const leaked = await runActionAsRunner({
      actionDir,
      inputs: { greeting: planted },
      plantedSecrets: [planted],
      allowLeaks: true,
      runPost: false
    });
    expect(leaked.leaks.map(leak => leak.where).sort()).toEqual([
      'output:message',
      'state:greeted',
      'summary'
    ]);
    await expect(
      runActionAsRunner({
        actionDir,
        inputs: { greeting: planted },
        plantedSecrets: [planted],
        runPost: false
      })
    ).rejects.toThrow(/Planted secret\(s\) leaked: plan…05 in summary/);
    const clean = await runActionAsRunner({ actionDir, inputs: { greeting: 'chatrelay' }, runPost: false });
    expect(clean.leaks).toEqual([]);
  });

  it('reports the failure message and a non-zero exit code', async () => {
    const result = await runActionAsRunner({
      actionDir,
      inputs: { greeting: 'x', count: 'ten' },
      runPost: false
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toBe('Input "count" must be a whole number from 1 to 5, got "ten"');
    expect(result.post).toBeUndefined();
  });

  it('refuses inputs that action.yml does not declare', async () => {
    await expect(runActionAsRunner({ actionDir, inputs: { greting: 'typo' } })).rejects.toThrow(
      'Input "greting" is not declared'
    );
  });
});

describe('the node that runs a bundle', () => {
  it('is DEPLOY_SUITE_NODE when set (CI points it at Node 24), else the node running the tests', () => {
    expect(bundleNode({})).toBe(process.execPath);
    expect(bundleNode({ DEPLOY_SUITE_NODE: process.execPath })).toBe(process.execPath);
    expect(() => bundleNode({ DEPLOY_SUITE_NODE: '/no/such/node' })).toThrow(
      'DEPLOY_SUITE_NODE is /no/such/node, which does not exist'
    );
  });

  it('runs the bundle with DEPLOY_SUITE_NODE', async () => {
    // A stand-in node that says it was used, then runs the real one.
    const wrapper = path.join(mkdtempSync(path.join(tmpdir(), 'chosen-node-')), 'node');
    writeFileSync(wrapper, `#!/bin/sh\necho "::notice::chosen node"\nexec "${process.execPath}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const saved = process.env.DEPLOY_SUITE_NODE;
    process.env.DEPLOY_SUITE_NODE = wrapper;
    try {
      const result = await runActionAsRunner({ actionDir, inputs: { greeting: 'tria' }, runPost: false });
      expect(result.exitCode).toBe(0);
      expect(result.annotations).toContainEqual({ level: 'notice', message: 'chosen node' });
    } finally {
      if (saved === undefined) delete process.env.DEPLOY_SUITE_NODE;
      else process.env.DEPLOY_SUITE_NODE = saved;
    }
  });

  it('finds the bundle from action.yml runs.main', () => {
    expect(actionBundlePath(actionDir)).toBe(path.join(actionDir, 'dist/index.js'));
  });
});
