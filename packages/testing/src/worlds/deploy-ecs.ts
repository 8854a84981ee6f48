import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { Inputs } from '@deploy-suite/core';
import {
  MemoryLogger,
  objectInputReader,
  describeEcsService,
  seedEcsServices,
  simAwsContext,
  simClock,
  simCredentials
} from '../index.js';
import { createEcsApi, type EcsApi } from '@deploy-suite/aws/ecs';
import { readDeployEcsInputs } from '../../../../actions/deploy-ecs/src/inputs.js';
import { planDeployment } from '../../../../actions/deploy-ecs/src/plan.js';
import { executeDeployment, type DeployResult } from '../../../../actions/deploy-ecs/src/deploy.js';
import { loadTaskDefinitionShape } from '../../../../actions/deploy-ecs/src/shape.js';
import { stoppedTaskLogs } from '@deploy-suite/aws/logs/lazy';

/** DocuThinker's guide (seed 001): cluster, services, families, ports, secrets, X-Ray sidecar. */
import { AI_ML, BACKEND, CLUSTER, aiMlImage, backendImage } from '../seeds.js';
export { AI_ML, BACKEND, CLUSTER, ECR, aiMlImage, backendImage } from '../seeds.js';
export const credentials = simCredentials;

export function taskDefinition(
  family: string,
  container: string,
  image: string,
  port: number
): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    taskRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskRole',
    containerDefinitions: [
      {
        name: container,
        image,
        essential: true,
        portMappings: [{ containerPort: port, protocol: 'tcp' }],
        environment: [{ name: 'NODE_ENV', value: 'production' }],
        secrets: [
          {
            name: 'OPENAI_API_KEY',
            valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docuthinker/openai'
          }
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': `/ecs/${family}`,
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'ecs'
          }
        }
      },
      {
        name: 'xray-daemon',
        image: 'amazon/aws-xray-daemon',
        cpu: 32,
        memoryReservation: 256,
        essential: false,
        portMappings: [{ containerPort: 2000, protocol: 'udp' }]
      }
    ]
  };
}

export { frozenSim, simClock, simEnv, simEcsClient as sdkClient } from '../index.js';

/** The action's own EcsApi (real SDK, adaptive retries) pointed at the simulator. */
export function simApi(sim: RunningSimulator): EcsApi {
  return createEcsApi(simAwsContext(sim, 'deploy-ecs'));
}

export interface ServiceSeed {
  name: string;
  family: string;
  container: string;
  image: string;
  port: number;
  desiredCount?: number;
  circuitBreaker?: boolean;
  /** deploymentConfiguration.maximumPercent (default 200) */
  maximumPercent?: number;
}

export const backendSeed: ServiceSeed = {
  name: BACKEND,
  family: 'docuthinker-backend',
  container: 'backend',
  image: backendImage('v1'),
  port: 5000
};
export const aiMlSeed: ServiceSeed = {
  name: AI_ML,
  family: 'docuthinker-ai-ml',
  container: 'ai-ml',
  image: aiMlImage('v1'),
  port: 8000
};

/** Creates the cluster and services and lets them settle; returns each service's task definition ARN. */
export async function seedServices(
  sim: RunningSimulator,
  seeds: ServiceSeed[]
): Promise<Record<string, string>> {
  return seedEcsServices(
    sim,
    CLUSTER,
    seeds.map(seed => ({
      name: seed.name,
      taskDefinition: taskDefinition(seed.family, seed.container, seed.image, seed.port),
      desiredCount: seed.desiredCount,
      deploymentConfiguration: {
        maximumPercent: seed.maximumPercent ?? 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: {
          enable: seed.circuitBreaker ?? true,
          rollback: seed.circuitBreaker ?? true
        }
      }
    }))
  );
}

export async function describeService(sim: RunningSimulator, name: string) {
  return describeEcsService(sim, CLUSTER, name);
}

/** Runs the action's logic (inputs by name -> plan -> deploy) against the simulator on simulated time. */
export async function deployOnSim(
  sim: RunningSimulator,
  inputs: Record<string, string>,
  options: {
    files?: Record<string, string>;
    env?: Record<string, string>;
    waitMs?: number;
    api?: EcsApi;
  } = {}
): Promise<{ result: DeployResult; logger: MemoryLogger }> {
  const files = options.files ?? {};
  const parsed = readDeployEcsInputs(
    new Inputs(objectInputReader({ cluster: CLUSTER, 'poll-interval': '10s', ...inputs })),
    path => path in files
  );
  if (options.waitMs !== undefined) parsed.waitMs = options.waitMs;
  const api = options.api ?? simApi(sim);
  const logger = new MemoryLogger();
  const plans = await planDeployment(parsed, {
    api,
    logger,
    shape: await loadTaskDefinitionShape(),
    readFile: async path => {
      if (!(path in files)) throw new Error(`ENOENT: no such file ${path}`);
      return files[path];
    },
    env: options.env ?? {}
  });
  const result = await executeDeployment(parsed, plans, {
    api,
    logger,
    clock: simClock(sim),
    // container logs come from the simulator's CloudWatch Logs, as the action reads them
    stoppedTaskLogs: stoppedTaskLogs(simAwsContext(sim, 'deploy-ecs'), parsed.logLines, logger, {})
  });
  return { result, logger };
}
