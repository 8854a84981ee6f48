import { ActionError, formatDuration, proxyAgentFor, type Logger } from '@deploy-suite/core';
import manifest from '../package.json' with { type: 'json' };

/** The services the suite calls, by the name the SDK uses for `AWS_ENDPOINT_URL_<SERVICE>`. */
export type AwsService =
  'ecs' | 'ecr' | 'elastic-beanstalk' | 's3' | 'sts' | 'cloudfront' | 'codedeploy' | 'cloudwatch-logs';

const ENDPOINT_ENV: Record<AwsService, string> = {
  ecs: 'AWS_ENDPOINT_URL_ECS',
  ecr: 'AWS_ENDPOINT_URL_ECR',
  'elastic-beanstalk': 'AWS_ENDPOINT_URL_ELASTIC_BEANSTALK',
  s3: 'AWS_ENDPOINT_URL_S3',
  sts: 'AWS_ENDPOINT_URL_STS',
  cloudfront: 'AWS_ENDPOINT_URL_CLOUDFRONT',
  codedeploy: 'AWS_ENDPOINT_URL_CODEDEPLOY',
  'cloudwatch-logs': 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'
};

// The version comes from the manifest (bundled into each action's dist), so it cannot drift from a release.
const SUITE_NAME = 'deploy-suite';
const SUITE_VERSION = manifest.version;

/**
 * Region from the action's input, else AWS_REGION, else AWS_DEFAULT_REGION.
 * @internal exported for its tests; the actions do not use it
 */
export function resolveRegion(input: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = input || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ActionError(
      'input',
      'No AWS region: set the "aws-region" input, or AWS_REGION in the environment ' +
        '(aws-actions/configure-aws-credentials sets it with its "aws-region" input)'
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ActionError('input', `AWS region must look like "us-east-1", got ${JSON.stringify(region)}`);
  }
  return region;
}

/**
 * The endpoint override for a service: AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL.
 * @internal exported for its tests; the actions do not use it
 */
export function endpointFor(service: AwsService, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[ENDPOINT_ENV[service]] || env.AWS_ENDPOINT_URL || undefined;
}

/** The host a service's requests go to, for deciding whether a proxy applies. */
function serviceUrl(service: AwsService, region: string, env: NodeJS.ProcessEnv): string {
  const override = endpointFor(service, env);
  if (override) return override;
  const prefix = {
    ecs: 'ecs',
    ecr: 'api.ecr',
    'elastic-beanstalk': 'elasticbeanstalk',
    s3: 's3',
    sts: 'sts',
    cloudfront: 'cloudfront',
    codedeploy: 'codedeploy',
    'cloudwatch-logs': 'logs'
  }[service];
  // CloudFront is global: one endpoint for every region
  if (service === 'cloudfront') return 'https://cloudfront.amazonaws.com';
  return `https://${prefix}.${region}.amazonaws.com`;
}

/** What every SDK client of the suite is configured with. Credentials come from the default chain. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  maxAttempts: number;
  retryMode: 'adaptive';
  customUserAgent: string;
  requestHandler?: unknown;
}

export interface AwsContextOptions {
  /** the action's name, added to the user agent, e.g. 'deploy-ecs' */
  action: string;
  /** value of the action's `aws-region` input, if any */
  region?: string;
  env?: NodeJS.ProcessEnv;
  /** attempts per call, counting the first; throttling and 5xx are retried with backoff and jitter */
  maxAttempts?: number;
}

/** Region and settings shared by every client an action creates; the clients themselves come later. */
export class AwsContext {
  readonly region: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly action: string;
  private readonly maxAttempts: number;

  constructor(options: AwsContextOptions) {
    this.env = options.env ?? process.env;
    this.region = resolveRegion(options.region, this.env);
    this.action = options.action;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  endpoint(service: AwsService): string | undefined {
    return endpointFor(service, this.env);
  }

  /** Client settings for one service; loads the proxy agent only when a proxy applies. */
  async clientConfig(service: AwsService): Promise<AwsClientConfig> {
    const endpoint = this.endpoint(service);
    const config: AwsClientConfig = {
      region: this.region,
      maxAttempts: this.maxAttempts,
      retryMode: 'adaptive',
      customUserAgent: `${SUITE_NAME}/${SUITE_VERSION} action/${this.action}`
    };
    if (endpoint) config.endpoint = endpoint;
    // Simulators and LocalStack serve every bucket on one host: virtual-hosted bucket names would not resolve.
    if (endpoint && service === 's3') config.forcePathStyle = true;
    // The SDK's own handler, over the suite's one proxy agent, only when a proxy applies.
    const agent = await proxyAgentFor(serviceUrl(service, this.region, this.env), this.env);
    if (agent) {
      const { NodeHttpHandler } = await import('@smithy/node-http-handler');
      config.requestHandler = new NodeHttpHandler({ httpsAgent: agent, httpAgent: agent });
    }
    return config;
  }
}

/** Creates a value on first use and hands out the same one after: how actions build SDK clients. */
export function lazy<T>(create: () => Promise<T>): () => Promise<T> {
  let created: Promise<T> | undefined;
  return () => {
    created ??= create();
    return created;
  };
}

/**
 * A warning when a wait could outlive the credentials: OIDC sessions from configure-aws-credentials
 * last one hour by default, and a call made after expiry fails in the middle of a deploy.
 * @internal exported for its tests; the actions do not use it
 */
export function credentialLifetimeWarning(
  expiration: Date | undefined,
  now: number,
  waitMs: number,
  inputName: string
): string | undefined {
  if (!expiration) return undefined;
  const remaining = expiration.getTime() - now;
  if (remaining >= waitMs) return undefined;
  return (
    `The AWS credentials expire in ${formatDuration(Math.max(0, remaining))}, before "${inputName}" ` +
    `(${formatDuration(waitMs)}) runs out: a long wait would fail when they expire. Lower "${inputName}" or ` +
    'raise role-duration-seconds in aws-actions/configure-aws-credentials.'
  );
}

/** When the default credential chain's credentials expire, if they say; undefined when unknown. */
async function credentialExpiration(): Promise<Date | undefined> {
  try {
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    const credentials = await fromNodeProviderChain()();
    return credentials.expiration;
  } catch {
    return undefined; // no credentials yet: the first AWS call reports that with the SDK's own message
  }
}

/** Warns (once, before a long wait) when the default chain's credentials would expire before `waitMs` ends. */
export async function warnIfCredentialsExpireFirst(
  logger: Logger,
  waitMs: number,
  inputName: string
): Promise<void> {
  const warning = credentialLifetimeWarning(await credentialExpiration(), Date.now(), waitMs, inputName);
  if (warning) logger.warning(warning);
}
