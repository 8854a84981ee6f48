/**
 * How fast verify-health checks many endpoints: 50 loopback HTTP servers that each answer Tria's health
 * body after 100 ms, verified with concurrency 1, 8 and 32 through the real probe (node:http, fresh
 * connection per attempt) and the real clock. Prints wall time, requests per second, and the floor set by
 * the 100 ms answers (ceil(50 / concurrency) x 100 ms) to compare against.
 *
 *   npx tsx bench/verify-health/run.ts [--endpoints 50] [--delay-ms 100]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { MemoryLogger } from '@deploy-suite/testing';
import { realClock } from '@deploy-suite/core';
import { parseExpectedStatus } from '../../actions/verify-health/src/status.js';
import { parseJsonExpectations } from '../../actions/verify-health/src/json-path.js';
import { httpProbe } from '../../actions/verify-health/src/probe.js';
import { verifyAll, type VerifySettings } from '../../actions/verify-health/src/verify.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const endpoints = option('endpoints', 50);
const delayMs = option('delay-ms', 100);
const body = JSON.stringify({ status: 'healthy', version: '1.1.0' });

async function startEndpoint(): Promise<{ url: URL; server: http.Server; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((_, response) => {
    hits++;
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    }, delayMs);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/health`), server, hits: () => hits };
}

const servers = await Promise.all(Array.from({ length: endpoints }, startEndpoint));
const urls = servers.map(server => server.url);

function settings(concurrency: number): VerifySettings {
  return {
    method: 'GET',
    headers: {},
    timeoutMs: 10_000,
    followRedirects: true,
    waitForMs: 60_000,
    retryDelayMs: 1000,
    consecutiveSuccesses: 1,
    concurrency,
    expectations: {
      statuses: parseExpectedStatus('200'),
      json: parseJsonExpectations([
        { text: 'status=healthy', line: 1 },
        { text: 'version=1.1.0', line: 2 }
      ])
    }
  };
}

console.log(
  `verify-health: ${endpoints} loopback endpoints answering in ${delayMs} ms (Node ${process.version})`
);
console.log('concurrency | wall time | requests/s | floor (ceil(n/c) x delay) | all healthy');
// one warm-up pass so the first measured run does not pay for JIT and module loading
await verifyAll(urls.slice(0, 4), settings(4), {
  probe: httpProbe,
  clock: realClock,
  logger: new MemoryLogger(),
  env: {},
  redact: text => text
});
const before = servers.reduce((sum, server) => sum + server.hits(), 0);
let requests = 0;
for (const concurrency of [1, 8, 32]) {
  const started = performance.now();
  const results = await verifyAll(urls, settings(concurrency), {
    probe: httpProbe,
    clock: realClock,
    logger: new MemoryLogger(),
    env: {},
    redact: text => text
  });
  const wallMs = performance.now() - started;
  const attempts = results.reduce((sum, result) => sum + result.attempts, 0);
  requests += attempts;
  const floor = Math.ceil(endpoints / concurrency) * delayMs;
  console.log(
    `${String(concurrency).padStart(11)} | ${`${(wallMs / 1000).toFixed(2)} s`.padStart(9)} | ` +
      `${(attempts / (wallMs / 1000)).toFixed(1).padStart(10)} | ${`${(floor / 1000).toFixed(2)} s`.padStart(25)} | ` +
      `${results.every(result => result.healthy)}`
  );
}
const served = servers.reduce((sum, server) => sum + server.hits(), 0) - before;
if (served !== requests) console.log(`note: servers saw ${served} requests, the probe counted ${requests}`);
await Promise.all(servers.map(server => new Promise(resolve => server.server.close(resolve))));
