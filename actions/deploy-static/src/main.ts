import { ActionError, AwsContext, inputError, realClock } from '../../../packages/shared/src/index.js';
import {
  actionInputs,
  appendSummary,
  coreLogger,
  runAction,
  setOutputs
} from '../../../packages/shared/src/runtime.js';
import { deploySite, type DeployResult } from './deploy.js';
import { SiteInputError } from './release.js';
import { SiteSourceError, resolveSource, scanSite } from './files.js';
import { readDeployStaticInputs } from './inputs.js';
import { sdkCdnApi, sdkSiteStore } from './sdk.js';
import { releaseSummary } from './summary.js';

function outputsOf(result: DeployResult): Record<string, string | number | undefined> {
  return {
    status: result.status,
    release: result.release ?? '',
    'previous-release': result.previousRelease ?? '',
    uploaded: result.status === 'planned' ? (result.plan?.uploads.length ?? 0) : result.uploaded.length,
    unchanged: result.unchanged.length,
    deleted: result.deleted.length,
    'invalidation-id': result.invalidation?.id ?? '',
    url: result.url
  };
}

/** Reads the inputs and the built site (no AWS yet), deploys, then writes outputs and the job summary. */
export async function run(): Promise<void> {
  await runAction(async () => {
    const inputs = readDeployStaticInputs(actionInputs());
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    let files;
    try {
      files = await scanSite(await resolveSource(inputs.source, workspace), workspace);
    } catch (error) {
      if (error instanceof SiteSourceError) throw inputError(error.message);
      throw error;
    }
    const context = new AwsContext({ action: 'deploy-static', region: inputs.region });
    const settings = {
      ...inputs,
      region: context.region,
      commit: process.env.GITHUB_SHA,
      origin: Object.fromEntries(
        [
          ['commit', process.env.GITHUB_SHA],
          ['ref', process.env.GITHUB_REF],
          ['repository', process.env.GITHUB_REPOSITORY],
          ['run', process.env.GITHUB_RUN_ID]
        ].filter((entry): entry is [string, string] => Boolean(entry[1]))
      )
    };
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
      const message = error instanceof Error ? error.message : String(error);
      setOutputs({ status: error instanceof SiteInputError ? 'rejected' : 'failed' });
      await appendSummary(
        `### deploy-static: ${error instanceof SiteInputError ? 'rejected' : 'FAILED'}\n\n${message}\n\nNothing was written.\n`
      );
      if (error instanceof SiteInputError) throw inputError(message);
      throw new ActionError(
        'aws',
        `Deploy of s3://${inputs.bucket}/${inputs.prefix} failed before any write: ${message}`,
        { cause: error }
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
