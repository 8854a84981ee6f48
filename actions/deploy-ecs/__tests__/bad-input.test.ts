import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSimulator } from '@deploy-suite/sim';
import {
  AI_ML,
  BACKEND,
  aiMlSeed,
  backendSeed,
  deployOnSim,
  frozenSim,
  seedServices
} from '@deploy-suite/testing/worlds/deploy-ecs';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await frozenSim();
  await seedServices(sim, [backendSeed, aiMlSeed]);
});
afterAll(async () => {
  await sim.close();
});

const MUTATING = /RegisterTaskDefinition|UpdateService|TagResource|DeregisterTaskDefinition|CreateService/;
function mutatingCalls(): number {
  return Object.entries(sim.control.calls())
    .filter(([name]) => MUTATING.test(name))
    .reduce((sum, [, count]) => sum + count, 0);
}

const file = (value: unknown) => JSON.stringify(value);
const tdFile = file({
  family: 'docuthinker-backend',
  containerDefinitions: [
    {
      name: 'backend',
      image: '${ECR_REGISTRY}/docuthinker-backend:${IMAGE_TAG}',
      environment: [{ name: 'NODE_ENV', value: '${NODE_ENV}' }]
    }
  ]
});

describe('bad input is refused before any mutating call', () => {
  const before = () => mutatingCalls();
  it.each([
    [
      'unknown container in images, listing the containers found',
      { service: `${BACKEND}\n${AI_ML}`, images: 'frontend=repo:v2' },
      {},
      'Input "images" names "frontend", which no task definition of this step has. Containers found: ai-ml, backend, xray-daemon'
    ],
    [
      'unknown container in environment-variables',
      { service: BACKEND, 'environment-variables': 'api.NODE_ENV=production' },
      {},
      'Input "environment-variables" names "api"'
    ],
    [
      'missing ${VAR}s, all listed at once',
      { service: BACKEND, 'task-definition': 'ecs/backend.json' },
      { 'ecs/backend.json': tdFile },
      "ecs/backend.json uses placeholders with no value in the step's environment: ${ECR_REGISTRY}, ${IMAGE_TAG}, ${NODE_ENV}"
    ],
    [
      'malformed JSON file',
      { service: BACKEND, 'task-definition': 'ecs/backend.json' },
      { 'ecs/backend.json': '{"family": "docuthinker-backend",' },
      'Input "task-definition": ecs/backend.json is not valid JSON'
    ],
    [
      'unknown service',
      { service: `${BACKEND}\nfrontend-service` },
      {},
      'Input "service": "frontend-service" not found in cluster "docuthinker-cluster"'
    ],
    [
      'unknown cluster',
      { service: BACKEND, cluster: 'docuthinker-cluster-typo' },
      {},
      'Input "cluster": cluster "docuthinker-cluster-typo" not found'
    ],
    [
      'a well-formed ARN that is not registered',
      {
        service: BACKEND,
        'task-definition': 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:99'
      },
      {},
      'is not a registered task definition'
    ],
    [
      'a document that cannot be registered',
      { service: BACKEND, 'task-definition': 'ecs/backend.json' },
      {
        'ecs/backend.json': file({
          family: 'docuthinker-backend',
          containerDefinitions: [{ name: 'backend', image: 'x', memory: 'lots' }]
        })
      },
      'containerDefinitions[0].memory must be a number, got "lots"'
    ]
  ])('%s', async (_name, inputs, files, message) => {
    const count = before();
    await expect(deployOnSim(sim, inputs, { files })).rejects.toThrow(message);
    expect(mutatingCalls()).toBe(count);
  });

  it('fills placeholders from the step env and registers when they are all there', async () => {
    const { result } = await deployOnSim(
      sim,
      { service: BACKEND, 'task-definition': 'ecs/backend.json', 'dry-run': 'true' },
      {
        files: { 'ecs/backend.json': tdFile },
        env: {
          ECR_REGISTRY: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
          IMAGE_TAG: 'abc123',
          NODE_ENV: ''
        }
      }
    );
    expect(result.status).toBe('planned');
    expect(result.services[0].images).toEqual([
      'backend=123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend:abc123'
    ]);
  });
});
