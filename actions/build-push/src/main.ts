import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AwsContext } from '@deploy-suite/aws';
import { ActionError, type Logger } from '@deploy-suite/core';
import { actionInputs, coreLogger, readState, runAction, saveState } from '@deploy-suite/core/runner';
import { endingSummary, type StepLedger } from '@deploy-suite/core';
import { removeJobAuth } from './auth-file.js';
import { createEcrApi } from '@deploy-suite/aws/ecr';
import { gitContextFrom } from './git-context.js';
import { ecrRegistry, type Registry } from './registry.js';
import { actionOutputs, summaryMarkdown } from './summary.js';
import { spawnRunner } from './commands.js';
import { diskFiles, readBuildPushInputs } from './inputs.js';

/** State names shared by the main and post steps. */
const STATE_IS_POST = 'is-post';
const STATE_AUTH_DIR = 'auth-dir';

function readEvent(file: string | undefined): Record<string, unknown> | undefined {
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The caller's account through STS GetCallerIdentity: the default registry is that account's ECR. */
async function callerRegistry(aws: AwsContext): Promise<Registry> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient((await aws.clientConfig('sts')) as never);
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account) throw new ActionError('aws', 'STS GetCallerIdentity returned no account');
  return ecrRegistry(identity.Account, aws.region);
}

async function main(logger: Logger, step: StepLedger): Promise<void> {
  saveState(STATE_IS_POST, 'true');
  const known: { result?: Awaited<ReturnType<typeof buildAndPush>>; pushed: string[] } = { pushed: [] };
  step.report(ending => {
    if (!known.result) {
      return {
        summary: endingSummary(
          'build-push',
          ending,
          known.pushed.map(image => `pushed ${image}`)
        )
      };
    }
    return { outputs: actionOutputs(known.result), summary: summaryMarkdown(known.result) };
  });
  const inputs = actionInputs();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const git = gitContextFrom(process.env, readEvent(process.env.GITHUB_EVENT_PATH));
  const settings = await readBuildPushInputs(inputs, { git, files: diskFiles, workspace });
  settings.notes.forEach(note => logger.info(note));
  // Region is only needed for ECR: resolved lazily so a plain registry needs no AWS settings at all.
  let aws: AwsContext | undefined;
  const awsContext = () =>
    (aws ??= new AwsContext({
      action: 'build-push',
      region: settings.awsRegion ?? (settings.registry?.kind === 'ecr' ? settings.registry.region : undefined)
    }));
  let authDir: string | undefined;
  // The builder and registry code loads once the inputs are good, not at every start.
  const { buildAndPush, ScanGateError } = await import('./build-push.js');
  try {
    const result = await buildAndPush(settings, {
      runner: spawnRunner,
      logger,
      defaultRegistry: () => callerRegistry(awsContext()),
      ecrApi: region => createEcrApi(awsContext(), region),
      workspace,
      runnerTemp: process.env.RUNNER_TEMP || tmpdir(),
      env: process.env,
      onPushed: image => known.pushed.push(image),
      onAuthWritten: auth => {
        authDir = auth.dir;
        saveState(STATE_AUTH_DIR, auth.dir);
      }
    });
    known.result = result;
  } catch (error) {
    // A failed scan gate still reports what was pushed, the findings and the tags held back.
    if (error instanceof ScanGateError) known.result = error.result;
    throw error;
  } finally {
    // The post step removes it too, in case this process is killed before getting here.
    if (authDir) removeJobAuth(authDir);
  }
}

/** Post step: delete the job's registry credentials (main already did unless it was killed). */
function post(logger: Logger): void {
  const dir = readState(STATE_AUTH_DIR);
  if (dir && removeJobAuth(dir)) logger.info(`Removed registry credentials ${dir}`);
}

export async function run(): Promise<void> {
  if (readState(STATE_IS_POST) === 'true') {
    await runAction(async () => post(coreLogger));
    return;
  }
  await runAction(step => main(coreLogger, step));
}
