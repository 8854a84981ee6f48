/**
 * The part of @aws-sdk/client-cloudwatch-logs the suite uses: the client and the one read it makes.
 * Loaded only when a failure needs container logs, so a deploy that goes well never loads it.
 */
export { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
