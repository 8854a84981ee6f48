import { describe, expect, it } from '@jest/globals';
import { Inputs, envInputReader, splitList } from '../src/inputs.js';
import { objectInputReader } from '@deploy-suite/testing';
import { ActionError } from '../src/errors.js';

const inputs = (values: Record<string, string>) => new Inputs(objectInputReader(values));

function errorOf(work: () => unknown): ActionError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return error as ActionError;
  }
  throw new Error('expected an error');
}

describe('envInputReader', () => {
  it('reads INPUT_<NAME> as the runner sets it, trimmed', () => {
    const read = envInputReader({ 'INPUT_WAIT-FOR-MINUTES': ' 30 \n', INPUT_MY_INPUT: 'x' });
    expect(read('wait-for-minutes')).toBe('30');
    expect(read('my input')).toBe('x');
    expect(read('absent')).toBe('');
  });
});

describe('Inputs.required and string', () => {
  it('names the input and the hint when a required input is missing', () => {
    expect(errorOf(() => inputs({}).required('service', 'name the ECS service to deploy')).message).toBe(
      'Input "service" is required: name the ECS service to deploy'
    );
  });

  it('returns defaults for absent optional strings', () => {
    expect(inputs({}).string('cluster', { default: 'default' })).toBe('default');
    expect(inputs({ cluster: 'docuthinker-cluster' }).string('cluster', { default: 'default' })).toBe(
      'docuthinker-cluster'
    );
    expect(inputs({}).optionalString('aws-region')).toBeUndefined();
  });
});

describe('Inputs.boolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['False', false]
  ])('reads %s', (raw, expected) => {
    expect(inputs({ 'dry-run': raw }).boolean('dry-run', !expected)).toBe(expected);
  });

  it('uses the default when absent', () => {
    expect(inputs({}).boolean('rollback-on-failure', true)).toBe(true);
  });

  it.each(['yes', '1', 'on', 'y'])('refuses %s', raw => {
    expect(errorOf(() => inputs({ 'dry-run': raw }).boolean('dry-run', false)).message).toBe(
      `Input "dry-run" must be true or false, got "${raw}"`
    );
  });
});

describe('Inputs.integer', () => {
  const minutes = (raw: string) =>
    inputs({ 'wait-for-minutes': raw }).integer('wait-for-minutes', { min: 1, max: 360, default: 30 });

  it('parses whole numbers in range and applies the default', () => {
    expect(minutes('45')).toBe(45);
    expect(inputs({}).integer('wait-for-minutes', { min: 1, max: 360, default: 30 })).toBe(30);
  });

  it.each(['ten', '1.5', '0', '361', '-3', '1e3', ''])('pins the message for %p', raw => {
    if (raw === '') return; // absent: default applies (checked above)
    expect(errorOf(() => minutes(raw)).message).toBe(
      `Input "wait-for-minutes" must be a whole number from 1 to 360, got "${raw}"`
    );
  });

  it('says what is accepted when only a minimum is set', () => {
    expect(
      errorOf(() => inputs({ 'desired-count': '-1' }).integer('desired-count', { min: 0 })).message
    ).toBe('Input "desired-count" must be a whole number of at least 0, got "-1"');
  });

  it('is required when there is no default', () => {
    expect(errorOf(() => inputs({}).integer('desired-count', { min: 0 })).message).toBe(
      'Input "desired-count" is required: give a whole number of at least 0'
    );
    expect(inputs({}).optionalInteger('desired-count', { min: 0 })).toBeUndefined();
  });
});

describe('Inputs.duration', () => {
  const poll = (raw: string) =>
    inputs({ 'poll-interval': raw }).duration('poll-interval', { min: 100, max: 300_000, default: '10s' });

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['0.5s', 500]
  ])('parses %s', (raw, ms) => {
    expect(poll(raw)).toBe(ms);
  });

  it('applies the default', () => {
    expect(inputs({}).duration('poll-interval', { default: '10s' })).toBe(10_000);
  });

  it.each(['10', 'ten seconds', '5d', '1h'])('pins the message for %p', raw => {
    expect(errorOf(() => poll(raw)).message).toBe(
      `Input "poll-interval" must be a duration from 100ms to 5m such as 500ms, 30s, 10m or 1h, got "${raw}"`
    );
  });
});

describe('Inputs.list and lines', () => {
  it('splits on newlines and commas, dropping blanks', () => {
    expect(inputs({ service: 'a\n b ,c\n\n' }).list('service')).toEqual(['a', 'b', 'c']);
    expect(splitList('')).toEqual([]);
  });

  it('keeps commas inside lines and skips comment lines', () => {
    expect(inputs({ x: '# comment\nA=1,2\n\n B=3 ' }).lines('x')).toEqual([
      { text: 'A=1,2', line: 2 },
      { text: 'B=3', line: 4 }
    ]);
  });
});

describe('Inputs.keyValues', () => {
  it('splits on the first separator only', () => {
    expect(
      inputs({
        images: 'backend=123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend:abc\nx=a=b'
      }).keyValues('images')
    ).toEqual([
      {
        key: 'backend',
        value: '123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend:abc',
        line: 1
      },
      { key: 'x', value: 'a=b', line: 2 }
    ]);
  });

  it('names the line and the expected shape', () => {
    expect(
      errorOf(() =>
        inputs({ images: 'web=nginx\nbackend' }).keyValues('images', { shape: 'container-name=image' })
      ).message
    ).toBe('Input "images" line 2 must look like container-name=image, got "backend"');
    expect(errorOf(() => inputs({ images: '=nginx' }).keyValues('images')).message).toBe(
      'Input "images" line 1 must look like key=value, got "=nginx"'
    );
  });

  it('refuses the same key twice', () => {
    expect(
      errorOf(() => inputs({ 'task-definition': 'svc=a.json\nsvc=b.json' }).keyValues('task-definition'))
        .message
    ).toBe('Input "task-definition" names "svc" twice (lines 1 and 2); give each once');
  });

  it('supports another separator', () => {
    expect(inputs({ headers: 'Authorization: Bearer x:y' }).keyValues('headers', { separator: ':' })).toEqual(
      [{ key: 'Authorization', value: 'Bearer x:y', line: 1 }]
    );
  });
});

describe('Inputs.oneOf', () => {
  it('matches case-insensitively and returns the canonical spelling', () => {
    expect(inputs({ method: 'head' }).oneOf('method', ['GET', 'HEAD'] as const, 'GET')).toBe('HEAD');
    expect(inputs({}).oneOf('method', ['GET', 'HEAD'] as const, 'GET')).toBe('GET');
  });

  it('lists what it accepts', () => {
    expect(
      errorOf(() => inputs({ builder: 'kaniko' }).oneOf('builder', ['auto', 'docker', 'buildah', 'podman']))
        .message
    ).toBe('Input "builder" must be one of auto, docker, buildah, podman, got "kaniko"');
  });
});

describe('Inputs.json and yaml', () => {
  it('parses JSON and names the input when it is malformed', () => {
    expect(inputs({ x: '{"a":1}' }).json('x')).toEqual({ a: 1 });
    expect(inputs({}).json('x')).toBeUndefined();
    expect(errorOf(() => inputs({ x: '{"a":' }).json('x')).message).toMatch(
      /^Input "x" must be valid JSON: /
    );
  });

  it('parses YAML and names the input when it is malformed', async () => {
    expect(await inputs({ images: '- repository: chatrelay/main-app\n  context: .' }).yaml('images')).toEqual(
      [{ repository: 'chatrelay/main-app', context: '.' }]
    );
    await expect(inputs({ images: '- repository: [unclosed' }).yaml('images')).rejects.toThrow(
      /^Input "images" must be valid YAML: /
    );
    await expect(inputs({ images: 'a: 1\na: 2' }).yaml('images')).rejects.toThrow(
      /^Input "images" must be valid YAML: .*unique/i
    );
  });
});
