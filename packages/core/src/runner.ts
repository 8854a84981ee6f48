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
 * Runs an action's entry point. Errors meant for the user fail the step with their message alone;
 * anything else is a bug, failed with its message and the stack printed for the report.
 */
export async function runAction(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isActionError(error)) {
      if (error.stack) debug(error.stack);
      setFailed(error.message);
    } else {
      coreError(error instanceof Error && error.stack ? error.stack : errorMessage(error));
      setFailed(`Unexpected error: ${errorMessage(error)}`);
    }
  }
}
