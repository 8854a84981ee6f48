import type { AwsContext } from '@deploy-suite/aws';
import type { StoppedTasksOf } from '@deploy-suite/aws/logs';
import type { Logger } from '@deploy-suite/core';

/** Prints the container logs of stopped tasks and returns them as markdown for the summary. */
export type StoppedTaskLogs = (groups: StoppedTasksOf[]) => Promise<string>;

/** The runner's own tokens a container could have been handed: masked in excerpts like everything else. */
const RUNNER_TOKENS = ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_RUNTIME_TOKEN'];

/**
 * Container log excerpts (input `log-lines`) for a failed deploy. The logs library and its CloudWatch
 * Logs client load only when a failure has stopped tasks to show: a deploy that goes well never loads them.
 */
export function stoppedTaskLogs(
  context: AwsContext,
  lines: number,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env
): StoppedTaskLogs {
  return async groups => {
    if (lines <= 0 || groups.every(group => group.tasks.length === 0)) return '';
    const { createLogsApi, reportStoppedTaskLogs } = await import('@deploy-suite/aws/logs');
    return reportStoppedTaskLogs(groups, {
      logger,
      lines,
      region: context.region,
      logs: createLogsApi(context),
      secrets: RUNNER_TOKENS.flatMap(name => (env[name] ? [env[name]] : []))
    });
  };
}
