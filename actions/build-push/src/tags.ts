import { inputError } from '@deploy-suite/core';
import type { GitContext } from './git-context.js';

/** The tokens `tags` and `source-tag` may use. */
const TAG_TOKENS = ['sha', 'short-sha', 'version', 'branch', 'pr'] as const;
type TagToken = (typeof TAG_TOKENS)[number];

/** OCI distribution spec: a tag is 1-128 of [A-Za-z0-9_.-] and does not start with '.' or '-'. */
const VALID_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** @internal exported for its tests; the actions do not use it */
export function isValidTag(tag: string): boolean {
  return VALID_TAG.test(tag);
}

/**
 * A branch name made into tag text: characters a tag cannot hold become '-', at most 128 characters.
 * @internal exported for its tests; the actions do not use it
 */
export function branchTagText(branch: string): string {
  return branch
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

export interface TagTemplate {
  text: string;
  /** 1-based line of the input, for error messages */
  line: number;
}

export interface TokenValues extends GitContext {
  /** the image's version: the `version` input or the context's package.json */
  version?: string;
}

export interface RenderedTags {
  tags: string[];
  /** the tag that names this commit's image (first line using {sha} or {short-sha}), for skip-existing */
  commitTag?: string;
  /**
   * Tags that move from build to build (`latest`, `staging`, `production`, `{branch}`, `pr-{pr}`): every rendered
   * tag whose line uses none of {sha}, {short-sha}, {version}. Under "scan-fail-on" they are added only once the
   * image's scan has passed, so a deploy that follows them never picks up an image with such findings.
   */
  moving: string[];
  /** lines left out on this run, with the reason, to tell the user */
  skipped: string[];
}

/**
 * A line naming one build: its tag never moves to another image. Not {version}: package.json's version
 * stays the same over many commits, so on a mutable repository that tag moves like `latest`.
 */
const PINNING_TOKENS = ['sha', 'short-sha'];

const TOKEN = /\{([^{}]*)\}/g;

function tokensOf(text: string): string[] {
  return [...text.matchAll(TOKEN)].map(match => match[1]);
}

/**
 * Checks tag templates without rendering: unknown tokens and stray braces are errors whatever the run.
 * `inputName` is the input the templates came from.
 */
export function checkTagTemplates(templates: TagTemplate[], inputName: string): void {
  for (const { text, line } of templates) {
    for (const token of tokensOf(text)) {
      if (!(TAG_TOKENS as readonly string[]).includes(token)) {
        throw inputError(
          `Input "${inputName}" line ${line} uses unknown token {${token}} in ${JSON.stringify(text)}; ` +
            `known tokens: ${TAG_TOKENS.map(name => `{${name}}`).join(', ')}`
        );
      }
    }
    if (/[{}]/.test(text.replace(TOKEN, ''))) {
      throw inputError(
        `Input "${inputName}" line ${line} has an unmatched brace in ${JSON.stringify(text)}; tokens look like {sha}`
      );
    }
  }
}

/**
 * Renders tag templates for one image.
 *
 * - `latest` (the whole line) is applied only on a push to the default branch, so pull requests and feature
 *   branches never move it; `latest!` applies it on every run (asking for it explicitly).
 * - A line using {pr} is left out when the run is not for a pull request, and one using {branch} when the run
 *   is not on a branch (a tag push): one tag list serves push and pull_request workflows.
 * - {sha} and {short-sha} need GITHUB_SHA; {version} needs a version: both are errors when missing.
 * - Every rendered tag must be a valid OCI tag; duplicates are kept once.
 */
export function renderTags(templates: TagTemplate[], values: TokenValues, inputName = 'tags'): RenderedTags {
  checkTagTemplates(templates, inputName);
  const tags: string[] = [];
  const skipped: string[] = [];
  const moving: string[] = [];
  let commitTag: string | undefined;
  for (const { text, line } of templates) {
    if (text === 'latest' && !values.isDefaultBranch) {
      skipped.push(
        `"latest" (only on the default branch${values.defaultBranch ? ` ${values.defaultBranch}` : ''}; write "latest!" to push it from any ref)`
      );
      continue;
    }
    if (text === 'latest!') {
      if (!tags.includes('latest')) tags.push('latest');
      if (!moving.includes('latest')) moving.push('latest');
      continue;
    }
    const tokens = tokensOf(text);
    if (tokens.includes('pr') && values.pr === undefined) {
      skipped.push(`${JSON.stringify(text)} (this run is not for a pull request)`);
      continue;
    }
    if (tokens.includes('branch') && values.branch === undefined) {
      skipped.push(`${JSON.stringify(text)} (this run is not on a branch)`);
      continue;
    }
    const rendered = text.replace(TOKEN, (_, token: TagToken) => tokenValue(token, values, inputName, line));
    if (!isValidTag(rendered)) {
      throw inputError(
        `Input "${inputName}" line ${line} (${JSON.stringify(text)}) renders to ${JSON.stringify(rendered)}, which is not ` +
          'a valid tag: use 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'
      );
    }
    if ((tokens.includes('sha') || tokens.includes('short-sha')) && commitTag === undefined)
      commitTag = rendered;
    if (!tags.includes(rendered)) tags.push(rendered);
    if (!tokens.some(token => PINNING_TOKENS.includes(token)) && !moving.includes(rendered))
      moving.push(rendered);
  }
  if (tags.length === 0) {
    throw inputError(
      `Input "${inputName}" gives no tag on this run (left out: ${skipped.join('; ')}); add a tag that always applies, such as {sha}`
    );
  }
  return { tags, commitTag, moving, skipped };
}

function tokenValue(token: TagToken, values: TokenValues, inputName: string, line: number): string {
  switch (token) {
    case 'sha':
    case 'short-sha':
      if (!values.sha) {
        throw inputError(
          `Input "${inputName}" line ${line} uses {${token}}, but GITHUB_SHA is not set; run inside GitHub Actions or set GITHUB_SHA`
        );
      }
      return token === 'sha' ? values.sha : values.sha.slice(0, 7);
    case 'version':
      if (!values.version) {
        throw inputError(
          `Input "${inputName}" line ${line} uses {version}, but there is no version: set the "version" input or ` +
            'give the image context a package.json with a "version"'
        );
      }
      return values.version;
    case 'branch':
      return branchTagText(values.branch ?? '');
    case 'pr':
      return String(values.pr);
  }
}
