import { describe, expect, it } from '@jest/globals';
import { Inputs } from '@deploy-suite/core';
import { objectInputReader } from '@deploy-suite/testing';
import { readDeployEcsInputs } from '../src/inputs.js';

const read = (values: Record<string, string>, files: string[] = []) =>
  readDeployEcsInputs(new Inputs(objectInputReader(values)), path => files.includes(path));

describe('readDeployEcsInputs', () => {
  it('reads the defaults like aws-actions', () => {
    const inputs = read({ service: 'backend-service' });
    expect(inputs).toMatchObject({
      cluster: 'default',
      services: ['backend-service'],
      waitForServiceStability: true,
      waitMs: 30 * 60_000,
      rollbackOnFailure: true,
      dryRun: false,
      forceNewDeployment: false,
      pollIntervalMs: 10_000,
      logLines: 30
    });
    expect(inputs.sources.get('backend-service')).toEqual({ kind: 'current' });
  });

  it('maps task-definition lines to services and tells files from references', () => {
    const inputs = read(
      {
        cluster: 'recipe-chatbot-cluster',
        service: 'recipe-chatbot-backend\nrecipe-chatbot-frontend',
        'task-definition':
          'recipe-chatbot-backend=ecs/backend.json\nrecipe-chatbot-frontend=recipe-chatbot-frontend:12',
        images: 'backend=123456789012.dkr.ecr.us-east-1.amazonaws.com/recipe-chatbot-backend:abc',
        'environment-variables':
          'backend.ENVIRONMENT=production\nfrontend.NEXT_PUBLIC_API=https://api.example.com/?a=b\nbackend.EMPTY='
      },
      ['ecs/backend.json']
    );
    expect([...inputs.sources.values()]).toEqual([
      { kind: 'file', path: 'ecs/backend.json' },
      { kind: 'reference', reference: 'recipe-chatbot-frontend:12' }
    ]);
    expect(inputs.environment).toEqual([
      { container: 'backend', name: 'ENVIRONMENT', value: 'production' },
      { container: 'frontend', name: 'NEXT_PUBLIC_API', value: 'https://api.example.com/?a=b' },
      { container: 'backend', name: 'EMPTY', value: '' }
    ]);
  });

  it.each([
    [{ service: '' }, 'Input "service" is required'],
    [{ service: 'a\nb\na' }, 'Input "service" names "a" twice (lines 1 and 3)'],
    [
      { service: 'a', 'wait-for-minutes': '0' },
      'Input "wait-for-minutes" must be a whole number from 1 to 360, got "0"'
    ],
    [{ service: 'a', 'wait-for-minutes': '361' }, 'from 1 to 360'],
    [
      { service: 'a', 'log-lines': '-1' },
      'Input "log-lines" must be a whole number from 0 to 1000, got "-1"'
    ],
    [
      { service: 'a', 'log-lines': 'all' },
      'Input "log-lines" must be a whole number from 0 to 1000, got "all"'
    ],
    [
      { service: 'a', 'task-definition': 'arn:aws:ecs:us-east-1:123456789012:service/c/a' },
      'is not a task definition ARN'
    ],
    [{ service: 'a', 'task-definition': 'ecs/missing.json' }, 'file "ecs/missing.json" not found'],
    [
      { service: 'a', 'task-definition': 'not a reference' },
      'must be a JSON file path, "family", "family:revision" or a task definition ARN'
    ],
    [{ service: 'a\nb', 'task-definition': 'a=x:1\nb=y:1\na=z:1' }, 'names "a" twice'],
    [{ service: 'a', 'task-definition': 'c=x:1' }, 'names service "c", which is not in "service" (a)'],
    [{ service: 'a', images: 'backend' }, 'Input "images" line 1 must look like container-name=image'],
    [{ service: 'a', images: 'backend=' }, 'gives no image for container "backend"'],
    [
      { service: 'a', 'environment-variables': 'NODE_ENV=production' },
      'must look like container-name.NAME=value'
    ],
    [{ service: 'a', 'poll-interval': '10ms' }, 'Input "poll-interval" must be a duration from 100ms'],
    [{ service: 'a', cluster: 'docuthinker cluster' }, 'Input "cluster" must be a cluster name']
  ])('rejects %j', (values, message) => {
    expect(() => read(values)).toThrow(message);
  });

  it('reads the CodeDeploy inputs with AED defaults, and refuses bad ones naming the input', () => {
    expect(read({ service: 'backend-service' }).codeDeploy).toEqual({
      appSpec: 'appspec.yaml',
      application: undefined,
      deploymentGroup: undefined,
      description: undefined,
      deploymentConfig: undefined
    });
    expect(
      read({
        service: 'backend-service',
        'codedeploy-appspec': 'infrastructure/appspec.json',
        'codedeploy-application': 'docuthinker-app',
        'codedeploy-deployment-group': 'docuthinker-dg',
        'codedeploy-deployment-description': 'DocuThinker backend',
        'codedeploy-deployment-config': 'CodeDeployDefault.ECSAllAtOnce'
      }).codeDeploy
    ).toEqual({
      appSpec: 'infrastructure/appspec.json',
      application: 'docuthinker-app',
      deploymentGroup: 'docuthinker-dg',
      description: 'DocuThinker backend',
      deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce'
    });
    expect(() => read({ service: 'backend-service', 'codedeploy-appspec': 'appspec.txt' })).toThrow(
      /^Input "codedeploy-appspec" must name a \.yaml, \.yml or \.json AppSpec file/
    );
    expect(() =>
      read({ service: 'backend-service', 'codedeploy-deployment-group': 'x'.repeat(101) })
    ).toThrow(/^Input "codedeploy-deployment-group" must be a CodeDeploy name of 1 to 100 characters/);
    expect(() =>
      read({ service: 'backend-service', 'codedeploy-deployment-description': 'd'.repeat(1001) })
    ).toThrow(/^Input "codedeploy-deployment-description" has 1001 characters; at most 1000/);
  });
});

describe('run-task inputs (AED names and meanings)', () => {
  const tria = { cluster: 'tria-aibpo-staging-cluster', service: 'tria-aibpo-staging-service' };

  it('is off by default, and then reads nothing else', () => {
    expect(read(tria).runTask).toBeUndefined();
    // action.yml's defaults arrive with every run: they do not count as asking for a task
    expect(
      read({ ...tria, 'run-task-started-by': 'GitHub-Actions', 'wait-for-task-stopped': 'false' }).runTask
    ).toBeUndefined();
  });

  it("reads AED's defaults: started-by GitHub-Actions, not waited for, network and launch type left to the service", () => {
    expect(read({ ...tria, 'run-task': 'true' }).runTask).toEqual({
      containerOverrides: [],
      subnets: [],
      securityGroups: [],
      assignPublicIp: undefined,
      launchType: undefined,
      capacityProviderStrategy: undefined,
      startedBy: 'GitHub-Actions',
      tags: [],
      waitForStopped: false
    });
  });

  it('reads every input', () => {
    const runTask = read({
      ...tria,
      'run-task': 'true',
      'run-task-container-overrides':
        '[{"name": "tria-aibpo-backend", "command": ["npm", "run", "migrate"]}]',
      'run-task-subnets': 'subnet-0a1b2c3d, subnet-4e5f6a7b',
      'run-task-security-groups': 'sg-0ecs1tasks',
      'run-task-assign-public-IP': 'enabled',
      'run-task-launch-type': 'FARGATE',
      'run-task-started-by': 'tria-migrations',
      'run-task-tags': '[{"key": "purpose", "value": "migration"}]',
      'wait-for-task-stopped': 'true'
    }).runTask;
    expect(runTask).toEqual({
      containerOverrides: [{ name: 'tria-aibpo-backend', command: ['npm', 'run', 'migrate'] }],
      subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
      securityGroups: ['sg-0ecs1tasks'],
      assignPublicIp: 'ENABLED',
      launchType: 'FARGATE',
      capacityProviderStrategy: undefined,
      startedBy: 'tria-migrations',
      tags: [{ key: 'purpose', value: 'migration' }],
      waitForStopped: true
    });
  });

  it.each([
    [
      { 'run-task-container-overrides': '[{"name": "tria-aibpo-backend"}]' },
      'Input "run-task-container-overrides" is set but "run-task" is not true'
    ],
    [{ 'wait-for-task-stopped': 'true' }, 'Input "wait-for-task-stopped" is set but "run-task" is not true'],
    [{ 'run-task': 'yes' }, 'Input "run-task" must be true or false'],
    [
      { 'run-task': 'true', 'run-task-assign-public-IP': 'on' },
      'Input "run-task-assign-public-IP" must be one of ENABLED, DISABLED'
    ],
    [
      { 'run-task': 'true', 'run-task-launch-type': 'SPOT' },
      'Input "run-task-launch-type" must be one of FARGATE, EC2'
    ],
    [
      {
        'run-task': 'true',
        'run-task-launch-type': 'FARGATE',
        'run-task-capacity-provider-strategy': '[{"capacityProvider": "FARGATE_SPOT"}]'
      },
      'Inputs "run-task-launch-type" and "run-task-capacity-provider-strategy" exclude each other'
    ],
    [
      { 'run-task': 'true', 'run-task-subnets': 'subnet-0a1b, sg-0abc' },
      'Input "run-task-subnets" must list subnet-... ids'
    ],
    [
      { 'run-task': 'true', 'run-task-tags': '{"purpose": "migration"}' },
      'Input "run-task-tags" must be a JSON array'
    ],
    [
      { 'run-task': 'true', 'wait-for-task-stopped': 'always' },
      'Input "wait-for-task-stopped" must be true or false'
    ]
  ])('rejects %j', (values, message) => {
    expect(() => read({ ...tria, ...values })).toThrow(message);
  });
});
