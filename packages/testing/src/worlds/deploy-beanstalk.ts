import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateApplicationCommand,
  CreateApplicationVersionCommand,
  CreateEnvironmentCommand,
  CreateStorageLocationCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand
} from '@aws-sdk/client-elastic-beanstalk';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunningSimulator } from '@deploy-suite/sim';
import { Inputs, type Clock } from '@deploy-suite/core';
import {
  MemoryLogger,
  objectInputReader,
  simAwsContext,
  simBeanstalkClient,
  simClock,
  simS3Client
} from '../index.js';
import {
  sdkBeanstalkApi,
  sdkBundleStore,
  type BeanstalkApi,
  type BundleStore
} from '@deploy-suite/aws/beanstalk';
import { buildBundle } from '../../../../actions/deploy-beanstalk/src/bundle.js';
import {
  readDeployBeanstalkInputs,
  type GithubRun
} from '../../../../actions/deploy-beanstalk/src/inputs.js';
import { deployBeanstalk, type DeployResult } from '../../../../actions/deploy-beanstalk/src/deploy.js';

/** ChatRelay's names (seed 000): application, environment, ECR repositories, the version running before. */
import { APPLICATION, BUCKET, ENVIRONMENT } from '../seeds.js';
export { APPLICATION, BUCKET, ENVIRONMENT, ECR, chatRelayImage as image } from '../seeds.js';
export const OLD_LABEL = 'chatrelay-1.4.0';
export const fixtures = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../actions/deploy-beanstalk/__tests__/fixtures'
);
export const RUN: GithubRun = {
  sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  runId: '9876543210',
  runAttempt: 1,
  repository: 'chatrelay/chatrelay',
  workspace: fixtures
};
/** The label the action derives from RUN (short SHA, run id, attempt). */
export const NEW_LABEL = 'a1b2c3d-9876543210-1';

export {
  frozenSim,
  simClock,
  simEnv,
  simBeanstalkClient as beanstalkClient,
  simS3Client as s3Client
} from '../index.js';

/** The action's own adapters (real SDK clients, adaptive retries) pointed at the simulator. */
export function simAdapters(sim: RunningSimulator): { api: BeanstalkApi; store: BundleStore } {
  const context = simAwsContext(sim, 'deploy-beanstalk');
  return { api: sdkBeanstalkApi(context), store: sdkBundleStore(context) };
}

/**
 * ChatRelay as `eb create` leaves it: the application, the account's storage bucket, version
 * chatrelay-1.4.0 (the fixture Dockerrun bundle, processed) and chatrelay-prod Ready + Green on it.
 */
export async function seedChatRelay(sim: RunningSimulator): Promise<void> {
  const eb = simBeanstalkClient(sim);
  await eb.send(new CreateApplicationCommand({ ApplicationName: APPLICATION }));
  const { S3Bucket } = await eb.send(new CreateStorageLocationCommand({}));
  const bundle = await buildBundle(
    { kind: 'dockerrun', path: path.join(fixtures, 'chatrelay/Dockerrun.aws.json') },
    []
  );
  const key = `seed/${OLD_LABEL}.zip`;
  await simS3Client(sim).send(new PutObjectCommand({ Bucket: S3Bucket, Key: key, Body: bundle.bytes }));
  await eb.send(
    new CreateApplicationVersionCommand({
      ApplicationName: APPLICATION,
      VersionLabel: OLD_LABEL,
      SourceBundle: { S3Bucket, S3Key: key },
      Process: true
    })
  );
  sim.control.advance(15);
  await eb.send(
    new CreateEnvironmentCommand({
      ApplicationName: APPLICATION,
      EnvironmentName: ENVIRONMENT,
      CNAMEPrefix: ENVIRONMENT,
      VersionLabel: OLD_LABEL,
      SolutionStackName: '64bit Amazon Linux 2 v3.6.0 running Multi-container Docker'
    })
  );
  sim.control.advance(130);
}

export async function environmentOf(sim: RunningSimulator) {
  const output = await simBeanstalkClient(sim).send(
    new DescribeEnvironmentsCommand({ ApplicationName: APPLICATION, EnvironmentNames: [ENVIRONMENT] })
  );
  return output.Environments![0];
}

export async function eventsOf(sim: RunningSimulator, since?: Date) {
  const output = await simBeanstalkClient(sim).send(
    new DescribeEventsCommand({ ApplicationName: APPLICATION, StartTime: since })
  );
  return output.Events ?? [];
}

export async function s3Text(sim: RunningSimulator, key: string): Promise<string | undefined> {
  try {
    const output = await simS3Client(sim).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return await output.Body!.transformToString('utf8');
  } catch {
    return undefined;
  }
}

/** Runs the action's logic (inputs by name -> bundle -> deploy) against the simulator on simulated time. */
export async function deployOnSim(
  sim: RunningSimulator,
  inputs: Record<string, string>,
  options: {
    run?: Partial<GithubRun>;
    clock?: Clock;
    adapters?: { api: BeanstalkApi; store: BundleStore };
  } = {}
): Promise<{ result: DeployResult; logger: MemoryLogger }> {
  const config = readDeployBeanstalkInputs(
    new Inputs(
      objectInputReader({
        'application-name': APPLICATION,
        'environment-name': ENVIRONMENT,
        'poll-interval': '5s',
        ...inputs
      })
    ),
    { ...RUN, ...options.run }
  );
  const bundle = await buildBundle(config.bundle, config.images);
  const logger = new MemoryLogger();
  const result = await deployBeanstalk(config, bundle, {
    ...(options.adapters ?? simAdapters(sim)),
    logger,
    clock: options.clock ?? simClock(sim),
    random: () => 0.5
  });
  return { result, logger };
}
