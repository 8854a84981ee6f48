/**
 * The plug-in contract: how a simulated service joins the simulator.
 *
 * A service lives in `packages/sim/src/<name>/service.ts` and default-exports a `SimServiceModule`.
 * The simulator finds every such file at start-up (see registry.ts), so adding a service means adding
 * files, not editing the core. A service declares:
 *  - `aws`: how its AWS requests are recognised (protocol + X-Amz-Target prefix or signing name) and a
 *    table of operation handlers. The core authenticates, counts calls, applies faults, parses the
 *    protocol, runs the handler and writes the answer or the SimError in the protocol's error shape.
 *  - `routes`: plain HTTP routes (health endpoints, GitHub, service-specific `/_sim/...` controls).
 *  - `reset()`: forget all state.
 */
import type { SimClock } from './clock.js';
import type { HttpReply, SimRequest } from './http.js';
import type { ImageRules } from './images.js';
import type { SimRandom } from './random.js';

export const ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

/** What every service gets from the core. */
export interface SimContext {
  clock: SimClock;
  random: SimRandom;
  images: ImageRules;
  accountId: string;
  /** the base URL clients use, e.g. http://127.0.0.1:4566 (known once the server listens) */
  endpoint(): string;
  /** `--registry` option: an OCI registry URL backing ECR, if any */
  registry?: string;
  /** another service's instance, by module name (e.g. Beanstalk reading S3 objects) */
  service<T extends SimService>(name: string): T | undefined;
  log(message: string): void;
  /**
   * For non-AWS routes (GitHub...): counts `key` in calls(), waits its fault latency and rolls its fault
   * dice, so plain HTTP APIs get the same faults and counts as AWS operations.
   */
  recordCall(key: string): Promise<'ok' | 'throttle' | 'error5xx'>;
}

/** One AWS request, parsed for its handler. */
export interface AwsCall {
  service: string;
  operation: string;
  region: string;
  accessKeyId: string;
  /** JSON protocols: the parsed body; Query: `parseQueryParams` of the form; REST: {} */
  params: Record<string, unknown>;
  /** the raw request, for REST services that read paths, headers and bodies */
  request: SimRequest;
}

/**
 * What a handler returns: JSON protocols - the response object; Query - the XML inside `<OpResult>`
 * (use `toXml`); REST - an HttpReply. Throw a SimError for an AWS error.
 */
export type OperationHandler = (call: AwsCall) => unknown;

export interface AwsProtocolSpec {
  protocol: 'json1.0' | 'json1.1' | 'query' | 'rest-xml' | 'rest-json';
  /** the SigV4 signing name in the credential scope: ecs, ecr, sts, elasticbeanstalk, s3 */
  signingName: string;
  /** JSON protocols: the X-Amz-Target prefix, e.g. AmazonEC2ContainerServiceV20141113 */
  targetPrefix?: string;
  /**
   * Query protocol: the xmlns of responses, e.g. https://sts.amazonaws.com/doc/2011-06-15/. REST-XML: when
   * set, errors are `<ErrorResponse xmlns=..><Error><Type>..` (CloudFront) instead of S3's bare `<Error>`.
   */
  xmlNamespace?: string;
  /** REST protocols: which operation a request is (method + path); undefined if none */
  operationOf?: (request: SimRequest) => string | undefined;
  /** the service's own throttling error, which the SDK must recognise and retry */
  throttlingError: { code: string; message: string; status: number };
  operations: Record<string, OperationHandler>;
}

/** A plain HTTP route. `prefix` is a literal path prefix; the longest matching prefix is tried first. */
export interface SimRoute {
  prefix: string;
  /** return undefined to let another route answer */
  handle(request: SimRequest): HttpReply | undefined | Promise<HttpReply | undefined>;
}

export interface SimService {
  /** short name used in calls() keys and faults: ECS, STS, ECR, S3, ElasticBeanstalk, GitHub */
  readonly name: string;
  readonly aws?: AwsProtocolSpec;
  readonly routes?: SimRoute[];
  reset(): void;
}

export interface SimServiceModule {
  name: string;
  create(ctx: SimContext): SimService;
}
