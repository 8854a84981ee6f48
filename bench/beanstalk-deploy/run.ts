/**
 * Figures for deploy-beanstalk's watcher: describe calls per minute while waiting, and simulated seconds
 * from the first ERROR event to the start of the rollback. Runs the real deploy logic over the in-memory
 * Beanstalk of packages/shared/src/beanstalk/testing.ts with a fake clock (simulated time, no waiting).
 * Once packages/sim serves Elastic Beanstalk, the same figures should be read from the simulator too.
 *
 *   npx tsx bench/beanstalk-deploy/run.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock, Inputs, MemoryLogger, objectInputReader } from '../../packages/shared/src/index.js';
import { FakeBeanstalk, FakeBundleStore } from '../../packages/shared/src/beanstalk/testing.js';
import { buildBundle } from '../../actions/deploy-beanstalk/src/bundle.js';
import { readDeployConfig } from '../../actions/deploy-beanstalk/src/config.js';
import { deployBeanstalk } from '../../actions/deploy-beanstalk/src/deploy.js';

const fixtures = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../actions/deploy-beanstalk/__tests__/fixtures'
);
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
  const config = readDeployConfig(
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
