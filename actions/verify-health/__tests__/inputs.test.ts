import { describe, expect, it } from '@jest/globals';
import { Inputs } from '@deploy-suite/core';
import { objectInputReader } from '@deploy-suite/testing';
import { readVerifyHealthInputs, redactor, parseHeaders } from '../src/inputs.js';
import { parseExpectedStatus, statusAccepted } from '../src/status.js';

function read(values: Record<string, string>) {
  const masked: string[] = [];
  const config = readVerifyHealthInputs(new Inputs(objectInputReader(values)), secret => masked.push(secret));
  return { config, masked };
}

function errorOf(values: Record<string, string>): string {
  try {
    read(values);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an input error');
}

const TRIA = 'http://tria-aibpo-staging-alb-123456789.us-east-1.elb.amazonaws.com/health';

describe('readVerifyHealthInputs', () => {
  it('applies the documented defaults', () => {
    const { config } = read({ urls: TRIA });
    expect(config.urls.map(url => url.toString())).toEqual([TRIA]);
    expect(config.settings).toMatchObject({
      method: 'GET',
      headers: {},
      timeoutMs: 10_000,
      followRedirects: true,
      waitForMs: 300_000,
      retryDelayMs: 5_000,
      consecutiveSuccesses: 1,
      concurrency: 8,
      expectations: { statuses: [{ from: 200, to: 200 }], json: [], body: undefined }
    });
    expect(config.comment).toEqual({ enabled: false, tag: undefined, token: '' });
  });

  it('reads every input', () => {
    const { config, masked } = read({
      urls: `${TRIA}\n# the ChatRelay environment\nhttp://chatrelay-prod.us-east-1.elasticbeanstalk.com/health\n${TRIA}`,
      'expected-status': '200-299, 304',
      'expect-json': 'status=healthy\nversion == 1.1.0\nchecks.database=ok',
      'expect-body': '/HEALTHY/i',
      headers: 'Authorization: Bearer s3cr3t-token\nX-Trace: on',
      timeout: '2s',
      'follow-redirects': 'false',
      'wait-for': '10m',
      'retry-delay': '2s',
      'consecutive-successes': '3',
      concurrency: '16',
      'comment-on-pr': 'true',
      'comment-tag': 'tria-aibpo staging',
      'github-token': 'ghs_abc123'
    });
    expect(config.urls).toHaveLength(2); // the duplicate is checked once
    expect(config.settings.expectations.statuses).toEqual([
      { from: 200, to: 299 },
      { from: 304, to: 304 }
    ]);
    expect(config.settings.expectations.json.map(item => [item.path, item.expected])).toEqual([
      ['status', 'healthy'],
      ['version', '1.1.0'],
      ['checks.database', 'ok']
    ]);
    expect(config.settings.expectations.body?.test('{"status":"healthy"}')).toBe(true);
    expect(config.settings.headers).toEqual({ Authorization: 'Bearer s3cr3t-token', 'X-Trace': 'on' });
    expect(config.settings).toMatchObject({
      timeoutMs: 2000,
      followRedirects: false,
      waitForMs: 600_000,
      retryDelayMs: 2000,
      consecutiveSuccesses: 3,
      concurrency: 16
    });
    expect(config.comment).toEqual({ enabled: true, tag: 'tria-aibpo staging', token: 'ghs_abc123' });
    // the whole value, the credential alone, and the token; "on" is too short to mask safely
    expect(masked).toEqual(['Bearer s3cr3t-token', 's3cr3t-token', 'ghs_abc123']);
    expect(config.secrets).toEqual(['Bearer s3cr3t-token', 's3cr3t-token']);
  });

  it('accepts wait-for 0s: a single attempt', () => {
    expect(read({ urls: TRIA, 'wait-for': '0s' }).config.settings.waitForMs).toBe(0);
  });
});

describe('bad input names the input and the fix', () => {
  it.each([
    ['no URL', { urls: '' }, 'Input "urls" is required: give one or more http(s) URLs, one per line'],
    [
      'a malformed URL',
      { urls: `${TRIA}\nnot a url` },
      'Input "urls" line 2 is not an http(s) URL: "not a url". Give a full URL such as https://api.example.com/health, one per line'
    ],
    [
      'a non-HTTP URL',
      { urls: 'ftp://files.example.com/health' },
      'Input "urls" line 1 is not an http(s) URL'
    ],
    [
      'an invalid status range',
      { urls: TRIA, 'expected-status': '200-2xx' },
      'Input "expected-status" must be status codes or ranges such as 200, 200-299 or 200-299,301 (each from 100 to 599); "200-2xx" is not'
    ],
    ['a reversed range', { urls: TRIA, 'expected-status': '299-200' }, '"299-200" is not'],
    ['a status out of range', { urls: TRIA, 'expected-status': '700' }, '"700" is not'],
    [
      'a malformed expect-json line',
      { urls: TRIA, 'expect-json': 'status=healthy\nversion' },
      'Input "expect-json" line 2 must look like path=value, e.g. status=healthy, checks.database=ok or items[0].id=1; got "version"'
    ],
    [
      'a malformed expect-json path',
      { urls: TRIA, 'expect-json': 'checks..database=ok' },
      'Input "expect-json" line 1 must look like path=value'
    ],
    [
      'an unclosed index',
      { urls: TRIA, 'expect-json': 'items[0.id=1' },
      'Input "expect-json" line 1 must look like path=value'
    ],
    [
      'an invalid regular expression',
      { urls: TRIA, 'expect-body': '"status":\\s*("healthy"' },
      'Input "expect-body" is not a valid regular expression: Invalid regular expression: /"status":\\s*("healthy"/: Unterminated group. Escape characters such as ( ) [ ] . * + ? with a backslash to match them literally'
    ],
    [
      'a header line without a colon',
      { urls: TRIA, headers: 'X-Trace: on\nAuthorization Bearer s3cr3t-token' },
      'Input "headers" line 2 has no colon: write each header as "Name: value", e.g. "Authorization: Bearer <token>" (the line is not shown because it may hold a secret)'
    ],
    [
      'an invalid header name',
      { urls: TRIA, headers: 'X Trace: on' },
      'Input "headers" line 1 has an invalid header name "X Trace"'
    ],
    [
      'a repeated header',
      { urls: TRIA, headers: 'X-A: 1\nx-a: 2' },
      'Input "headers" names x-a twice (lines 1 and 2); give each header once'
    ],
    [
      'an unknown method',
      { urls: TRIA, method: 'POST' },
      'Input "method" must be one of GET, HEAD, got "POST"'
    ],
    [
      'HEAD with a body check',
      { urls: TRIA, method: 'head', 'expect-json': 'status=healthy' },
      'Input "method" is HEAD, which gets no body, but expect-json checks the body: use method GET, or remove the body checks'
    ],
    [
      'a bare number timeout',
      { urls: TRIA, timeout: '10' },
      'Input "timeout" must be a duration from 100ms to 10m such as 500ms, 30s, 10m or 1h, got "10"'
    ],
    [
      'zero consecutive successes',
      { urls: TRIA, 'consecutive-successes': '0' },
      'Input "consecutive-successes" must be a whole number from 1 to 100, got "0"'
    ],
    [
      'a tag that would close the marker',
      { urls: TRIA, 'comment-tag': 'x -->' },
      'Input "comment-tag" must be up to 100 letters'
    ],
    [
      'a comment without a token',
      { urls: TRIA, 'comment-on-pr': 'true' },
      'Input "github-token" is empty but comment-on-pr is true: leave github-token at its default ${{ github.token }}'
    ]
  ])('%s', (_, values, message) => {
    expect(errorOf(values)).toContain(message);
  });

  it('masks header values before another input fails, and never quotes a header line', () => {
    const masked: string[] = [];
    expect(() =>
      readVerifyHealthInputs(
        new Inputs(objectInputReader({ urls: 'nope', headers: 'Authorization: Bearer s3cr3t-token' })),
        secret => masked.push(secret)
      )
    ).toThrow('Input "urls" line 1');
    expect(masked).toContain('Bearer s3cr3t-token');
    expect(() =>
      parseHeaders([{ text: 'Authorization Bearer s3cr3t-token', line: 1 }], () => undefined)
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') }));
  });

  it('masks the password of a URL with user-info, the Basic value it becomes, query tokens, and not a token too short to mask safely', () => {
    const { masked, config } = read({
      urls: 'https://deploy:hunter2@chatrelay.example.com/health?token=planted-query-token-04&v=1',
      'github-token': 't'
    });
    const basic = Buffer.from('deploy:hunter2').toString('base64');
    const expected = ['hunter2', 'deploy:hunter2', basic, `Basic ${basic}`, 'planted-query-token-04'];
    expect(masked).toEqual(expected);
    expect(config.secrets).toEqual(expected);
  });

  it('hides URL credentials in the error', () => {
    expect(errorOf({ urls: 'ftp://deploy:hunter2@files.example.com/health' })).not.toContain('hunter2');
  });
});

describe('expected statuses', () => {
  it('accept codes and inclusive ranges', () => {
    const ranges = parseExpectedStatus('200-299,301');
    expect([199, 200, 250, 299, 300, 301, 302].map(status => statusAccepted(status, ranges))).toEqual([
      false,
      true,
      true,
      true,
      false,
      true,
      false
    ]);
  });
});

describe('redactor', () => {
  it('replaces each secret, longest first', () => {
    const redact = redactor(['s3cr3t-token', 'Bearer s3cr3t-token']);
    expect(redact('{"authorization":"Bearer s3cr3t-token","echo":"s3cr3t-token"}')).toBe(
      '{"authorization":"***","echo":"***"}'
    );
  });
});
