import { describe, expect, it } from '@jest/globals';
import { parseDuration, formatDuration } from '../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    [' 2M ', 120_000]
  ])('%p is %p ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 's', '1d', '-5s', '1 m'])('%p is not a duration', text =>
    expect(parseDuration(text)).toBeUndefined()
  );
});

describe('formatDuration', () => {
  it.each([
    [450, '450ms'],
    [12_000, '12s'],
    [185_000, '3m05s'],
    [600_000, '10m'],
    [3_720_000, '1h02m'],
    [7_200_000, '2h']
  ])('%p ms reads %p', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
