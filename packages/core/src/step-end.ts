import { errorMessage } from './errors.js';
import { markdownText } from './markdown.js';

/**
 * An honest end on every path. Whatever ends a step (its work returning, a user error, AWS refusing,
 * exhausted retries, a lost endpoint, a deadline, or the runner cancelling it with SIGINT/SIGTERM), the
 * one exit path in runtime.ts asks the action's reporter for its final report (outputs, `status` among
 * them, and the job summary saying what changed and what is still in flight), writes it, and fails
 * the step unless it succeeded. This module holds the runner-agnostic part: the ledger an action
 * registers its reporter and cancel hooks with, and the cancel budget.
 */

export type CancelSignal = 'SIGINT' | 'SIGTERM';

export type StepEnding =
  | { kind: 'succeeded' }
  | { kind: 'failed'; error: unknown; message: string }
  /** `started`: what the cancel hooks started (rollbacks), or could not, one line each */
  | { kind: 'cancelled'; signal: CancelSignal; started: string[] };

type OutputValue = string | number | boolean | object | undefined;

export interface FinalReport {
  outputs?: Record<string, OutputValue>;
  /** markdown for the job summary */
  summary?: string;
}

export type Reporter = (ending: StepEnding) => FinalReport | Promise<FinalReport>;
/** Starts (never waits for) what undoes this step's changes; returns one line per thing started. */
export type CancelHook = (signal: CancelSignal) => Promise<string[]>;

/**
 * The runner cancels a step with SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that.
 * Cancel hooks get 5 s from SIGINT, leaving time to write the report before SIGTERM; a step that gets
 * SIGTERM first (or while cancelling) has about 2.5 s left, so the hooks get 1.5 s at most.
 */
export const CANCEL_BUDGET_MS: Record<CancelSignal, number> = { SIGINT: 5_000, SIGTERM: 1_500 };

export class StepLedger {
  private reporter?: Reporter;
  private readonly hooks = new Set<CancelHook>();
  private readonly controller = new AbortController();

  /** Aborted once the runner asked the step to stop: long waits may check it and stop early. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Sets (or replaces, as the step learns more) how the final report is built. */
  report(reporter: Reporter): void {
    this.reporter = reporter;
  }

  /** Registers what to start on cancel; returns a function that unregisters it. */
  onCancel(hook: CancelHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /**
   * Aborts the signal and runs every cancel hook, giving up after `budgetMs` or when `cutShort`
   * resolves (a second signal). A hook that fails or runs late is reported, not awaited.
   */
  async cancel(signal: CancelSignal, budgetMs: number, cutShort?: Promise<void>): Promise<string[]> {
    this.controller.abort(new Error(`cancelled by ${signal}`));
    const lines: string[] = [];
    const running = [...this.hooks].map(hook =>
      hook(signal).then(
        started => void lines.push(...started),
        error => void lines.push(`could not start the rollback: ${errorMessage(error)}`)
      )
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(resolve => {
      timer = setTimeout(() => resolve('late'), budgetMs);
    });
    const outcome = await Promise.race([
      Promise.all(running).then(() => 'done' as const),
      late,
      ...(cutShort ? [cutShort.then(() => 'late' as const)] : [])
    ]);
    clearTimeout(timer);
    if (outcome === 'late') lines.push('the rollback calls did not answer in time; check the console');
    return lines;
  }

  async finalReport(ending: StepEnding): Promise<FinalReport | undefined> {
    return this.reporter?.(ending);
  }
}

/** `failed` or `cancelled`, the status of a step that did not get to its own verdict. */
export function endingStatus(ending: StepEnding): 'failed' | 'cancelled' | undefined {
  if (ending.kind === 'failed') return 'failed';
  if (ending.kind === 'cancelled') return 'cancelled';
  return undefined;
}

/** The failure message of a step that did not succeed. */
export function endingMessage(ending: StepEnding): string | undefined {
  if (ending.kind === 'failed') return ending.message;
  if (ending.kind === 'cancelled') {
    const started = ending.started.length > 0 ? `: ${ending.started.join('; ')}` : '';
    return `Cancelled by ${ending.signal}${started}`;
  }
  return undefined;
}

/**
 * The summary of a step that ended before it could write its own: how it ended, and the lines that say
 * what changed and what is still in flight (the caller knows those).
 */
export function endingSummary(action: string, ending: StepEnding, inFlight: string[] = []): string {
  const headline =
    ending.kind === 'cancelled'
      ? `### ${action}: cancelled (${ending.signal})`
      : ending.kind === 'failed'
        ? `### ${action}: failed`
        : `### ${action}: done`;
  const parts = [headline];
  if (ending.kind === 'failed') parts.push(`**Reason:** ${markdownText(ending.message)}`);
  if (ending.kind === 'cancelled' && ending.started.length > 0) {
    parts.push(['**Started on cancel:**', ...ending.started.map(line => `- ${line}`)].join('\n'));
  }
  parts.push(
    inFlight.length > 0
      ? ['**Changed / still in flight:**', ...inFlight.map(line => `- ${line}`)].join('\n')
      : 'Nothing was changed.'
  );
  return parts.join('\n\n') + '\n';
}
