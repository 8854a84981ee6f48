import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpProbe, ProbeError, type ProbeRequest } from '../src/probe.js';
import { freePort, json, seedBodies, startServer, type LoopbackServer } from './servers.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<LoopbackServer> {
  const started = await startServer(handler);
  closers.push(started.close);
  return started;
}

function request(url: string, extra: Partial<ProbeRequest> = {}): ProbeRequest {
  return {
    url: new URL(url),
    method: 'GET',
    headers: {},
    timeoutMs: 2000,
    followRedirects: true,
    env: {},
    ...extra
  };
}

async function failure(promise: Promise<unknown>): Promise<ProbeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(ProbeError);
  return error as ProbeError;
}

describe('httpProbe on loopback', () => {
  it('reads status and body and measures latency', async () => {
    const tria = await server((_, response) => json(response, 200, seedBodies.tria()));
    const answer = await httpProbe(request(`${tria.url}/health`));
    expect(answer).toMatchObject({
      status: 200,
      body: '{"status":"healthy","version":"1.1.0"}',
      redirects: 0
    });
    expect(answer.latencyMs).toBeGreaterThan(0);
  });

  it('sends the headers asked for', async () => {
    const api = await server((_, response) => json(response, 200, seedBodies.chatRelay));
    await httpProbe(request(`${api.url}/health`, { headers: { Authorization: 'Bearer s3cr3t-token' } }));
    expect(api.requests[0].headers.authorization).toBe('Bearer s3cr3t-token');
  });

  it('follows redirects, or returns the 3xx when told not to', async () => {
    const api = await server((incoming, response) => {
      if (incoming.url === '/health') {
        response.writeHead(301, { location: '/v2/health' });
        response.end();
      } else json(response, 200, seedBodies.chatRelay);
    });
    const followed = await httpProbe(request(`${api.url}/health`));
    expect(followed).toMatchObject({ status: 200, redirects: 1, finalUrl: `${api.url}/v2/health` });
    const kept = await httpProbe(request(`${api.url}/health`, { followRedirects: false }));
    expect(kept).toMatchObject({ status: 301, redirects: 0 });
  });

  it('drops every user header when a redirect leaves the origin, and keeps them on the same origin', async () => {
    const other = await server((_, response) => json(response, 200, seedBodies.chatRelay));
    const api = await server((_, response) => {
      response.writeHead(302, { location: `http://localhost:${other.port}/health` });
      response.end();
    });
    const headers = {
      Authorization: 'Bearer s3cr3t-token',
      'X-Api-Key': 'planted-api-key-0003',
      'X-Trace': 'on'
    };
    await httpProbe(request(`${api.url}/health`, { headers }));
    expect(api.requests[0].headers.authorization).toBe('Bearer s3cr3t-token');
    expect(api.requests[0].headers['x-api-key']).toBe('planted-api-key-0003');
    expect(other.requests[0].headers.authorization).toBeUndefined();
    expect(other.requests[0].headers['x-api-key']).toBeUndefined();
    expect(other.requests[0].headers['x-trace']).toBeUndefined();
    expect(other.requests[0].headers['user-agent']).toBe('deploy-suite-verify-health');
    const same = await server((request, response) => {
      if (request.url === '/health') {
        response.writeHead(302, { location: '/v2/health' });
        response.end();
      } else json(response, 200, seedBodies.chatRelay);
    });
    await httpProbe(request(`${same.url}/health`, { headers }));
    expect(same.requests[1].headers['x-api-key']).toBe('planted-api-key-0003');
  });

  it('stops a redirect loop', async () => {
    const api = await server((_, response) => {
      response.writeHead(302, { location: '/health' });
      response.end();
    });
    const error = await failure(httpProbe(request(`${api.url}/health`)));
    expect(error.kind).toBe('redirect');
    expect(error.message).toBe('more than 5 redirects (last to /health)');
  });

  it('sends HEAD and reads no body', async () => {
    const api = await server((_, response) => json(response, 200, seedBodies.chatRelay));
    const answer = await httpProbe(request(`${api.url}/health`, { method: 'HEAD' }));
    expect(answer).toMatchObject({ status: 200, body: '' });
    expect(api.requests[0].method).toBe('HEAD');
  });

  it('cuts a large body at the limit', async () => {
    const api = await server((_, response) => response.end('x'.repeat(100_000)));
    const answer = await httpProbe({ ...request(`${api.url}/`), maxBodyBytes: 1000 });
    expect(answer.body).toHaveLength(1000);
    expect(answer.bodyTruncated).toBe(true);
  });

  it('times out a slow endpoint', async () => {
    const slow = await server((_, response) =>
      setTimeout(() => json(response, 200, seedBodies.chatRelay), 1500)
    );
    const error = await failure(httpProbe(request(`${slow.url}/health`, { timeoutMs: 100 })));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('timed out after 100ms');
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    const error = await failure(httpProbe(request(`http://127.0.0.1:${port}/health`)));
    expect(error.kind).toBe('refused');
    expect(error.message).toBe(`connection refused by 127.0.0.1:${port}`);
  });

  it('reports a DNS failure', async () => {
    const error = await failure(httpProbe(request('http://tria-aibpo-staging.invalid/health')));
    expect(error.kind).toBe('dns');
    expect(error.message).toMatch(/^DNS lookup failed for tria-aibpo-staging\.invalid \(E[A-Z_]+\)$/);
  });

  it('reports a connection reset', async () => {
    const api = await server(incoming => incoming.socket.destroy());
    const error = await failure(httpProbe(request(`${api.url}/health`)));
    expect(error.kind).toBe('reset');
  });

  it('reports a TLS error for an untrusted certificate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem')
      ],
      { stdio: 'ignore' }
    );
    const tls = https.createServer(
      { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
      (_, response) => json(response, 200, seedBodies.chatRelay)
    );
    await new Promise<void>(resolve => tls.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise(resolve => tls.close(() => resolve())));
    const error = await failure(
      httpProbe(request(`https://localhost:${(tls.address() as AddressInfo).port}/health`))
    );
    expect(error.kind).toBe('tls');
    expect(error.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('sends user-info as basic auth', async () => {
    const api = await server((_, response) => json(response, 200, seedBodies.chatRelay));
    await httpProbe(request(`http://deploy:hunter2@127.0.0.1:${api.port}/health`));
    expect(api.requests[0].headers.authorization).toBe(
      `Basic ${Buffer.from('deploy:hunter2').toString('base64')}`
    );
  });
});

describe('httpProbe through a proxy', () => {
  /** A CONNECT proxy on loopback that records where it tunnelled to. */
  async function connectProxy(): Promise<{ url: string; tunnels: string[] }> {
    const tunnels: string[] = [];
    const proxy = net.createServer(client => {
      client.once('data', chunk => {
        const target = /^CONNECT ([^ ]+) HTTP/.exec(chunk.toString())?.[1] ?? '';
        tunnels.push(target);
        const [host, port] = target.split(':');
        const upstream = net.connect(Number(port), host, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', () => client.destroy());
      });
    });
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise(resolve => proxy.close(() => resolve())));
    return {
      url: `http://proxy-user:proxy-pass@127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      tunnels
    };
  }

  it('goes through HTTP_PROXY, and straight to hosts in NO_PROXY', async () => {
    const api = await server((_, response) => json(response, 200, seedBodies.tria()));
    const proxy = await connectProxy();
    const viaProxy = await httpProbe(request(`${api.url}/health`, { env: { HTTP_PROXY: proxy.url } }));
    expect(viaProxy.status).toBe(200);
    expect(proxy.tunnels).toEqual([`127.0.0.1:${api.port}`]);
    await httpProbe(request(`${api.url}/health`, { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } }));
    expect(proxy.tunnels).toHaveLength(1);
    expect(api.requests).toHaveLength(2);
  });
});
