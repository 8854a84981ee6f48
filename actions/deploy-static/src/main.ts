import {
  ActionError,
  endingMessage,
  endingStatus,
  endingSummary,
  inputError,
  isActionError,
  markdownText,
  realClock,
  type FinalReport,
  type StepEnding
} from '@deploy-suite/core';
import { actionInputs, coreLogger, runAction } from '@deploy-suite/core/runner';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import type { DeployResult } from './deploy.js';
import type { LocalFile } from './files.js';
import { INPUT, readDeployStaticInputs, type DeployStaticInputs } from './inputs.js';
import type { releaseSummary } from '@deploy-suite/aws/static-site';

function outputsOf(result: DeployResult): Record<string, string | number | undefined> {
  return {
    status: result.status,
    release: result.release ?? '',
    'previous-release': result.previousRelease ?? '',
    uploaded: result.status === 'planned' ? result.plan.uploads.length : result.uploaded.length,
    unchanged: result.unchanged.length,
    deleted: result.deleted.length,
    'invalidation-id': result.invalidation?.id ?? '',
    url: result.url
  };
}

/** Where the release came from, kept in its record. */
function originOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const entries: Array<[string, string | undefined]> = [
    ['commit', env.GITHUB_SHA],
    ['ref', env.GITHUB_REF],
    ['repository', env.GITHUB_REPOSITORY],
    ['run', env.GITHUB_RUN_ID]
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => Boolean(entry[1])));
}

/** Inputs and the built site, checked with no AWS call; any problem is an input error. */
async function readLocal(): Promise<{ inputs: DeployStaticInputs; files: LocalFile[] }> {
  const inputs = readDeployStaticInputs(actionInputs());
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  // the site code (S3, CloudFront, hashing) loads once the inputs are read: a bad input never needs it
  const { SiteSourceError, resolveSource, scanSite } = await import('./files.js');
  try {
    return { inputs, files: await scanSite(await resolveSource(inputs.source, workspace), workspace) };
  } catch (error) {
    if (error instanceof SiteSourceError) throw inputError(error.message);
    throw error;
  }
}

/** What the step knows so far, for its one final report. */
interface Known {
  /** the static-site module, once loaded (after the inputs were read) */
  site?: typeof import('@deploy-suite/aws/static-site');
  bucketUrl?: string;
  settings?: Parameters<typeof releaseSummary>[2];
  result?: DeployResult;
  /** an input problem (found locally or by the first reads): nothing was written */
  rejected?: boolean;
  /** deploySite was called: writes may have started (it throws only before its first write) */
  writing?: boolean;
}

function finalReport(known: Known, ending: StepEnding): FinalReport {
  const { result, settings, site } = known;
  if (result && settings && site)
    return { outputs: outputsOf(result), summary: site.releaseSummary('deploy-static', result, settings) };
  const message = endingMessage(ending) ?? 'ended';
  if (known.rejected) {
    return {
      outputs: { status: 'rejected' },
      summary: `### deploy-static: rejected\n\n${markdownText(message)}\n\nNothing was written.\n`
    };
  }
  const inFlight =
    known.writing && known.bucketUrl
      ? [
          `uploads to ${known.bucketUrl} may have started: new assets go first and entry points (HTML) last, ` +
            'so the pages already live keep working; re-run the deploy, or roll back with actions/rollback (site-bucket)'
        ]
      : [];
  return {
    outputs: { status: endingStatus(ending) ?? 'failed' },
    summary: endingSummary('deploy-static', ending, inFlight)
  };
}

/**
 * Reads the inputs and the built site (no AWS yet), deploys. Outputs and the job summary are written by
 * the step's one exit path from what this step did, however it ends.
 */
export async function run(): Promise<void> {
  await runAction(async step => {
    const known: Known = {};
    step.report(ending => finalReport(known, ending));
    let local: Awaited<ReturnType<typeof readLocal>>;
    try {
      local = await readLocal();
    } catch (error) {
      // a later `if: failure()` step can tell a rejected input from a failed deploy
      if (isActionError(error) && error.kind === 'input') known.rejected = true;
      throw error;
    }
    const { inputs, files } = local;
    const site = await import('@deploy-suite/aws/static-site');
    const { deploySite } = await import('./deploy.js');
    known.site = site;
    const context = new AwsContext({ action: 'deploy-static', region: inputs.region });
    const settings = {
      ...inputs,
      region: context.region,
      commit: process.env.GITHUB_SHA,
      origin: originOf(process.env)
    };
    known.bucketUrl = `s3://${inputs.bucket}/${inputs.prefix}`;
    if (inputs.distributionId && inputs.waitForInvalidation && !inputs.dryRun) {
      await warnIfCredentialsExpireFirst(coreLogger, inputs.waitMs, INPUT.waitForMinutes);
    }
    let result: DeployResult;
    try {
      known.writing = !inputs.dryRun;
      result = await deploySite(files, settings, {
        store: site.sdkSiteStore(context, inputs.bucket),
        cdn: inputs.distributionId ? site.sdkCdnApi(context) : undefined,
        clock: realClock,
        logger: coreLogger,
        now: () => new Date()
      });
    } catch (error) {
      // deploySite returns its failures once it has written anything; what it throws came before any write
      known.writing = false;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof site.SiteInputError) {
        known.rejected = true;
        throw inputError(message);
      }
      throw new ActionError('aws', `Deploy of ${known.bucketUrl} failed before any write: ${message}`, {
        cause: error
      });
    }
    known.settings = settings;
    known.result = result;
    if (result.status === 'failed') {
      throw new ActionError('deployment', `Deploy of ${known.bucketUrl} failed: ${result.reason}`);
    }
  });
}
