import {
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import {
  MemoryLogger,
  describeEcsService,
  primaryDeployment,
  seedEcsServices,
  simAwsContext,
  simClock,
  simCredentials,
  simEcsClient,
  objectInputReader
} from '../index.js';
import { type AwsContext } from '@deploy-suite/aws';
import { createEcsApi, recordKnownGood } from '@deploy-suite/aws/ecs';
import {
  executeEcsRollback,
  planEcsRollback,
  type EcsDeps,
  type RollbackResult
} from '../../../../actions/rollback/src/ecs.js';
import { readRollbackInputs, type EcsRollbackInputs } from '../../../../actions/rollback/src/inputs.js';
import { Inputs } from '@deploy-suite/core';
import { ecrImageLookup, type EcrImageLookup } from '@deploy-suite/aws/ecr';
import { createCodeDeployApi } from '@deploy-suite/aws/codedeploy/client';
import { stoppedTaskLogs } from '@deploy-suite/aws/logs/lazy';

/** Names from DocuThinker's guide (seed 001) and Tria's (seed 002). */
import { AI_ML, BACKEND, CLUSTER, ECR } from '../seeds.js';
export { AI_ML, BACKEND, CLUSTER, ECR, aiMlImage, backendImage } from '../seeds.js';
export const credentials = simCredentials;

export interface ServiceSeed {
  name: string;
  family: string;
  container: string;
  port: number;
}
export const backend: ServiceSeed = {
  name: BACKEND,
  family: 'docuthinker-backend',
  container: 'backend',
  port: 5000
};
export const aiMl: ServiceSeed = { name: AI_ML, family: 'docuthinker-ai-ml', container: 'ai-ml', port: 8000 };
const imageOf = (seed: ServiceSeed, tag: string) => `${ECR}/${seed.family}:${tag}`;

export function taskDefinition(seed: ServiceSeed, tag: string): RegisterTaskDefinitionCommandInput {
  return {
    family: seed.family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    containerDefinitions: [
      {
        name: seed.container,
        image: imageOf(seed, tag),
        essential: true,
        portMappings: [{ containerPort: seed.port, protocol: 'tcp' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': `/ecs/${seed.family}`,
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'ecs'
          }
        }
      },
      { name: 'xray-daemon', image: 'amazon/aws-xray-daemon', essential: false, memoryReservation: 256 }
    ]
  };
}

export {
  frozenSim,
  simClock,
  simEnv,
  simEcsClient as ecsClient,
  primaryDeployment as primaryOf
} from '../index.js';

export function simContext(sim: RunningSimulator): AwsContext {
  return simAwsContext(sim, 'rollback');
}

/** Puts an image into the simulator's ECR (as build-push would have pushed it). */
export async function pushImage(sim: RunningSimulator, service: ServiceSeed, tag: string): Promise<void> {
  await sim.control.ecrImages({ repository: service.family, tag });
}

/** Creates the cluster and the services on revision 1 (tag v1) and lets them settle. */
export async function seed(sim: RunningSimulator, seeds: ServiceSeed[]): Promise<Record<string, string>> {
  for (const service of seeds) await pushImage(sim, service, 'v1');
  return seedEcsServices(
    sim,
    CLUSTER,
    seeds.map(service => ({
      name: service.name,
      taskDefinition: taskDefinition(service, 'v1'),
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false }
      }
    }))
  );
}

/**
 * What deploy-ecs does, by SDK calls: registers the tag as a new revision, updates the service, lets it
 * roll out, and — when the rollout COMPLETED on that revision — records it with the shared record function.
 * Returns the new revision's ARN.
 */
export async function deploy(
  sim: RunningSimulator,
  service: ServiceSeed,
  tag: string,
  options: { record?: boolean } = {}
): Promise<string> {
  const client = simEcsClient(sim);
  await pushImage(sim, service, tag);
  const registered = await client.send(new RegisterTaskDefinitionCommand(taskDefinition(service, tag)));
  const arn = registered.taskDefinition!.taskDefinitionArn!;
  await client.send(
    new UpdateServiceCommand({ cluster: CLUSTER, service: service.name, taskDefinition: arn })
  );
  sim.control.advance(900);
  const described = await describe(sim, service.name);
  const primary = primaryDeployment(described);
  const good = primary?.taskDefinition === arn && primary.rolloutState === 'COMPLETED';
  if (good && (options.record ?? true)) {
    await recordKnownGood(
      createEcsApi(simContext(sim)),
      described.serviceArn!,
      arn,
      new Date(sim.control.now() * 1000)
    );
  }
  return arn;
}

export async function describe(sim: RunningSimulator, name: string) {
  return describeEcsService(sim, CLUSTER, name);
}

export function ecsInputs(raw: Record<string, string>): EcsRollbackInputs {
  const parsed = readRollbackInputs(
    new Inputs(objectInputReader({ cluster: CLUSTER, 'poll-interval': '10s', ...raw }))
  );
  if (parsed.kind !== 'ecs') throw new Error('expected ECS inputs');
  return parsed;
}

/** Runs the action's ECS logic (inputs by name -> plan -> execute) against the simulator on simulated time. */
export async function rollbackOnSim(
  sim: RunningSimulator,
  raw: Record<string, string>,
  options: { ecr?: EcrImageLookup; deps?: Partial<EcsDeps> } = {}
): Promise<{ result: RollbackResult; logger: MemoryLogger }> {
  const inputs = ecsInputs(raw);
  const logger = new MemoryLogger();
  const deps: EcsDeps = {
    api: createEcsApi(simContext(sim)),
    ecr: options.ecr ?? ecrImageLookup(simContext(sim)),
    logger,
    clock: simClock(sim),
    actor: 'octocat',
    codeDeploy: createCodeDeployApi(simContext(sim)),
    stoppedTaskLogs: stoppedTaskLogs(simContext(sim), inputs.logLines, logger, {}),
    ...options.deps
  };
  try {
    const plans = await planEcsRollback(inputs, deps);
    const result = await executeEcsRollback(inputs, plans, deps);
    return { result, logger };
  } catch (error) {
    (error as Error).message += `\n--- log ---\n${logger.text()}`;
    throw error;
  }
}
