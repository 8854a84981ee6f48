/**
 * Amazon CloudWatch Logs (JSON 1.1, X-Amz-Target Logs_20140328.<Op>): the log groups and streams that
 * ECS containers with the `awslogs` driver write (see ecs/container-logs.ts), read back with
 * GetLogEvents, FilterLogEvents, DescribeLogStreams and DescribeLogGroups as the SDK and `aws logs`
 * read them. Groups are per region; event timestamps are simulated time.
 */
import { SimError } from '../core/errors.js';
import {
  DEFAULT_REGION,
  type AwsCall,
  type SimContext,
  type SimService,
  type SimServiceModule
} from '../core/service.js';
import { UnsupportedPattern, compilePattern } from './filter-pattern.js';

export const LOGS_TARGET_PREFIX = 'Logs_20140328';
const MAX_EVENTS = 10_000;
const MAX_DESCRIBE = 50;
const TOKEN_DIGITS = 56;

type Params = Record<string, unknown>;

interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

interface LogStream {
  name: string;
  createdAt: number;
  events: LogEvent[];
}

interface LogGroup {
  name: string;
  region: string;
  createdAt: number;
  streams: Map<string, LogStream>;
}

/** One line to append: `timestamp` in epoch ms (simulated time). */
export interface NewLogEvent {
  timestamp: number;
  message: string;
}

const invalid = (message: string) => new SimError('InvalidParameterException', message);
const groupNotFound = () =>
  new SimError('ResourceNotFoundException', 'The specified log group does not exist.');
const streamNotFound = () =>
  new SimError('ResourceNotFoundException', 'The specified log stream does not exist.');

function optionalString(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be a string.`);
  return value;
}

function optionalInt(params: Params, key: string, min: number, max: number): number | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SimError('SerializationException', `NUMBER_VALUE can not be converted to the type of ${key}`);
  }
  if (value < min || value > max) {
    throw invalid(
      `1 validation error detected: Value '${value}' at '${key}' failed to satisfy constraint: Member must have value ${value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`
    );
  }
  return value;
}

/** Opaque paging tokens for FilterLogEvents / Describe*: an offset, encoded like AWS's opaque strings. */
const encodeOffset = (offset: number) => Buffer.from(`sim-offset:${offset}`).toString('base64');
function decodeOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^sim-offset:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!match) throw invalid('The specified nextToken is invalid.');
  return Number(match[1]);
}

export class LogsSimService implements SimService {
  readonly name = 'CloudWatchLogs';
  readonly aws;
  private groups = new Map<string, LogGroup>();

  constructor(private readonly ctx: SimContext) {
    const op = (fn: (params: Params, call: AwsCall) => unknown) => (call: AwsCall) =>
      fn.call(this, call.params, call);
    this.aws = {
      protocol: 'json1.1' as const,
      signingName: 'logs',
      targetPrefix: LOGS_TARGET_PREFIX,
      throttlingError: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
      operations: {
        DescribeLogGroups: op(this.describeLogGroups),
        DescribeLogStreams: op(this.describeLogStreams),
        GetLogEvents: op(this.getLogEvents),
        FilterLogEvents: op(this.filterLogEvents)
      }
    };
  }

  reset(): void {
    this.groups.clear();
  }

  // ---- in-process API (ECS containers write here) -------------------------------------------------

  /**
   * Creates the stream (and its group, as the awslogs driver does with awslogs-create-group) if
   * missing, then appends the events in order.
   */
  write(region: string, groupName: string, streamName: string, events: NewLogEvent[]): void {
    const key = groupKey(region, groupName);
    const now = this.ctx.clock.nowMs();
    const group = this.groups.get(key) ?? {
      name: groupName,
      region,
      createdAt: now,
      streams: new Map<string, LogStream>()
    };
    this.groups.set(key, group);
    const stream = group.streams.get(streamName) ?? { name: streamName, createdAt: now, events: [] };
    group.streams.set(streamName, stream);
    for (const event of events) {
      stream.events.push({
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: Math.max(now, event.timestamp)
      });
    }
    stream.events.sort((a, b) => a.timestamp - b.timestamp);
  }

  /** The messages of one stream, oldest first (tests, Beanstalk tail logs); undefined if no such stream. */
  messages(region: string, groupName: string, streamName: string): string[] | undefined {
    return this.groups
      .get(groupKey(region, groupName))
      ?.streams.get(streamName)
      ?.events.map(e => e.message);
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private arnOf(group: LogGroup): string {
    return `arn:aws:logs:${group.region}:${this.ctx.accountId}:log-group:${group.name}`;
  }

  /** `logGroupName` or `logGroupIdentifier` (a name or an ARN, with or without `:*`). */
  private mustGroup(params: Params, call: AwsCall): LogGroup {
    const name = optionalString(params, 'logGroupName');
    const identifier = optionalString(params, 'logGroupIdentifier');
    if (name !== undefined && identifier !== undefined) {
      throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    }
    let region = call.region || DEFAULT_REGION;
    let groupName = name ?? identifier;
    if (groupName === undefined || groupName === '') {
      throw invalid('Either logGroupName or logGroupIdentifier must be specified.');
    }
    const arn = /^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:(.+?)(?::\*)?$/.exec(groupName);
    if (identifier !== undefined && arn) {
      region = arn[1];
      groupName = arn[3];
    }
    const group = this.groups.get(groupKey(region, groupName));
    if (!group) throw groupNotFound();
    return group;
  }

  private timeRange(params: Params): (e: LogEvent) => boolean {
    const start = optionalInt(params, 'startTime', 0, Number.MAX_SAFE_INTEGER);
    const end = optionalInt(params, 'endTime', 0, Number.MAX_SAFE_INTEGER);
    return e => (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp < end);
  }

  // ---- operations ---------------------------------------------------------------------------------

  private describeLogGroups(params: Params, call: AwsCall): unknown {
    const region = call.region || DEFAULT_REGION;
    const prefix = optionalString(params, 'logGroupNamePrefix');
    const pattern = optionalString(params, 'logGroupNamePattern');
    if (prefix !== undefined && pattern !== undefined) {
      throw invalid('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
    }
    const limit = optionalInt(params, 'limit', 1, MAX_DESCRIBE) ?? MAX_DESCRIBE;
    const groups = [...this.groups.values()]
      .filter(g => g.region === region)
      .filter(
        g =>
          (prefix === undefined || g.name.startsWith(prefix)) &&
          (pattern === undefined || g.name.includes(pattern))
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const offset = decodeOffset(optionalString(params, 'nextToken'));
    const page = groups.slice(offset, offset + limit);
    return {
      logGroups: page.map(g => ({
        logGroupName: g.name,
        creationTime: g.createdAt,
        metricFilterCount: 0,
        arn: `${this.arnOf(g)}:*`,
        logGroupArn: this.arnOf(g),
        storedBytes: 0,
        logGroupClass: 'STANDARD'
      })),
      nextToken: offset + limit < groups.length ? encodeOffset(offset + limit) : undefined
    };
  }

  private describeLogStreams(params: Params, call: AwsCall): unknown {
    const group = this.mustGroup(params, call);
    const prefix = optionalString(params, 'logStreamNamePrefix');
    const orderBy = optionalString(params, 'orderBy') ?? 'LogStreamName';
    if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
      throw invalid(
        `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`
      );
    }
    if (prefix !== undefined && orderBy === 'LastEventTime') {
      throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    }
    const limit = optionalInt(params, 'limit', 1, MAX_DESCRIBE) ?? MAX_DESCRIBE;
    const last = (s: LogStream) => s.events.at(-1)?.timestamp ?? s.createdAt;
    const streams = [...group.streams.values()]
      .filter(s => prefix === undefined || s.name.startsWith(prefix))
      .sort((a, b) =>
        orderBy === 'LastEventTime'
          ? last(a) - last(b) || a.name.localeCompare(b.name)
          : a.name.localeCompare(b.name)
      );
    if (params.descending === true) streams.reverse();
    const offset = decodeOffset(optionalString(params, 'nextToken'));
    const page = streams.slice(offset, offset + limit);
    return {
      logStreams: page.map(s => ({
        logStreamName: s.name,
        creationTime: s.createdAt,
        firstEventTimestamp: s.events[0]?.timestamp,
        lastEventTimestamp: s.events.at(-1)?.timestamp,
        lastIngestionTime: s.events.at(-1)?.ingestionTime,
        uploadSequenceToken: String(s.events.length + 1).padStart(TOKEN_DIGITS, '0'),
        arn: `arn:aws:logs:${group.region}:${this.ctx.accountId}:log-group:${group.name}:log-stream:${s.name}`,
        storedBytes: 0
      })),
      nextToken: offset + limit < streams.length ? encodeOffset(offset + limit) : undefined
    };
  }

  /**
   * AWS's paging: without a token, the last `limit` events (or the first, with startFromHead), oldest
   * first. `nextForwardToken` points after the page, `nextBackwardToken` at its start; at either end
   * of the stream the token that was passed in comes back, which is how readers know they are done.
   */
  private getLogEvents(params: Params, call: AwsCall): unknown {
    const group = this.mustGroup(params, call);
    const streamName = optionalString(params, 'logStreamName');
    if (!streamName) throw invalid('logStreamName must be specified.');
    const stream = group.streams.get(streamName);
    if (!stream) throw streamNotFound();
    const limit = optionalInt(params, 'limit', 1, MAX_EVENTS) ?? MAX_EVENTS;
    const events = stream.events.filter(this.timeRange(params));
    const token = optionalString(params, 'nextToken');
    let start: number;
    let end: number;
    if (token !== undefined) {
      const match = /^([fb])\/(\d+)(?:\/s)?$/.exec(token);
      if (!match) throw invalid('The specified nextToken is invalid.');
      const position = Math.min(Number(match[2]), events.length);
      [start, end] =
        match[1] === 'f'
          ? [position, Math.min(events.length, position + limit)]
          : [Math.max(0, position - limit), position];
    } else if (params.startFromHead === true) {
      [start, end] = [0, Math.min(events.length, limit)];
    } else {
      [start, end] = [Math.max(0, events.length - limit), events.length];
    }
    const position = (n: number) => String(n).padStart(TOKEN_DIGITS, '0');
    return {
      events: events.slice(start, end).map(e => ({ ...e })),
      nextForwardToken: `f/${position(end)}/s`,
      nextBackwardToken: `b/${position(start)}/s`
    };
  }

  /** Events of the group's streams (all, named, or by prefix), oldest first across streams. */
  private filterLogEvents(params: Params, call: AwsCall): unknown {
    const group = this.mustGroup(params, call);
    const names = params.logStreamNames;
    const prefix = optionalString(params, 'logStreamNamePrefix');
    if (names !== undefined && prefix !== undefined) {
      throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    }
    if (names !== undefined && (!Array.isArray(names) || names.some(n => typeof n !== 'string'))) {
      throw invalid('logStreamNames must be a list of log stream names.');
    }
    if (Array.isArray(names) && (names.length < 1 || names.length > 100)) {
      throw invalid(
        `1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length between 1 and 100`
      );
    }
    let streams: LogStream[];
    if (Array.isArray(names)) {
      streams = (names as string[]).map(name => {
        const stream = group.streams.get(name);
        if (!stream) throw streamNotFound();
        return stream;
      });
    } else {
      streams = [...group.streams.values()].filter(s => prefix === undefined || s.name.startsWith(prefix));
    }
    let matches: (message: string) => boolean;
    try {
      matches = compilePattern(optionalString(params, 'filterPattern'));
    } catch (error) {
      if (error instanceof UnsupportedPattern) throw invalid(error.message);
      throw error;
    }
    const inRange = this.timeRange(params);
    const limit = optionalInt(params, 'limit', 1, MAX_EVENTS) ?? MAX_EVENTS;
    const found = streams
      .flatMap(stream => stream.events.map((event, index) => ({ stream, event, index })))
      .filter(({ event }) => inRange(event) && matches(event.message))
      .sort(
        (a, b) =>
          a.event.timestamp - b.event.timestamp ||
          a.stream.name.localeCompare(b.stream.name) ||
          a.index - b.index
      );
    const offset = decodeOffset(optionalString(params, 'nextToken'));
    const page = found.slice(offset, offset + limit);
    return {
      events: page.map(({ stream, event, index }) => ({
        logStreamName: stream.name,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.ingestionTime,
        eventId: eventId(stream, index, event)
      })),
      searchedLogStreams: streams.map(s => ({ logStreamName: s.name, searchedCompletely: true })),
      nextToken: offset + limit < found.length ? encodeOffset(offset + limit) : undefined
    };
  }
}

const groupKey = (region: string, name: string) => `${region}\n${name}`;

/** A stable 56-digit id per event, shaped like AWS's. */
function eventId(stream: LogStream, index: number, event: LogEvent): string {
  let hash = 0;
  for (const ch of stream.name) hash = (hash * 31 + ch.charCodeAt(0)) % 1_000_000_007;
  return `${String(event.timestamp).padStart(20, '0')}${String(hash).padStart(18, '0')}${String(index).padStart(18, '0')}`;
}

const logs: SimServiceModule = { name: 'CloudWatchLogs', create: ctx => new LogsSimService(ctx) };
export default logs;
