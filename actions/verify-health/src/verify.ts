import { formatDuration, nextDelay, redactUrl, type Clock, type Logger } from '@deploy-suite/core';
import { checkJsonExpectation, type JsonExpectation } from './json-path.js';
import { ProbeError, type Probe, type ProbeMethod, type ProbeResponse } from './probe.js';
import { describeStatusRanges, statusAccepted, type StatusRange } from './status.js';
import { BODY_MATCH_LIMIT_MS, matchBody } from './body-match.js';

/**
 * What a healthy answer looks like.
 * @internal exported for its tests; the actions do not use it
 */
export interface Expectations {
  statuses: StatusRange[];
  json: JsonExpectation[];
  body?: RegExp;
}

export interface VerifySettings {
  method: ProbeMethod;
  headers: Record<string, string>;
  timeoutMs: number;
  followRedirects: boolean;
  /** the whole budget per URL; 0 means one attempt */
  waitForMs: number;
  retryDelayMs: number;
  consecutiveSuccesses: number;
  concurrency: number;
  expectations: Expectations;
}

export interface VerifyDependencies {
  probe: Probe;
  clock: Clock;
  logger: Logger;
  /** proxy settings for the probe */
  env: NodeJS.ProcessEnv;
  /** removes secrets (header values) from text that may reach a log, output or comment */
  redact: (text: string) => string;
  /** for jitter; default Math.random */
  random?: () => number;
}

export interface UrlResult {
  /** the URL as it may be printed (user-info removed) */
  url: string;
  healthy: boolean;
  attempts: number;
  /** HTTP status of the last answer, if any attempt got one */
  status?: number;
  /** latency of every attempt that got an answer, in ms */
  latenciesMs: number[];
  /** why the last failed attempt failed (kept when a later attempt succeeded) */
  lastFailure?: string;
  /** the start of the last body, whitespace collapsed, secrets removed */
  bodyExcerpt?: string;
  elapsedMs: number;
}

const BODY_EXCERPT_CHARS = 200;
const BACKOFF = 1.5;
const JITTER = 0.1;

/** The delay after a failure grows 1.5x per failure up to 4 x retry-delay. */
function maxRetryDelay(retryDelayMs: number): number {
  return retryDelayMs * 4;
}

function bodyExcerpt(body: string, redact: (text: string) => string): string {
  const flat = redact(body).replace(/\s+/g, ' ').trim();
  return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS - 3)}...` : flat;
}

/**
 * Undefined when the answer is healthy; otherwise every reason it is not, joined.
 * @internal exported for its tests; the actions do not use it
 */
export async function evaluateResponse(
  response: ProbeResponse,
  expectations: Expectations
): Promise<string | undefined> {
  if (!statusAccepted(response.status, expectations.statuses)) {
    return `status ${response.status} is not ${describeStatusRanges(expectations.statuses)}`;
  }
  const problems: string[] = [];
  if (expectations.body) {
    const match = await matchBody(expectations.body, response.body);
    if ('timedOut' in match) {
      problems.push(
        `expect-body ${expectations.body} was stopped after ${formatDuration(BODY_MATCH_LIMIT_MS)} without an answer ` +
          '(nested repetition such as (a+)+ can take exponential time): simplify the regular expression'
      );
    } else if (!match.matched) {
      problems.push(
        `body does not match ${expectations.body}${response.bodyTruncated ? ' (body cut at 1 MiB)' : ''}`
      );
    }
  }
  if (expectations.json.length > 0) {
    let document: unknown;
    try {
      document = JSON.parse(response.body);
    } catch {
      const start = response.body.replace(/\s+/g, ' ').trim().slice(0, 40);
      problems.push(
        response.bodyTruncated
          ? 'body is larger than 1 MiB, cut before it could be read as JSON'
          : `body is not JSON (starts ${JSON.stringify(start)})`
      );
      return problems.join('; ');
    }
    for (const expectation of expectations.json) {
      const problem = checkJsonExpectation(document, expectation);
      if (problem) problems.push(problem);
    }
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/**
 * Probes one URL until it has answered as expected `consecutiveSuccesses` times in a row, or the budget
 * is spent. Every failure is retried: refused, DNS, timeout, TLS, an unexpected status, a failed assertion.
 * Attempts start while the budget lasts, so the last one may end up to `timeout` after it.
 * @internal exported for its tests; the actions do not use it
 */
export async function verifyUrl(
  url: URL,
  settings: VerifySettings,
  deps: VerifyDependencies,
  /** when the budget ends (clock time); default wait-for from now */
  deadline = deps.clock.now() + settings.waitForMs
): Promise<UrlResult> {
  const { clock, logger, redact } = deps;
  const random = deps.random ?? Math.random;
  const shown = redactUrl(url.toString());
  const started = clock.now();
  const result: UrlResult = { url: shown, healthy: false, attempts: 0, latenciesMs: [], elapsedMs: 0 };
  let streak = 0;
  let failureDelay: number | undefined;
  const delayOptions = {
    what: shown,
    timeoutMs: settings.waitForMs,
    intervalMs: settings.retryDelayMs,
    backoff: BACKOFF,
    maxIntervalMs: maxRetryDelay(settings.retryDelayMs)
  };

  for (;;) {
    result.attempts++;
    let failure: string | undefined;
    let line: string;
    try {
      const response = await deps.probe({
        url,
        method: settings.method,
        headers: settings.headers,
        timeoutMs: settings.timeoutMs,
        followRedirects: settings.followRedirects,
        env: deps.env
      });
      result.status = response.status;
      result.latenciesMs.push(response.latencyMs);
      if (settings.method !== 'HEAD') result.bodyExcerpt = bodyExcerpt(response.body, redact);
      failure = await evaluateResponse(response, settings.expectations);
      const via = response.redirects > 0 ? ` via ${response.redirects} redirect(s)` : '';
      line = `${response.status} in ${Math.round(response.latencyMs)}ms${via}`;
    } catch (error) {
      if (!(error instanceof ProbeError)) throw error;
      failure = error.message;
      line = error.kind;
    }

    if (failure === undefined) {
      streak++;
      failureDelay = undefined;
      const progress =
        settings.consecutiveSuccesses > 1 ? ` (${streak} of ${settings.consecutiveSuccesses} in a row)` : '';
      logger.info(`${shown} attempt ${result.attempts}: ${line}, healthy${progress}`);
      if (streak >= settings.consecutiveSuccesses) {
        result.healthy = true;
        break;
      }
    } else {
      streak = 0;
      result.lastFailure = redact(failure);
      logger.info(
        `${shown} attempt ${result.attempts}: ${redact(line === failure ? line : `${line}: ${failure}`)}`
      );
    }

    const now = clock.now();
    if (now >= deadline) break;
    let delay = settings.retryDelayMs;
    if (failure !== undefined) {
      failureDelay = nextDelay(failureDelay, delayOptions);
      // spread retries of many URLs a little so they do not hit a recovering service in lockstep
      delay = failureDelay * (1 - JITTER * random());
    }
    await clock.sleep(Math.max(0, Math.min(delay, deadline - now)));
  }

  result.elapsedMs = clock.now() - started;
  if (!result.healthy && streak > 0) {
    const before = result.lastFailure ? `; before that: ${result.lastFailure}` : '';
    result.lastFailure = `only ${streak} of ${settings.consecutiveSuccesses} healthy answers in a row when wait-for ran out${before}`;
  }
  if (result.healthy) {
    logger.info(
      `✓ ${shown} is healthy after ${result.attempts} attempt(s) in ${formatDuration(result.elapsedMs)}`
    );
  } else {
    logger.info(
      `✗ ${shown} is not healthy after ${result.attempts} attempt(s) in ${formatDuration(result.elapsedMs)}: ${result.lastFailure}`
    );
  }
  return result;
}

/**
 * Verifies every URL, at most `concurrency` at a time, results in the order of `urls`. `wait-for` is one
 * budget for the whole step: a URL that waited for a free slot has less of it (but always one attempt).
 */
export async function verifyAll(
  urls: URL[],
  settings: VerifySettings,
  deps: VerifyDependencies
): Promise<UrlResult[]> {
  const deadline = deps.clock.now() + settings.waitForMs;
  const results: UrlResult[] = new Array(urls.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const index = next++;
      results[index] = await verifyUrl(urls[index], settings, deps, deadline);
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, urls.length) }, worker));
  return results;
}
