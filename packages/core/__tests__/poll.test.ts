import { describe, expect, it } from '@jest/globals';
import { waitUntil, PollTimeoutError, nextDelay, type PollResult } from '../src/poll.js';
import { FakeClock } from '@deploy-suite/testing';

const notYet = <T = string>(progress: string): PollResult<T> => ({ done: false, progress });

describe('waitUntil', () => {
  it('returns the value as soon as the check is done, sleeping between checks', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const value = await waitUntil(
      async () => (++calls === 3 ? { done: true, value: 'deployed' } : notYet('pending')),
      {
        what: 'the deployment',
        timeoutMs: 60_000,
        intervalMs: 1000,
        jitter: 0,
        clock
      }
    );
    expect(value).toBe('deployed');
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([1000, 1500]);
  });

  it('backs off by the factor up to the cap', async () => {
    const clock = new FakeClock();
    await expect(
      waitUntil(async () => notYet('still rolling'), {
        what: 'service docuthinker-backend-service to be deployed',
        timeoutMs: 20_000,
        intervalMs: 1000,
        backoff: 2,
        maxIntervalMs: 5000,
        jitter: 0,
        clock
      })
    ).rejects.toThrow(PollTimeoutError);
    expect(clock.sleeps.slice(0, 5)).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('never sleeps past the deadline and fails with the last progress line', async () => {
    const clock = new FakeClock(1_000_000);
    const progress: Array<[string | undefined, number]> = [];
    const failure = waitUntil(async attempt => notYet(`attempt ${attempt}: 1/3 running`), {
      what: 'service web to be deployed',
      timeoutMs: 10_000,
      intervalMs: 4000,
      backoff: 1,
      jitter: 0,
      clock,
      onProgress: (line, elapsed) => progress.push([line, elapsed])
    });
    await expect(failure).rejects.toThrow(
      'Timed out after 10s waiting for service web to be deployed; last seen: attempt 4: 1/3 running'
    );
    expect(clock.sleeps).toEqual([4000, 4000, 2000]);
    expect(clock.now()).toBe(1_010_000);
    expect(progress.map(([, elapsed]) => elapsed)).toEqual([0, 4000, 8000, 10_000]);
  });

  it('shortens each delay by up to the jitter fraction', async () => {
    const clock = new FakeClock();
    const randoms = [0, 0.5, 1];
    let checks = 0;
    await waitUntil<number>(async () => (++checks > 3 ? { done: true, value: 1 } : notYet<number>('x')), {
      what: 'x',
      timeoutMs: 60_000,
      intervalMs: 1000,
      backoff: 1,
      jitter: 0.2,
      random: () => randoms.shift() ?? 0,
      clock
    });
    expect(clock.sleeps).toEqual([1000, 900, 800]);
  });

  it('ends at once when the check throws (fail fast)', async () => {
    const clock = new FakeClock();
    await expect(
      waitUntil(
        async () => {
          throw new Error('CannotPullContainerError');
        },
        { what: 'x', timeoutMs: 60_000, intervalMs: 1000, clock }
      )
    ).rejects.toThrow('CannotPullContainerError');
    expect(clock.sleeps).toEqual([]);
  });
});

describe('nextDelay', () => {
  it('defaults to a 1.5 factor capped at four intervals', () => {
    const options = { what: 'x', timeoutMs: 1, intervalMs: 10_000 };
    expect(nextDelay(undefined, options)).toBe(10_000);
    expect(nextDelay(10_000, options)).toBe(15_000);
    expect(nextDelay(30_000, options)).toBe(40_000);
  });
});
