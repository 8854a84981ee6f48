/**
 * Rollback figures on the simulator (simulated time, no wall-clock claims): for one service and for two
 * services together, the simulated seconds from the start of the rollback step until every service is
 * steady (PRIMARY, rollout COMPLETED) on its target, and the AWS API calls the step made, by operation.
 *
 *   npx tsx bench/rollback/run.ts
 */
import type { RunningSimulator } from '@deploy-suite/sim';
import { frozenSim } from '@deploy-suite/testing';
import {
  AI_ML,
  BACKEND,
  aiMl,
  backend,
  deploy,
  rollbackOnSim,
  seed
} from '@deploy-suite/testing/worlds/rollback';

interface Scenario {
  name: string;
  services: Array<typeof backend>;
  raw: Record<string, string>;
  /** how the bad state is made */
  prepare: (sim: RunningSimulator) => Promise<void>;
}

const scenarios: Scenario[] = [
  {
    name: 'one service, last-known-good from the record',
    services: [backend],
    raw: { service: BACKEND },
    prepare: async sim => {
      await deploy(sim, backend, 'v2');
      await deploy(sim, backend, 'v3', { record: false });
    }
  },
  {
    name: 'one service, no record: ECS deployment history',
    services: [backend],
    raw: { service: BACKEND },
    prepare: async sim => {
      await deploy(sim, backend, 'v2', { record: false });
      await deploy(sim, backend, 'v3', { record: false });
    }
  },
  {
    name: 'two services together, last-known-good',
    services: [backend, aiMl],
    raw: { service: `${BACKEND}\n${AI_ML}` },
    prepare: async sim => {
      await deploy(sim, backend, 'v2');
      await deploy(sim, aiMl, 'v2');
      await deploy(sim, backend, 'v3', { record: false });
      await deploy(sim, aiMl, 'v3', { record: false });
    }
  }
];

function diff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after)
      .filter(key => after[key] - (before[key] ?? 0) > 0)
      .sort()
      .map(key => [key, after[key] - (before[key] ?? 0)])
  );
}

for (const pollInterval of ['10s', '5s']) {
  for (const scenario of scenarios) {
    const sim = await frozenSim();
    try {
      await seed(sim, scenario.services);
      await scenario.prepare(sim);
      const before = sim.control.calls();
      const startedAt = sim.control.now();
      const { result } = await rollbackOnSim(sim, { ...scenario.raw, 'poll-interval': pollInterval });
      const seconds = sim.control.now() - startedAt;
      const calls = diff(before, sim.control.calls());
      const total = Object.values(calls).reduce((sum, count) => sum + count, 0);
      console.log(`${scenario.name} (poll-interval ${pollInterval}): status ${result.status}`);
      console.log(`  simulated seconds from step start to steady on the target: ${seconds.toFixed(0)}`);
      for (const service of result.services)
        console.log(
          `    ${service.service}: ${service.result} via ${service.source}, ${service.durationSeconds}s`
        );
      console.log(
        `  API calls: ${total} — ${Object.entries(calls)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}`
      );
    } finally {
      await sim.close();
    }
  }
}
