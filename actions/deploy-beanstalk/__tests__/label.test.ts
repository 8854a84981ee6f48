import { describe, expect, it } from '@jest/globals';
import { bundleKey, defaultVersionLabel, earlierAttemptLabels, planVersion } from '../src/label.js';
import type { ApplicationVersionDescription } from '@deploy-suite/aws/beanstalk';

const SHA256 = 'ab'.repeat(32);
const KEY = bundleKey('ChatRelay', SHA256);

function version(label: string, key: string, Status: string = 'PROCESSED'): ApplicationVersionDescription {
  return {
    ApplicationName: 'ChatRelay',
    VersionLabel: label,
    SourceBundle: { S3Bucket: 'elasticbeanstalk-us-east-1-123456789012', S3Key: key },
    Status: Status as ApplicationVersionDescription['Status']
  };
}

const base = {
  application: 'ChatRelay',
  label: 'a1b2c3d-100-2',
  key: KEY,
  sha256: SHA256,
  useExistingVersion: true,
  earlierAttemptLabels: ['a1b2c3d-100-1'],
  existing: [] as ApplicationVersionDescription[]
};

describe('labels', () => {
  it('builds the default label from short sha, run id and attempt', () => {
    expect(defaultVersionLabel('a1b2c3d4e5f6', '100', 2)).toBe('a1b2c3d-100-2');
    expect(earlierAttemptLabels('a1b2c3d4e5f6', '100', 3)).toEqual(['a1b2c3d-100-2', 'a1b2c3d-100-1']);
    expect(bundleKey('ChatRelay', SHA256)).toBe(`deploy-suite/bundles/ChatRelay/${SHA256}.zip`);
  });
});

describe('planVersion', () => {
  it('creates a label that does not exist', () => {
    expect(planVersion(base)).toEqual({ kind: 'create', label: 'a1b2c3d-100-2' });
  });
  it('reuses the label when it holds the same bundle', () => {
    expect(planVersion({ ...base, existing: [version('a1b2c3d-100-2', KEY)] })).toMatchObject({
      kind: 'reuse',
      label: 'a1b2c3d-100-2'
    });
  });
  it('reuses an earlier attempt of the run with the same bundle', () => {
    expect(planVersion({ ...base, existing: [version('a1b2c3d-100-1', KEY)] })).toMatchObject({
      kind: 'reuse',
      label: 'a1b2c3d-100-1',
      why: expect.stringMatching(/earlier attempt/)
    });
  });
  it('creates a new label when the earlier attempt had another bundle', () => {
    expect(planVersion({ ...base, existing: [version('a1b2c3d-100-1', 'other.zip')] })).toEqual({
      kind: 'create',
      label: 'a1b2c3d-100-2'
    });
  });
  it('refuses a label that exists with a different bundle, saying so', () => {
    expect(() => planVersion({ ...base, existing: [version('a1b2c3d-100-2', 'app/v2.zip')] })).toThrow(
      /Version "a1b2c3d-100-2" already exists in application ChatRelay with a different bundle \(s3:\/\/elasticbeanstalk-us-east-1-123456789012\/app\/v2.zip; this bundle is sha256 abababababab…\)/
    );
  });
  it('refuses an existing label when use-existing-version is false', () => {
    expect(() =>
      planVersion({ ...base, useExistingVersion: false, existing: [version('a1b2c3d-100-2', KEY)] })
    ).toThrow(/already exists.*"use-existing-version: true"/);
  });
  it('refuses to reuse a version that failed processing', () => {
    expect(() => planVersion({ ...base, existing: [version('a1b2c3d-100-2', KEY, 'Failed')] })).toThrow(
      /failed processing/
    );
  });
});
