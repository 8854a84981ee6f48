import { describe, expect, it } from '@jest/globals';
import { AwsContext, resolveRegion, endpointFor, lazy, credentialLifetimeWarning } from '../src/context.js';

describe('resolveRegion', () => {
  it('prefers the input, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(resolveRegion('eu-west-1', { AWS_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(resolveRegion(undefined, { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-west-2' })).toBe(
      'us-east-1'
    );
    expect(resolveRegion(undefined, { AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-west-2');
  });

  it('explains how to set a region when none is set', () => {
    expect(() => resolveRegion(undefined, {})).toThrow(
      'No AWS region: set the "aws-region" input, or AWS_REGION in the environment (aws-actions/configure-aws-credentials sets it with its "aws-region" input)'
    );
  });

  it('refuses something that is not a region', () => {
    expect(() => resolveRegion('virginia', {})).toThrow(
      'AWS region must look like "us-east-1", got "virginia"'
    );
  });
});

describe('endpointFor', () => {
  it('prefers the per-service variable', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: 'http://127.0.0.1:9000'
    };
    expect(endpointFor('elastic-beanstalk', env)).toBe('http://127.0.0.1:9000');
    expect(endpointFor('ecs', env)).toBe('http://127.0.0.1:4566');
    expect(endpointFor('ecs', {})).toBeUndefined();
  });
});

describe('AwsContext.clientConfig', () => {
  it('sets adaptive retries, the suite user agent and the endpoint override', async () => {
    const context = new AwsContext({
      action: 'deploy-ecs',
      env: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }
    });
    const config = await context.clientConfig('ecs');
    expect(config).toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566',
      maxAttempts: 8,
      retryMode: 'adaptive',
      customUserAgent: 'deploy-suite/0.1.0 action/deploy-ecs'
    });
  });

  it('uses path-style S3 only when the endpoint is overridden', async () => {
    const local = new AwsContext({
      action: 'x',
      env: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }
    });
    const aws = new AwsContext({ action: 'x', env: { AWS_REGION: 'us-east-1' } });
    expect((await local.clientConfig('s3')).forcePathStyle).toBe(true);
    expect((await aws.clientConfig('s3')).forcePathStyle).toBeUndefined();
  });

  it('routes through HTTPS_PROXY unless NO_PROXY covers the endpoint', async () => {
    const proxied = new AwsContext({
      action: 'x',
      env: { AWS_REGION: 'us-east-1', HTTPS_PROXY: 'http://proxy.internal:3128' }
    });
    expect((await proxied.clientConfig('ecs')).requestHandler).toBeDefined();
    const bypassed = new AwsContext({
      action: 'x',
      env: { AWS_REGION: 'us-east-1', HTTPS_PROXY: 'http://proxy.internal:3128', NO_PROXY: '.amazonaws.com' }
    });
    expect((await bypassed.clientConfig('ecs')).requestHandler).toBeUndefined();
  });

  it('fails on a missing region when the context is made, before any client exists', () => {
    expect(() => new AwsContext({ action: 'x', env: {} })).toThrow('No AWS region');
  });
});

describe('lazy', () => {
  it('creates once, on first use', async () => {
    let created = 0;
    const client = lazy(async () => ({ id: ++created }));
    expect(created).toBe(0);
    expect(await client()).toBe(await client());
    expect(created).toBe(1);
  });
});

describe('credentialLifetimeWarning', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('warns when the wait outlives the credentials', () => {
    expect(credentialLifetimeWarning(new Date(now + 60 * 60_000), now, 90 * 60_000, 'wait-for-minutes')).toBe(
      'The AWS credentials expire in 1h, before "wait-for-minutes" (1h30m) runs out: a long wait would fail when they expire. Lower "wait-for-minutes" or raise role-duration-seconds in aws-actions/configure-aws-credentials.'
    );
  });

  it('is silent when they last long enough or their expiry is unknown', () => {
    expect(
      credentialLifetimeWarning(new Date(now + 60 * 60_000), now, 30 * 60_000, 'wait-for-minutes')
    ).toBeUndefined();
    expect(credentialLifetimeWarning(undefined, now, 30 * 60_000, 'wait-for-minutes')).toBeUndefined();
  });
});
