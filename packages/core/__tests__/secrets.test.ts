import { describe, expect, it } from '@jest/globals';
import {
  redactUrl,
  redactUrlsIn,
  refusedPlaceholder,
  secretRedactor,
  urlCredentialValues,
  worthMasking
} from '../src/secrets.js';

describe('redactUrl', () => {
  it('drops user-info and replaces every query value, keeping the names', () => {
    expect(redactUrl('https://ops:s3cr3t-pass@api.docuthinker.app/health?token=abc123&verbose')).toBe(
      'https://api.docuthinker.app/health?token=***&verbose'
    );
    expect(redactUrl('https://api.docuthinker.app/health')).toBe('https://api.docuthinker.app/health');
  });

  it('redacts URLs inside free text', () => {
    expect(redactUrlsIn('redirected to https://u:p@x.test/a?sig=SECRET1 then stopped')).toBe(
      'redirected to https://x.test/a?sig=*** then stopped'
    );
  });
});

describe('what is worth masking', () => {
  it('leaves short and common values alone and masks long or secret-named ones', () => {
    expect(worthMasking('production')).toBe(false);
    expect(worthMasking('6379')).toBe(false);
    expect(worthMasking('us-east-1')).toBe(false);
    expect(worthMasking('0123456789abcdef0123456789abcdef01234567', 'GIT_SHA')).toBe(false);
    expect(worthMasking('https://api.docuthinker.app/health')).toBe(false);
    expect(worthMasking('123456789012.dkr.ecr.us-east-1.amazonaws.com/chatrelay/main-app:1.4.0')).toBe(false);
    expect(worthMasking('chatrelay-prod.us-east-1.elasticbeanstalk.com')).toBe(false);
    expect(worthMasking('postgres://app:hunter2@db.internal/app')).toBe(true);
    expect(worthMasking('sk-live-0123456789abcdef')).toBe(true);
    expect(worthMasking('hunter22', 'DB_PASSWORD')).toBe(true);
    expect(worthMasking('abc', 'DB_PASSWORD')).toBe(false);
  });
});

describe('placeholders', () => {
  it.each([
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    'GITHUB_TOKEN',
    'INPUT_SERVICE',
    'RUNNER_TEMP',
    'STATE_x'
  ])('refuses %s', name => expect(refusedPlaceholder(name)).toBeDefined());
  it.each(['AWS_REGION', 'AWS_ACCOUNT_ID', 'IMAGE_TAG', 'ECR_REGISTRY', 'GITHUB_SHA', 'NODE_ENV'])(
    'allows %s',
    name => expect(refusedPlaceholder(name)).toBeUndefined()
  );
});

describe('URL credentials', () => {
  it('gives the password, user:password and the derived Basic value, so echoes of them are redacted', () => {
    const values = urlCredentialValues(new URL('https://ops:s3cr3t-pass@api.test/'));
    const basic = Buffer.from('ops:s3cr3t-pass').toString('base64');
    expect(values).toEqual(expect.arrayContaining(['s3cr3t-pass', `Basic ${basic}`, basic]));
    expect(secretRedactor(values)(`echo: authorization: Basic ${basic}`)).toBe('echo: authorization: ***');
  });
});
