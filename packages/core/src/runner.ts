import * as core from '@actions/core';
import { isActionError, errorMessage } from './errors.js';
import type { Logger } from './logger.js';
import { Inputs, envInputReader } from './inputs.js';

/**
 * The only module that touches @actions/core: the runner-facing edge every `main.ts` uses.
 */
export const coreLogger: Logger = {
  info: message => core.info(message),
  warning: (message, properties) => core.warning(message, properties),
  error: (message, properties) => core.error(message, properties),
  debug: message => core.debug(message),
  group: (title, work) => core.group(title, work),
  mask: secret => {
    if (secret) core.setSecret(secret);
  }
};

export function actionInputs(): Inputs {
  return new Inputs(envInputReader(process.env));
}

/** Sets each output; objects are written as JSON so later steps can `fromJSON` them. */
export function setOutputs(outputs: Record<string, string | number | boolean | object | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}

export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return; // run outside a runner: nowhere to write
  await core.summary.addRaw(markdown, true).write();
}

export function saveState(name: string, value: string): void {
  core.saveState(name, value);
}

export function readState(name: string): string {
  return core.getState(name);
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
      if (error.stack) core.debug(error.stack);
      core.setFailed(error.message);
    } else {
      core.error(error instanceof Error && error.stack ? error.stack : errorMessage(error));
      core.setFailed(`Unexpected error: ${errorMessage(error)}`);
    }
  }
}
