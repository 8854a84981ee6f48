import { describe, expect, it } from '@jest/globals';
import {
  knownGoodFromTags,
  knownGoodTags,
  recordKnownGood,
  readKnownGood,
  KNOWN_GOOD_TAG
} from '../../src/ecs/index.js';
import { ScriptedEcs } from '@deploy-suite/testing';
import { NEW, serviceArn } from './fixtures.js';

describe('known-good records', () => {
  it('tags the service with the ARN and time, and the task definition with deployed-ok', async () => {
    const api = new ScriptedEcs([{}]);
    await recordKnownGood(api, serviceArn('backend-service'), NEW, new Date('2026-11-25T10:05:00Z'));
    expect(api.calls).toEqual([
      {
        operation: 'TagResource',
        input: {
          resourceArn: serviceArn('backend-service'),
          tags: [
            { key: 'deploy-suite:last-known-good', value: NEW },
            { key: 'deploy-suite:last-known-good-at', value: '2026-11-25T10:05:00.000Z' }
          ]
        }
      },
      {
        operation: 'TagResource',
        input: {
          resourceArn: NEW,
          tags: [{ key: 'deploy-suite:deployed-ok', value: '2026-11-25T10:05:00.000Z' }]
        }
      }
    ]);
  });

  it('reads the record back from the service tags, or nothing when there is none', async () => {
    const tags = knownGoodTags(NEW, new Date('2026-11-25T10:05:00Z')).service;
    expect(knownGoodFromTags([{ key: 'team', value: 'docs' }, ...tags])).toEqual({
      taskDefinitionArn: NEW,
      at: '2026-11-25T10:05:00.000Z'
    });
    expect(knownGoodFromTags([{ key: KNOWN_GOOD_TAG, value: NEW }])).toEqual({ taskDefinitionArn: NEW });
    expect(knownGoodFromTags([])).toBeUndefined();
    expect(await readKnownGood(new ScriptedEcs([{}]), serviceArn('backend-service'))).toBeUndefined();
  });
});
