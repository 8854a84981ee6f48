import { describe, expect, it } from '@jest/globals';
import { renderTags, branchTagText, isValidTag, type TokenValues } from '../src/tags.js';
import { gitContextFrom } from '../src/git-context.js';

const SHA = '9f1c2ab7d3e4f5061728394a5b6c7d8e9f0a1b2c';
const onMain: TokenValues = {
  sha: SHA,
  branch: 'main',
  defaultBranch: 'main',
  isDefaultBranch: true,
  version: '1.4.0'
};
const onPr: TokenValues = {
  sha: SHA,
  branch: 'feature/login',
  pr: 42,
  defaultBranch: 'main',
  isDefaultBranch: false
};
const onTag: TokenValues = { sha: SHA, isDefaultBranch: false, version: '2.0.0' };

const lines = (...texts: string[]) => texts.map((text, index) => ({ text, line: index + 1 }));

describe('renderTags', () => {
  it.each([
    ['{sha} on main', lines('{sha}'), onMain, [SHA]],
    ['ChatRelay: version and latest on main', lines('{version}', 'latest'), onMain, ['1.4.0', 'latest']],
    ['DocuThinker: sha and latest on main', lines('{sha}', 'latest'), onMain, [SHA, 'latest']],
    ['latest left out on a pull request', lines('{sha}', 'latest'), onPr, [SHA]],
    ['latest! forced on a pull request', lines('{short-sha}', 'latest!'), onPr, ['9f1c2ab', 'latest']],
    [
      'pr and branch tokens on a pull request',
      lines('pr-{pr}', '{branch}-{short-sha}'),
      onPr,
      ['pr-42', 'feature-login-9f1c2ab']
    ],
    ['pr line left out on a push', lines('{sha}', 'pr-{pr}'), onMain, [SHA]],
    ['branch line left out on a tag push', lines('v{version}', '{branch}'), onTag, ['v2.0.0']],
    ['duplicates kept once', lines('{sha}', '{sha}'), onMain, [SHA]]
  ])('%s', (_name, templates, values, expected) => {
    expect(renderTags(templates, values).tags).toEqual(expected);
  });

  it('names the commit tag from the first line using {sha} or {short-sha}', () => {
    expect(renderTags(lines('{version}', 'sha-{short-sha}', '{sha}'), onMain).commitTag).toBe('sha-9f1c2ab');
    expect(renderTags(lines('{version}', 'latest'), onMain).commitTag).toBeUndefined();
  });

  it('says why lines were left out', () => {
    expect(renderTags(lines('{sha}', 'latest'), onPr).skipped).toEqual([
      '"latest" (only on the default branch main; write "latest!" to push it from any ref)'
    ]);
  });

  it.each([
    [
      'unknown token',
      lines('{commit}'),
      onMain,
      /line 1 uses unknown token \{commit\}.*known tokens: \{sha\}, \{short-sha\}/
    ],
    ['unmatched brace', lines('v{version'), onMain, /unmatched brace/],
    [
      'invalid tag',
      lines('release candidate'),
      onMain,
      /renders to "release candidate", which is not a valid tag/
    ],
    ['tag starting with a dot', lines('.{sha}'), onMain, /not a valid tag/],
    [
      'version with build metadata',
      lines('{version}'),
      { ...onMain, version: '1.4.0+build.7' },
      /"1.4.0\+build.7", which is not a valid tag/
    ],
    [
      'no version',
      lines('{version}'),
      { ...onMain, version: undefined },
      /uses \{version\}, but there is no version: set the "version" input/
    ],
    ['no sha', lines('{sha}'), { ...onMain, sha: undefined }, /GITHUB_SHA is not set/],
    ['nothing left', lines('latest'), onPr, /gives no tag on this run/]
  ])('rejects %s', (_name, templates, values, message) => {
    expect(() => renderTags(templates, values)).toThrow(message);
  });
});

describe('tag text', () => {
  it.each([
    ['feature/login', 'feature-login'],
    ['dependabot/npm_and_yarn/yaml-2.9.1', 'dependabot-npm_and_yarn-yaml-2.9.1'],
    ['-weird', 'weird'],
    ['x'.repeat(200), 'x'.repeat(128)]
  ])('branch %s -> %s', (branch, tag) => {
    expect(branchTagText(branch)).toBe(tag);
    expect(isValidTag(tag)).toBe(true);
  });
});

describe('gitContextFrom', () => {
  it('reads a push to the default branch', () => {
    const git = gitContextFrom(
      { GITHUB_SHA: SHA, GITHUB_REF: 'refs/heads/main' },
      { repository: { default_branch: 'main' } }
    );
    expect(git).toEqual({
      sha: SHA,
      branch: 'main',
      pr: undefined,
      defaultBranch: 'main',
      isDefaultBranch: true
    });
  });
  it('reads a pull request: head branch, number, never default', () => {
    const git = gitContextFrom(
      { GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/42/merge', GITHUB_HEAD_REF: 'main' },
      { pull_request: { number: 42 }, repository: { default_branch: 'main' } }
    );
    expect(git).toMatchObject({ branch: 'main', pr: 42, isDefaultBranch: false });
  });
  it('honours a default branch other than main', () => {
    const event = { repository: { default_branch: 'develop' } };
    expect(gitContextFrom({ GITHUB_REF: 'refs/heads/main' }, event).isDefaultBranch).toBe(false);
    expect(gitContextFrom({ GITHUB_REF: 'refs/heads/develop' }, event).isDefaultBranch).toBe(true);
  });
  it('treats a tag push as no branch', () => {
    expect(gitContextFrom({ GITHUB_REF: 'refs/tags/v1.4.0' }, undefined)).toMatchObject({
      branch: undefined,
      isDefaultBranch: false
    });
  });
});

describe('moving tags', () => {
  it.each([
    ['sha and latest: latest moves', lines('{sha}', 'latest'), onMain, ['latest']],
    [
      'environment tags move, and so do version tags (one version spans many commits)',
      lines('{sha}', 'v{version}', 'staging', 'production'),
      onMain,
      ['v1.4.0', 'staging', 'production']
    ],
    [
      'branch and pr tags move',
      lines('{short-sha}', '{branch}', 'pr-{pr}'),
      onPr,
      ['feature-login', 'pr-42']
    ],
    ['latest! moves', lines('{sha}', 'latest!'), onPr, ['latest']],
    ['sha-only lines never move', lines('{sha}', 'build-{short-sha}'), onMain, []]
  ])('%s', (_, templates, values, moving) => {
    expect(renderTags(templates, values).moving).toEqual(moving);
  });
});
