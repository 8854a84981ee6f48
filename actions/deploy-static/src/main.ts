import { ActionError, inputError, isActionError, realClock } from '@deploy-suite/core';
import { actionInputs, appendSummary, coreLogger, runAction, setOutputs } from '@deploy-suite/core/runner';
import { AwsContext, warnIfCredentialsExpireFirst } from '@deploy-suite/aws';
import { deploySite, type DeployResult } from './deploy.js';
import { SiteSourceError, resolveSource, scanSite, type LocalFile } from './files.js';
import { INPUT, readDeployStaticInputs, type DeployStaticInputs } from './inputs.js';
import { releaseSummary, sdkCdnApi, sdkSiteStore, SiteInputError } from '@deploy-suite/aws/static-site';

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
  try {
    return { inputs, files: await scanSite(await resolveSource(inputs.source, workspace), workspace) };
  } catch (error) {
    if (error instanceof SiteSourceError) throw inputError(error.message);
    throw error;
  }
}

/** Reads the inputs and the built site (no AWS yet), deploys, then writes outputs and the job summary. */
export async function run(): Promise<void> {
  await runAction(async () => {
    let local: Awaited<ReturnType<typeof readLocal>>;
    try {
      local = await readLocal();
    } catch (error) {
      // every ending is reported: a later `if: failure()` step can tell a rejected input from a failed deploy
      if (isActionError(error) && error.kind === 'input') setOutputs({ status: 'rejected' });
      throw error;
    }
    const { inputs, files } = local;
    const context = new AwsContext({ action: 'deploy-static', region: inputs.region });
    const settings = {
      ...inputs,
      region: context.region,
      commit: process.env.GITHUB_SHA,
      origin: originOf(process.env)
    };
    if (inputs.distributionId && inputs.waitForInvalidation && !inputs.dryRun) {
      await warnIfCredentialsExpireFirst(coreLogger, inputs.waitMs, INPUT.waitForMinutes);
    }
    let result: DeployResult;
    try {
      result = await deploySite(files, settings, {
        store: sdkSiteStore(context, inputs.bucket),
        cdn: inputs.distributionId ? sdkCdnApi(context) : undefined,
        clock: realClock,
        logger: coreLogger,
        now: () => new Date()
      });
    } catch (error) {
      // deploySite returns its failures once it has written anything; what it throws came before any write
      const rejected = error instanceof SiteInputError;
      const message = error instanceof Error ? error.message : String(error);
      setOutputs({ status: rejected ? 'rejected' : 'failed' });
      await appendSummary(
        `### deploy-static: ${rejected ? 'rejected' : 'FAILED'}\n\n${message}\n\nNothing was written.\n`
      );
      if (rejected) throw inputError(message);
      throw new ActionError(
        'aws',
        `Deploy of s3://${inputs.bucket}/${inputs.prefix} failed before any write: ${message}`,
        {
          cause: error
        }
      );
    }
    setOutputs(outputsOf(result));
    await appendSummary(releaseSummary('deploy-static', result, settings));
    if (result.status === 'failed') {
      throw new ActionError(
        'deployment',
        `Deploy of s3://${inputs.bucket}/${inputs.prefix} failed: ${result.reason}`
      );
    }
  });
}
