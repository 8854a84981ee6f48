import { describe, expect, it } from '@jest/globals';
import { proxyFor, redactUrl, bypassesProxy } from '../src/net.js';

describe('redactUrl', () => {
  it('drops user-info', () => {
    expect(redactUrl('http://user:p4ss@proxy.internal:3128/')).toBe('http://proxy.internal:3128/');
    expect(redactUrl('https://example.com/health')).toBe('https://example.com/health');
    expect(redactUrl('not a url with //user:pw@host')).toBe('not a url with //host');
  });
});

describe('proxyFor', () => {
  it('picks HTTPS_PROXY for https and HTTP_PROXY for http, lower case winning', () => {
    const env = {
      HTTPS_PROXY: 'http://upper:1',
      https_proxy: 'http://lower:1',
      HTTP_PROXY: 'http://plain:1'
    };
    expect(proxyFor('https://ecs.us-east-1.amazonaws.com', env)).toBe('http://lower:1');
    expect(proxyFor('http://example.com', env)).toBe('http://plain:1');
    expect(proxyFor('https://example.com', {})).toBeUndefined();
  });

  it('honours NO_PROXY suffixes, wildcards and ports', () => {
    const env = {
      HTTPS_PROXY: 'http://proxy:3128',
      HTTP_PROXY: 'http://proxy:3128',
      NO_PROXY: 'localhost,127.0.0.1,.internal.example,api.test:8443'
    };
    expect(proxyFor('http://127.0.0.1:4566', env)).toBeUndefined();
    expect(proxyFor('https://svc.internal.example/health', env)).toBeUndefined();
    expect(proxyFor('https://api.test:8443/', env)).toBeUndefined();
    expect(proxyFor('https://api.test/', env)).toBe('http://proxy:3128');
    expect(bypassesProxy('anything', '443', { NO_PROXY: '*' })).toBe(true);
  });
});
