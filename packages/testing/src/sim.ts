/**
 * The simulator plumbing every simulator-backed test and benchmark needs: a frozen simulator, a poll clock on
 * simulated time, the env and SDK clients that point at it, and ECS services created the way the seed guides
 * create them. What each action seeds (names, task definitions, Beanstalk applications) stays in that action's
 * own __tests__ folder; only the parts that mean the same thing everywhere live here.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type DeploymentConfiguration,
  type RegisterTaskDefinitionCommandInput,
  type Service
} from '@aws-sdk/client-ecs';
import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { S3Client } from '@aws-sdk/client-s3';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { AwsContext } from '@deploy-suite/aws';
import { type Clock } from '@deploy-suite/core';

/** The simulator accepts any keys; these are the ones the conventions name. */
export const simCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const SIM_REGION = 'us-east-1';

/** A simulator whose time moves only when the code under test sleeps (or a test advances it): deterministic and instant. */
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

/** The environment an action (or its dist bundle) needs to talk to the simulator. */
export function simEnv(sim: RunningSimulator): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: SIM_REGION,
    AWS_ACCESS_KEY_ID: simCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: simCredentials.secretAccessKey
  };
}

/** An action's own AwsContext (real SDK config: adaptive retries, user agent) pointed at the simulator. */
export function simAwsContext(sim: RunningSimulator, action: string): AwsContext {
  const env = simEnv(sim);
  Object.assign(process.env, env); // the SDK's default credential chain reads the keys from here
  return new AwsContext({ action, env });
}

/** A plain SDK client for setting up and inspecting state (not the action's own client). */
export function simEcsClient(sim: RunningSimulator, maxAttempts = 3): ECSClient {
  return new ECSClient({
    endpoint: sim.endpoint,
    region: SIM_REGION,
    credentials: simCredentials,
    maxAttempts
  });
}

export function simBeanstalkClient(sim: RunningSimulator): ElasticBeanstalkClient {
  return new ElasticBeanstalkClient({
    endpoint: sim.endpoint,
    region: SIM_REGION,
    credentials: simCredentials
  });
}

export function simS3Client(sim: RunningSimulator): S3Client {
  return new S3Client({
    endpoint: sim.endpoint,
    region: SIM_REGION,
    credentials: simCredentials,
    forcePathStyle: true
  });
}

/** The private Fargate network the seed guides' services run in. */
export const fargateNetwork = {
  awsvpcConfiguration: {
    subnets: ['subnet-0abc'],
    securityGroups: ['sg-0abc'],
    assignPublicIp: 'DISABLED' as const
  }
};

export interface EcsServiceSeed {
  name: string;
  taskDefinition: RegisterTaskDefinitionCommandInput;
  /** default 2 */
  desiredCount?: number;
  deploymentConfiguration: DeploymentConfiguration;
}

/**
 * Creates the cluster, registers each service's task definition and creates the service on it (Fargate, the
 * private network), then lets ten simulated minutes pass so every service has settled. Returns each service's
 * task definition ARN by service name.
 */
export async function seedEcsServices(
  sim: RunningSimulator,
  cluster: string,
  services: EcsServiceSeed[]
): Promise<Record<string, string>> {
  const client = simEcsClient(sim);
  await client.send(new CreateClusterCommand({ clusterName: cluster }));
  const arns: Record<string, string> = {};
  for (const service of services) {
    const registered = await client.send(new RegisterTaskDefinitionCommand(service.taskDefinition));
    arns[service.name] = registered.taskDefinition!.taskDefinitionArn!;
    await client.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service.name,
        taskDefinition: arns[service.name],
        desiredCount: service.desiredCount ?? 2,
        launchType: 'FARGATE',
        networkConfiguration: fargateNetwork,
        deploymentConfiguration: service.deploymentConfiguration
      })
    );
  }
  sim.control.advance(600);
  return arns;
}

export async function describeEcsService(
  sim: RunningSimulator,
  cluster: string,
  name: string
): Promise<Service> {
  const output = await simEcsClient(sim).send(new DescribeServicesCommand({ cluster, services: [name] }));
  return output.services![0];
}

/** The suite's own PRIMARY lookup, for assertions. */
export { primaryDeployment } from '@deploy-suite/aws/ecs';
