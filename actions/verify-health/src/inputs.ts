import {
  inputError,
  redactUrl,
  redactUrlsIn,
  secretRedactor,
  urlCredentialValues,
  worthMasking,
  type Inputs
} from '@deploy-suite/core';
import { STICKY_TAG_PATTERN } from '@deploy-suite/core/github';
import { parseJsonExpectations } from './json-path.js';
import type { ProbeMethod } from './probe.js';
import { parseExpectedStatus } from './status.js';
import type { VerifySettings } from './verify.js';

/** Input names, as action.yml spells them. */
const INPUT = {
  method: 'method',
  urls: 'urls',
  expectedStatus: 'expected-status',
  expectJson: 'expect-json',
  expectBody: 'expect-body',
  headers: 'headers',
  timeout: 'timeout',
  followRedirects: 'follow-redirects',
  waitFor: 'wait-for',
  retryDelay: 'retry-delay',
  consecutiveSuccesses: 'consecutive-successes',
  concurrency: 'concurrency',
  commentOnPr: 'comment-on-pr',
  commentTag: 'comment-tag',
  githubToken: 'github-token'
} as const;

/** Everything the action was asked to do, checked before the first request. */
export interface VerifyHealthInputs {
  urls: URL[];
  settings: VerifySettings;
  /** header values, removed from anything this action writes (log, outputs, summary, comment) */
  secrets: string[];
  comment: {
    enabled: boolean;
    /** undefined: the deployment environment of the event, else `health` */
    tag?: string;
    token: string;
  };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Masking a 1-2 character value would blank that text out of every log line; such values are not secrets. */
const MIN_MASK_LENGTH = 3;

function parseUrls(lines: Array<{ text: string; line: number }>, input = 'urls'): URL[] {
  if (lines.length === 0)
    throw inputError(`Input "${input}" is required: give one or more http(s) URLs, one per line`);
  const seen = new Set<string>();
  const urls: URL[] = [];
  for (const { text, line } of lines) {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      throw inputError(
        `Input "${input}" line ${line} is not an http(s) URL: ${JSON.stringify(redactUrl(text))}. ` +
          'Give a full URL such as https://api.example.com/health, one per line'
      );
    }
    if (!seen.has(url.toString())) urls.push(url);
    seen.add(url.toString());
  }
  return urls;
}

/**
 * `Name: value` lines. Each value is handed to `mask` as soon as it is read, before anything could print
 * it, and error messages never quote a header line: it may hold a token.
 * @internal exported for its tests; the actions do not use it
 */
export function parseHeaders(
  lines: Array<{ text: string; line: number }>,
  mask: (secret: string) => void,
  input = 'headers'
): { headers: Record<string, string>; secrets: string[] } {
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  const seen = new Map<string, number>();
  for (const { text, line } of lines) {
    const at = text.indexOf(':');
    const value = at >= 0 ? text.slice(at + 1).trim() : text;
    for (const secret of [value, ...value.split(/\s+/).slice(1)]) {
      if (secret.length >= MIN_MASK_LENGTH && !secrets.includes(secret)) {
        mask(secret);
        secrets.push(secret);
      }
    }
    const name = at >= 0 ? text.slice(0, at).trim() : '';
    if (at < 0) {
      throw inputError(
        `Input "${input}" line ${line} has no colon: write each header as "Name: value", e.g. "Authorization: Bearer <token>" ` +
          '(the line is not shown because it may hold a secret)'
      );
    }
    if (!HEADER_NAME.test(name)) {
      throw inputError(
        `Input "${input}" line ${line} has an invalid header name ${JSON.stringify(name)}: ` +
          'use letters, digits and - only, then a colon and the value'
      );
    }
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
      throw inputError(
        `Input "${input}" line ${line}: the value of ${name} holds characters HTTP headers cannot carry`
      );
    }
    const key = name.toLowerCase();
    if (seen.has(key)) {
      throw inputError(
        `Input "${input}" names ${name} twice (lines ${seen.get(key)} and ${line}); give each header once`
      );
    }
    seen.set(key, line);
    headers[name] = value;
  }
  return { headers, secrets };
}

/** A regular expression as JavaScript writes it: `healthy` or `/"status":\s*"healthy"/i`. */
function parseBodyPattern(text: string, input = 'expect-body'): RegExp | undefined {
  if (text === '') return undefined;
  const literal = /^\/(.+)\/([dimsuv]*)$/s.exec(text);
  try {
    return literal ? new RegExp(literal[1], literal[2]) : new RegExp(text);
  } catch (error) {
    throw inputError(
      `Input "${input}" is not a valid regular expression: ${(error as Error).message}. ` +
        'Escape characters such as ( ) [ ] . * + ? with a backslash to match them literally'
    );
  }
}

function parseCommentTag(text: string, input = 'comment-tag'): string | undefined {
  if (text === '') return undefined;
  if (!STICKY_TAG_PATTERN.test(text)) {
    throw inputError(
      `Input "${input}" must be up to 100 letters, digits, spaces and . _ / : @ + - (starting with a letter or digit), ` +
        `got ${JSON.stringify(text)}`
    );
  }
  return text;
}

export function readVerifyHealthInputs(inputs: Inputs, mask: (secret: string) => void): VerifyHealthInputs {
  // headers first: their values are masked before any other input could fail and print something
  const { headers, secrets } = parseHeaders(inputs.lines(INPUT.headers), mask);
  const token = inputs.string(INPUT.githubToken);
  if (token.length >= MIN_MASK_LENGTH) mask(token);

  const urls = parseUrls(inputs.lines(INPUT.urls));
  // URLs are printed without user-info and query values; those are still secrets should a body echo
  // them, and so is the Basic header Node derives from the user-info
  for (const secret of urls.flatMap(urlSecrets)) {
    if (!secrets.includes(secret)) {
      mask(secret);
      secrets.push(secret);
    }
  }
  const method = inputs.oneOf<ProbeMethod>(INPUT.method, ['GET', 'HEAD'], 'GET');
  const statuses = parseExpectedStatus(inputs.string(INPUT.expectedStatus, { default: '200' }));
  const json = parseJsonExpectations(inputs.lines(INPUT.expectJson));
  const body = parseBodyPattern(inputs.raw(INPUT.expectBody));
  if (method === 'HEAD' && (json.length > 0 || body)) {
    throw inputError(
      `Input "method" is HEAD, which gets no body, but ${json.length > 0 ? 'expect-json' : 'expect-body'} checks the body: ` +
        'use method GET, or remove the body checks'
    );
  }
  const settings: VerifySettings = {
    method,
    headers,
    timeoutMs: inputs.duration(INPUT.timeout, { default: '10s', min: 100, max: 10 * 60_000 }),
    followRedirects: inputs.boolean(INPUT.followRedirects, true),
    waitForMs: inputs.duration(INPUT.waitFor, { default: '5m', min: 0, max: 6 * 3_600_000 }),
    retryDelayMs: inputs.duration(INPUT.retryDelay, { default: '5s', min: 10, max: 10 * 60_000 }),
    consecutiveSuccesses: inputs.integer(INPUT.consecutiveSuccesses, { min: 1, max: 100, default: 1 }),
    concurrency: inputs.integer(INPUT.concurrency, { min: 1, max: 64, default: 8 }),
    expectations: { statuses, json, body }
  };
  const enabled = inputs.boolean(INPUT.commentOnPr, false);
  const tag = parseCommentTag(inputs.string(INPUT.commentTag));
  if (enabled && !token) {
    throw inputError(
      'Input "github-token" is empty but comment-on-pr is true: leave github-token at its default ${{ github.token }}'
    );
  }
  return { urls, settings, secrets, comment: { enabled, tag, token } };
}

/** The values of a URL that are secrets: its user-info (and the Basic value it becomes), its query values. */
function urlSecrets(url: URL): string[] {
  const query = [...url.searchParams].filter(
    ([name, value]) => worthMasking(value, name) || value.length >= 8
  );
  return [...urlCredentialValues(url), ...query.map(([, value]) => value)].filter(
    value => value.length >= MIN_MASK_LENGTH
  );
}

/**
 * Removes every secret from text that may reach a log, output, summary or comment: the given values
 * (header values, URL credentials, query values) and the user-info and query values of any URL in it.
 */
export function redactor(secrets: string[]): (text: string) => string {
  const known = secretRedactor(secrets);
  return text => redactUrlsIn(known(text));
}
