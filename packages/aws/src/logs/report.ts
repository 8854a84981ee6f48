import type { Task } from '@aws-sdk/client-ecs';
import { errorMessage, type Logger } from '@deploy-suite/core';
import type { LogsApiForRegion } from './client.js';
import { containerLogExcerpts, type ExcerptTaskDefinition } from './excerpts.js';
import { excerptLogSections, excerptMarkdown } from './format.js';

/** The stopped tasks of one revision, e.g. one service's failed deployment or a one-off migration task. */
export interface StoppedTasksOf {
  /** what they belong to, for titles: the service name, or `migration` */
  label: string;
  taskDefinition: ExcerptTaskDefinition;
  tasks: readonly Task[];
}

export interface ReportStoppedTaskLogsOptions {
  logger: Logger;
  logs: LogsApiForRegion;
  /** the step's region (awslogs configurations without `awslogs-region`) */
  region: string;
  /** input `log-lines`; 0 reports nothing */
  lines: number;
  /** values to mask besides the task definitions' own */
  secrets?: readonly string[];
}

/**
 * Prints the container log excerpts of each group of stopped tasks (one collapsible section per distinct
 * task, a warning when logs may not be read) and returns them as markdown for the job summary's failure
 * section ('' when there is nothing to show). Never throws: diagnostics must not change a step's ending.
 */
export async function reportStoppedTaskLogs(
  groups: readonly StoppedTasksOf[],
  options: ReportStoppedTaskLogsOptions
): Promise<string> {
  if (options.lines <= 0) return '';
  const { logger } = options;
  const markdown: string[] = [];
  for (const group of groups) {
    if (group.tasks.length === 0) continue;
    try {
      const excerpts = await containerLogExcerpts({
        taskDefinition: group.taskDefinition,
        tasks: group.tasks,
        lines: options.lines,
        logs: options.logs,
        region: options.region,
        label: group.label,
        secrets: options.secrets
      });
      for (const warning of excerpts.warnings) logger.warning(warning);
      for (const section of excerptLogSections(excerpts)) {
        await logger.group(section.title, async () => logger.info(section.body));
      }
      const text = excerptMarkdown(excerpts);
      if (text) markdown.push(text);
    } catch (error) {
      logger.warning(`Could not read the container logs of ${group.label}: ${errorMessage(error)}`);
    }
  }
  return markdown.join('\n\n');
}
