import { afterEach, beforeEach, describe as group, expect, it } from '@jest/globals';
import type { RunningSimulator } from '@deploy-suite/sim';
import {
  BACKEND,
  backend,
  backendImage,
  deploy,
  frozenSim,
  rollbackOnSim,
  seed
} from '@deploy-suite/testing/worlds/rollback';
import { rollbackSummary } from '../src/summary.js';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

group('rollback of ECS services: container logs of a target that does not start (simulator)', () => {
  it("prints the crashing target's app log in the step log and the summary", async () => {
    await seed(sim, [backend]);
    await deploy(sim, backend, 'v2');
    // the old revision's dependency is gone: going back to it crashes
    sim.control.images({
      image: backendImage('v1'),
      behavior: 'crash',
      logs: ['Server starting on port 5000', 'Error: connect ECONNREFUSED 10.0.3.17:27017']
    });
    const { result, logger } = await rollbackOnSim(sim, {
      service: BACKEND,
      to: 'docuthinker-backend:1',
      'wait-for-minutes': '5'
    });
    expect(result.status).toBe('failed');
    expect(logger.text()).toMatch(/backend-service: logs of stopped task [0-9a-f]+/);
    expect(logger.text()).toContain('  Error: connect ECONNREFUSED 10.0.3.17:27017');
    const inputs = { kind: 'ecs', cluster: 'docuthinker-cluster', reason: '' } as never;
    const summary = rollbackSummary(inputs, result, 'us-east-1', 'octocat');
    expect(summary).toMatch(
      /#### Logs of stopped tasks[\s\S]*Error: connect ECONNREFUSED 10\.0\.3\.17:27017/
    );
    expect(summary).toContain(
      'cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fdocuthinker-backend'
    );
  });

  it('log-lines: 0 shows no logs', async () => {
    await seed(sim, [backend]);
    await deploy(sim, backend, 'v2');
    sim.control.images({
      image: backendImage('v1'),
      behavior: 'crash',
      logs: ['Error: connect ECONNREFUSED']
    });
    const { result, logger } = await rollbackOnSim(sim, {
      service: BACKEND,
      to: 'docuthinker-backend:1',
      'wait-for-minutes': '5',
      'log-lines': '0'
    });
    expect(result.status).toBe('failed');
    expect(logger.text()).not.toContain('ECONNREFUSED');
    expect(result.logExcerpts).toBeUndefined();
  });
});
