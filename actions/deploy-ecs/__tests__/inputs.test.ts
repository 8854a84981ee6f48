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
});
