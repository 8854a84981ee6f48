import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ListTagsForResourceCommand } from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { MemoryLogger } from '@deploy-suite/testing';
import { createEcsApi } from '@deploy-suite/aws/ecs';
import { recordEcsKnownGood } from '../src/record.js';
import {
  AI_ML,
  BACKEND,
  aiMl,
  backend,
  backendImage,
  deploy,
  describe as describeService,
  ecsClient,
  ecsInputs,
  frozenSim,
  primaryOf,
  rollbackOnSim,
  seed,
  simClock,
  simContext
} from '@deploy-suite/testing/worlds/rollback';

/**
 * The pipeline's rollback contract: a run rolls back only what it deployed (only-if-current), to the exact
 * revision it replaced (per-service `to`), and known-good is recorded only once verified (mode
 * record-known-good, record-known-good: false on the rollback itself).
 */
let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

async function knownGoodOf(name: string): Promise<string | undefined> {
  const described = await describeService(sim, name);
  const tags = await ecsClient(sim).send(
    new ListTagsForResourceCommand({ resourceArn: described.serviceArn })
  );
  return tags.tags?.find(tag => tag.key === 'deploy-suite:last-known-good')?.value;
}

async function record(raw: Record<string, string>) {
  const logger = new MemoryLogger();
  const result = await recordEcsKnownGood(ecsInputs({ mode: 'record-known-good', ...raw }), {
    api: createEcsApi(simContext(sim)),
    ecr: { describeImages: async () => ({ imageDetails: [] }) } as never,
    logger,
    clock: simClock(sim)
  });
  return { result, logger };
}

describe('rollback only-if-current (the guard)', () => {
  it("skips, and says so, when another run's deploy has replaced this run's revision", async () => {
    const seeded = await seed(sim, [backend]);
    sim.control.images({ image: backendImage('run-a'), behavior: 'healthy', version: 'stale' });
    const runA = await deploy(sim, backend, 'run-a', { record: false });
    const runB = await deploy(sim, backend, 'run-b', { record: false });
    // run A's verification failed; its rollback comes late, after run B deployed
    const { result, logger } = await rollbackOnSim(sim, {
      service: BACKEND,
      to: seeded[BACKEND],
      'only-if-current': runA
    });
    expect(result.status).toBe('skipped');
    expect(result.services[0]).toMatchObject({ service: BACKEND, result: 'skipped' });
    expect(logger.text()).toMatch(
      /backend-service: skipped: it runs docuthinker-backend:3, not docuthinker-backend:2 \(only-if-current\)/
    );
    expect(primaryOf(await describeService(sim, BACKEND))).toMatchObject({ taskDefinition: runB });
  });

  it('rolls back to the exact revision the run replaced while it still runs, without recording it when asked not to', async () => {
    const seeded = await seed(sim, [backend, aiMl]);
    const backendNew = await deploy(sim, backend, 'v2', { record: false });
    const aiMlNew = await deploy(sim, aiMl, 'v2', { record: false });
    const { result } = await rollbackOnSim(sim, {
      service: `${BACKEND}\n${AI_ML}`,
      to: `${BACKEND}=${seeded[BACKEND]}\n${AI_ML}=${seeded[AI_ML]}`,
      'only-if-current': `${BACKEND}=${backendNew}\n${AI_ML}=${aiMlNew}`,
      'record-known-good': 'false'
    });
    expect(result.status).toBe('rolled-back');
    expect(result.services.map(service => [service.service, service.to, service.result])).toEqual([
      [BACKEND, seeded[BACKEND], 'rolled-back'],
      [AI_ML, seeded[AI_ML], 'rolled-back']
    ]);
    expect(await knownGoodOf(BACKEND)).toBeUndefined();
  });

  it('refuses a guard that is not a task definition ARN, and a per-service line for a service not listed', () => {
    expect(() => ecsInputs({ service: BACKEND, 'only-if-current': 'docuthinker-backend:2' })).toThrow(
      /^Input "only-if-current" must be a task definition ARN/
    );
    expect(() => ecsInputs({ service: BACKEND, to: `${AI_ML}=docuthinker-ai-ml:1` })).toThrow(
      /^Input "to" line 1 names service "ai-ml-service", which is not in "service"/
    );
  });

  it('dry run lists the last revisions with what runs now and the target', async () => {
    await seed(sim, [backend]);
    await deploy(sim, backend, 'v2');
    await deploy(sim, backend, 'v3');
    const { result, logger } = await rollbackOnSim(sim, {
      service: BACKEND,
      to: 'previous',
      'dry-run': 'true'
    });
    expect(result.status).toBe('planned');
    const text = logger.text();
    expect(text).toMatch(/the last ACTIVE revisions of docuthinker-backend \(newest first\)/);
    expect(text).toMatch(/docuthinker-backend:3 \(runs now, last known-good\)/);
    expect(text).toMatch(/docuthinker-backend:2 \(the target\)/);
  });
});

describe('rollback mode record-known-good', () => {
  it('records what runs once verified, and skips a service another run has moved on', async () => {
    await seed(sim, [backend]);
    const verified = await deploy(sim, backend, 'v2', { record: false });
    expect(await knownGoodOf(BACKEND)).toBeUndefined();
    const first = await record({ service: BACKEND, 'only-if-current': verified });
    expect(first.result.status).toBe('recorded');
    expect(await knownGoodOf(BACKEND)).toBe(verified);

    const newer = await deploy(sim, backend, 'v3', { record: false });
    const late = await record({ service: BACKEND, 'only-if-current': verified });
    expect(late.result.status).toBe('skipped');
    expect(late.logger.text()).toMatch(/skipped: it runs docuthinker-backend:3, not docuthinker-backend:2/);
    expect(await knownGoodOf(BACKEND)).toBe(verified);
    expect(newer).not.toBe(verified);
  });
});
