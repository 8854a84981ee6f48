/**
 * Figures for deploy-beanstalk's watcher: describe calls per minute while waiting, and simulated seconds
 * from the first ERROR event to the start of the rollback.
 *
 * 1. On the simulator (packages/sim): the action's logic through the real SDK adapters against the
 *    simulator's Elastic Beanstalk and S3, on frozen simulated time that moves only when the poll loop
 *    sleeps. Call counts come from the simulator's `control.calls()`; the ERROR and rollback times are
 *    read from the API's own answers (DescribeEvents EventDate), as one would read them from AWS.
 * 2. On the in-memory fake (packages/testing/src/beanstalk.ts) with a fake clock: the same logic
 *    over scripted scenarios (ERROR at 4 minutes of a 10-minute update), kept because it shows the
 *    figures for timelines the simulator does not have.
 *
 *   npx tsx bench/beanstalk-deploy/run.ts          # both
 *   npx tsx bench/beanstalk-deploy/run.ts --sim    # simulator only
 *   npx tsx bench/beanstalk-deploy/run.ts --fake   # fake only
 */
import {
  FakeClock,
  MemoryLogger,
  objectInputReader,
  FakeBeanstalk,
  FakeBundleStore
} from '@deploy-suite/testing';
import { Inputs } from '@deploy-suite/core';
import { buildBundle } from '../../actions/deploy-beanstalk/src/bundle.js';
import { readDeployBeanstalkInputs } from '../../actions/deploy-beanstalk/src/inputs.js';
import { deployBeanstalk } from '../../actions/deploy-beanstalk/src/deploy.js';
import type { BeanstalkApi } from '@deploy-suite/aws/beanstalk';
import {
  deployOnSim,
  eventsOf,
  frozenSim,
  image,
  fixtures,
  seedChatRelay,
  simAdapters
} from '@deploy-suite/testing/worlds/deploy-beanstalk';
const T0 = Date.parse('2025-03-01T12:00:00Z');
const LABEL = 'a1b2c3d-100-1';

async function scenario(pollInterval: string, crash: boolean) {
  const clock = new FakeClock(T0);
  const store = new FakeBundleStore();
  const api = new FakeBeanstalk(clock, store)
    .addEnvironment({ application: 'ChatRelay', name: 'chatrelay-prod', versionLabel: 'chatrelay-1.4.0' })
    .addVersion({ application: 'ChatRelay', label: 'chatrelay-1.4.0' });
  // Beanstalk reports the failed deploy, then returns the environment to Ready on the old version
  if (crash) api.onDeploy(LABEL, { kind: 'crash', errorAtMs: 4 * 60_000, updatingMs: 4 * 60_000 + 30_000 });
  else api.onDeploy(LABEL, { kind: 'healthy', updatingMs: 10 * 60_000 });
  const config = readDeployBeanstalkInputs(
    new Inputs(
      objectInputReader({
        'application-name': 'ChatRelay',
        'environment-name': 'chatrelay-prod',
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        'poll-interval': pollInterval
      })
    ),
    { sha: 'a1b2c3d4e5f6', runId: '100', runAttempt: 1, workspace: fixtures }
  );
  const bundle = await buildBundle(config.bundle, config.images);
  const result = await deployBeanstalk(config, bundle, { api, store, logger: new MemoryLogger(), clock });
  const updates = api.calls.filter(call => call.operation === 'UpdateEnvironment');
  const watchStart = updates[0].at;
  const watchEnd = crash ? (updates[1]?.at ?? clock.now()) : clock.now();
  const describes = api.calls.filter(
    call => call.operation.startsWith('Describe') && call.at >= watchStart && call.at <= watchEnd
  ).length;
  const firstErrorAt = watchStart + 4 * 60_000;
  const detectedAt = api.calls.find(
    call => call.operation === 'DescribeEvents' && call.at >= firstErrorAt
  )?.at;
  return {
    errorToDetectedSeconds:
      crash && detectedAt !== undefined ? (detectedAt - firstErrorAt) / 1000 : undefined,
    status: result.status,
    describesPerMinute: describes / ((watchEnd - watchStart) / 60_000),
    errorToRollbackSeconds: crash && updates[1] ? (updates[1].at - firstErrorAt) / 1000 : undefined,
    totalCalls: api.calls.length
  };
}

const DESCRIBES = ['DescribeEnvironments', 'DescribeEvents', 'DescribeApplicationVersions'].map(
  operation => `ElasticBeanstalk.${operation}`
);

/** One deploy of ChatRelay on the simulator; a crashing agent-service image when `crash`. */
async function simScenario(pollInterval: string, crash: boolean) {
  const sim = await frozenSim();
  try {
    await seedChatRelay(sim);
    const agent = image('agent-service', '1.5.0');
    if (crash) sim.control.images({ image: agent, behavior: 'crash' });
    const describes = () => DESCRIBES.reduce((sum, key) => sum + (sim.control.calls()[key] ?? 0), 0);
    // marks (simulated seconds, describe count) at each UpdateEnvironment: the deploy, then the rollback
    const marks: Array<{ at: number; describes: number }> = [];
    const { api, store } = simAdapters(sim);
    const marking: BeanstalkApi = {
      ...api,
      async updateEnvironment(request) {
        marks.push({ at: sim.control.now(), describes: describes() });
        return api.updateEnvironment(request);
      }
    };
    const startedAt = sim.control.now();
    const { result } = await deployOnSim(
      sim,
      {
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        images: `main-app=${image('main-app', '1.5.0')}\nagent-service=${agent}`,
        'poll-interval': pollInterval
      },
      { adapters: { api: marking, store } }
    );
    const end = crash && marks[1] ? marks[1] : { at: sim.control.now(), describes: describes() };
    const waitingMinutes = (end.at - marks[0].at) / 60;
    const events = await eventsOf(sim, new Date(marks[0].at * 1000));
    const firstError = events
      .filter(event => event.Severity === 'ERROR')
      .map(event => event.EventDate!.getTime() / 1000)
      .sort((a, b) => a - b)[0];
    // the rollback's own "Environment update is starting." event: when Beanstalk began it
    const rollbackStarted = events
      .filter(event => event.Message === 'Environment update is starting.')
      .map(event => event.EventDate!.getTime() / 1000)
      .sort((a, b) => a - b)[1];
    return {
      status: result.status,
      describesPerMinute: (end.describes - marks[0].describes) / waitingMinutes,
      errorToRollbackSeconds:
        crash && firstError !== undefined && rollbackStarted !== undefined
          ? rollbackStarted - firstError
          : undefined,
      simulatedSeconds: sim.control.now() - startedAt,
      calls: Object.values(sim.control.calls()).reduce((sum, count) => sum + count, 0)
    };
  } finally {
    await sim.close();
  }
}

const mode = process.argv.includes('--sim') ? 'sim' : process.argv.includes('--fake') ? 'fake' : 'both';
const column = (value: number | undefined, width: number, digits = 0) =>
  (value === undefined ? '—' : value.toFixed(digits)).padStart(width);

if (mode !== 'fake') {
  console.log(
    'deploy-beanstalk on the simulator (real SDK adapters, simulated time; ChatRelay, 3 containers)'
  );
  console.log(
    'poll-interval | scenario                          | status      | describes/min while waiting | s first ERROR->rollback starts | simulated s | API calls (incl. seeding)'
  );
  for (const interval of ['15s', '5s', '30s']) {
    for (const crash of [false, true]) {
      const figures = await simScenario(interval, crash);
      console.log(
        [
          interval.padEnd(13),
          (crash ? 'agent-service crashes, rolled back' : 'healthy update').padEnd(33),
          figures.status.padEnd(11),
          column(figures.describesPerMinute, 27, 1),
          column(figures.errorToRollbackSeconds, 30),
          column(figures.simulatedSeconds, 11),
          String(figures.calls).padStart(25)
        ].join(' | ')
      );
    }
  }
  console.log(
    'The simulator fails a deploy 35 s after UpdateEnvironment and keeps the environment Updating until 60 s: the\n' +
      'rollback can only start once it is Ready again, so "ERROR -> rollback" is at least 25 s plus one poll.\n'
  );
}

if (mode !== 'sim') {
  console.log('deploy-beanstalk watcher figures (in-memory Beanstalk, simulated time)');
  console.log(
    'poll-interval | scenario                        | status      | describes/min while waiting | s ERROR->detected | s ERROR->rollback starts | API calls'
  );
  for (const interval of ['15s', '5s', '30s']) {
    for (const crash of [false, true]) {
      const figures = await scenario(interval, crash);
      console.log(
        [
          interval.padEnd(13),
          (crash ? 'ERROR at 4m, rolled back' : 'healthy 10-minute update').padEnd(31),
          figures.status.padEnd(11),
          figures.describesPerMinute.toFixed(1).padStart(27),
          (figures.errorToDetectedSeconds === undefined
            ? '—'
            : figures.errorToDetectedSeconds.toFixed(0)
          ).padStart(16),
          (figures.errorToRollbackSeconds === undefined
            ? '—'
            : figures.errorToRollbackSeconds.toFixed(0)
          ).padStart(24),
          String(figures.totalCalls).padStart(9)
        ].join(' | ')
      );
    }
  }
  console.log(
    'Beanstalk throttles describes at about 2/s (120/min); the default 15s stays two orders of magnitude below.'
  );
}
