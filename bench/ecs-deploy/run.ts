/**
 * bench/ecs-deploy: figures for deploy-ecs on the simulator (simulated time; the simulator is not AWS).
 *
 * For 1, 3 and 10 services deployed together, with the ROLLING and the BLUE_GREEN strategy: the API calls
 * per poll of the watch (DescribeServices + DescribeServiceDeployments, the goal being at most 2 for up to
 * 10 services), the ListTasks/DescribeTasks calls (only when new tasks stopped), and for a run whose first
 * service (desired count 10) crash-loops, the simulated seconds from its first failed task to the rollback.
 *
 *   npx tsx bench/ecs-deploy/run.ts [--poll 10s]
 */
import { DescribeTasksCommand, ListTasksCommand, type DeploymentConfiguration } from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { Inputs, parseDuration } from '@deploy-suite/core';
import {
  MemoryLogger,
  objectInputReader,
  frozenSim,
  seedEcsServices,
  simAwsContext,
  simClock,
  simEcsClient
} from '@deploy-suite/testing';
import { createEcsApi, type EcsApi } from '@deploy-suite/aws/ecs';
import { readDeployEcsInputs } from '../../actions/deploy-ecs/src/inputs.js';
import { planDeployment } from '../../actions/deploy-ecs/src/plan.js';
import { executeDeployment } from '../../actions/deploy-ecs/src/deploy.js';
import { loadTaskDefinitionShape } from '../../actions/deploy-ecs/src/shape.js';
import {
  CLUSTER,
  backendImage,
  backendSeed,
  taskDefinition,
  type ServiceSeed
} from '@deploy-suite/testing/worlds/deploy-ecs';

const pollArg = process.argv.indexOf('--poll');
const poll = pollArg > 0 ? process.argv[pollArg + 1] : '10s';

type Strategy = 'ROLLING' | 'BLUE_GREEN';
const CONFIG: Record<Strategy, DeploymentConfiguration> = {
  ROLLING: { deploymentCircuitBreaker: { enable: true, rollback: true } },
  BLUE_GREEN: {
    strategy: 'BLUE_GREEN',
    bakeTimeInMinutes: 2,
    deploymentCircuitBreaker: { enable: true, rollback: true }
  }
};

interface Figures {
  services: number;
  strategy: Strategy;
  scenario: string;
  status: string;
  polls: number;
  describePerPoll: string;
  taskReads: number;
  callsPerDeploy: number;
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

/** The action's EcsApi, counting each call by operation while `counting()` is true. */
function countingApi(real: EcsApi, counting: () => boolean, counts: Map<string, number>): EcsApi {
  const api = {} as Record<string, unknown>;
  for (const [name, call] of Object.entries(real)) {
    api[name] = async (input: unknown) => {
      if (counting()) counts.set(name, (counts.get(name) ?? 0) + 1);
      return (call as (input: unknown) => Promise<unknown>)(input);
    };
  }
  return api as unknown as EcsApi;
}

async function measure(count: number, strategy: Strategy, crash: boolean): Promise<Figures> {
  const sim: RunningSimulator = await frozenSim();
  try {
    const list = seeds(count);
    await seedEcsServices(
      sim,
      CLUSTER,
      list.map(seed => ({
        name: seed.name,
        taskDefinition: taskDefinition(seed.family, seed.container, seed.image, seed.port),
        desiredCount: seed.desiredCount,
        deploymentConfiguration: {
          maximumPercent: seed.maximumPercent ?? 200,
          minimumHealthyPercent: 100,
          ...CONFIG[strategy]
        }
      }))
    );
    if (crash) sim.control.images({ image: backendImage('v2'), behavior: 'crash' });
    let watching = false;
    const counts = new Map<string, number>();
    const api = countingApi(createEcsApi(simAwsContext(sim, 'deploy-ecs')), () => watching, counts);
    const clock = simClock(sim);
    const inputs = readDeployEcsInputs(
      new Inputs(
        objectInputReader({
          cluster: CLUSTER,
          service: list.map(seed => seed.name).join('\n'),
          images: list.map(seed => `${seed.container}=${seed.image.replace(/:v1$/, ':v2')}`).join('\n'),
          'poll-interval': poll
        })
      ),
      () => false
    );
    const before = totalCalls(sim);
    const started = clock.now();
    let rollbackStartedAt: number | undefined;
    const logger = new MemoryLogger();
    const watchingLogger = Object.assign(Object.create(logger) as MemoryLogger, {
      info: (message: string) => {
        // The watch starts with "Watching ..."; identifying the deployments is the first call after it.
        if (message.startsWith('Watching ')) watching = true;
        if (message.startsWith('Rolling back') && rollbackStartedAt === undefined)
          rollbackStartedAt = clock.now();
        logger.info(message);
      }
    });
    const plans = await planDeployment(inputs, {
      api,
      logger: watchingLogger,
      shape: await loadTaskDefinitionShape(),
      readFile: async () => '',
      env: {}
    });
    const result = await executeDeployment(inputs, plans, { api, logger: watchingLogger, clock });
    const calls = totalCalls(sim) - before;
    const of = (name: string): number => counts.get(name) ?? 0;
    // One DescribeServiceDeployments per poll (up to 20 services), less the one that identified the deployments.
    const polls = of('describeServiceDeployments') - 1;
    let firstFailureToRollback: number | undefined;
    if (crash && rollbackStartedAt !== undefined) {
      const firstStop = await firstFailedTaskStop(sim);
      if (firstStop !== undefined) firstFailureToRollback = (rollbackStartedAt - firstStop) / 1000;
    }
    return {
      services: count,
      strategy,
      scenario: crash ? 'first service crash-loops' : 'all healthy',
      status: result.status,
      polls,
      describePerPoll: ((of('describeServices') + polls) / Math.max(1, polls)).toFixed(2),
      taskReads: of('listTasks') + of('describeTasks'),
      callsPerDeploy: calls,
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
for (const strategy of ['ROLLING', 'BLUE_GREEN'] as const) {
  for (const count of [1, 3, 10]) {
    rows.push(await measure(count, strategy, false));
    rows.push(await measure(count, strategy, true));
  }
}
console.log(
  `deploy-ecs on the simulator (NOT AWS), poll-interval ${poll} (${parseDuration(poll)} ms, growing 1.25x to 4x)`
);
console.table(
  rows.map(row => ({
    services: row.services,
    strategy: row.strategy,
    scenario: row.scenario,
    status: row.status,
    polls: row.polls,
    'describe calls / poll': row.describePerPoll,
    'ListTasks+DescribeTasks': row.taskReads,
    'first failed task -> rollback (sim s)': row.firstFailureToRollback ?? '',
    'API calls / deploy': row.callsPerDeploy,
    'sim seconds': row.simSeconds
  }))
);
