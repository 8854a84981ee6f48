import { describe, expect, it } from '@jest/globals';
import { parseRegistry, repositoryUri, ecrRegistry } from '../src/registry.js';

describe('parseRegistry', () => {
  it.each([
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      { kind: 'ecr', accountId: '123456789012', region: 'us-east-1' }
    ],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { kind: 'ecr', region: 'cn-north-1' }],
    ['ghcr.io/octo-org', { kind: 'oci', host: 'ghcr.io', namespace: 'octo-org', insecure: false }],
    ['127.0.0.1:5000', { kind: 'oci', host: '127.0.0.1:5000', insecure: true }],
    ['localhost:5000', { kind: 'oci', host: 'localhost:5000', insecure: true }],
    ['http://registry.internal:5000', { kind: 'oci', host: 'registry.internal:5000', insecure: true }],
    ['https://127.0.0.1:5443', { kind: 'oci', host: '127.0.0.1:5443', insecure: false }],
    ['registry.example.com', { kind: 'oci', host: 'registry.example.com', insecure: false }]
  ])('%s', (value, expected) => {
    expect(parseRegistry(value)).toMatchObject(expected);
  });

  it.each(['not a host', 'ghcr.io/Octo-Org', 'ftp://x'])('rejects %s', value => {
    expect(() => parseRegistry(value)).toThrow(/Input "registry"/);
  });

  it('builds uris', () => {
    expect(repositoryUri(ecrRegistry('123456789012', 'us-east-1'), 'docuthinker-backend')).toBe(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend'
    );
    expect(repositoryUri(parseRegistry('ghcr.io/octo-org'), 'chatrelay/main-app')).toBe(
      'ghcr.io/octo-org/chatrelay/main-app'
    );
  });
});
