import {
  code,
  errorMessage,
  httpModuleFor,
  markdownText,
  proxyAgentFor,
  realClock,
  redactUrlsIn,
  logLineRedactor,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';
import type { BeanstalkApi, EnvironmentInfoDescription } from './api.js';
import { HealthCauses, healthViewLines, type HealthView } from './health-causes.js';

/**
 * What a failed Beanstalk deploy or rollback shows besides its events: the health causes Beanstalk gives
 * (`eb health`) and the last lines of each instance's logs (`eb logs`: RequestEnvironmentInfo /
 * RetrieveEnvironmentInfo, InfoType tail). Loaded only on failure (the `beanstalk/diagnosis` subpath),
 * so a deploy that goes well never loads node:http(s) or this parsing. Bounded in time and size; every
 * refusal is a warning naming the permission; it never throws and never changes how a step ends.
 */

/** How long Beanstalk may take to compile the tail logs (it answers within seconds to a minute). */
const TAIL_WAIT_MS = 90_000;
const TAIL_POLL_MS = 5_000;
/** One tail download: time and size bounds (a tail is 100 lines per log file, well under 1 MiB). */
const FETCH_TIMEOUT_MS = 15_000;
const MAX_TAIL_BYTES = 2 * 1024 * 1024;
/** Instances whose tails are read at most. */
const MAX_INSTANCES = 5;
/** Characters of one file's excerpt in the job summary (the summary is capped at 1 MiB). */
const SUMMARY_CHARS_PER_FILE = 3000;
/** The runner's own tokens an app could have been handed: masked in excerpts like everything else. */
const RUNNER_TOKENS = ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_RUNTIME_TOKEN'];
/** The dashed line Beanstalk's TailLogs put above and below each file's path. */
const FILE_RULE = /^-{10,}$/;

/** One log file of an instance's tail: its path and last lines, secrets masked. */
interface TailFile {
  path: string;
  lines: string[];
  /** the file had more lines than shown */
  truncated: boolean;
}

interface InstanceTail {
  instance: string;
  files: TailFile[];
}

export interface Diagnosis {
  health?: HealthView;
  tails: InstanceTail[];
  /** the failure section of the job summary ('' when there is nothing to show) */
  markdown: string;
}

export interface DiagnosisOptions {
  api: Pick<
    BeanstalkApi,
    'describeEnvironmentHealth' | 'describeInstancesHealth' | 'requestTailLogs' | 'retrieveTailLogs'
  >;
  environment: string;
  logger: Logger;
  /** input `log-lines`: last lines per log file; 0 reads no logs */
  lines: number;
  /** values to mask in log text (environment values, runner tokens) besides URL credentials */
  secrets?: readonly string[];
  clock?: Clock;
  /** for HTTPS_PROXY / NO_PROXY */
  env?: NodeJS.ProcessEnv;
  /** how long to wait for the tail logs (default 90 s) */
  waitMs?: number;
  /** downloads a tail (tests); default: node:http(s) through the proxy agent */
  download?: (url: string) => Promise<string>;
}

/**
 * Splits a TailLogs text into its files (a dashed line, the path, a dashed line, then the lines) and keeps
 * the last `lines` of each. Text before the first file header is one file without a path.
 * @internal exported for its tests
 */
export function parseTail(text: string, lines: number): TailFile[] {
  const raw = text.replace(/\r\n/g, '\n').split('\n');
  const files: Array<{ path: string; lines: string[] }> = [];
  let current: { path: string; lines: string[] } | undefined;
  for (let index = 0; index < raw.length; index++) {
    const line = raw[index];
    if (FILE_RULE.test(line) && index + 2 < raw.length && FILE_RULE.test(raw[index + 2])) {
      current = { path: raw[index + 1].trim(), lines: [] };
      files.push(current);
      index += 2;
      continue;
    }
    if (!current) {
      if (line.trim() === '') continue;
      current = { path: '(tail)', lines: [] };
      files.push(current);
    }
    current.lines.push(line);
  }
  return files.map(file => {
    while (file.lines.length && file.lines[file.lines.length - 1].trim() === '') file.lines.pop();
    const shown = lines > 0 ? file.lines.slice(-lines) : [];
    return { path: file.path, lines: shown, truncated: shown.length < file.lines.length };
  });
}

function isDenied(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'AccessDenied' || name === 'AccessDeniedException';
}

function sampledAt(entry: EnvironmentInfoDescription): number {
  return entry.SampleTimestamp ? new Date(entry.SampleTimestamp).getTime() : 0;
}

/** The newest tail per instance, the URL kept only here (it carries a signature: never printed). */
function newestPerInstance(
  entries: readonly EnvironmentInfoDescription[]
): Map<string, EnvironmentInfoDescription> {
  const newest = new Map<string, EnvironmentInfoDescription>();
  for (const entry of entries) {
    if (entry.InfoType && entry.InfoType !== 'tail') continue;
    const id = entry.Ec2InstanceId ?? '?';
    const seen = newest.get(id);
    if (!seen || sampledAt(entry) > sampledAt(seen)) newest.set(id, entry);
  }
  return newest;
}

/** GET of a presigned URL through the proxy that applies, bounded in time and size. */
async function downloadTail(url: string, env: NodeJS.ProcessEnv): Promise<string> {
  const target = new URL(url);
  const client = await httpModuleFor(target);
  const agent = await proxyAgentFor(target, env);
  return new Promise((resolve, reject) => {
    const request = client.request(target, { method: 'GET', agent, timeout: FETCH_TIMEOUT_MS }, response => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_TAIL_BYTES) {
          request.destroy(new Error(`the tail is larger than ${MAX_TAIL_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        // the URL is not quoted: its query holds the signature
        if (status < 200 || status > 299) reject(new Error(`S3 answered HTTP ${status}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${FETCH_TIMEOUT_MS / 1000}s`)));
    request.on('error', reject);
    request.end();
  });
}

/**
 * Asks Beanstalk for the tail logs and waits (bounded) until each instance's newest tail is newer than
 * what was there before the request. Returns the entries, or undefined with a warning when not allowed.
 */
async function requestTails(
  options: DiagnosisOptions,
  clock: Clock
): Promise<EnvironmentInfoDescription[] | undefined> {
  const { api, environment, logger } = options;
  if (!api.requestTailLogs || !api.retrieveTailLogs) return undefined;
  const retrieve = api.retrieveTailLogs.bind(api);
  const denied = (permission: string) =>
    logger.warning(
      `Tail logs not shown: ${permission} is not allowed (grant elasticbeanstalk:RequestEnvironmentInfo and ` +
        'elasticbeanstalk:RetrieveEnvironmentInfo, and s3:GetObject on the storage bucket, to see them here); ' +
        'the deploy is judged as before'
    );
  let before: Map<string, EnvironmentInfoDescription>;
  try {
    // what is there already (an earlier request): the new tails are the ones sampled after it
    before = newestPerInstance(await retrieve(environment));
  } catch (error) {
    if (isDenied(error)) denied('elasticbeanstalk:RetrieveEnvironmentInfo');
    else
      logger.warning(
        `Tail logs not shown: RetrieveEnvironmentInfo failed: ${redactUrlsIn(errorMessage(error))}`
      );
    return undefined;
  }
  try {
    await api.requestTailLogs(environment);
  } catch (error) {
    if (isDenied(error)) denied('elasticbeanstalk:RequestEnvironmentInfo');
    else
      logger.warning(
        `Tail logs not shown: RequestEnvironmentInfo failed: ${redactUrlsIn(errorMessage(error))}`
      );
    return undefined;
  }
  const deadline = clock.now() + (options.waitMs ?? TAIL_WAIT_MS);
  for (;;) {
    await clock.sleep(TAIL_POLL_MS);
    try {
      const fresh = [...newestPerInstance(await retrieve(environment)).values()].filter(entry => {
        const old = before.get(entry.Ec2InstanceId ?? '?');
        return !old || sampledAt(entry) > sampledAt(old);
      });
      if (fresh.length > 0) return fresh;
    } catch (error) {
      if (isDenied(error)) {
        denied('elasticbeanstalk:RetrieveEnvironmentInfo');
        return undefined;
      }
      logger.debug(`RetrieveEnvironmentInfo failed (${errorMessage(error)}); looking again`);
    }
    if (clock.now() >= deadline) {
      logger.warning(
        `Tail logs not shown: Beanstalk had not compiled them after ${Math.round((options.waitMs ?? TAIL_WAIT_MS) / 1000)}s`
      );
      return undefined;
    }
  }
}

/** What text read from Beanstalk (tail lines, causes) goes through: the step's secrets and the runner's tokens masked. */
function diagnosisRedactor(options: DiagnosisOptions): (line: string) => string {
  const env = options.env ?? process.env;
  const tokens = RUNNER_TOKENS.flatMap(name => (env[name] ? [env[name]] : []));
  return logLineRedactor([...(options.secrets ?? []), ...tokens]);
}

/** The tails of the failing instances, printed one group per instance, as `eb logs` shows them. */
async function readTails(options: DiagnosisOptions, clock: Clock): Promise<InstanceTail[]> {
  const entries = await requestTails(options, clock);
  if (!entries) return [];
  const env = options.env ?? process.env;
  const redact = diagnosisRedactor(options);
  const download = options.download ?? (url => downloadTail(url, env));
  const tails: InstanceTail[] = [];
  for (const entry of entries.slice(0, MAX_INSTANCES)) {
    const instance = entry.Ec2InstanceId ?? '?';
    if (!entry.Message) continue;
    try {
      const files = parseTail(await download(entry.Message), options.lines).map(file => ({
        ...file,
        path: redact(file.path),
        lines: file.lines.map(redact)
      }));
      tails.push({ instance, files });
      await options.logger.group(`Tail logs of ${instance} (${options.environment})`, async () => {
        for (const file of files) {
          if (file.lines.length === 0) {
            options.logger.info(`--- ${file.path}: (no lines)`);
            continue;
          }
          options.logger.info(
            `--- ${file.path}${file.truncated ? `, last ${file.lines.length} lines` : ''}:`
          );
          for (const line of file.lines) options.logger.info(`  ${line}`);
        }
      });
    } catch (error) {
      // never the URL: node's errors name the host at most, and redactUrlsIn drops any query
      options.logger.warning(`Tail logs of ${instance} not read: ${redactUrlsIn(errorMessage(error))}`);
    }
  }
  return tails;
}

/** A fence longer than any backtick run in the text, so a log line cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map(match => match[0].length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}text\n${text}\n${marks}`;
}

/**
 * The job summary's failure section: the causes, then per instance and log file a fenced excerpt,
 * truncated to keep the summary small.
 * @internal exported for its tests
 */
export function diagnosisMarkdown(
  environment: string,
  health: HealthView | undefined,
  tails: InstanceTail[],
  redact: (text: string) => string = text => text
): string {
  const parts: string[] = [];
  if (health) {
    const [head, ...causes] = healthViewLines(environment, health);
    parts.push(
      `**${markdownText(redact(head))}**`,
      causes.map(cause => `- ${markdownText(redact(cause.trim()))}`).join('\n')
    );
  }
  for (const tail of tails) {
    for (const file of tail.files) {
      if (file.lines.length === 0) continue;
      let text = file.lines.join('\n');
      let cut = file.truncated;
      if (text.length > SUMMARY_CHARS_PER_FILE) {
        text = '…' + text.slice(text.length - SUMMARY_CHARS_PER_FILE);
        cut = true;
      }
      parts.push(
        `${cut ? 'Last lines of' : 'Log'} ${code(file.path)} on ${code(tail.instance)}:\n\n${fence(text)}`
      );
    }
  }
  return parts.join('\n\n');
}

/**
 * After a failed deploy or rollback: prints Beanstalk's causes (environment and instances that are not
 * Ok) and the tail of each instance's logs, and returns them for the job summary. Never throws.
 */
export async function diagnoseFailure(options: DiagnosisOptions): Promise<Diagnosis> {
  const clock = options.clock ?? realClock;
  try {
    const causes = new HealthCauses(options.api, options.environment, options.logger);
    const health = await causes.read();
    if (health) {
      await options.logger.group(`What Beanstalk says about ${options.environment}`, async () => {
        causes.printIfChanged(health);
      });
    }
    const tails = options.lines > 0 ? await readTails(options, clock) : [];
    return {
      health,
      tails,
      markdown: diagnosisMarkdown(options.environment, health, tails, diagnosisRedactor(options))
    };
  } catch (error) {
    options.logger.warning(`Could not read Beanstalk's diagnostics: ${redactUrlsIn(errorMessage(error))}`);
    return { tails: [], markdown: '' };
  }
}
