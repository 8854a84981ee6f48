import { code, formatDuration, markdownLink, markdownTable, markdownText } from '@deploy-suite/core';
import type { UrlResult } from './verify.js';

/**
 * The `report` output: one entry per URL, for later steps (`fromJSON(steps.health.outputs.report)`).
 * @internal exported for its tests; the actions do not use it
 */
export interface LatencySummary {
  min: number;
  p50: number;
  p95: number;
  max: number;
}

export interface UrlReport {
  url: string;
  healthy: boolean;
  attempts: number;
  status: number | null;
  /** ms, over the attempts that got an answer; null when none did */
  latencyMs: LatencySummary | null;
  lastFailure: string | null;
  bodyExcerpt: string | null;
  elapsedMs: number;
}

/**
 * Nearest-rank percentile of sorted values.
 * @internal exported for its tests; the actions do not use it
 */
export function percentile(sorted: number[], fraction: number): number {
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** @internal exported for its tests; the actions do not use it */
export function latencySummary(latencies: number[]): LatencySummary | null {
  if (latencies.length === 0) return null;
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    min: round(sorted[0]),
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    max: round(sorted[sorted.length - 1])
  };
}

export function buildReport(results: UrlResult[]): UrlReport[] {
  return results.map(result => ({
    url: result.url,
    healthy: result.healthy,
    attempts: result.attempts,
    status: result.status ?? null,
    latencyMs: latencySummary(result.latenciesMs),
    lastFailure: result.lastFailure ?? null,
    bodyExcerpt: result.bodyExcerpt ?? null,
    elapsedMs: Math.round(result.elapsedMs)
  }));
}

function latencyCell(latency: LatencySummary | null): string {
  if (!latency) return '—';
  const ms = (value: number): string => String(Math.round(value));
  return `${ms(latency.p50)} / ${ms(latency.p95)} / ${ms(latency.max)} ms`;
}

/** The table the job summary and the PR comment share. */
function resultsTable(report: UrlReport[]): string {
  return markdownTable(
    ['URL', 'Result', 'Attempts', 'Status', 'Latency p50 / p95 / max', 'Last failure'],
    report.map(entry => [
      code(entry.url),
      entry.healthy ? '✅ healthy' : '❌ unhealthy',
      String(entry.attempts),
      entry.status === null ? '—' : String(entry.status),
      latencyCell(entry.latencyMs),
      // the failure may quote the health body: inert text, so a body cannot write markdown or HTML
      markdownText(entry.lastFailure ?? '')
    ])
  );
}

function headline(report: UrlReport[]): string {
  const healthy = report.filter(entry => entry.healthy).length;
  const icon = healthy === report.length ? '✅' : '❌';
  return `${icon} ${healthy} of ${report.length} endpoint${report.length === 1 ? '' : 's'} healthy`;
}

export interface RunContext {
  runUrl?: string;
  sha?: string;
}

export function summaryMarkdown(
  report: UrlReport[],
  settings: { waitForMs: number; consecutiveSuccesses: number }
): string {
  const lines = [
    `### verify-health: ${headline(report)}`,
    '',
    resultsTable(report),
    '',
    `Budget ${formatDuration(settings.waitForMs)}` +
      (settings.consecutiveSuccesses > 1
        ? `, ${settings.consecutiveSuccesses} healthy answers in a row required`
        : '') +
      '.'
  ];
  return lines.join('\n') + '\n';
}

/** The sticky PR comment's body (the marker is added by the comment module). */
export function commentMarkdown(report: UrlReport[], tag: string, context: RunContext): string {
  const footer = [
    context.runUrl ? markdownLink('workflow run', context.runUrl) : undefined,
    context.sha ? `commit ${code(context.sha.slice(0, 7))}` : undefined
  ].filter(Boolean);
  return [
    `### Health check · ${tag}: ${headline(report)}`,
    '',
    resultsTable(report),
    '',
    footer.length ? `<sub>Updated by ${footer.join(' for ')}.</sub>` : ''
  ]
    .join('\n')
    .trimEnd();
}

/** The step's failure message: each failing URL with its last reason. */
export function failureMessage(report: UrlReport[], waitForMs: number): string {
  const failed = report.filter(entry => !entry.healthy);
  return [
    `${failed.length} of ${report.length} endpoint${report.length === 1 ? '' : 's'} ${failed.length === 1 ? 'is' : 'are'} ` +
      `not healthy after ${formatDuration(waitForMs)}:`,
    ...failed.map(
      entry =>
        `- ${entry.url} (${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}): ${entry.lastFailure}`
    )
  ].join('\n');
}
