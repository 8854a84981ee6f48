import type { Logger } from '@deploy-suite/core';
import type { AwsContext } from '../context.js';
import type { StoppedTasksOf } from './report.js';

/** Prints the container logs of stopped tasks and returns them as markdown for the job summary. */
export type StoppedTaskLogs = (groups: StoppedTasksOf[]) => Promise<string>;

/** The runner's own tokens a container could have been handed: masked in excerpts like everything else. */
const RUNNER_TOKENS = ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_RUNTIME_TOKEN'];

/**
 * Container log excerpts (input `log-lines`) for a failed deploy or rollback, as an action wires them.
 * This module imports nothing at run time: the logs library and its CloudWatch Logs client load only when
 * a failure has stopped tasks to show, so a step that goes well (and its start path) never loads them.
 */
export function stoppedTaskLogs(
  context: AwsContext,
  lines: number,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env
): StoppedTaskLogs {
  return async groups => {
    if (lines <= 0 || groups.every(group => group.tasks.length === 0)) return '';
    const { createLogsApi, reportStoppedTaskLogs } = await import('./index.js');
    return reportStoppedTaskLogs(groups, {
      logger,
      lines,
      region: context.region,
      logs: createLogsApi(context),
      secrets: RUNNER_TOKENS.flatMap(name => (env[name] ? [env[name]] : []))
    });
  };
}
