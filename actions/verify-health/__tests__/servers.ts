import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '@deploy-suite/testing';

/** Real HTTP servers on loopback for the health-check tests, and a clock that runs a script on sleep. */
export interface LoopbackServer {
  url: string;
  port: number;
  /** requests seen, in order */
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse, hit: number) => void;

export async function startServer(handler: Handler, port = 0): Promise<LoopbackServer> {
  const requests: LoopbackServer['requests'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
    handler(request, response, requests.length);
  });
  server.on('connection', socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    close: () =>
      new Promise(resolve => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })
  };
}

export function json(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** A port nothing listens on (yet): connections to it are refused. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/** A FakeClock that calls `onSleep(n)` after its n-th sleep, so a test can change the world between attempts. */
export class ScriptedClock extends FakeClock {
  constructor(private readonly onSleep: (count: number) => Promise<void> | void = () => undefined) {
    super(0);
  }
  override async sleep(ms: number): Promise<void> {
    await super.sleep(ms);
    await this.onSleep(this.sleeps.length);
  }
}

/** The health bodies of the seed guides. */
export const seedBodies = {
  /** ChatRelay (Elastic Beanstalk): every service's GET /health */
  chatRelay: { status: 'healthy' },
  /** Tria AI-BPO (ECS Fargate) */
  tria: (version = '1.1.0') => ({ status: 'healthy', version }),
  /** Eloquent AI backend: status, version and its database / vector_db checks */
  eloquent: (database = 'ok', vectorDb = 'ok') => ({
    status: 'healthy',
    timestamp: '2025-01-15T10:00:00Z',
    version: '1.0.0',
    database,
    vector_db: vectorDb
  })
};
