import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateApplicationCommand,
  CreateApplicationVersionCommand,
  CreateEnvironmentCommand,
  CreateStorageLocationCommand,
  DescribeApplicationsCommand,
  DescribeApplicationVersionsCommand,
  DescribeConfigurationSettingsCommand,
  DescribeEnvironmentHealthCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  ElasticBeanstalkClient,
  UpdateEnvironmentCommand,
  type EnvironmentDescription
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RunningSimulator } from '../src/index.js';
import { chatRelayDockerrun, chatRelayImage, credentials, frozenSim, zip } from './helpers.js';

const APP = 'ChatRelay';
const ENV = 'chatrelay-prod';
const BUCKET = 'elasticbeanstalk-us-east-1-123456789012';
const image = chatRelayImage;

let sim: RunningSimulator;
let eb: ElasticBeanstalkClient;
let s3: S3Client;

beforeAll(async () => {
  sim = await frozenSim();
  const config = { endpoint: sim.endpoint, region: 'us-east-1', credentials };
  eb = new ElasticBeanstalkClient({ ...config, maxAttempts: 4 });
  s3 = new S3Client({ ...config, forcePathStyle: true });
});
afterAll(async () => {
  eb.destroy();
  s3.destroy();
  await sim.close();
});
beforeEach(() => sim.control.reset());

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the call to fail');
}

/** Uploads a bundle and creates a processed version of it. */
async function version(label: string, bundle: Buffer, advance = true): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${APP}/${label}.zip`, Body: bundle }));
  await eb.send(
    new CreateApplicationVersionCommand({
      ApplicationName: APP,
      VersionLabel: label,
      SourceBundle: { S3Bucket: BUCKET, S3Key: `${APP}/${label}.zip` },
      Process: true
    })
  );
  if (advance) sim.control.advance(10);
}

async function env(): Promise<EnvironmentDescription> {
  const result = await eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: [ENV] }));
  return result.Environments![0];
}

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.endpoint}/_app/beanstalk/${ENV}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Application, storage bucket, version v1 (healthy) and a Ready, Green environment running it. */
async function launched(): Promise<void> {
  await eb.send(new CreateApplicationCommand({ ApplicationName: APP, Description: 'ChatRelay chat app' }));
  const storage = await eb.send(new CreateStorageLocationCommand({}));
  expect(storage.S3Bucket).toBe(BUCKET);
  await version('v1', zip({ 'Dockerrun.aws.json': chatRelayDockerrun('1.0.0') }));
  await eb.send(
    new CreateEnvironmentCommand({
      ApplicationName: APP,
      EnvironmentName: ENV,
      VersionLabel: 'v1',
      CNAMEPrefix: 'chatrelay-prod',
      SolutionStackName: '64bit Amazon Linux 2 v3.9.0 running ECS'
    })
  );
  sim.control.advance(120);
}

describe('Elastic Beanstalk applications and versions', () => {
  it('creates and describes applications; refuses a duplicate', async () => {
    const created = await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
    expect(created.Application?.ApplicationArn).toBe(
      'arn:aws:elasticbeanstalk:us-east-1:123456789012:application/ChatRelay'
    );
    expect(await errorOf(eb.send(new CreateApplicationCommand({ ApplicationName: APP })))).toEqual({
      name: 'InvalidParameterValue',
      message: 'Application ChatRelay already exists.'
    });
    const described = await eb.send(new DescribeApplicationsCommand({ ApplicationNames: [APP] }));
    expect(described.Applications?.map(a => a.ApplicationName)).toEqual([APP]);
  });

  it('processes a Dockerrun v2 bundle: Unprocessed -> Processing -> Processed', async () => {
    await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
    await eb.send(new CreateStorageLocationCommand({}));
    await version('v1', zip({ 'Dockerrun.aws.json': chatRelayDockerrun('1.0.0') }), false);
    const statusOf = async () =>
      (await eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: APP, VersionLabels: ['v1'] })))
        .ApplicationVersions![0].Status;
    expect(await statusOf()).toBe('Unprocessed');
    sim.control.advance(2);
    expect(await statusOf()).toBe('Processing');
    sim.control.advance(8);
    expect(await statusOf()).toBe('Processed');

    expect(
      await errorOf(
        eb.send(
          new CreateApplicationVersionCommand({
            ApplicationName: APP,
            VersionLabel: 'v1',
            SourceBundle: { S3Bucket: BUCKET, S3Key: `${APP}/v1.zip` }
          })
        )
      )
    ).toEqual({ name: 'InvalidParameterValue', message: 'Application Version v1 already exists.' });
    expect(
      (
        await errorOf(
          eb.send(
            new CreateApplicationVersionCommand({
              ApplicationName: APP,
              VersionLabel: 'v9',
              SourceBundle: { S3Bucket: BUCKET, S3Key: 'missing.zip' }
            })
          )
        )
      ).message
    ).toContain('Unable to download from S3 location');
    expect(
      (
        await errorOf(
          eb.send(
            new CreateApplicationVersionCommand({
              ApplicationName: 'NoSuchApp',
              VersionLabel: 'v1',
              SourceBundle: { S3Bucket: BUCKET, S3Key: `${APP}/v1.zip` }
            })
          )
        )
      ).message
    ).toBe("No Application named 'NoSuchApp' found.");
  });

  it('processes a docker-compose bundle and fails bundles without a valid Dockerrun or compose file', async () => {
    await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
    await eb.send(new CreateStorageLocationCommand({}));
    await version(
      'compose',
      zip({
        'docker-compose.yml': `services:\n  web:\n    image: ${image('main-app', '1.0.0')}\n    ports: ["80:8081"]\n`
      })
    );
    await version('not-a-zip', Buffer.from('this is not a zip'));
    await version('no-dockerrun', zip({ 'README.md': 'hello' }));
    await version(
      'no-image',
      zip({
        'Dockerrun.aws.json': JSON.stringify({
          AWSEBDockerrunVersion: 2,
          containerDefinitions: [{ name: 'x' }]
        })
      })
    );
    const versions = await eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: APP }));
    expect(Object.fromEntries(versions.ApplicationVersions!.map(v => [v.VersionLabel, v.Status]))).toEqual({
      compose: 'Processed',
      'not-a-zip': 'Failed',
      'no-dockerrun': 'Failed',
      'no-image': 'Failed'
    });
    const events = await eb.send(new DescribeEventsCommand({ ApplicationName: APP, Severity: 'ERROR' }));
    expect(events.Events?.map(e => e.Message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Failed to process application version no-image: Container x/)
      ])
    );
  });
});

describe('Elastic Beanstalk environments', () => {
  it('launches Grey then Ready Green, answering its health endpoint', async () => {
    await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
    await eb.send(new CreateStorageLocationCommand({}));
    await version('v1', zip({ 'Dockerrun.aws.json': chatRelayDockerrun('1.0.0') }));
    const created = await eb.send(
      new CreateEnvironmentCommand({
        ApplicationName: APP,
        EnvironmentName: ENV,
        VersionLabel: 'v1',
        CNAMEPrefix: ENV
      })
    );
    expect([created.Status, created.Health]).toEqual(['Launching', 'Grey']);
    expect(created.CNAME).toBe('chatrelay-prod.us-east-1.elasticbeanstalk.com');
    expect((await health()).status).toBe(503);
    sim.control.advance(120);
    const ready = await env();
    expect([ready.Status, ready.Health, ready.HealthStatus, ready.VersionLabel]).toEqual([
      'Ready',
      'Green',
      'Ok',
      'v1'
    ]);
    expect(ready.EnvironmentId).toMatch(/^e-[a-z0-9]{10}$/);
    expect(ready.EndpointURL).toMatch(/elb\.amazonaws\.com$/);
    expect(await health()).toEqual({
      status: 200,
      body: { status: 'healthy', version: '1.0.0', versionLabel: 'v1' }
    });
    expect(
      (await eb.send(new DescribeEnvironmentsCommand({ EnvironmentIds: [ready.EnvironmentId!] })))
        .Environments
    ).toHaveLength(1);
    expect(
      (await errorOf(eb.send(new CreateEnvironmentCommand({ ApplicationName: APP, EnvironmentName: ENV }))))
        .message
    ).toBe(`Environment ${ENV} already exists.`);
  });

  it("deploys ChatRelay's three-container version: Updating/Grey, events, then Ready/Green on the new label", async () => {
    await launched();
    await version('v2', zip({ 'Dockerrun.aws.json': chatRelayDockerrun('1.1.0') }));
    const start = new Date(sim.control.now() * 1000);
    const updated = await eb.send(
      new UpdateEnvironmentCommand({
        EnvironmentName: ENV,
        VersionLabel: 'v2',
        OptionSettings: [
          {
            Namespace: 'aws:elasticbeanstalk:application:environment',
            OptionName: 'OPENAI_MODEL',
            Value: 'gpt-4o'
          }
        ]
      })
    );
    expect([updated.Status, updated.Health, updated.VersionLabel]).toEqual(['Updating', 'Grey', 'v1']);
    expect(
      await errorOf(eb.send(new UpdateEnvironmentCommand({ EnvironmentName: ENV, VersionLabel: 'v2' })))
    ).toEqual({
      name: 'InvalidParameterValue',
      message: `Environment named ${ENV} is in an invalid state for this operation. Must be Ready.`
    });
    expect((await health()).body.version).toBe('1.0.0'); // the old version serves during the update
    sim.control.advance(50);
    const ready = await env();
    expect([ready.Status, ready.Health, ready.VersionLabel]).toEqual(['Ready', 'Green', 'v2']);
    expect((await health()).body).toEqual({ status: 'healthy', version: '1.1.0', versionLabel: 'v2' });

    const events = await eb.send(new DescribeEventsCommand({ EnvironmentName: ENV, StartTime: start }));
    expect(events.Events?.map(e => e.Message)).toEqual([
      'Environment update completed successfully.',
      'New application version was deployed to running EC2 instances.',
      'Deploying new version to instance(s).',
      'Environment update is starting.'
    ]);
    expect(events.Events![0].EventDate!.getTime() - start.getTime()).toBe(50_000);

    const healthDetail = await eb.send(
      new DescribeEnvironmentHealthCommand({ EnvironmentName: ENV, AttributeNames: ['All'] })
    );
    expect([healthDetail.Color, healthDetail.HealthStatus, healthDetail.Causes]).toEqual(['Green', 'Ok', []]);
    const config = await eb.send(
      new DescribeConfigurationSettingsCommand({ ApplicationName: APP, EnvironmentName: ENV })
    );
    expect(config.ConfigurationSettings![0].OptionSettings).toEqual([
      {
        Namespace: 'aws:elasticbeanstalk:application:environment',
        OptionName: 'OPENAI_MODEL',
        Value: 'gpt-4o'
      }
    ]);
  });

  it('answers each container of the bundle on its own health path, with its version (503 when its image crashes)', async () => {
    await launched();
    sim.control.images({
      image: image('agent-service', '1.1.0'),
      behavior: 'healthy',
      version: 'stale-build'
    });
    await version('v2', zip({ 'Dockerrun.aws.json': chatRelayDockerrun('1.1.0') }));
    await eb.send(new UpdateEnvironmentCommand({ EnvironmentName: ENV, VersionLabel: 'v2' }));
    sim.control.advance(120);
    const of = async (name: string) => {
      const response = await fetch(`${sim.endpoint}/_app/beanstalk/${ENV}/${name}/health`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await of('main-app')).toEqual({
      status: 200,
      body: { status: 'healthy', version: '1.1.0', versionLabel: 'v2' }
    });
    expect((await of('agent-service')).body).toMatchObject({ status: 'healthy', version: 'stale-build' });
    expect((await of('mcp-gateway')).body).toMatchObject({ status: 'healthy', version: '1.1.0' });
    // a non-essential container that crashes answers 503 on its own path, while the environment is Green
    sim.control.images({ image: image('mcp-gateway', '1.1.0'), behavior: 'crash' });
    expect(await of('mcp-gateway')).toMatchObject({ status: 503, body: { status: 'unhealthy' } });
    expect((await of('nginx')).status).toBe(404);
  });

  it('a deploy whose image crashes emits ERROR events and ends Ready on the previous version, Green again later', async () => {
    await launched();
    await version('v2-bad', zip({ 'Dockerrun.aws.json': chatRelayDockerrun('1.2.0') }));
    sim.control.images({ image: image('agent-service', '1.2.0'), behavior: 'crash' });
    const start = new Date(sim.control.now() * 1000);
    await eb.send(
      new UpdateEnvironmentCommand({ ApplicationName: APP, EnvironmentName: ENV, VersionLabel: 'v2-bad' })
    );

    sim.control.advance(40);
    const failing = await env();
    expect([failing.Status, failing.Health, failing.HealthStatus]).toEqual(['Updating', 'Red', 'Severe']);
    expect((await health()).status).toBe(503);
    const errors = await eb.send(
      new DescribeEventsCommand({ EnvironmentName: ENV, StartTime: start, Severity: 'ERROR' })
    );
    expect(errors.Events?.map(e => e.Message)).toEqual([
      'Failed to deploy application.',
      expect.stringMatching(
        /^Unsuccessful command execution on instance id\(s\) 'i-0[0-9a-f]+'\. Aborting the operation\.$/
      ),
      expect.stringMatching(
        /ECS task stopped due to: Essential container in task exited\. \(agent-service: exit code 1\)$/
      )
    ]);
    expect(errors.Events?.every(e => e.Severity === 'ERROR')).toBe(true);

    sim.control.advance(20);
    const aborted = await env();
    expect([aborted.Status, aborted.VersionLabel, aborted.Health]).toEqual(['Ready', 'v1', 'Red']);
    const latest = await eb.send(new DescribeEventsCommand({ EnvironmentName: ENV, MaxRecords: 1 }));
    expect(latest.Events![0].Message).toMatch(
      /^During an aborted deployment, some instances may have deployed/
    );
    expect(latest.NextToken).toBeDefined();

    sim.control.advance(120);
    expect([(await env()).Health, (await env()).VersionLabel]).toEqual(['Green', 'v1']);
    expect((await health()).body).toEqual({ status: 'healthy', version: '1.0.0', versionLabel: 'v1' });
  });

  it('refuses unknown environments and versions, and versions that failed processing', async () => {
    await launched();
    await version('broken', zip({ 'README.md': 'no dockerrun' }));
    expect(
      (
        await errorOf(
          eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'nope-env', VersionLabel: 'v1' }))
        )
      ).message
    ).toBe("No Environment found for EnvironmentName = 'nope-env'.");
    expect(
      (await errorOf(eb.send(new UpdateEnvironmentCommand({ EnvironmentName: ENV, VersionLabel: 'v7' }))))
        .message
    ).toBe("No Application Version named 'v7' found.");
    expect(
      (await errorOf(eb.send(new UpdateEnvironmentCommand({ EnvironmentName: ENV, VersionLabel: 'broken' }))))
        .message
    ).toMatch(/^Application version broken failed processing/);
    expect((await env()).Status).toBe('Ready');
  });

  it('throttled describes answer Throttling, which the SDK retries', async () => {
    await launched();
    sim.control.faults({ operation: 'ElasticBeanstalk.DescribeEnvironments', throttle: 1, times: 2 });
    const before = sim.control.calls()['ElasticBeanstalk.DescribeEnvironments'] ?? 0;
    expect((await env()).Status).toBe('Ready');
    expect(sim.control.calls()['ElasticBeanstalk.DescribeEnvironments']).toBe(before + 3);

    const raw = await fetch(sim.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/elasticbeanstalk/aws4_request, SignedHeaders=host, Signature=0'
      },
      body: 'Action=DescribeEvents&Version=2010-12-01'
    });
    expect(raw.status).toBe(200);
    sim.control.faults({ operation: 'ElasticBeanstalk.DescribeEvents', throttle: 1, times: 1 });
    const throttled = await fetch(sim.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/elasticbeanstalk/aws4_request, SignedHeaders=host, Signature=0'
      },
      body: 'Action=DescribeEvents&Version=2010-12-01'
    });
    expect(throttled.status).toBe(400);
    expect(await throttled.text()).toMatch(
      /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>Throttling<\/Code><Message>Rate exceeded<\/Message>/
    );
  });
});
