import type { GetLogEventsCommandInput, GetLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { lazy, type AwsContext } from '../context.js';

/** An SDK output without the transport metadata, so fakes in tests stay plain objects. */
type Out<T> = Omit<T, '$metadata'>;

/**
 * The CloudWatch Logs read container-log excerpts need (`logs:GetLogEvents`), in one region. A stream's
 * region is its task definition's `awslogs-region`, which may differ from the step's: `forRegion` hands out
 * one client per region.
 * @internal exported for fakes in tests; callers take `LogsApiForRegion`
 */
export interface LogsApi {
  getLogEvents(input: GetLogEventsCommandInput): Promise<Out<GetLogEventsCommandOutput>>;
}

/** Logs clients by region, created (and the SDK module loaded) on first use. */
export type LogsApiForRegion = (region: string) => LogsApi;

/** The real SDK behind `LogsApi`, for the context's settings (endpoint, proxy, retries) in any region. */
export function createLogsApi(context: AwsContext): LogsApiForRegion {
  const clients = new Map<string, () => Promise<import('./sdk-subset.js').CloudWatchLogsClient>>();
  const sdk = lazy(async () => import('./sdk-subset.js'));
  return region => {
    let client = clients.get(region);
    if (!client) {
      client = lazy(async () => {
        const { CloudWatchLogsClient } = await sdk();
        const config = await context.clientConfig('cloudwatch-logs');
        return new CloudWatchLogsClient({
          ...config,
          region
        } as import('@aws-sdk/client-cloudwatch-logs').CloudWatchLogsClientConfig);
      });
      clients.set(region, client);
    }
    const get = client;
    return {
      getLogEvents: async input => {
        const { GetLogEventsCommand } = await sdk();
        return (await get()).send(new GetLogEventsCommand(input));
      }
    };
  };
}
