import { ActionError } from './errors.js';
import { formatDuration } from './duration.js';

/** Time as the poll loop sees it; tests pass a fake so no test waits in real time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms))
};

/** One look at the world: done with a value, or not yet, with a line saying where things stand. */
export type PollResult<T> = { done: true; value: T } | { done: false; progress?: string };

export interface PollOptions {
  /** what is being waited for, used in the timeout message, e.g. 'service web to be deployed' */
  what: string;
  /** overall budget in ms, counted from the first check */
  timeoutMs: number;
  /** first delay between checks */
  intervalMs: number;
  /** the delay grows by this factor after each check that is not done (default 1.5) */
  backoff?: number;
  /** the delay never grows beyond this (default 4 × intervalMs) */
  maxIntervalMs?: number;
  /** each delay is shortened by up to this fraction at random, so parallel pollers spread out (default 0.2) */
  jitter?: number;
  clock?: Clock;
  random?: () => number;
  /** called after every check that is not done, with the elapsed time */
  onProgress?: (progress: string | undefined, elapsedMs: number, attempt: number) => void;
}

/** The delays a poller sleeps, before jitter: interval, interval × backoff, ... capped. */
export function nextDelay(previous: number | undefined, options: PollOptions): number {
  const cap = options.maxIntervalMs ?? options.intervalMs * 4;
  if (previous === undefined) return Math.min(options.intervalMs, cap);
  return Math.min(previous * (options.backoff ?? 1.5), cap);
}

export class PollTimeoutError extends ActionError {
  constructor(
    readonly what: string,
    readonly elapsedMs: number,
    readonly lastProgress: string | undefined
  ) {
    super(
      'timeout',
      `Timed out after ${formatDuration(elapsedMs)} waiting for ${what}` +
        (lastProgress ? `; last seen: ${lastProgress}` : '')
    );
  }
}

/**
 * Calls `check` until it reports done, sleeping between calls with backoff and jitter. Fails with a
 * PollTimeoutError carrying the last progress line once the overall deadline has passed; a check that
 * throws ends the wait at once (that is how watchers fail fast).
 */
export async function waitUntil<T>(
  check: (attempt: number) => Promise<PollResult<T>>,
  options: PollOptions
): Promise<T> {
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const jitter = options.jitter ?? 0.2;
  const started = clock.now();
  const deadline = started + options.timeoutMs;
  let delay: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const result = await check(attempt);
    if (result.done) return result.value;
    const now = clock.now();
    options.onProgress?.(result.progress, now - started, attempt);
    if (now >= deadline) throw new PollTimeoutError(options.what, now - started, result.progress);
    delay = nextDelay(delay, options);
    const jittered = delay * (1 - jitter * random());
    await clock.sleep(Math.max(0, Math.min(jittered, deadline - now)));
  }
}
