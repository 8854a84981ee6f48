import path from 'node:path';
import { inputError, worthMasking, type Inputs, type Logger } from '@deploy-suite/core';
import { resolveInWorkspace } from '@deploy-suite/core/workspace';
import { checkBucketInput, parseAcceptedHealth, type HealthColour } from '@deploy-suite/aws/beanstalk';
import { defaultVersionLabel, earlierAttemptLabels, validateVersionLabel } from './label.js';

/** Input names, as action.yml spells them. */
export const INPUT = {
  bundle: 'bundle',
  dockerrun: 'dockerrun',
  compose: 'compose',
  images: 'images',
  environmentVariables: 'environment-variables',
  applicationName: 'application-name',
  environmentName: 'environment-name',
  versionLabel: 'version-label',
  versionDescription: 'version-description',
  maskEnvironmentVariables: 'mask-environment-variables',
  bucket: 'bucket',
  useExistingVersion: 'use-existing-version',
  waitForMinutes: 'wait-for-minutes',
  acceptedHealth: 'accepted-health',
  rollbackOnFailure: 'rollback-on-failure',
  recordKnownGood: 'record-known-good',
  pollInterval: 'poll-interval',
  logLines: 'log-lines',
  awsRegion: 'aws-region'
} as const;

/** Where the bundle comes from: one of the three bundle inputs. */
export type BundleSource = {
  kind: 'bundle' | 'dockerrun' | 'compose';
  /** absolute, symlinks resolved, inside the workspace (when it exists) */
  path: string;
  /** the workspace the bundle must stay inside: folders bundled from it are walked for links leaving it */
  workspace?: string;
};

export interface ImageOverride {
  name: string;
  image: string;
  line: number;
}

interface EnvironmentVariable {
  name: string;
  value: string;
}

/** Everything the deploy needs, read and checked before any AWS call. */
export interface DeployBeanstalkInputs {
  application: string;
  environment: string;
  versionLabel: string;
  /** labels of earlier attempts of this run, when the label is the default: reused when the bundle matches */
  earlierAttemptLabels: string[];
  versionDescription: string;
  bundle: BundleSource;
  images: ImageOverride[];
  environmentVariables: EnvironmentVariable[];
  maskEnvironmentVariables: boolean;
  bucket?: string;
  useExistingVersion: boolean;
  waitMs: number;
  acceptedHealth: HealthColour[];
  rollbackOnFailure: boolean;
  /** false: leave the known-good record to the pipeline, which records the label once verified */
  recordKnownGood: boolean;
  pollIntervalMs: number;
  /** last lines per log file of each instance's tail logs shown when the deploy fails; 0: none */
  logLines: number;
  region?: string;
  /** the commit deployed (recorded with a successful deploy) */
  sha?: string;
}

/** What the runner tells every step about the run (GITHUB_* variables). */
export interface GithubRun {
  sha?: string;
  runId?: string;
  runAttempt?: number;
  repository?: string;
  /** folder relative bundle paths are resolved against */
  workspace: string;
}

export function githubRunFromEnv(env: NodeJS.ProcessEnv): GithubRun {
  const attempt = Number(env.GITHUB_RUN_ATTEMPT);
  return {
    sha: env.GITHUB_SHA || undefined,
    runId: env.GITHUB_RUN_ID || undefined,
    runAttempt: Number.isInteger(attempt) && attempt > 0 ? attempt : undefined,
    repository: env.GITHUB_REPOSITORY || undefined,
    workspace: env.GITHUB_WORKSPACE || process.cwd()
  };
}

const BUNDLE_INPUTS = [INPUT.bundle, INPUT.dockerrun, INPUT.compose] as const;
/** Beanstalk environment property names: letters, digits and `_ . : / + \ - @` (no spaces, no `=`). */
const PROPERTY_NAME = /^[A-Za-z0-9_.:/+\\\-@]+$/;
/** Beanstalk limits an application version's description to 200 characters. */
const DESCRIPTION_LIMIT = 200;

function readBundleSource(inputs: Inputs, workspace: string): BundleSource {
  const given = BUNDLE_INPUTS.filter(name => inputs.has(name));
  if (given.length === 0) {
    throw inputError(
      'No bundle to deploy: set one of the inputs "bundle" (a .zip, or a folder to zip), "dockerrun" ' +
        '(a Dockerrun.aws.json) or "compose" (a docker-compose.yml)'
    );
  }
  if (given.length > 1) {
    throw inputError(
      `Inputs ${given.map(name => `"${name}"`).join(' and ')} were both given; set only one bundle source ` +
        '(with "dockerrun" or "compose", .ebextensions/ and .platform/ beside the file are added for you)'
    );
  }
  const kind = given[0];
  const value = inputs.string(kind);
  // outside the workspace, or through a link leaving it: refused here, naming the input and the link
  const found = resolveInWorkspace(kind, value, workspace);
  return { kind, path: found?.real ?? path.resolve(workspace, value), workspace };
}

export function readDeployBeanstalkInputs(inputs: Inputs, run: GithubRun): DeployBeanstalkInputs {
  const application = inputs.required(
    INPUT.applicationName,
    'the Elastic Beanstalk application, e.g. ChatRelay'
  );
  const environment = inputs.required(
    INPUT.environmentName,
    'the Elastic Beanstalk environment, e.g. chatrelay-prod'
  );
  const bundle = readBundleSource(inputs, run.workspace);

  const explicitLabel = inputs.optionalString(INPUT.versionLabel);
  let versionLabel: string;
  let earlier: string[] = [];
  if (explicitLabel) {
    versionLabel = validateVersionLabel(explicitLabel, 'version-label');
  } else {
    if (!run.sha || !run.runId) {
      throw inputError(
        'Input "version-label" is required outside GitHub Actions: the default label is built from GITHUB_SHA, ' +
          'GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, which are not set'
      );
    }
    const attempt = run.runAttempt ?? 1;
    versionLabel = defaultVersionLabel(run.sha, run.runId, attempt);
    earlier = earlierAttemptLabels(run.sha, run.runId, attempt);
  }

  const shortSha = run.sha ? run.sha.slice(0, 7) : undefined;
  const defaultDescription = [
    'Deployed by deploy-suite',
    run.repository && shortSha ? `from ${run.repository}@${shortSha}` : shortSha ? `from ${shortSha}` : '',
    run.runId ? `(run ${run.runId}${run.runAttempt ? `, attempt ${run.runAttempt}` : ''})` : ''
  ]
    .filter(Boolean)
    .join(' ');
  const versionDescription = inputs.string(INPUT.versionDescription, { default: defaultDescription });
  if (versionDescription.length > DESCRIPTION_LIMIT) {
    throw inputError(
      `Input "version-description" is ${versionDescription.length} characters; Beanstalk allows at most ${DESCRIPTION_LIMIT}`
    );
  }

  const images = inputs
    .keyValues(INPUT.images, {
      shape:
        'container-or-service-name=image, e.g. main-app=123456789012.dkr.ecr.us-east-1.amazonaws.com/chatrelay/main-app:1.4.0'
    })
    .map(({ key, value, line }) => {
      if (value === '') throw inputError(`Input "images" line ${line} gives no image for "${key}"`);
      if (/\s/.test(value))
        throw inputError(`Input "images" line ${line}: the image for "${key}" contains a space`);
      return { name: key, image: value, line };
    });
  if (images.length > 0 && bundle.kind === 'bundle' && /\.zip$/i.test(bundle.path)) {
    throw inputError(
      'Input "images" cannot change a prebuilt .zip bundle: give "dockerrun" or "compose" (or a bundle folder) instead'
    );
  }

  const environmentVariables = inputs
    .keyValues(INPUT.environmentVariables, {
      shape: 'NAME=value, e.g. NODE_ENV=production',
      sensitive: true
    })
    .map(({ key, value, line }) => {
      if (!PROPERTY_NAME.test(key)) {
        // the name is not quoted: a line such as `DB PASSWORD hunter2=x` would show its secret
        throw inputError(
          `Input "environment-variables" line ${line}: the name before "=" is not a valid environment property ` +
            'name (letters, digits and _ . : / + \\ - @, no spaces)'
        );
      }
      return { name: key, value };
    });

  const bucket = checkBucketInput(inputs.optionalString(INPUT.bucket));

  return {
    application,
    environment,
    versionLabel,
    earlierAttemptLabels: earlier,
    versionDescription,
    bundle,
    images,
    environmentVariables,
    maskEnvironmentVariables: inputs.boolean(INPUT.maskEnvironmentVariables, true),
    bucket,
    useExistingVersion: inputs.boolean(INPUT.useExistingVersion, true),
    waitMs: inputs.integer(INPUT.waitForMinutes, { min: 1, max: 360, default: 30 }) * 60_000,
    acceptedHealth: parseAcceptedHealth(inputs.string(INPUT.acceptedHealth, { default: 'Green' })),
    rollbackOnFailure: inputs.boolean(INPUT.rollbackOnFailure, true),
    recordKnownGood: inputs.boolean(INPUT.recordKnownGood, true),
    pollIntervalMs: inputs.duration(INPUT.pollInterval, { min: 100, max: 300_000, default: '15s' }),
    logLines: inputs.integer(INPUT.logLines, { min: 0, max: 1000, default: 30 }),
    region: inputs.optionalString(INPUT.awsRegion),
    sha: run.sha
  };
}

/**
 * The environment values worth masking (as maskEnvironmentValues masks them): masked again in text read
 * back from AWS (tail logs) before it reaches the log or the job summary, which the runner does not mask.
 */
export function secretEnvironmentValues(config: DeployBeanstalkInputs): string[] {
  if (!config.maskEnvironmentVariables) return [];
  return config.environmentVariables
    .filter(variable => worthMasking(variable.value, variable.name))
    .map(variable => variable.value);
}

/**
 * Masks the environment values worth masking: long ones, or ones whose name says they are secret.
 * Short and common values (`production`, `6379`) are left alone: masking them would blank those words
 * out of every later log line. Values passed as `${{ secrets.* }}` are masked by the runner anyway.
 */
export function maskEnvironmentValues(config: DeployBeanstalkInputs, logger: Logger): void {
  if (!config.maskEnvironmentVariables) return;
  const left: string[] = [];
  for (const variable of config.environmentVariables) {
    if (worthMasking(variable.value, variable.name)) logger.mask(variable.value);
    else if (variable.value !== '') left.push(variable.name);
  }
  if (left.length > 0) {
    logger.info(
      `Not masked (too short or common to be a secret, and masking would blank them from every log line): ${left.join(', ')}`
    );
  }
}
