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

  it('refuses ${VAR}s that name runner or credential variables, naming each and the fix', async () => {
    const count = before();
    const planted = 'planted-aws-secret-key-do-not-print-0001';
    const attempt = deployOnSim(
      sim,
      { service: BACKEND, 'task-definition': 'ecs/backend.json', 'dry-run': 'true' },
      {
        files: {
          'ecs/backend.json': file({
            family: 'docuthinker-backend',
            containerDefinitions: [
              {
                name: 'backend',
                image: 'repo:v1',
                environment: [
                  { name: 'A', value: '${AWS_SECRET_ACCESS_KEY}' },
                  { name: 'B', value: '${ACTIONS_ID_TOKEN_REQUEST_TOKEN}' },
                  { name: 'C', value: '${GITHUB_TOKEN}' },
                  { name: 'D', value: '${INPUT_SERVICE}' },
                  { name: 'R', value: '${AWS_REGION}' }
                ]
              }
            ]
          })
        },
        env: {
          AWS_SECRET_ACCESS_KEY: planted,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: planted,
          GITHUB_TOKEN: planted,
          INPUT_SERVICE: planted,
          AWS_REGION: 'us-east-1'
        }
      }
    );
    const error = await attempt.then(
      () => undefined,
      (thrown: Error) => thrown
    );
    expect(error?.message).toMatch(
      /ecs\/backend\.json uses \$\{ACTIONS_ID_TOKEN_REQUEST_TOKEN\} .*\$\{AWS_SECRET_ACCESS_KEY\} .*\$\{GITHUB_TOKEN\} .*\$\{INPUT_SERVICE\}.*which a placeholder may not read/
    );
    expect(error?.message).not.toContain('${AWS_REGION}');
    expect(error?.message).toMatch(/step's env:/);
    expect(error?.message).not.toContain(planted);
    expect(mutatingCalls()).toBe(count);
  });

  it('refuses what ECS would refuse after upload: 64 KiB, deep nesting, an image with spaces', async () => {
    const count = before();
    const big = file({
      family: 'docuthinker-backend',
      containerDefinitions: [
        {
          name: 'backend',
          image: 'repo:v1',
          environment: Array.from({ length: 900 }, (_, index) => ({
            name: `V${index}`,
            value: 'x'.repeat(64)
          }))
        }
      ]
    });
    await expect(
      deployOnSim(
        sim,
        { service: BACKEND, 'task-definition': 'ecs/backend.json' },
        { files: { 'ecs/backend.json': big } }
      )
    ).rejects.toThrow(/renders to \d+ KiB; ECS accepts task definitions up to 64 KiB/);
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    await expect(
      deployOnSim(
        sim,
        { service: BACKEND, 'task-definition': 'ecs/backend.json' },
        { files: { 'ecs/backend.json': deep } }
      )
    ).rejects.toThrow(/ecs\/backend\.json nests objects\/lists 200000 levels deep; at most 64/);
    const spaced = file({
      family: 'docuthinker-backend',
      containerDefinitions: [{ name: 'backend', image: 'repo/backend:v1 --privileged' }]
    });
    await expect(
      deployOnSim(
        sim,
        { service: BACKEND, 'task-definition': 'ecs/backend.json' },
        { files: { 'ecs/backend.json': spaced } }
      )
    ).rejects.toThrow(/Container "backend" of ecs\/backend\.json has an image ECS cannot pull/);
    await expect(deployOnSim(sim, { service: BACKEND, images: 'backend=repo:v1 latest' })).rejects.toThrow(
      'Input "images" line 1: the image for container "backend" contains a space'
    );
    expect(mutatingCalls()).toBe(count);
  });

  it('never quotes a malformed environment-variables line or the JSON around a syntax error', async () => {
    const secret = 'planted-env-secret-value-0002';
    await expect(
      deployOnSim(sim, { service: BACKEND, 'environment-variables': `backend.DB_PASSWORD ${secret}` })
    ).rejects.toThrow(/line 1 must look like container-name\.NAME=value, \(the line is not shown/);
    const error = await deployOnSim(
      sim,
      { service: BACKEND, 'task-definition': 'ecs/backend.json' },
      { files: { 'ecs/backend.json': `{"family": "x", "password": ${secret}}` } }
    ).then(
      () => undefined,
      (thrown: Error) => thrown
    );
    expect(error?.message).toMatch(/ecs\/backend\.json is not valid JSON: Unexpected token/);
    expect(error?.message).not.toContain(secret);
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
