/**
 * The service-deployment APIs as boto3 sees them: `wire/ecs_service_deployments.py` drives a
 * blue/green deployment (PAUSE hook, Continue, Stop ROLLBACK, listing, revisions) and checks every raw
 * answer against botocore's own ECS model. Needs python3 with boto3 (installed on the dev machines);
 * without it the test says so and passes nothing off as checked.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { RunningSimulator } from '../src/index.js';
import { frozenSim } from './helpers.js';

const script = fileURLToPath(new URL('./wire/ecs_service_deployments.py', import.meta.url));
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0;
if (!hasBoto3)
  console.warn('boto3 wire check skipped: python3 with boto3 is not installed (pip install boto3)');

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await frozenSim();
});
afterAll(async () => {
  await sim.close();
});

describe('ECS service deployments through boto3', () => {
  // asynchronous: the simulator answers from this same process while the script runs
  (hasBoto3 ? it : it.skip)(
    'every answer agrees with botocore’s ECS model',
    async () => {
      const run = await promisify(execFile)('python3', [script, sim.endpoint], { timeout: 60_000 });
      expect(run.stdout).toMatch(/^boto3 agrees with \d+ answers/);
    },
    90_000
  );
});
