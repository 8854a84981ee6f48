import { describe, expect, it } from '@jest/globals';
import { Inputs } from '@deploy-suite/core';
import { objectInputReader } from '@deploy-suite/testing';
import { readDeployStaticInputs } from '../src/inputs.js';

const read = (values: Record<string, string>) =>
  readDeployStaticInputs(new Inputs(objectInputReader(values)));
const eloquent = { source: 'build', bucket: 'eloquent-ai-frontend-prod' };

describe('readDeployStaticInputs', () => {
  it('reads the defaults', () => {
    expect(read(eloquent)).toMatchObject({
      source: 'build',
      bucket: 'eloquent-ai-frontend-prod',
      prefix: '',
      distributionId: undefined,
      cacheRules: [],
      delete: true,
      keepReleases: 3,
      invalidate: 'changed',
      waitForInvalidation: true,
      waitMs: 15 * 60_000,
      dryRun: false
    });
  });

  it('normalizes the prefix and reads cache-control lines', () => {
    const inputs = read({
      ...eloquent,
      prefix: '/app/v2',
      'cache-control': '*.html=no-cache\nstatic/**=public, max-age=600',
      'distribution-id': 'E2QWRUHAPOMQZL'
    });
    expect(inputs.prefix).toBe('app/v2/');
    expect(inputs.cacheRules.map(r => [r.glob, r.value])).toEqual([
      ['*.html', 'no-cache'],
      ['static/**', 'public, max-age=600']
    ]);
    expect(inputs.distributionId).toBe('E2QWRUHAPOMQZL');
  });

  it.each([
    ['no source', { bucket: 'eloquent-ai-frontend-prod' }, /Input "source" is required/],
    ['no bucket', { source: 'build' }, /Input "bucket" is required/],
    [
      'an s3:// URL for the bucket',
      { ...eloquent, bucket: 's3://eloquent-ai-frontend-prod/app' },
      /takes the bucket name alone \("eloquent-ai-frontend-prod"\); put a folder in the prefix input/
    ],
    ['a bad bucket name', { ...eloquent, bucket: 'Eloquent_Frontend' }, /is not an S3 bucket name/],
    ['a prefix with ..', { ...eloquent, prefix: 'app/../etc' }, /Input "prefix".*"\.\."/],
    [
      'a bad distribution id',
      { ...eloquent, 'distribution-id': 'd111111abcdef8.cloudfront.net' },
      /is not a CloudFront distribution id/
    ],
    [
      'a bad cache-control line',
      { ...eloquent, 'cache-control': '*.html no-cache' },
      /Input "cache-control" line 1 must be glob=value/
    ],
    ['an unknown invalidate mode', { ...eloquent, invalidate: 'some' }, /invalidate/],
    ['keep-releases 0', { ...eloquent, 'keep-releases': '0' }, /keep-releases/]
  ])('rejects %s', (_name, values, message) => {
    expect(() => read(values as Record<string, string>)).toThrow(message);
  });
});
