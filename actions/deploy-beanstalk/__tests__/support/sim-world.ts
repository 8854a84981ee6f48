import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateApplicationCommand,
  CreateApplicationVersionCommand,
  CreateEnvironmentCommand,
  CreateStorageLocationCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  ElasticBeanstalkClient
} from '@aws-sdk/client-elastic-beanstalk';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startSimulator, type RunningSimulator } from '../../../../packages/sim/src/index.js';
import {
  AwsContext,
  Inputs,
  MemoryLogger,
  objectInputReader,
  type Clock
} from '../../../../packages/shared/src/index.js';
import {
  sdkBeanstalkApi,
  sdkBundleStore,
  type BeanstalkApi,
  type BundleStore
} from '../../../../packages/shared/src/beanstalk/index.js';
import { buildBundle } from '../../src/bundle.js';
import { readDeployConfig, type GithubRun } from '../../src/config.js';
import { deployBeanstalk, type DeployResult } from '../../src/deploy.js';

/** ChatRelay's names (seed 000): application, environment, ECR repositories, the version running before. */
export const APPLICATION = 'ChatRelay';
export const ENVIRONMENT = 'chatrelay-prod';
export const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
export const image = (container: 'main-app' | 'agent-service' | 'mcp-gateway', tag: string): string =>
  `${ECR}/chatrelay/${container}:${tag}`;
export const OLD_LABEL = 'chatrelay-1.4.0';
export const BUCKET = 'elasticbeanstalk-us-east-1-123456789012';
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
export const RUN: GithubRun = {
  sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  runId: '9876543210',
  runAttempt: 1,
  repository: 'chatrelay/chatrelay',
  workspace: fixtures
};
/** The label the action derives from RUN (short SHA, run id, attempt). */
export const NEW_LABEL = 'a1b2c3d-9876543210-1';

/** A simulator whose time moves only when the code under test sleeps: deterministic and instant. */
export async function frozenSim(): Promise<RunningSimulator> {
  return startSimulator({ port: 0, timeScale: 0 });
}

/** The poll loop's clock on simulated time: sleeping advances the simulator. */
export function simClock(sim: RunningSimulator): Clock {
  return {
    now: () => Math.round(sim.control.now() * 1000),
    sleep: async ms => {
      sim.control.advance(ms / 1000);
    }
  };
}

export function simEnv(sim: RunningSimulator): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey
  };
}

export function beanstalkClient(sim: RunningSimulator): ElasticBeanstalkClient {
  return new ElasticBeanstalkClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials });
}

export function s3Client(sim: RunningSimulator): S3Client {
  return new S3Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
}

/** The action's own adapters (real SDK clients, adaptive retries) pointed at the simulator. */
export function simAdapters(sim: RunningSimulator): { api: BeanstalkApi; store: BundleStore } {
  const env = simEnv(sim);
  Object.assign(process.env, env); // the SDK's default credential chain reads the keys from here
  const context = new AwsContext({ action: 'deploy-beanstalk', env });
  return { api: sdkBeanstalkApi(context), store: sdkBundleStore(context) };
}

/**
 * ChatRelay as `eb create` leaves it: the application, the account's storage bucket, version
 * chatrelay-1.4.0 (the fixture Dockerrun bundle, processed) and chatrelay-prod Ready + Green on it.
 */
export async function seedChatRelay(sim: RunningSimulator): Promise<void> {
  const eb = beanstalkClient(sim);
  await eb.send(new CreateApplicationCommand({ ApplicationName: APPLICATION }));
  const { S3Bucket } = await eb.send(new CreateStorageLocationCommand({}));
  const bundle = await buildBundle(
    { kind: 'dockerrun', path: path.join(fixtures, 'chatrelay/Dockerrun.aws.json') },
    []
  );
  const key = `seed/${OLD_LABEL}.zip`;
  await s3Client(sim).send(new PutObjectCommand({ Bucket: S3Bucket, Key: key, Body: bundle.bytes }));
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
  const output = await beanstalkClient(sim).send(
    new DescribeEnvironmentsCommand({ ApplicationName: APPLICATION, EnvironmentNames: [ENVIRONMENT] })
  );
  return output.Environments![0];
}

export async function eventsOf(sim: RunningSimulator, since?: Date) {
  const output = await beanstalkClient(sim).send(
    new DescribeEventsCommand({ ApplicationName: APPLICATION, StartTime: since })
  );
  return output.Events ?? [];
}

export async function s3Text(sim: RunningSimulator, key: string): Promise<string | undefined> {
  try {
    const output = await s3Client(sim).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
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
  const config = readDeployConfig(
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
