import type { JobRunResult, RehearsalResult, Result } from './types.js';

/** The text a user reads: marks, durations, the final table and the job summaries. */

export function mark(result: Result): string {
  return result === 'success' ? '✓' : result === 'failure' ? '✗' : result === 'cancelled' ? '⊘' : '-';
}

export function seconds(ms: number): string {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
    : `${(ms / 1000).toFixed(1)}s`;
}

function jobLine(job: JobRunResult, width: number): string {
  const label = job.key.padEnd(width);
  if (job.result === 'skipped')
    return `  ${mark(job.result)} ${label}  skipped${job.reason ? `: ${job.reason}` : ''}`;
  const note =
    job.result === 'success' && job.steps.some(step => step.outcome === 'failure')
      ? ' (continue-on-error)'
      : '';
  return `  ${mark(job.result)} ${label}  ${job.result}${note} in ${seconds(job.durationMs)}`;
}

export function finalReport(result: RehearsalResult, workflow: string, event: string): string[] {
  const lines: string[] = ['', `══ Rehearsal of ${workflow} (${event}): ${result.result} ══`];
  if (result.problems.length > 0) {
    lines.push('Not run: the rehearsal found problems before starting:');
    lines.push(...result.problems.map(problem => `  ✗ ${problem}`));
  }
  const width = Math.max(0, ...result.jobs.map(job => job.key.length));
  lines.push(...result.jobs.map(job => jobLine(job, width)));
  const summaries = result.jobs.filter(job => job.summary.trim() !== '');
  if (summaries.length > 0) {
    lines.push('', '══ Job summaries ══');
    for (const job of summaries) lines.push(`── ${job.key} ──`, ...job.summary.trimEnd().split('\n'), '');
  }
  lines.push(`Workspaces, logs and artifacts: ${result.workDir}`);
  return lines;
}
