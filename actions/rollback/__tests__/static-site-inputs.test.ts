import { describe, expect, it } from '@jest/globals';
import { Inputs } from '@deploy-suite/core';
import { objectInputReader } from '@deploy-suite/testing';
import { readRollbackInputs } from '../src/inputs.js';

/** Inputs by name, with the defaults the runner applies from action.yml. */
const read = (raw: Record<string, string>) =>
  readRollbackInputs(
    new Inputs(
      objectInputReader({
        cluster: 'default',
        to: 'last-known-good',
        'wait-for-service-stability': 'true',
        'wait-for-minutes': '20',
        'poll-interval': '10s',
        'dry-run': 'false',
        force: 'false',
        'accepted-health': 'Green',
        ...raw
      })
    )
  );

describe('rollback inputs, static-site mode', () => {
  it("reads Eloquent AI's site; last-known-good means previous", () => {
    expect(
      read({ 'site-bucket': 'eloquent-ai-frontend-prod', 'distribution-id': 'E2QWRUHAPOMQZL' })
    ).toMatchObject({
      kind: 'static-site',
      bucket: 'eloquent-ai-frontend-prod',
      prefix: '',
      distributionId: 'E2QWRUHAPOMQZL',
      to: 'previous',
      waitMs: 20 * 60_000
    });
    expect(
      read({
        'site-bucket': 'eloquent-ai-frontend-prod',
        'site-prefix': 'app/',
        to: '20261202T041500Z-3f2a9c1'
      })
    ).toMatchObject({
      prefix: 'app/',
      to: '20261202T041500Z-3f2a9c1'
    });
  });

  it.each([
    [
      'a site and a service',
      { 'site-bucket': 'eloquent-ai-frontend-prod', service: 'eloquent-api' },
      /"service" \(ECS\) and "site-bucket" \(static site\) were both given/
    ],
    [
      'a site and Beanstalk',
      { 'site-bucket': 'eloquent-ai-frontend-prod', 'application-name': 'ChatRelay' },
      /\(Elastic Beanstalk\) and "site-bucket" \(static site\)/
    ],
    ['a prefix without a bucket', { 'site-prefix': 'app' }, /Input "site-bucket" is required/],
    [
      'a bucket URL',
      { 'site-bucket': 's3://eloquent-ai-frontend-prod' },
      /Input "site-bucket" takes the bucket name alone/
    ],
    [
      'a bad distribution id',
      { 'site-bucket': 'eloquent-ai-frontend-prod', 'distribution-id': 'abcd1234' },
      /Input "distribution-id"/
    ],
    [
      'a task definition as the target',
      { 'site-bucket': 'eloquent-ai-frontend-prod', to: 'eloquent-api:7' },
      /Input "to" must be previous or a deploy-static release id/
    ]
  ])('rejects %s', (_name, raw, message) => {
    expect(() => read(raw)).toThrow(message);
  });
});
