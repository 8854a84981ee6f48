/**
 * The simulator's HTTP server: one port for the AWS APIs, the control API (`/_sim/...`), workload
 * health endpoints (`/_app/...`) and GitHub (`/github/...`).
 *
 * Every request first lets the world catch up to the current simulated time. AWS requests are then
 * matched to a service (X-Amz-Target prefix, else the SigV4 signing name), authenticated, counted,
 * faulted if a fault rule says so, parsed, handled, and answered in the protocol's shape.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimClock } from './clock.js';
import { SimControl, controlRoute } from './control.js';
import { SimError, isSimError } from './errors.js';
import { Faults } from './faults.js';
import { json, readRequest, writeReply, type HttpReply, type SimRequest } from './http.js';
import { ImageRules } from './images.js';
import { Permissions, accessDenied, callerArn } from './permissions.js';
import {
  errorReply,
  missingAuthentication,
  operationOf,
  paramsOf,
  serviceUnavailable,
  successReply
} from './protocols.js';
import { SimRandom } from './random.js';
import {
  ACCOUNT_ID,
  DEFAULT_REGION,
  type SimContext,
  type SimRoute,
  type SimService,
  type SimServiceModule
} from './service.js';
import { credentialOf } from './sigv4.js';

export interface SimulatorOptions {
  /** 0 (default) picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** simulated seconds per real second (default 1; 0 = time moves only by advance()) */
  timeScale?: number;
  /** an OCI registry URL backing ECR (used by the ECR service when present) */
  registry?: string;
  /** seed of ids and fault dice (default 1) */
  seed?: number;
  /** simulated epoch at start, ms (default: real time at start) */
  startEpochMs?: number;
  /** log lines (default: silent) */
  log?: (line: string) => void;
}

export interface RunningSimulator {
  endpoint: string;
  control: SimControl;
  close(): Promise<void>;
}

export async function startServer(
  options: SimulatorOptions,
  modules: SimServiceModule[]
): Promise<RunningSimulator> {
  const clock = new SimClock({ timeScale: options.timeScale ?? 1, startEpochMs: options.startEpochMs });
  const random = new SimRandom(options.seed ?? 1);
  const images = new ImageRules();
  const faults = new Faults(random);
  const permissions = new Permissions();
  const calls = new Map<string, number>();
  const services = new Map<string, SimService>();
  const countCall = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1);
  let endpoint = '';
  const log = options.log ?? (() => undefined);

  const ctx: SimContext = {
    clock,
    random,
    images,
    accountId: ACCOUNT_ID,
    endpoint: () => endpoint,
    registry: options.registry,
    service: <T extends SimService>(name: string) => services.get(name) as T | undefined,
    log,
    recordCall: async key => {
      countCall(key);
      const latency = faults.latencyFor(key);
      if (latency > 0) await new Promise(resolve => setTimeout(resolve, latency));
      const fault = faults.decide(key);
      return fault.kind === 'none' ? 'ok' : fault.kind;
    }
  };
  for (const mod of modules) services.set(mod.name, mod.create(ctx));

  const control = new SimControl({ clock, images, faults, calls, services, permissions });
  const routes: SimRoute[] = [
    controlRoute(control),
    ...[...services.values()].flatMap(s => s.routes ?? [])
  ].sort((a, b) => b.prefix.length - a.prefix.length);

  async function handleAws(req: SimRequest): Promise<HttpReply> {
    const requestId = random.uuid();
    const credential = credentialOf(req);
    const target = req.headers['x-amz-target'];
    const targetPrefix = typeof target === 'string' ? target.split('.')[0] : undefined;
    const service = [...services.values()].find(s =>
      targetPrefix
        ? s.aws?.targetPrefix === targetPrefix
        : credential && s.aws?.signingName === credential.service
    );
    const spec = service?.aws;
    if (!service || !spec) {
      if (!credential) return errorReply(undefined, missingAuthentication(), requestId);
      return json(404, {
        message: `The simulator has no service for ${credential.service} ${req.method} ${req.path}`
      });
    }
    const operation = operationOf(spec, req) ?? 'Unknown';
    const key = `${service.name}.${operation}`;
    countCall(key);
    try {
      if (!credential) {
        if (spec.protocol === 'query') {
          throw new SimError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
        }
        if (spec.protocol === 'rest-xml') throw new SimError('AccessDenied', 'Access Denied', 403);
        throw missingAuthentication();
      }
      const action = `${spec.signingName}:${operation}`;
      if (permissions.isDenied(action)) {
        throw accessDenied(spec, action, callerArn(ACCOUNT_ID, credential.accessKeyId));
      }
      const latency = faults.latencyFor(key);
      if (latency > 0) await new Promise(resolve => setTimeout(resolve, latency));
      const fault = faults.decide(key);
      if (fault.kind === 'throttle') {
        const t = spec.throttlingError;
        throw new SimError(t.code, t.message, t.status);
      }
      if (fault.kind === 'error5xx') throw serviceUnavailable();
      const handler = spec.operations[operation];
      if (!handler) {
        throw new SimError('UnknownOperationException', `The simulator does not model ${key}`, 400);
      }
      clock.catchUp();
      const result = await handler({
        service: service.name,
        operation,
        region: credential.region || DEFAULT_REGION,
        accessKeyId: credential.accessKeyId,
        params: paramsOf(spec, req),
        request: req
      });
      return successReply(spec, operation, result, requestId);
    } catch (error) {
      if (isSimError(error)) return errorReply(spec, error, requestId);
      log(`internal error in ${key}: ${error instanceof Error ? error.stack : String(error)}`);
      return errorReply(
        spec,
        new SimError('InternalFailure', `Simulator bug: ${String(error)}`, 500),
        requestId
      );
    }
  }

  async function handle(req: SimRequest): Promise<HttpReply> {
    clock.catchUp();
    for (const route of routes) {
      if (!req.path.startsWith(route.prefix)) continue;
      const reply = await route.handle(req);
      if (reply) return reply;
    }
    if (req.path.startsWith('/_sim') || req.path.startsWith('/_app') || req.path.startsWith('/github')) {
      return json(404, { message: `Not Found: ${req.method} ${req.path}` });
    }
    return handleAws(req);
  }

  const server: Server = createServer((incoming, res) => {
    readRequest(incoming)
      .then(handle)
      .then(reply => writeReply(res, reply))
      .catch((error: unknown) => {
        log(`request failed: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) writeReply(res, json(500, { message: String(error) }));
        else res.end();
      });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  endpoint = `http://${host}:${address.port}`;

  return {
    endpoint,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close(error => (error ? reject(error) : resolve()));
      })
  };
}
