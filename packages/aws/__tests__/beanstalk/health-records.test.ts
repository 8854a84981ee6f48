import { describe, expect, it } from '@jest/globals';
import { parseAcceptedHealth } from '../../src/beanstalk/health.js';
import {
  RECORD_HISTORY_LIMIT,
  knownGoodRecordKey,
  parseKnownGoodRecord,
  readKnownGoodRecord,
  recordSuccessfulDeploy,
  withSuccessfulDeploy
} from '../../src/beanstalk/known-good.js';
import { FakeBundleStore } from '@deploy-suite/testing';

describe('parseAcceptedHealth', () => {
  it('defaults to Green', () => {
    expect(parseAcceptedHealth('')).toEqual(['Green']);
  });
  it('reads a list in any case, without repeats', () => {
    expect(parseAcceptedHealth('green, YELLOW,Green')).toEqual(['Green', 'Yellow']);
  });
  it('rejects an unknown colour, naming the input and the colours', () => {
    expect(() => parseAcceptedHealth('Green,Blue')).toThrow(
      'Input "accepted-health" names an unknown health colour "Blue"; Beanstalk\'s colours are Green, Yellow, Red, Grey'
    );
  });
  it('refuses Red', () => {
    expect(() => parseAcceptedHealth('Green,Red')).toThrow(/cannot accept Red/);
  });
});

describe('known-good record', () => {
  const bucket = 'elasticbeanstalk-us-east-1-123456789012';

  it('lives at deploy-suite/records/<application>/<environment>.json', () => {
    expect(knownGoodRecordKey('ChatRelay', 'chatrelay-prod')).toBe(
      'deploy-suite/records/ChatRelay/chatrelay-prod.json'
    );
  });

  it('keeps history newest first, without repeating a label, bounded', () => {
    let record = withSuccessfulDeploy(undefined, { label: 'v1', at: '2025-01-01T00:00:00.000Z', sha: 'aaa' });
    record = withSuccessfulDeploy(record, { label: 'v2', at: '2025-01-02T00:00:00.000Z', sha: 'bbb' });
    record = withSuccessfulDeploy(record, { label: 'v1', at: '2025-01-03T00:00:00.000Z', sha: 'aaa' });
    expect(record.lastKnownGood).toBe('v1');
    expect(record.history.map(entry => entry.label)).toEqual(['v1', 'v2']);
    for (let i = 0; i < RECORD_HISTORY_LIMIT + 5; i++) {
      record = withSuccessfulDeploy(record, { label: `n${i}`, at: '2025-02-01T00:00:00.000Z' });
    }
    expect(record.history).toHaveLength(RECORD_HISTORY_LIMIT);
    expect(record.history[0].label).toBe(`n${RECORD_HISTORY_LIMIT + 4}`);
  });

  it('writes and reads back through the store', async () => {
    const store = new FakeBundleStore();
    expect(await readKnownGoodRecord(store, bucket, 'ChatRelay', 'chatrelay-prod')).toBeUndefined();
    await recordSuccessfulDeploy(store, bucket, 'ChatRelay', 'chatrelay-prod', {
      label: 'a1b2c3d-100-1',
      at: '2025-01-01T00:00:00.000Z',
      sha: 'a1b2c3d4e5'
    });
    await recordSuccessfulDeploy(store, bucket, 'ChatRelay', 'chatrelay-prod', {
      label: 'b2c3d4e-101-1',
      at: '2025-01-02T00:00:00.000Z',
      sha: 'b2c3d4e5f6'
    });
    const record = await readKnownGoodRecord(store, bucket, 'ChatRelay', 'chatrelay-prod');
    expect(record).toEqual({
      lastKnownGood: 'b2c3d4e-101-1',
      history: [
        { label: 'b2c3d4e-101-1', at: '2025-01-02T00:00:00.000Z', sha: 'b2c3d4e5f6' },
        { label: 'a1b2c3d-100-1', at: '2025-01-01T00:00:00.000Z', sha: 'a1b2c3d4e5' }
      ]
    });
  });

  it('names the record when it is malformed, and a deploy replaces it saying so', async () => {
    expect(() => parseKnownGoodRecord('{"lastKnownGood": 3}', 's3://b/k')).toThrow(
      /s3:\/\/b\/k should look like/
    );
    expect(() => parseKnownGoodRecord('not json', 's3://b/k')).toThrow(/s3:\/\/b\/k is not valid JSON/);
    const store = new FakeBundleStore();
    await store.putText(bucket, knownGoodRecordKey('ChatRelay', 'chatrelay-prod'), 'garbage');
    const problems: string[] = [];
    const record = await recordSuccessfulDeploy(
      store,
      bucket,
      'ChatRelay',
      'chatrelay-prod',
      { label: 'v3', at: '2025-01-03T00:00:00.000Z' },
      problem => problems.push(problem)
    );
    expect(record.history).toHaveLength(1);
    expect(problems[0]).toMatch(/not valid JSON/);
  });
});
