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

describe('rollback inputs', () => {
  it('reads ECS inputs (Tria names)', () => {
    expect(
      read({
        cluster: 'tria-aibpo-staging-cluster',
        service: 'tria-aibpo-staging-service',
        to: 'tria-aibpo-staging-task:7',
        reason: 'health check failed'
      })
    ).toMatchObject({
      kind: 'ecs',
      cluster: 'tria-aibpo-staging-cluster',
      services: ['tria-aibpo-staging-service'],
      to: { kind: 'revision', family: 'tria-aibpo-staging-task', revision: 7 },
      waitMs: 20 * 60_000,
      reason: 'health check failed'
    });
  });

  it('takes several services one per line or comma separated', () => {
    expect(read({ service: 'backend-service, ai-ml-service\nworker' })).toMatchObject({
      services: ['backend-service', 'ai-ml-service', 'worker']
    });
  });

  it('reads Beanstalk inputs (ChatRelay names)', () => {
    expect(
      read({ 'application-name': 'ChatRelay', 'environment-name': 'chatrelay-prod', to: 'previous' })
    ).toMatchObject({
      kind: 'beanstalk',
      application: 'ChatRelay',
      environment: 'chatrelay-prod',
      to: { kind: 'previous' },
      acceptedHealth: ['Green'],
      logLines: 30
    });
  });

  it.each([
    [
      'ECS and Beanstalk mixed',
      { service: 'backend-service', 'environment-name': 'chatrelay-prod' },
      /^Inputs "service" \(ECS\) and "environment-name" \(Elastic Beanstalk\) were both given; .*use two steps/
    ],
    [
      'a non-default cluster with Beanstalk',
      {
        cluster: 'docuthinker-cluster',
        'application-name': 'ChatRelay',
        'environment-name': 'chatrelay-prod'
      },
      /^Inputs "cluster" \(ECS\) and "application-name" and "environment-name" \(Elastic Beanstalk\)/
    ],
    ['nothing to roll back', {}, /^Input "service" is required: give the ECS service\(s\) to roll back/],
    [
      'environment without application',
      { 'environment-name': 'chatrelay-prod' },
      /^Input "application-name" is required/
    ],
    [
      'malformed to',
      { service: 'backend-service', to: 'docuthinker-backend:previous' },
      /^Input "to" is "docuthinker-backend:previous", but ECS revisions are numbers/
    ],
    [
      'bad service name',
      { service: 'backend service' },
      /^Input "service" line 1 must be a service name or service ARN/
    ],
    ['a service twice', { service: 'backend-service\nbackend-service' }, /names "backend-service" twice/],
    [
      'bad wait',
      { service: 'backend-service', 'wait-for-minutes': 'ten' },
      /^Input "wait-for-minutes" must be a whole number from 1 to 360, got "ten"/
    ],
    [
      'Beanstalk log-lines negative',
      { 'application-name': 'ChatRelay', 'environment-name': 'chatrelay-prod', 'log-lines': '-1' },
      /^Input "log-lines" must be a whole number from 0 to 1000, got "-1"/
    ],
    [
      'Red health',
      { 'application-name': 'ChatRelay', 'environment-name': 'chatrelay-prod', 'accepted-health': 'Red' },
      /cannot accept Red/
    ],
    [
      'bad log-lines',
      { service: 'backend-service', 'log-lines': '1001' },
      /^Input "log-lines" must be a whole number from 0 to 1000, got "1001"/
    ],
    [
      'bad dry-run',
      { service: 'backend-service', 'dry-run': 'yes' },
      /^Input "dry-run" must be true or false/
    ]
  ])('%s', (_name, raw, message) => {
    expect(() => read(raw)).toThrow(message);
  });
});
