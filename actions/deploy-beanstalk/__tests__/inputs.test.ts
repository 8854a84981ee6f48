import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Inputs } from '@deploy-suite/core';
import { MemoryLogger, objectInputReader } from '@deploy-suite/testing';
import { maskEnvironmentValues, readDeployBeanstalkInputs, type GithubRun } from '../src/inputs.js';

const run: GithubRun = {
  sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  runId: '9876543210',
  runAttempt: 1,
  repository: 'chatrelay/chatrelay',
  workspace: '/home/runner/work/chatrelay'
};

const base = {
  'application-name': 'ChatRelay',
  'environment-name': 'chatrelay-prod',
  dockerrun: 'Dockerrun.aws.json'
};

function read(values: Record<string, string>, github: GithubRun = run) {
  return readDeployBeanstalkInputs(new Inputs(objectInputReader(values)), github);
}

describe('readDeployBeanstalkInputs', () => {
  it('applies the documented defaults', () => {
    const config = read(base);
    expect(config).toMatchObject({
      application: 'ChatRelay',
      environment: 'chatrelay-prod',
      versionLabel: 'a1b2c3d-9876543210-1',
      earlierAttemptLabels: [],
      versionDescription:
        'Deployed by deploy-suite from chatrelay/chatrelay@a1b2c3d (run 9876543210, attempt 1)',
      bundle: { kind: 'dockerrun', path: path.resolve('/home/runner/work/chatrelay', 'Dockerrun.aws.json') },
      useExistingVersion: true,
      waitMs: 30 * 60_000,
      acceptedHealth: ['Green'],
      rollbackOnFailure: true,
      pollIntervalMs: 15_000,
      logLines: 30,
      maskEnvironmentVariables: true
    });
    expect(config.bucket).toBeUndefined();
  });

  it('lists the earlier attempts of a re-run so their version can be reused', () => {
    const config = read(base, { ...run, runAttempt: 3 });
    expect(config.versionLabel).toBe('a1b2c3d-9876543210-3');
    expect(config.earlierAttemptLabels).toEqual(['a1b2c3d-9876543210-2', 'a1b2c3d-9876543210-1']);
  });

  it('reads images, environment variables and health', () => {
    const config = read({
      ...base,
      images:
        'main-app=123456789012.dkr.ecr.us-east-1.amazonaws.com/chatrelay/main-app:1.5.0\n# a comment\nagent-service=123456789012.dkr.ecr.us-east-1.amazonaws.com/chatrelay/agent-service:1.5.0',
      'environment-variables': 'NODE_ENV=production\nREDIS_PORT=6379\nSESSION_SECRET=s3cr3t=with=equals',
      'accepted-health': 'Green,Yellow',
      'poll-interval': '200ms',
      'wait-for-minutes': '10'
    });
    expect(config.images.map(image => image.name)).toEqual(['main-app', 'agent-service']);
    expect(config.environmentVariables).toContainEqual({
      name: 'SESSION_SECRET',
      value: 's3cr3t=with=equals'
    });
    expect(config.acceptedHealth).toEqual(['Green', 'Yellow']);
    expect(config.pollIntervalMs).toBe(200);
    expect(config.waitMs).toBe(600_000);
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    [
      'no bundle source',
      { 'application-name': 'ChatRelay', 'environment-name': 'chatrelay-prod' },
      /No bundle to deploy: set one of the inputs "bundle".*"dockerrun".*"compose"/
    ],
    [
      'both dockerrun and compose',
      { ...base, compose: 'docker-compose.yml' },
      /Inputs "dockerrun" and "compose" were both given; set only one bundle source/
    ],
    [
      'no application',
      { 'environment-name': 'chatrelay-prod', dockerrun: 'D.json' },
      /Input "application-name" is required/
    ],
    [
      'no environment',
      { 'application-name': 'ChatRelay', dockerrun: 'D.json' },
      /Input "environment-name" is required/
    ],
    [
      'unknown health colour',
      { ...base, 'accepted-health': 'Green,Blue' },
      /Input "accepted-health" names an unknown health colour "Blue"/
    ],
    ['Red accepted', { ...base, 'accepted-health': 'Red' }, /cannot accept Red/],
    [
      'wait-for-minutes not a number',
      { ...base, 'wait-for-minutes': 'ten' },
      /Input "wait-for-minutes" must be a whole number from 1 to 360, got "ten"/
    ],
    [
      'log-lines out of range',
      { ...base, 'log-lines': '5000' },
      /Input "log-lines" must be a whole number from 0 to 1000, got "5000"/
    ],
    [
      'poll-interval bare number',
      { ...base, 'poll-interval': '15' },
      /Input "poll-interval" must be a duration/
    ],
    [
      'image line without =',
      { ...base, images: 'main-app' },
      /Input "images" line 1 must look like container-or-service-name=image/
    ],
    [
      'image without a value',
      { ...base, images: 'main-app=' },
      /Input "images" line 1 gives no image for "main-app"/
    ],
    [
      'images for a prebuilt zip',
      { 'application-name': 'A', 'environment-name': 'e', bundle: 'app.zip', images: 'web=nginx' },
      /cannot change a prebuilt \.zip/
    ],
    [
      'bad property name',
      { ...base, 'environment-variables': 'MY VAR=1' },
      /not a valid environment property name/
    ],
    ['bad bucket', { ...base, bucket: 'My_Bucket' }, /Input "bucket" must be an S3 bucket name/],
    [
      'label too long',
      { ...base, 'version-label': 'x'.repeat(101) },
      /Input "version-label" is 101 characters; Beanstalk allows at most 100/
    ],
    [
      'use-existing-version not boolean',
      { ...base, 'use-existing-version': 'yes' },
      /Input "use-existing-version" must be true or false/
    ]
  ];
  it.each(bad)('rejects %s', (_name, values, message) => {
    expect(() => read(values)).toThrow(message);
  });

  it('needs an explicit label outside GitHub Actions', () => {
    expect(() => read(base, { workspace: '/tmp' })).toThrow(
      /Input "version-label" is required outside GitHub Actions/
    );
    expect(read({ ...base, 'version-label': 'chatrelay-1.4.0' }, { workspace: '/tmp' }).versionLabel).toBe(
      'chatrelay-1.4.0'
    );
  });
});

describe('environment-variables carry secrets', () => {
  const secret = 'planted-session-secret-13';
  it.each([
    ['a line without "="', `SESSION_SECRET ${secret}`],
    ['a name with a space', `SESSION SECRET ${secret}=x`],
    ['an empty name', `=${secret}`]
  ])('an error on %s never quotes the line', (_name, line) => {
    let message = '';
    try {
      read({ ...base, 'environment-variables': `NODE_ENV=production\n${line}` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Input "environment-variables" line 2/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('SESSION');
  });

  it('masks long or secret-named values only: production and 6379 stay readable in the log', () => {
    const config = read({
      ...base,
      'environment-variables': `NODE_ENV=production\nREDIS_PORT=6379\nSESSION_SECRET=${secret}\nDB_PASSWORD=hunter22`
    });
    const logger = new MemoryLogger();
    maskEnvironmentValues(config, logger);
    expect(logger.masked).toEqual([secret, 'hunter22']);
    expect(logger.text()).toContain('Not masked (too short or common to be a secret');
    expect(logger.text()).toContain('NODE_ENV, REDIS_PORT');
  });
});
