import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { MemoryLogger } from '@deploy-suite/testing';
import { parseJsonExpectations } from '../src/json-path.js';
import { httpProbe, type Probe, type ProbeResponse } from '../src/probe.js';
import { parseExpectedStatus } from '../src/status.js';
import { stopBodyMatcher } from '../src/body-match.js';
import { evaluateResponse, verifyAll, verifyUrl, type VerifySettings } from '../src/verify.js';
import { freePort, json, ScriptedClock, seedBodies, startServer, type LoopbackServer } from './servers.js';

afterAll(stopBodyMatcher);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function server(handler: Parameters<typeof startServer>[0], port?: number): Promise<LoopbackServer> {
  const started = await startServer(handler, port);
  closers.push(started.close);
  return started;
}

function settings(overrides: Partial<VerifySettings> = {}, expectJson: string[] = []): VerifySettings {
  return {
    method: 'GET',
    headers: {},
    timeoutMs: 2000,
    followRedirects: true,
    waitForMs: 60_000,
    retryDelayMs: 5000,
    consecutiveSuccesses: 1,
    concurrency: 8,
    expectations: {
      statuses: parseExpectedStatus('200'),
      json: parseJsonExpectations(expectJson.map((text, index) => ({ text, line: index + 1 })))
    },
    ...overrides
  };
}

function deps(clock: ScriptedClock, logger = new MemoryLogger()) {
  return { probe: httpProbe, clock, logger, env: {}, redact: (text: string) => text, random: () => 0 };
}

describe('verifyUrl retries every failure until the budget ends', () => {
  it('an endpoint that refuses connections, then comes up', async () => {
    const port = await freePort();
    const clock = new ScriptedClock(async count => {
      if (count === 2) await server((_, response) => json(response, 200, seedBodies.chatRelay), port);
    });
    const logger = new MemoryLogger();
    const result = await verifyUrl(
      new URL(`http://127.0.0.1:${port}/health`),
      settings(),
      deps(clock, logger)
    );
    expect(result).toMatchObject({ healthy: true, attempts: 3, status: 200 });
    expect(result.lastFailure).toBe(`connection refused by 127.0.0.1:${port}`);
    expect(logger.messages('info')).toEqual([
      `http://127.0.0.1:${port}/health attempt 1: refused: connection refused by 127.0.0.1:${port}`,
      `http://127.0.0.1:${port}/health attempt 2: refused: connection refused by 127.0.0.1:${port}`,
      expect.stringMatching(
        new RegExp(`^http://127.0.0.1:${port}/health attempt 3: 200 in \\d+ms, healthy$`)
      ),
      `✓ http://127.0.0.1:${port}/health is healthy after 3 attempt(s) in 13s`
    ]);
    // backoff: 5s, then 7.5s
    expect(clock.sleeps).toEqual([5000, 7500]);
  });

  it('one that answers 503, then 200', async () => {
    const api = await server((_, response, hit) =>
      hit <= 2 ? json(response, 503, { status: 'starting' }) : json(response, 200, seedBodies.tria())
    );
    const result = await verifyUrl(new URL(`${api.url}/health`), settings(), deps(new ScriptedClock()));
    expect(result).toMatchObject({
      healthy: true,
      attempts: 3,
      status: 200,
      lastFailure: 'status 503 is not 200'
    });
  });

  it('one that answers the old version, later the new one (Tria 1.0.9 -> 1.1.0)', async () => {
    let version = '1.0.9';
    const api = await server((_, response) => json(response, 200, seedBodies.tria(version)));
    const clock = new ScriptedClock(count => {
      if (count === 3) version = '1.1.0';
    });
    const result = await verifyUrl(
      new URL(`${api.url}/health`),
      settings({}, ['status=healthy', 'version=1.1.0']),
      deps(clock)
    );
    expect(result).toMatchObject({
      healthy: true,
      attempts: 4,
      lastFailure: 'version is "1.0.9", expected "1.1.0"',
      bodyExcerpt: '{"status":"healthy","version":"1.1.0"}'
    });
  });

  it('a slow endpoint that exceeds timeout, until it speeds up', async () => {
    let delay = 1000;
    const slow = await server((_, response) =>
      setTimeout(() => json(response, 200, seedBodies.chatRelay), delay)
    );
    const clock = new ScriptedClock(() => {
      delay = 0;
    });
    const result = await verifyUrl(new URL(`${slow.url}/health`), settings({ timeoutMs: 50 }), deps(clock));
    expect(result).toMatchObject({ healthy: true, attempts: 2, lastFailure: 'timed out after 50ms' });
    expect(result.latenciesMs).toHaveLength(1); // the timed-out attempt has no latency
  });

  it('a body that keeps failing expect-json and expect-body: unhealthy when the budget is spent', async () => {
    const eloquent = await server((_, response) => json(response, 200, seedBodies.eloquent('down')));
    const clock = new ScriptedClock();
    const result = await verifyUrl(
      new URL(`${eloquent.url}/health`),
      settings(
        {
          waitForMs: 60_000,
          expectations: {
            statuses: parseExpectedStatus('200'),
            json: parseJsonExpectations([
              { text: 'status=healthy', line: 1 },
              { text: 'database=ok', line: 2 },
              { text: 'vector_db=ok', line: 3 }
            ]),
            body: /"database":"ok"/
          }
        },
        []
      ),
      deps(clock)
    );
    expect(result.healthy).toBe(false);
    expect(result.lastFailure).toBe(
      'body does not match /"database":"ok"/; database is "down", expected "ok"'
    );
    // 5s, 7.5s, 11.25s, 16.875s, then 20s (the cap, 4 x retry-delay) cut short at the deadline
    expect(clock.sleeps).toEqual([5000, 7500, 11250, 16875, 19375]);
    expect(result.attempts).toBe(6);
    expect(clock.now()).toBe(60_000);
    expect(result.bodyExcerpt).toContain('"database":"down"');
  });

  it('HEAD checks the status only', async () => {
    const api = await server((_, response) => json(response, 200, seedBodies.chatRelay));
    const result = await verifyUrl(
      new URL(`${api.url}/health`),
      settings({ method: 'HEAD' }),
      deps(new ScriptedClock())
    );
    expect(result).toMatchObject({ healthy: true, attempts: 1 });
    expect(result.bodyExcerpt).toBeUndefined();
    expect(api.requests[0].method).toBe('HEAD');
  });

  it('a redirect judged as such when follow-redirects is false', async () => {
    const api = await server((_, response) => {
      response.writeHead(301, { location: '/v2/health' });
      response.end();
    });
    const expectations = { statuses: parseExpectedStatus('301'), json: [] };
    const kept = await verifyUrl(
      new URL(`${api.url}/health`),
      settings({ followRedirects: false, expectations }),
      deps(new ScriptedClock())
    );
    expect(kept).toMatchObject({ healthy: true, status: 301 });
  });

  it('wait-for 0s makes exactly one attempt', async () => {
    const port = await freePort();
    const clock = new ScriptedClock();
    const result = await verifyUrl(
      new URL(`http://127.0.0.1:${port}/`),
      settings({ waitForMs: 0 }),
      deps(clock)
    );
    expect(result).toMatchObject({ healthy: false, attempts: 1 });
    expect(clock.sleeps).toEqual([]);
  });
});

describe('backoff', () => {
  it('grows 1.5x per failure and stops growing at 4 x retry-delay', async () => {
    const probe: Probe = async () => ({
      status: 502,
      body: '',
      bodyTruncated: false,
      latencyMs: 1,
      finalUrl: '',
      redirects: 0
    });
    const clock = new ScriptedClock();
    await verifyUrl(new URL('http://127.0.0.1/health'), settings({ retryDelayMs: 1000, waitForMs: 20_000 }), {
      ...deps(clock),
      probe
    });
    expect(clock.sleeps).toEqual([1000, 1500, 2250, 3375, 4000, 4000, 3875]);
  });

  it('shortens each failure delay by up to 10% at random, so many URLs spread out', async () => {
    const probe: Probe = async () => ({
      status: 502,
      body: '',
      bodyTruncated: false,
      latencyMs: 1,
      finalUrl: '',
      redirects: 0
    });
    const clock = new ScriptedClock();
    await verifyUrl(new URL('http://127.0.0.1/health'), settings({ retryDelayMs: 1000, waitForMs: 2000 }), {
      ...deps(clock),
      probe,
      random: () => 1
    });
    expect(clock.sleeps[0]).toBe(900);
  });
});

describe('consecutive-successes', () => {
  it('needs that many healthy answers in a row; a failure starts over', async () => {
    const answers = [200, 200, 503, 200, 200, 200];
    const api = await server((_, response, hit) =>
      json(response, answers[hit - 1] ?? 200, seedBodies.tria())
    );
    const logger = new MemoryLogger();
    const clock = new ScriptedClock();
    const result = await verifyUrl(
      new URL(`${api.url}/health`),
      settings({ consecutiveSuccesses: 3 }),
      deps(clock, logger)
    );
    expect(result).toMatchObject({ healthy: true, attempts: 6 });
    expect(logger.messages('info').filter(line => line.includes('in a row'))).toHaveLength(5);
    // successes are spaced by retry-delay, without backoff
    expect(clock.sleeps).toEqual([5000, 5000, 5000, 5000, 5000]);
  });

  it('says so when the budget ends mid-streak', async () => {
    const api = await server((_, response) => json(response, 200, seedBodies.tria()));
    const result = await verifyUrl(
      new URL(`${api.url}/health`),
      settings({ consecutiveSuccesses: 3, waitForMs: 5000 }),
      deps(new ScriptedClock())
    );
    expect(result.healthy).toBe(false);
    expect(result.lastFailure).toBe('only 2 of 3 healthy answers in a row when wait-for ran out');
  });
});

describe('verifyAll', () => {
  it('never has more than `concurrency` URLs in flight, and keeps the order', async () => {
    let inFlight = 0;
    let most = 0;
    const probe: Probe = async request => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise(resolve => setTimeout(resolve, 5));
      inFlight--;
      return {
        status: 200,
        body: request.url.pathname,
        bodyTruncated: false,
        latencyMs: 5,
        finalUrl: '',
        redirects: 0
      };
    };
    const urls = Array.from({ length: 10 }, (_, index) => new URL(`http://127.0.0.1/${index}`));
    const results = await verifyAll(urls, settings({ concurrency: 3 }), {
      ...deps(new ScriptedClock()),
      probe
    });
    expect(most).toBe(3);
    expect(results.map(result => result.bodyExcerpt)).toEqual(urls.map(url => url.pathname));
  });
});

describe('evaluateResponse', () => {
  const answer = (body: string, status = 200): ProbeResponse => ({
    status,
    body,
    bodyTruncated: false,
    latencyMs: 1,
    finalUrl: '',
    redirects: 0
  });
  it('explains a body that is not JSON', async () => {
    const expectations = {
      statuses: parseExpectedStatus('200'),
      json: parseJsonExpectations([{ text: 'status=healthy', line: 1 }])
    };
    expect(await evaluateResponse(answer('<html>Bad Gateway</html>'), expectations)).toBe(
      'body is not JSON (starts "<html>Bad Gateway</html>")'
    );
    expect(await evaluateResponse(answer('', 502), expectations)).toBe('status 502 is not 200');
  });

  it('stops a catastrophic expect-body regex at its time limit instead of hanging', async () => {
    const expectations = {
      statuses: parseExpectedStatus('200'),
      json: [],
      body: /^(a+)+$/
    };
    // 40 a's and a b: backtracking would take longer than the universe; the matcher is stopped
    const failure = await evaluateResponse(answer('a'.repeat(40) + 'b'), expectations);
    expect(failure).toMatch(/expect-body \/\^\(a\+\)\+\$\/ was stopped after 1s without an answer/);
    // the matcher comes back for the next attempt
    expect(await evaluateResponse(answer('aaaa'), expectations)).toBeUndefined();
    expect(await evaluateResponse(answer('aaab'), expectations)).toMatch(/body does not match/);
  });
});
