import { code, markdownLink, markdownText } from '@deploy-suite/core';
import type { ContainerExcerpt, LogExcerpts, TaskExcerpt } from './excerpts.js';

/** Most characters of log text one task's block puts in the job summary (the summary is capped at 1 MiB). */
const SUMMARY_CHARS_PER_TASK = 4000;

/** One collapsible section of the step log per task: its title and its lines. */
export interface LogSection {
  title: string;
  body: string;
}

/** The excerpts as step-log sections: one per distinct stopped task, the others counted in its title. */
export function excerptLogSections(excerpts: LogExcerpts): LogSection[] {
  const sections = excerpts.tasks.map(task => ({
    title: `${excerpts.label}: logs of stopped task ${task.taskId}${sameAsNote(task)}`,
    body: [`stopped: ${task.reason}`, ...task.containers.map(containerBlock)].join('\n')
  }));
  if (excerpts.notShown > 0 && sections.length > 0) {
    sections[sections.length - 1].body +=
      `\n(${excerpts.notShown} more stopped tasks, stopped other ways, not shown)`;
  }
  return sections;
}

function sameAsNote(task: TaskExcerpt): string {
  const count = task.sameAs.length;
  return count > 0 ? ` (and ${count} more task${count > 1 ? 's' : ''} that stopped the same way)` : '';
}

function containerBlock(container: ContainerExcerpt): string {
  const where = container.stream
    ? `${container.source.kind === 'awslogs' ? container.source.group : ''} ${container.stream}`
    : '';
  const head = `--- ${container.container}${where ? ` (${where.trim()})` : ''}`;
  if (container.lines.length === 0) return `${head}: ${container.note ?? 'no lines'}`;
  const more = container.truncated ? `, last ${container.lines.length} lines` : '';
  return [`${head}${more}:`, ...container.lines.map(line => `  ${line}`)].join('\n');
}

/**
 * The excerpts for a job summary's failure section: per task a fenced block (truncated to keep the
 * summary small) and a console link to each stream. Empty when there is nothing to show.
 */
export function excerptMarkdown(excerpts: LogExcerpts): string {
  const parts: string[] = [];
  for (const task of excerpts.tasks) {
    parts.push(
      `**${excerpts.label}**: stopped task ${code(task.taskId)}${sameAsNote(task)}: ${markdownText(task.reason)}`
    );
    for (const container of task.containers) {
      const link = container.consoleUrl ? ` (${markdownLink('CloudWatch Logs', container.consoleUrl)})` : '';
      if (container.lines.length === 0) {
        parts.push(`${code(container.container)}${link}: ${markdownText(container.note ?? 'no lines')}`);
        continue;
      }
      let text = container.lines.join('\n');
      let cut = container.truncated;
      if (text.length > SUMMARY_CHARS_PER_TASK) {
        text = '…' + text.slice(text.length - SUMMARY_CHARS_PER_TASK);
        cut = true;
      }
      const label = cut ? `last lines of ${code(container.container)}` : code(container.container);
      parts.push(`${label}${link}:\n\n${fence(text)}`);
    }
  }
  if (excerpts.notShown > 0) parts.push(`(${excerpts.notShown} more stopped tasks not shown)`);
  return parts.join('\n\n');
}

/** A fence longer than any backtick run in the text, so a log line cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map(match => match[0].length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}text\n${text}\n${marks}`;
}
