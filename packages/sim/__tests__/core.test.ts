import { afterEach, describe, expect, it } from '@jest/globals';
import { SimClock } from '../src/core/clock.js';
import { Faults } from '../src/core/faults.js';
import { ImageRules } from '../src/core/images.js';
import { SimRandom } from '../src/core/random.js';
import { discoverServiceModules } from '../src/core/registry.js';
import { parseQueryParams, toXml } from '../src/core/xml.js';
import { startSimulator, type RunningSimulator } from '../src/index.js';

describe('SimClock', () => {
  it('combines real time x timeScale with manual advances', () => {
    let real = 1_000;
    const clock = new SimClock({ timeScale: 60, startEpochMs: 0, realNowMs: () => real });
    real += 1_000; // one real second = one simulated minute
    expect(clock.clockMs()).toBe(60_000);
    clock.advance(30);
    expect(clock.nowMs()).toBe(90_000);
    clock.setScale(0);
    real += 5_000;
    clock.catchUp();
    expect(clock.nowMs()).toBe(90_000);
  });

  it('runs events at their own simulated time, in order, including events they schedule', () => {
    const clock = new SimClock({ timeScale: 0, startEpochMs: 0 });
    const seen: string[] = [];
    clock.after(10, 'b', () => {
      seen.push(`b@${clock.nowMs()}`);
      clock.after(5, 'c', () => seen.push(`c@${clock.nowMs()}`));
    });
    clock.after(2, 'a', () => seen.push(`a@${clock.nowMs()}`));
    clock.after(100, 'late', () => seen.push('late'));
    clock.advance(20);
    expect(seen).toEqual(['a@2000', 'b@10000', 'c@15000']);
    expect(clock.nowMs()).toBe(20_000);
    expect(clock.pendingEvents()).toBe(1);
  });

  it('refuses a negative advance', () => {
    expect(() => new SimClock({ timeScale: 0 }).advance(-1)).toThrow(/seconds >= 0/);
  });
});

describe('Faults', () => {
  it('applies a rule to exactly `times` calls, then removes it', () => {
    const faults = new Faults(new SimRandom(7));
    faults.set({ operation: 'ECS.UpdateService', throttle: 1, times: 2 });
    expect(faults.decide('ECS.UpdateService').kind).toBe('throttle');
    expect(faults.decide('ECS.DescribeServices').kind).toBe('none');
    expect(faults.decide('ECS.UpdateService').kind).toBe('throttle');
    expect(faults.decide('ECS.UpdateService').kind).toBe('none');
    expect(faults.list()).toEqual([]);
  });

  it('matches "*" for every operation and clears with an empty rule', () => {
    const faults = new Faults(new SimRandom(1));
    faults.set({ operation: '*', error5xx: 1, latencyMs: 20 });
    expect(faults.decide('STS.GetCallerIdentity').kind).toBe('error5xx');
    expect(faults.latencyFor('ECS.ListTasks')).toBe(20);
    faults.set({ operation: '*' });
    expect(faults.decide('STS.GetCallerIdentity').kind).toBe('none');
  });

  it('rejects malformed rules with the reason', () => {
    const faults = new Faults(new SimRandom(1));
    expect(() => faults.set({ operation: 'UpdateService', throttle: 1 })).toThrow(/<Service>.<Operation>/);
    expect(() => faults.set({ operation: '*', throttle: 2 })).toThrow(/probability/);
  });
});

describe('ImageRules', () => {
  it('defaults to healthy with the tag as version; repository rules cover every tag', () => {
    const images = new ImageRules();
    const repo = '123456789012.dkr.ecr.us-east-1.amazonaws.com/tria-aibpo-staging';
    expect(images.outcome(`${repo}:staging-initial`)).toEqual({
      behavior: 'healthy',
      version: 'staging-initial'
    });
    images.set({ image: repo, behavior: 'healthy', version: '1.1.0' });
    expect(images.outcome(`${repo}:latest`)).toEqual({ behavior: 'healthy', version: '1.1.0' });
    images.set({ image: `${repo}:broken`, behavior: 'crash' });
    expect(images.outcome(`${repo}:broken`).behavior).toBe('crash');
    expect(() => images.set({ image: repo, behavior: 'sleepy' as never })).toThrow(/behavior/);
  });
});

describe('XML helpers', () => {
  it('round-trips Query members', () => {
    const params = parseQueryParams(
      new URLSearchParams(
        'Action=X&Tags.member.1.Key=team&Tags.member.1.Value=ml&Tags.member.2.Key=env&Name=a'
      )
    );
    expect(params).toEqual({ Action: 'X', Name: 'a', Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'env' }] });
    expect(toXml('Tags', [{ Key: 'a&b' }])).toBe('<Tags><member><Key>a&amp;b</Key></member></Tags>');
  });
});

describe('service discovery', () => {
  it('finds every src/<dir>/service.ts module', async () => {
    const names = (await discoverServiceModules()).map(m => m.name);
    expect(names).toEqual(expect.arrayContaining(['ECS', 'GitHub', 'STS']));
  });
});

describe('simulator HTTP surface', () => {
  let sim: RunningSimulator;
  afterEach(async () => sim?.close());

  it('rejects unsigned AWS requests like AWS', async () => {
    sim = await startSimulator({ timeScale: 0 });
    const ecs = await fetch(sim.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
        'content-type': 'application/x-amz-json-1.1'
      },
      body: '{}'
    });
    expect(ecs.status).toBe(403);
    expect(await ecs.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token'
    });
    const anon = await fetch(`${sim.endpoint}/`, { method: 'POST', body: 'Action=GetCallerIdentity' });
    expect(anon.status).toBe(403);
    expect(sim.control.calls()['ECS.ListClusters']).toBe(1);
  });

  it('exposes the control API over HTTP', async () => {
    sim = await startSimulator({ timeScale: 0, startEpochMs: Date.UTC(2026, 0, 1) });
    const post = (path: string, body: unknown) =>
      fetch(`${sim.endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) }).then(async r => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>
      }));
    expect((await post('/_sim/time', { advance: 90 })).body).toMatchObject({
      now: Date.UTC(2026, 0, 1) / 1000 + 90,
      iso: '2026-01-01T00:01:30.000Z',
      elapsedSeconds: 90,
      timeScale: 0
    });
    expect(sim.control.now()).toBe(Date.UTC(2026, 0, 1) / 1000 + 90);
    expect((await post('/_sim/images', { image: 'x/app:1', behavior: 'crash' })).status).toBe(200);
    expect((await post('/_sim/images', { image: 'x/app:1', behavior: 'nope' })).status).toBe(400);
    expect((await post('/_sim/faults', { operation: 'ECS.UpdateService', throttle: 0.5 })).status).toBe(200);
    const faults = (await (await fetch(`${sim.endpoint}/_sim/faults`)).json()) as { faults: unknown[] };
    expect(faults.faults).toHaveLength(1);
    await fetch(`${sim.endpoint}/_sim/faults`, { method: 'DELETE' });
    expect(sim.control.faultRules()).toEqual([]);
    expect(sim.control.imageRules()).toEqual([{ image: 'x/app:1', behavior: 'crash' }]);
    expect((await post('/_sim/reset', {})).status).toBe(200);
    expect(sim.control.imageRules()).toEqual([]);
    expect(await (await fetch(`${sim.endpoint}/_sim/calls`)).json()).toEqual({});
    expect((await fetch(`${sim.endpoint}/_sim/nothing`)).status).toBe(404);
  });

  it('moves simulated time with the time scale as well as by hand', async () => {
    sim = await startSimulator({ timeScale: 3600 });
    const t0 = sim.control.now();
    await new Promise(resolve => setTimeout(resolve, 50)); // 50 real ms = at least 180 simulated s
    const t1 = sim.control.now();
    expect(t1 - t0).toBeGreaterThanOrEqual(170);
    const t2 = sim.control.advance(600);
    expect(t2 - t1).toBeGreaterThanOrEqual(600);
  });
});
