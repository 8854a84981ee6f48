import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateApplicationCommand,
  CreateApplicationVersionCommand,
  CreateEnvironmentCommand,
  CreateStorageLocationCommand,
  DescribeEnvironmentHealthCommand,
  DescribeEventsCommand,
  DescribeInstancesHealthCommand,
  ElasticBeanstalkClient,
  RequestEnvironmentInfoCommand,
  RetrieveEnvironmentInfoCommand,
  UpdateEnvironmentCommand,
  type EnvironmentInfoDescription
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RunningSimulator } from '../src/index.js';
import { chatRelayDockerrun, chatRelayImage as image, credentials, frozenSim, zip } from './helpers.js';

const APP = 'ChatRelay';
const ENV = 'chatrelay-prod';
const BUCKET = 'elasticbeanstalk-us-east-1-123456789012';
const MAIN_APP_LINES = ['> chatrelay@1.0.0 start', 'ChatRelay main-app listening on :8081'];
const AGENT_CRASH = [
  'Traceback (most recent call last):',
  '  File "/app/agent/server.py", line 12, in <module>',
  "KeyError: 'OPENAI_API_KEY'"
];

let sim: RunningSimulator;
let eb: ElasticBeanstalkClient;
let s3: S3Client;

beforeAll(async () => {
  sim = await frozenSim();
  const config = { endpoint: sim.endpoint, region: 'us-east-1', credentials };
  eb = new ElasticBeanstalkClient({ ...config, maxAttempts: 1 });
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

async function version(label: string, tag: string): Promise<void> {
  const bundle = zip({ 'Dockerrun.aws.json': chatRelayDockerrun(tag) });
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${APP}/${label}.zip`, Body: bundle }));
  await eb.send(
    new CreateApplicationVersionCommand({
      ApplicationName: APP,
      VersionLabel: label,
      SourceBundle: { S3Bucket: BUCKET, S3Key: `${APP}/${label}.zip` },
      Process: true
    })
  );
  sim.control.advance(10);
}

/** ChatRelay v1 (main-app prints MAIN_APP_LINES) launched; `basic` turns enhanced health off. */
async function launched(basic = false): Promise<void> {
  sim.control.images({ image: image('main-app', '1.0.0'), behavior: 'healthy', logs: MAIN_APP_LINES });
  await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
  await eb.send(new CreateStorageLocationCommand({}));
  await version('v1', '1.0.0');
  await eb.send(
    new CreateEnvironmentCommand({
      ApplicationName: APP,
      EnvironmentName: ENV,
      VersionLabel: 'v1',
      SolutionStackName: '64bit Amazon Linux 2 v3.9.0 running ECS',
      OptionSettings: basic
        ? [
            {
              Namespace: 'aws:elasticbeanstalk:healthreporting:system',
              OptionName: 'SystemType',
              Value: 'basic'
            }
          ]
        : undefined
    })
  );
  sim.control.advance(120);
}

const health = () =>
  eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: ENV, AttributeNames: ['All'] }));
const instances = () =>
  eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: ENV, AttributeNames: ['All'] }));

/** `eb logs`: request the tail, wait for it, download what the presigned URL serves. */
async function tailLogs(): Promise<{ entry: EnvironmentInfoDescription; text: string }> {
  await eb.send(new RequestEnvironmentInfoCommand({ EnvironmentName: ENV, InfoType: 'tail' }));
  sim.control.advance(5);
  const out = await eb.send(new RetrieveEnvironmentInfoCommand({ EnvironmentName: ENV, InfoType: 'tail' }));
  expect(out.EnvironmentInfo).toHaveLength(1);
  const entry = out.EnvironmentInfo![0];
  const response = await fetch(entry.Message!);
  expect(response.status).toBe(200);
  return { entry, text: await response.text() };
}

describe('Beanstalk enhanced health and tail logs', () => {
  it('a healthy environment is Ok/Green with no causes, 2xx traffic and its containers in the tail', async () => {
    await launched();
    const env = await health();
    expect(env).toMatchObject({
      EnvironmentName: ENV,
      HealthStatus: 'Ok',
      Status: 'Ready',
      Color: 'Green',
      Causes: [],
      InstancesHealth: { Ok: 1, Severe: 0, Degraded: 0, Warning: 0, Pending: 0 },
      ApplicationMetrics: { Duration: 10, RequestCount: 60, StatusCodes: { Status2xx: 60, Status5xx: 0 } }
    });
    expect(env.ApplicationMetrics!.Latency!.P99).toBeGreaterThan(0);
    expect(env.RefreshedAt!.getTime() % 10_000).toBe(0);

    // no AttributeNames: only the environment's name, as Beanstalk answers
    const bare = await eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: ENV }));
    expect([bare.EnvironmentName, bare.Color, bare.Causes]).toEqual([ENV, undefined, undefined]);
    const colorOnly = await eb.send(
      new DescribeEnvironmentHealthCommand({ EnvironmentName: ENV, AttributeNames: ['Color', 'Causes'] })
    );
    expect([colorOnly.Color, colorOnly.Causes, colorOnly.HealthStatus]).toEqual(['Green', [], undefined]);

    const [instance] = (await instances()).InstanceHealthList!;
    expect(instance).toMatchObject({
      InstanceId: expect.stringMatching(/^i-0[0-9a-f]{16}$/),
      HealthStatus: 'Ok',
      Color: 'Green',
      Causes: [],
      AvailabilityZone: 'us-east-1a',
      InstanceType: 't3.micro',
      Deployment: { VersionLabel: 'v1', DeploymentId: 1, Status: 'Deployed' }
    });

    const { entry, text } = await tailLogs();
    expect(entry).toMatchObject({ InfoType: 'tail', Ec2InstanceId: instance.InstanceId });
    expect(entry.Message).toMatch(
      new RegExp(
        `^${sim.endpoint}/${BUCKET}/resources/environments/logs/tail/e-[a-z0-9]+/${instance.InstanceId}/TailLogs-\\d+\\.out\\?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=`
      )
    );
    expect(text).toContain(
      ['/var/log/containers/main-app-stdouterr.log', '-'.repeat(40), ...MAIN_APP_LINES].join('\n')
    );
    expect(text).not.toContain('eb-engine.log');
  });

  it('a crash-looping deploy: Severe/Red with causes in Beanstalk wording, 5xx, and the crash lines in the tail', async () => {
    await launched();
    await version('v2-bad', '1.2.0');
    sim.control.images({ image: image('agent-service', '1.2.0'), behavior: 'crash', logs: AGENT_CRASH });
    await eb.send(new UpdateEnvironmentCommand({ EnvironmentName: ENV, VersionLabel: 'v2-bad' }));

    sim.control.advance(10);
    const deploying = await health();
    expect([deploying.HealthStatus, deploying.Color]).toEqual(['Pending', 'Grey']);
    expect(deploying.Causes).toEqual([
      'Application update in progress on 1 instance. 0 out of 1 instance completed.'
    ]);
    expect(deploying.ApplicationMetrics!.StatusCodes!.Status2xx).toBe(60); // v1 still serves

    sim.control.advance(30); // failed at +35 s
    const failing = await health();
    expect([failing.HealthStatus, failing.Color]).toEqual(['Severe', 'Red']);
    expect(failing.Causes).toEqual([
      'Command failed on all instances.',
      'Incorrect application version found on all instances. Expected version "v1".',
      '100.0 % of the requests are failing with HTTP 5xx.',
      'Process default has been unhealthy for 5 seconds (Target.FailedHealthChecks).'
    ]);
    expect(failing.ApplicationMetrics!.StatusCodes).toEqual({
      Status2xx: 0,
      Status3xx: 0,
      Status4xx: 0,
      Status5xx: 60
    });
    expect(failing.InstancesHealth!.Severe).toBe(1);

    sim.control.advance(60); // aborted at +60 s, Ready on v1, still Red
    const [instance] = (await instances()).InstanceHealthList!;
    expect(instance.Causes).toEqual([
      'ECS task stopped due to: Essential container in task exited. (agent-service: exit code 1)',
      '100.0 % of the requests are failing with HTTP 5xx.',
      'Process default has been unhealthy for 1 minute (Target.FailedHealthChecks).',
      expect.stringMatching(
        /^Application deployment failed at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ with exit status 1 and error: Engine execution has encountered an error\.$/
      )
    ]);
    expect(instance.Deployment).toMatchObject({ VersionLabel: 'v2-bad', DeploymentId: 2, Status: 'Failed' });
    expect((await health()).Status).toBe('Ready');

    const { text } = await tailLogs();
    expect(text).toContain(
      '[ERROR] An error occurred during execution of command [app-deploy] - [Start ECS task]. Stop running the command. Error: ECS task stopped due to: Essential container in task exited. (agent-service: exit code 1)'
    );
    expect(text).toContain(
      ['/var/log/containers/agent-service-stdouterr.log', '-'.repeat(40), ...AGENT_CRASH].join('\n')
    );
    expect(text).not.toContain(MAIN_APP_LINES[1]); // the instance runs v2-bad's main-app (1.2.0), which printed nothing
    const events = await eb.send(new DescribeEventsCommand({ EnvironmentName: ENV, MaxRecords: 2 }));
    expect(events.Events!.map(e => e.Message)).toEqual([
      'Pulled logs for environment instances.',
      'requestEnvironmentInfo is starting.'
    ]);

    sim.control.advance(180); // back to v1: Ok again
    const recovered = await health();
    expect([recovered.HealthStatus, recovered.Color, recovered.Causes]).toEqual(['Ok', 'Green', []]);
    expect((await instances()).InstanceHealthList![0].Deployment).toMatchObject({
      VersionLabel: 'v1',
      DeploymentId: 3,
      Status: 'Deployed'
    });
    expect((await tailLogs()).text).toContain(MAIN_APP_LINES[1]);
  });

  it('an image that cannot be pulled: the tail has the engine error and no container output', async () => {
    sim.control.images({
      image: image('mcp-gateway', '1.0.0'),
      behavior: 'pull-error',
      logs: ['never printed']
    });
    await launched();
    const env = await health();
    expect([env.HealthStatus, env.Color]).toEqual(['Severe', 'Red']);
    expect(env.Causes![0]).toMatch(/^ECS task stopped due to: CannotPullContainerError/);
    const { text } = await tailLogs();
    expect(text).toContain('/var/log/eb-engine.log');
    expect(text).not.toContain('/var/log/containers/');
    expect(text).not.toContain('never printed');
  });

  it('basic health: DescribeEnvironmentHealth / DescribeInstancesHealth are not supported; tail logs still work', async () => {
    await launched(true);
    expect(await errorOf(health())).toEqual({
      name: 'InvalidRequestException',
      message: 'DescribeEnvironmentHealth is not supported.'
    });
    expect(await errorOf(instances())).toEqual({
      name: 'InvalidRequestException',
      message: 'DescribeInstancesHealth is not supported.'
    });
    expect((await tailLogs()).text).toContain(MAIN_APP_LINES[0]);
  });

  it('RetrieveEnvironmentInfo is empty until the logs are compiled; a denied call answers AccessDenied', async () => {
    await launched();
    await eb.send(new RequestEnvironmentInfoCommand({ EnvironmentName: ENV, InfoType: 'tail' }));
    sim.control.advance(4);
    expect(
      (await eb.send(new RetrieveEnvironmentInfoCommand({ EnvironmentName: ENV, InfoType: 'tail' })))
        .EnvironmentInfo
    ).toEqual([]);
    sim.control.advance(1);
    expect(
      (await eb.send(new RetrieveEnvironmentInfoCommand({ EnvironmentName: ENV, InfoType: 'tail' })))
        .EnvironmentInfo
    ).toHaveLength(1);

    sim.control.deny({ action: 'elasticbeanstalk:RetrieveEnvironmentInfo' });
    expect(
      await errorOf(eb.send(new RetrieveEnvironmentInfoCommand({ EnvironmentName: ENV, InfoType: 'tail' })))
    ).toEqual({
      name: 'AccessDenied',
      message:
        'User: arn:aws:iam::123456789012:user/deploy-suite-sim is not authorized to perform: elasticbeanstalk:RetrieveEnvironmentInfo because no identity-based policy allows the elasticbeanstalk:RetrieveEnvironmentInfo action'
    });
  });
});
