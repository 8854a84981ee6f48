/**
 * bench/ecs-deploy: figures for deploy-ecs on the simulator (simulated time; the simulator is not AWS).
 *
 * For 1, 3 and 10 services deployed together, the first of which (desired count 10) gets an image that
 * crash-loops: simulated seconds from the first failed task to the start of the rollback, and the API
 * calls per poll and per deploy. A healthy deploy of the same services is measured too, for the calls.
 *
 *   npx tsx bench/ecs-deploy/run.ts [--poll 10s]
 */
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { Inputs, parseDuration } from '@deploy-suite/core';
import {
  MemoryLogger,
  objectInputReader,
  frozenSim,
  simAwsContext,
  simClock,
  simEcsClient
} from '@deploy-suite/testing';
import { createEcsApi } from '@deploy-suite/aws/ecs';
import { readDeployEcsInputs } from '../../actions/deploy-ecs/src/inputs.js';
import { planDeployment } from '../../actions/deploy-ecs/src/plan.js';
import { executeDeployment } from '../../actions/deploy-ecs/src/deploy.js';
import { loadTaskDefinitionShape } from '../../actions/deploy-ecs/src/shape.js';
import {
  CLUSTER,
  backendImage,
  backendSeed,
  seedServices,
  type ServiceSeed
} from '@deploy-suite/testing/worlds/deploy-ecs';

const pollArg = process.argv.indexOf('--poll');
const poll = pollArg > 0 ? process.argv[pollArg + 1] : '10s';

interface Figures {
  services: number;
  scenario: string;
  status: string;
  polls: number;
  callsPerDeploy: number;
  callsPerPoll: string;
  firstFailureToRollback?: number;
  simSeconds: number;
}

function seeds(count: number): ServiceSeed[] {
  return Array.from({ length: count }, (_, index) =>
    index === 0
      ? { ...backendSeed, desiredCount: 10, maximumPercent: 110 }
      : {
          name: `worker-${index}`,
          family: `docuthinker-worker-${index}`,
          container: `worker-${index}`,
          image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-worker-${index}:v1`,
          port: 8000 + index
        }
  );
}

async function measure(count: number, crash: boolean): Promise<Figures> {
  const sim: RunningSimulator = await frozenSim();
  try {
    const list = seeds(count);
    await seedServices(sim, list);
    if (crash) sim.control.images({ image: backendImage('v2'), behavior: 'crash' });
    const api = createEcsApi(simAwsContext(sim, 'deploy-ecs'));
    const clock = simClock(sim);
    const images = list.map(
      (seed, index) => `${seed.container}=${seed.image.replace(/:v1$/, ':v2')}${index < 0 ? '' : ''}`
    );
    const inputs = readDeployEcsInputs(
      new Inputs(
        objectInputReader({
          cluster: CLUSTER,
          service: list.map(seed => seed.name).join('\n'),
          images: images.join('\n'),
          'poll-interval': poll
        })
      ),
      () => false
    );
    const before = totalCalls(sim);
    const started = clock.now();
    const logger = new MemoryLogger();
    let polls = 0;
    const countingLogger = Object.assign(Object.create(logger) as MemoryLogger, {
      info: (message: string) => {
        if (message.startsWith(`${list[0].name}: `)) polls++;
        logger.info(message);
      }
    });
    let rollbackStartedAt: number | undefined;
    const watchingLogger = Object.assign(Object.create(countingLogger) as MemoryLogger, {
      info: (message: string) => {
        if (message.startsWith('Rolling back') && rollbackStartedAt === undefined)
          rollbackStartedAt = clock.now();
        countingLogger.info(message);
      }
    });
    const plans = await planDeployment(inputs, {
      api,
      logger: watchingLogger,
      shape: await loadTaskDefinitionShape(),
      readFile: async () => '',
      env: {}
    });
    const afterPlan = totalCalls(sim);
    const result = await executeDeployment(inputs, plans, { api, logger: watchingLogger, clock });
    const calls = totalCalls(sim) - before;
    const watchCalls = totalCalls(sim) - afterPlan;
    let firstFailureToRollback: number | undefined;
    if (crash && rollbackStartedAt !== undefined) {
      const firstStop = await firstFailedTaskStop(sim);
      if (firstStop !== undefined) firstFailureToRollback = (rollbackStartedAt - firstStop) / 1000;
    }
    return {
      services: count,
      scenario: crash ? 'first service crash-loops' : 'all healthy',
      status: result.status,
      polls,
      callsPerDeploy: calls,
      callsPerPoll: (watchCalls / Math.max(1, polls)).toFixed(2),
      firstFailureToRollback,
      simSeconds: (clock.now() - started) / 1000
    };
  } finally {
    await sim.close();
  }
}

function totalCalls(sim: RunningSimulator): number {
  return Object.values(sim.control.calls()).reduce((sum, count) => sum + count, 0);
}

/** When the first task of the crashing revision stopped (read after the run, not counted above). */
async function firstFailedTaskStop(sim: RunningSimulator): Promise<number | undefined> {
  const client = simEcsClient(sim);
  const listed = await client.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'STOPPED' }));
  if (!listed.taskArns?.length) return undefined;
  const described = await client.send(
    new DescribeTasksCommand({ cluster: CLUSTER, tasks: listed.taskArns.slice(0, 100) })
  );
  const stops = (described.tasks ?? [])
    .filter(
      task =>
        task.stopCode === 'EssentialContainerExited' &&
        task.taskDefinitionArn?.endsWith('docuthinker-backend:2')
    )
    .map(task => (task.stoppingAt ?? task.executionStoppedAt ?? task.stoppedAt)?.valueOf())
    .filter((value): value is number => value !== undefined);
  return stops.length ? Math.min(...stops) : undefined;
}

const rows: Figures[] = [];
for (const count of [1, 3, 10]) {
  rows.push(await measure(count, true));
  rows.push(await measure(count, false));
}
console.log(
  `deploy-ecs on the simulator (NOT AWS), poll-interval ${poll} (${parseDuration(poll)} ms, growing 1.25x to 4x)`
);
console.table(
  rows.map(row => ({
    services: row.services,
    scenario: row.scenario,
    status: row.status,
    'first failed task -> rollback start (sim s)': row.firstFailureToRollback ?? '',
    polls: row.polls,
    'API calls / poll': row.callsPerPoll,
    'API calls / deploy': row.callsPerDeploy,
    'sim seconds': row.simSeconds
  }))
);
