import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateApplicationCommand,
  CreateApplicationVersionCommand,
  CreateEnvironmentCommand,
  CreateStorageLocationCommand,
  DescribeEnvironmentsCommand,
  ElasticBeanstalkClient,
  UpdateEnvironmentCommand
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import type { RunningSimulator } from '@deploy-suite/sim';
import { Inputs } from '@deploy-suite/core';
import { MemoryLogger, objectInputReader } from '@deploy-suite/testing';
import {
  readKnownGoodRecord,
  recordSuccessfulDeploy,
  sdkBeanstalkApi,
  sdkBundleStore
} from '@deploy-suite/aws/beanstalk';
import { executeBeanstalkRollback, planBeanstalkRollback } from '../src/beanstalk.js';
import { recordBeanstalkKnownGood } from '../src/record.js';
import { readRollbackInputs } from '../src/inputs.js';
import { rollbackSummary } from '../src/summary.js';
import { ECR, credentials, frozenSim, simClock, simContext } from '@deploy-suite/testing/worlds/rollback';
import { APPLICATION as APP, BUCKET, ENVIRONMENT as ENV } from '@deploy-suite/testing';

let sim: RunningSimulator;
let eb: ElasticBeanstalkClient;
let s3: S3Client;
beforeEach(async () => {
  sim = await frozenSim();
  const config = { endpoint: sim.endpoint, region: 'us-east-1', credentials };
  eb = new ElasticBeanstalkClient({ ...config, maxAttempts: 4 });
  s3 = new S3Client({ ...config, forcePathStyle: true });
});
afterEach(async () => {
  eb.destroy();
  s3.destroy();
  await sim.close();
});

function dockerrun(tag: string): Uint8Array {
  const text = JSON.stringify({
    AWSEBDockerrunVersion: 2,
    containerDefinitions: [
      {
        name: 'main-app',
        image: `${ECR}/chatrelay/main-app:${tag}`,
        essential: true,
        memory: 512,
        portMappings: [{ hostPort: 8081, containerPort: 8081 }]
      }
    ]
  });
  return zipSync({ 'Dockerrun.aws.json': strToU8(text) });
}

async function version(label: string): Promise<void> {
  const key = `${APP}/${label}.zip`;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: dockerrun(label) }));
  await eb.send(
    new CreateApplicationVersionCommand({
      ApplicationName: APP,
      VersionLabel: label,
      SourceBundle: { S3Bucket: BUCKET, S3Key: key },
      Process: true
    })
  );
  sim.control.advance(30);
}

async function environment() {
  return (await eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: [ENV] }))).Environments![0];
}

/** ChatRelay on 1.3.0, then `eb deploy` of 1.4.0 (each with a processed version). */
async function launched(): Promise<void> {
  await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
  await eb.send(new CreateStorageLocationCommand({}));
  await version('1.3.0');
  await eb.send(
    new CreateEnvironmentCommand({
      ApplicationName: APP,
      EnvironmentName: ENV,
      VersionLabel: '1.3.0',
      SolutionStackName: '64bit Amazon Linux 2 v3.9.0 running ECS'
    })
  );
  sim.control.advance(600);
  await version('1.4.0');
  await eb.send(new UpdateEnvironmentCommand({ EnvironmentName: ENV, VersionLabel: '1.4.0' }));
  sim.control.advance(600);
  expect(await environment()).toMatchObject({ Status: 'Ready', VersionLabel: '1.4.0' });
}

async function rollback(raw: Record<string, string>) {
  const inputs = readRollbackInputs(
    new Inputs(
      objectInputReader({ 'application-name': APP, 'environment-name': ENV, 'poll-interval': '10s', ...raw })
    )
  );
  if (inputs.kind !== 'beanstalk') throw new Error('expected Beanstalk inputs');
  const context = simContext(sim);
  const logger = new MemoryLogger();
  const deps = {
    api: sdkBeanstalkApi(context),
    store: sdkBundleStore(context),
    logger,
    clock: simClock(sim),
    random: () => 0.5
  };
  if (inputs.mode === 'record-known-good') {
    return { result: await recordBeanstalkKnownGood(inputs, deps), logger, store: deps.store };
  }
  const plan = await planBeanstalkRollback(inputs, deps);
  const result = await executeBeanstalkRollback(inputs, plan, deps);
  return { result, logger, store: deps.store };
}

describe('rollback of an Elastic Beanstalk environment on the simulator', () => {
  it('goes back to the previous label without a record, watches it Ready and records it', async () => {
    await launched();
    const { result, logger, store } = await rollback({ to: 'previous', reason: 'chat replies time out' });
    expect(result.status).toBe('rolled-back');
    expect(result.services[0]).toMatchObject({
      service: ENV,
      from: '1.4.0',
      to: '1.3.0',
      source: 'previous-version'
    });
    expect(await environment()).toMatchObject({ Status: 'Ready', VersionLabel: '1.3.0', Health: 'Green' });
    expect(logger.text()).toMatch(/the environment has no known-good record/);
    expect(await readKnownGoodRecord(store, BUCKET, APP, ENV)).toMatchObject({ lastKnownGood: '1.3.0' });
  });

  it('uses the known-good record, and is already-there when the environment runs it', async () => {
    await launched();
    const context = simContext(sim);
    await recordSuccessfulDeploy(sdkBundleStore(context), BUCKET, APP, ENV, {
      label: '1.3.0',
      at: '2025-01-02T00:00:00.000Z'
    });
    const first = await rollback({});
    expect(first.result.services[0]).toMatchObject({
      from: '1.4.0',
      to: '1.3.0',
      source: 'known-good-record',
      result: 'rolled-back'
    });
    const calls = sim.control.calls()['ElasticBeanstalk.UpdateEnvironment'];
    const again = await rollback({});
    expect(again.result.status).toBe('already-there');
    expect(sim.control.calls()['ElasticBeanstalk.UpdateEnvironment']).toBe(calls);
  });

  it("a target that crashes: Beanstalk's causes and main-app's tail log in the step log and the summary", async () => {
    await launched();
    // the old version's Redis is gone: going back to it crashes
    sim.control.images({
      image: `${ECR}/chatrelay/main-app:1.3.0`,
      behavior: 'crash',
      logs: ['ChatRelay main-app listening on 8081', 'Error: connect ECONNREFUSED 10.0.2.41:6379']
    });
    const { result, logger } = await rollback({ to: '1.3.0', 'wait-for-minutes': '5' });
    expect(result.status).toBe('failed');
    const text = logger.text();
    expect(text).toMatch(
      /i-0[0-9a-f]{16} \(Severe\): ECS task stopped due to: Essential container in task exited\. \(main-app: exit code 1\)/
    );
    expect(text).toMatch(/--- \/var\/log\/containers\/main-app-stdouterr\.log:/);
    expect(text).toContain('  Error: connect ECONNREFUSED 10.0.2.41:6379');
    expect(text).not.toMatch(/X-Amz-Signature/);
    const inputs = readRollbackInputs(
      new Inputs(objectInputReader({ 'application-name': APP, 'environment-name': ENV, to: '1.3.0' }))
    );
    const summary = rollbackSummary(inputs as never, result, 'us-east-1', 'octocat');
    expect(summary).toMatch(/#### What Beanstalk says[\s\S]*- cause: Command failed on all instances\./);
    expect(summary).toMatch(/```text\n[^`]*Error: connect ECONNREFUSED 10\.0\.2\.41:6379/);
  });

  it('dry-run changes nothing; a label that does not exist is refused', async () => {
    await launched();
    const planned = await rollback({ to: '1.3.0', 'dry-run': 'true' });
    expect(planned.result).toMatchObject({
      status: 'planned',
      services: [expect.objectContaining({ to: '1.3.0' })]
    });
    expect(await environment()).toMatchObject({ VersionLabel: '1.4.0' });
    await expect(rollback({ to: 'app-version-label' })).rejects.toThrow(
      /version app-version-label of ChatRelay does not exist/
    );
  });

  it('only-if-current skips (and says so) when another deploy replaced the label; otherwise goes back to it', async () => {
    await launched();
    const late = await rollback({ to: '1.3.0', 'only-if-current': 'run-a-label' });
    expect(late.result).toMatchObject({
      status: 'skipped',
      services: [expect.objectContaining({ result: 'skipped' })]
    });
    expect(late.logger.text()).toMatch(/skipped: it runs 1\.4\.0, not run-a-label \(only-if-current\)/);
    expect(await environment()).toMatchObject({ VersionLabel: '1.4.0' });
    const guarded = await rollback({ to: '1.3.0', 'only-if-current': '1.4.0', 'record-known-good': 'false' });
    expect(guarded.result.status).toBe('rolled-back');
    expect(await environment()).toMatchObject({ VersionLabel: '1.3.0' });
    expect(await readKnownGoodRecord(guarded.store, BUCKET, APP, ENV)).toBeUndefined();
  });

  it('mode record-known-good records the running label once verified, and skips a replaced one', async () => {
    await launched();
    const skipped = await rollback({ mode: 'record-known-good', 'only-if-current': '1.3.0', bucket: BUCKET });
    expect(skipped.result.status).toBe('skipped');
    expect(await readKnownGoodRecord(skipped.store, BUCKET, APP, ENV)).toBeUndefined();
    const recorded = await rollback({
      mode: 'record-known-good',
      'only-if-current': '1.4.0',
      bucket: BUCKET
    });
    expect(recorded.result.status).toBe('recorded');
    expect(await readKnownGoodRecord(recorded.store, BUCKET, APP, ENV)).toMatchObject({
      lastKnownGood: '1.4.0'
    });
    expect(await environment()).toMatchObject({ VersionLabel: '1.4.0' });
  });

  it('dry run lists the last versions, newest first', async () => {
    await launched();
    const planned = await rollback({ to: 'previous', 'dry-run': 'true' });
    expect(planned.result.status).toBe('planned');
    expect(planned.logger.text()).toMatch(
      /The last versions of ChatRelay \(newest first\):\n.*1\.4\.0 created .* \(runs now\)\n.*1\.3\.0 created .* \(the target\)/
    );
  });

  it('an environment that does not exist is an input error', async () => {
    await launched();
    await expect(rollback({ 'environment-name': 'chatrelay-staging' })).rejects.toThrow(
      /^Input "environment-name": environment "chatrelay-staging" of ChatRelay was not found/
    );
  });
});
