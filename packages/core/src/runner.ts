// Named imports, so the bundler keeps only these of @actions/core (never its OIDC/HTTP client).
import {
  debug,
  error as coreError,
  getState,
  group,
  info,
  saveState as coreSaveState,
  setFailed,
  setOutput,
  setSecret,
  summary,
  warning
} from '@actions/core';
import { isActionError, errorMessage } from './errors.js';
import type { Logger } from './logger.js';
import {
  CANCEL_BUDGET_MS,
  StepLedger,
  endingMessage,
  type CancelSignal,
  type StepEnding
} from './step-end.js';
import { Inputs, envInputReader } from './inputs.js';

/**
 * The only module that touches @actions/core: the runner-facing edge every `main.ts` uses.
 */
export const coreLogger: Logger = {
  info: message => info(message),
  warning: (message, properties) => warning(message, properties),
  error: (message, properties) => coreError(message, properties),
  debug: message => debug(message),
  group: (title, work) => group(title, work),
  mask: secret => {
    if (secret) setSecret(secret);
  }
};

export function actionInputs(): Inputs {
  return new Inputs(envInputReader(process.env));
}

/** Sets each output; objects are written as JSON so later steps can `fromJSON` them. */
export function setOutputs(outputs: Record<string, string | number | boolean | object | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}

/** @internal exported for the harness's fixture action; actions write their summary through runAction's reporter */
export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return; // run outside a runner: nowhere to write
  await summary.addRaw(markdown, true).write();
}

export function saveState(name: string, value: string): void {
  coreSaveState(name, value);
}

export function readState(name: string): string {
  return getState(name);
}

/**
 * Runs an action's entry point through the one exit path. The work gets the step's ledger: it sets a
 * reporter (outputs, `status`, summary) as soon as it can, and cancel hooks once it changed something.
 * However the step ends, the reporter is asked for the final report, which is written before the step
 * fails: errors meant for the user fail it with their message alone; anything else is a bug, failed
 * with its message and the stack printed for the report. SIGINT/SIGTERM run the cancel hooks within
 * the runner's grace period, report `cancelled` and exit non-zero.
 */
export async function runAction(work: (step: StepLedger) => Promise<void>): Promise<void> {
  const step = new StepLedger();
  let reported = false;
  const finish = async (ending: StepEnding): Promise<void> => {
    if (reported) return;
    reported = true;
    try {
      const report = await step.finalReport(ending);
      if (report?.outputs) setOutputs(report.outputs);
      if (report?.summary) await appendSummary(report.summary);
    } catch (error) {
      warning(`Could not write the step's final report: ${errorMessage(error)}`);
    }
    const failure = endingMessage(ending);
    if (failure) setFailed(failure);
  };

  let cancelling: Promise<void> | undefined;
  let secondSignal: (() => void) | undefined;
  const cutShort = new Promise<void>(resolve => (secondSignal = resolve));
  const onSignal = (signal: CancelSignal): void => {
    if (cancelling) {
      secondSignal?.(); // SIGTERM after SIGINT: about 2.5 s to SIGKILL, report now
      return;
    }
    warning(`Received ${signal}: cancelling, starting the rollback of what this step changed`);
    cancelling = (async () => {
      const started = await step.cancel(signal, CANCEL_BUDGET_MS[signal], cutShort);
      await finish({ kind: 'cancelled', signal, started });
      process.exit(1);
    })();
  };
  const onInterrupt = (): void => onSignal('SIGINT');
  const onTerminate = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  try {
    await work(step);
    if (cancelling) return await cancelling;
    await finish({ kind: 'succeeded' });
  } catch (error) {
    if (cancelling) return await cancelling;
    if (isActionError(error)) {
      if (error.stack) debug(error.stack);
      await finish({ kind: 'failed', error, message: error.message });
    } else {
      coreError(error instanceof Error && error.stack ? error.stack : errorMessage(error));
      await finish({ kind: 'failed', error, message: `Unexpected error: ${errorMessage(error)}` });
    }
  } finally {
    if (!cancelling) {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
    }
  }
}
