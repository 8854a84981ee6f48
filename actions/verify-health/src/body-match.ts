import { Worker } from 'node:worker_threads';

/**
 * `expect-body` under a time limit. A regular expression with nested repetition (`(a+)+$`) takes
 * exponential time on a body that almost matches, and JavaScript cannot interrupt a running match:
 * on the main thread it would hang the step past every deadline. The match runs in a worker thread
 * instead, which is terminated when the limit passes.
 *
 * Why a worker and not a linear-time engine: users write JavaScript regular expressions (flags,
 * lookarounds, named groups) and keep those semantics; the linear-time engine (RE2) is a native module
 * that needs a compiler and a binary per platform, which a committed single-file action bundle cannot
 * carry. The worker costs one thread start per step and a message per match.
 */
export const BODY_MATCH_LIMIT_MS = 1000;

export type BodyMatch = { matched: boolean } | { timedOut: true };

// Plain CommonJS, evaluated in the worker (eval workers run as scripts): it only matches.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, source, flags, text }) => {
  const regex = new RegExp(source, flags);
  regex.lastIndex = 0;
  parentPort.postMessage({ id, matched: regex.test(text) });
});
`;

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, (matched: boolean) => void>();

function matcher(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_SOURCE, { eval: true });
  started.unref(); // an idle matcher never keeps the step alive
  started.on('message', ({ id, matched }: { id: number; matched: boolean }) => {
    waiting.get(id)?.(matched);
    waiting.delete(id);
  });
  started.on('error', () => {
    if (worker === started) worker = undefined;
  });
  worker = started;
  return started;
}

/** Tests `regex` against `text` in the matcher thread; gives up (and ends the thread) after `limitMs`. */
export function matchBody(regex: RegExp, text: string, limitMs = BODY_MATCH_LIMIT_MS): Promise<BodyMatch> {
  const thread = matcher();
  const id = nextId++;
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      if (worker === thread) worker = undefined;
      void thread.terminate();
      resolve({ timedOut: true });
    }, limitMs);
    waiting.set(id, matched => {
      clearTimeout(timer);
      resolve({ matched });
    });
    thread.postMessage({ id, source: regex.source, flags: regex.flags.replace(/[gy]/g, ''), text });
  });
}

/**
 * Ends the matcher thread, if one runs (the step's end does not need it: the thread is unref'd).
 * @internal exported for its tests; the actions do not use it
 */
export async function stopBodyMatcher(): Promise<void> {
  const running = worker;
  worker = undefined;
  if (running) await running.terminate();
}
