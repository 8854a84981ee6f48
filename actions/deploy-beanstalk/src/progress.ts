import { code, errorMessage, type Logger } from '@deploy-suite/core';
import type { BeanstalkApi } from '@deploy-suite/aws/beanstalk';
import type { DeployBeanstalkInputs } from './inputs.js';
import type { DeployResult } from './deploy.js';

/**
 * What this step has done so far, written as it happens: the final report of a step that ends early
 * (an error, a lost endpoint, SIGINT/SIGTERM) says from it which version was created and whether the
 * environment is still updating, and a cancel knows what to undo.
 */
export class BeanstalkProgress {
  versionLabel?: string;
  /** this step created the application version (uploaded the bundle, CreateApplicationVersion) */
  versionCreated = false;
  bundleLocation?: string;
  previousVersionLabel?: string;
  /** UpdateEnvironment to the new label was sent: the environment may be changing */
  updating = false;
  /** the rollback this step started (a label) or the abort it asked for on cancel */
  rollback?: string;
  /** set when the deploy ran to its own verdict */
  result?: DeployResult;
}

/**
 * The cancel hook: with rollback-on-failure and the environment updating to this step's version, asks
 * Beanstalk to abort the update (AbortEnvironmentUpdate), which puts the environment back on the version
 * it ran before. Not waited for: the runner kills the step seconds later.
 */
export async function startCancelRollback(
  config: DeployBeanstalkInputs,
  progress: BeanstalkProgress,
  api: Pick<BeanstalkApi, 'abortEnvironmentUpdate'>,
  logger: Logger
): Promise<string[]> {
  if (!progress.updating || progress.result) return [];
  const what = `${config.environment}: update to ${progress.versionLabel ?? config.versionLabel}`;
  if (!config.rollbackOnFailure) {
    return [`${what} not aborted (rollback-on-failure is false); it is still in flight`];
  }
  try {
    await api.abortEnvironmentUpdate(config.application, config.environment);
    progress.rollback = `abort of the update (back to ${progress.previousVersionLabel ?? 'the previous version'})`;
    const line = `${what} aborted (AbortEnvironmentUpdate): Beanstalk rolls back to ${progress.previousVersionLabel ?? 'the previous version'}, not waited for`;
    logger.info(line);
    return [line];
  } catch (error) {
    return [`${what}: could not abort the update (${errorMessage(error)}); it is still in flight`];
  }
}

/** One line per thing this step changed or left in flight, for the summary of an early end. */
export function inFlightLines(config: DeployBeanstalkInputs, progress: BeanstalkProgress): string[] {
  const lines: string[] = [];
  if (progress.versionCreated && progress.versionLabel) {
    lines.push(
      `application version ${code(progress.versionLabel)} created` +
        (progress.bundleLocation ? ` from ${code(progress.bundleLocation)}` : '') +
        ' (kept: versions are never deleted)'
    );
  }
  if (progress.updating) {
    lines.push(
      `environment ${code(config.environment)} was updating from ${code(progress.previousVersionLabel ?? '(none)')} ` +
        `to ${code(progress.versionLabel ?? config.versionLabel)}` +
        (progress.rollback ? `; ${progress.rollback} started` : '; still in flight: check the console')
    );
  }
  return lines;
}
