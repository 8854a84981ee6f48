import { inputError, type Inputs } from '@deploy-suite/core';
import { checkBucketInput, parseAcceptedHealth, type HealthColour } from '@deploy-suite/aws/beanstalk';
import { checkClusterInput, checkServiceInputLines, type IfBusy } from '@deploy-suite/aws/ecs';
import { parseBeanstalkTo, parseEcsTo, type BeanstalkTo, type EcsTo } from './target.js';
// the input rules only: the static-site code itself loads when that mode runs (main.ts)
import {
  checkBucketName,
  checkDistributionId,
  normalizePrefix
} from '@deploy-suite/aws/static-site/site-names';
import { isReleaseId } from '@deploy-suite/aws/static-site/records';

/** Input names, as action.yml spells them. */
export const INPUT = {
  cluster: 'cluster',
  service: 'service',
  applicationName: 'application-name',
  environmentName: 'environment-name',
  to: 'to',
  waitForServiceStability: 'wait-for-service-stability',
  waitForMinutes: 'wait-for-minutes',
  pollInterval: 'poll-interval',
  dryRun: 'dry-run',
  force: 'force',
  reason: 'reason',
  acceptedHealth: 'accepted-health',
  bucket: 'bucket',
  siteBucket: 'site-bucket',
  sitePrefix: 'site-prefix',
  distributionId: 'distribution-id',
  ifBusy: 'if-busy',
  awsRegion: 'aws-region',
  mode: 'mode',
  onlyIfCurrent: 'only-if-current',
  recordKnownGood: 'record-known-good',
  codeDeployApplication: 'codedeploy-application',
  codeDeployDeploymentGroup: 'codedeploy-deployment-group',
  logLines: 'log-lines'
} as const;

/**
 * `rollback` (default) puts the target back; `record-known-good` changes nothing that runs and records what
 * runs now as known-good, for a pipeline that verified the deploy (so `to: last-known-good` means verified).
 */
type RollbackMode = 'rollback' | 'record-known-good';
const MODES: readonly RollbackMode[] = ['rollback', 'record-known-good'];

interface CommonInputs {
  waitForServiceStability: boolean;
  waitMs: number;
  pollIntervalMs: number;
  dryRun: boolean;
  force: boolean;
  /** free text for the summary and the record; '' when not given */
  reason: string;
  region?: string;
  mode: RollbackMode;
  /** after a rollback that arrived, record the target as known-good (false: the pipeline verifies first) */
  recordKnownGood: boolean;
}

export interface EcsRollbackInputs extends CommonInputs {
  kind: 'ecs';
  cluster: string;
  services: string[];
  to: EcsTo;
  /** `to` given per service (lines service=target); a service not listed takes `to` */
  toByService: Map<string, EcsTo>;
  /**
   * The guard: act on a service only while it still runs this task definition (the revision this run
   * deployed); a service another run has moved on is skipped and said so. Per service, or '*' for all.
   */
  onlyIfCurrent: Map<string, string>;
  /** another deployment in progress on a service: wait for it (within waitMs), or fail changing nothing */
  ifBusy: IfBusy;
  /** CODE_DEPLOY services: their CodeDeploy application and group (default AppECS-/DgpECS-<cluster>-<service>) */
  codeDeploy: { application?: string; deploymentGroup?: string };
  /** last lines of each essential container's log shown per stopped task of a failed rollback; 0: none */
  logLines: number;
}

export interface BeanstalkRollbackInputs extends CommonInputs {
  kind: 'beanstalk';
  application: string;
  environment: string;
  to: BeanstalkTo;
  acceptedHealth: HealthColour[];
  /** where deploy-beanstalk keeps the known-good record; default: the account's Beanstalk storage bucket */
  bucket?: string;
  /** the guard: act only while the environment still runs this version label */
  onlyIfCurrent?: string;
  /** last lines per log file of each instance's tail logs shown when the rollback fails; 0: none */
  logLines: number;
}

export interface StaticSiteRollbackInputs extends CommonInputs {
  kind: 'static-site';
  bucket: string;
  /** '' or ending in '/' */
  prefix: string;
  distributionId?: string;
  /** `previous` or a release id of deploy-static */
  to: string;
}

export type RollbackInputs = EcsRollbackInputs | BeanstalkRollbackInputs | StaticSiteRollbackInputs;

const BEANSTALK_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/;
const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/;
/** The cluster default action.yml gives: the runner always passes it, so it does not mean "ECS was asked for". */
const DEFAULT_CLUSTER = 'default';

/**
 * Reads and checks every input before anything talks to AWS. ECS (`service`, with `cluster`) and
 * Beanstalk (`application-name` + `environment-name`) are two modes; giving inputs of both is an error.
 */
export function readRollbackInputs(inputs: Inputs): RollbackInputs {
  const cluster = inputs.string(INPUT.cluster, { default: DEFAULT_CLUSTER });
  const ecsGiven: string[] = inputs.has(INPUT.service) ? [INPUT.service] : [];
  if (cluster !== DEFAULT_CLUSTER) ecsGiven.push(INPUT.cluster);
  const beanstalkGiven = [INPUT.applicationName, INPUT.environmentName].filter(name => inputs.has(name));
  const siteGiven = [INPUT.siteBucket, INPUT.sitePrefix, INPUT.distributionId].filter(name =>
    inputs.has(name)
  );
  const modes = [
    ecsGiven.length && `${ecsGiven.map(name => `"${name}"`).join(' and ')} (ECS)`,
    beanstalkGiven.length && `${beanstalkGiven.map(name => `"${name}"`).join(' and ')} (Elastic Beanstalk)`,
    siteGiven.length && `${siteGiven.map(name => `"${name}"`).join(' and ')} (static site)`
  ].filter(Boolean);
  if (siteGiven.length > 0 && modes.length > 1) {
    throw inputError(
      `Inputs ${modes.join(' and ')} were both given; one step rolls back one kind of target: use two steps`
    );
  }
  if (ecsGiven.length > 0 && beanstalkGiven.length > 0) {
    throw inputError(
      `Inputs ${ecsGiven.map(name => `"${name}"`).join(' and ')} (ECS) and ` +
        `${beanstalkGiven.map(name => `"${name}"`).join(' and ')} (Elastic Beanstalk) were both given; ` +
        'one step rolls back either ECS services or one Beanstalk environment: use two steps'
    );
  }
  const common: CommonInputs = {
    waitForServiceStability: inputs.boolean(INPUT.waitForServiceStability, true),
    waitMs: inputs.integer(INPUT.waitForMinutes, { min: 1, max: 360, default: 20 }) * 60_000,
    pollIntervalMs: inputs.duration(INPUT.pollInterval, { min: 100, max: 300_000, default: '10s' }),
    dryRun: inputs.boolean(INPUT.dryRun, false),
    force: inputs.boolean(INPUT.force, false),
    reason: inputs.string(INPUT.reason).trim(),
    region: inputs.optionalString(INPUT.awsRegion),
    mode: readMode(inputs),
    recordKnownGood: inputs.boolean(INPUT.recordKnownGood, true)
  };
  const to = inputs.string(INPUT.to, { default: 'last-known-good' }).trim();

  if (siteGiven.length > 0) return readStaticSiteInputs(inputs, common, to);

  if (beanstalkGiven.length > 0) {
    const application = inputs.required(
      INPUT.applicationName,
      'give the Elastic Beanstalk application (e.g. ChatRelay) together with "environment-name"'
    );
    const environment = inputs.required(
      INPUT.environmentName,
      'give the Elastic Beanstalk environment to roll back (e.g. chatrelay-prod)'
    );
    if (!BEANSTALK_NAME.test(application)) {
      throw inputError(
        `Input "application-name" must be a Beanstalk application name (up to 100 letters, digits, spaces, . _ -), got ${JSON.stringify(application)}`
      );
    }
    if (!ENVIRONMENT_NAME.test(environment)) {
      throw inputError(
        `Input "environment-name" must be a Beanstalk environment name (4 to 40 letters, digits and hyphens), got ${JSON.stringify(environment)}`
      );
    }
    const bucket = checkBucketInput(inputs.optionalString(INPUT.bucket));
    return {
      ...common,
      kind: 'beanstalk',
      application,
      environment,
      to: parseBeanstalkTo(to),
      acceptedHealth: parseAcceptedHealth(inputs.string(INPUT.acceptedHealth, { default: 'Green' })),
      bucket,
      onlyIfCurrent: readBeanstalkGuard(inputs),
      logLines: inputs.integer(INPUT.logLines, { min: 0, max: 1000, default: 30 })
    };
  }

  checkClusterInput(cluster);
  // One per line, or comma separated (a workflow_dispatch text box has no newlines); names hold no commas.
  const lines = inputs.lines(INPUT.service).flatMap(({ text, line }) =>
    text
      .split(',')
      .map(item => item.trim())
      .filter(item => item !== '')
      .map(item => ({ text: item, line }))
  );
  if (lines.length === 0) {
    throw inputError(
      'Input "service" is required: give the ECS service(s) to roll back, one per line ' +
        '(or "application-name" and "environment-name" for Elastic Beanstalk)'
    );
  }
  const services = checkServiceInputLines(lines);
  const perService = perServiceLines(inputs, INPUT.to, services);
  const toByService = new Map([...perService.entries()].map(([name, text]) => [name, parseEcsTo(text)]));
  const defaultTo = perService.size > 0 ? 'last-known-good' : to;
  return {
    ...common,
    kind: 'ecs',
    cluster,
    services,
    to: parseEcsTo(defaultTo),
    toByService,
    onlyIfCurrent: readEcsGuard(inputs, services),
    ifBusy: inputs.oneOf(INPUT.ifBusy, ['wait', 'fail'] as const, 'wait'),
    codeDeploy: {
      application: codeDeployName(inputs, INPUT.codeDeployApplication, services),
      deploymentGroup: codeDeployName(inputs, INPUT.codeDeployDeploymentGroup, services)
    },
    logLines: inputs.integer(INPUT.logLines, { min: 0, max: 1000, default: 30 })
  };
}

/** A CodeDeploy name (1 to 100 characters on one line), for one service only: each has its own group. */
function codeDeployName(inputs: Inputs, input: string, services: string[]): string | undefined {
  const value = inputs.optionalString(input);
  if (value === undefined) return undefined;
  if (!/^[^\p{Cc}]{1,100}$/u.test(value)) {
    throw inputError(`Input "${input}" must be a CodeDeploy name of 1 to 100 characters on one line`);
  }
  if (services.length > 1) {
    throw inputError(
      `Input "${input}" names one CodeDeploy ${input.endsWith('group') ? 'deployment group' : 'application'} for ${services.length} services; ` +
        'leave it empty (AppECS-<cluster>-<service> / DgpECS-<cluster>-<service>) or roll them back in separate steps'
    );
  }
  return value;
}

function readMode(inputs: Inputs): RollbackMode {
  const mode = inputs.string(INPUT.mode, { default: 'rollback' }).trim().toLowerCase() as RollbackMode;
  if (!MODES.includes(mode)) {
    throw inputError(
      `Input "mode" must be ${MODES.map(name => `"${name}"`).join(' or ')}, got ${JSON.stringify(mode)}`
    );
  }
  return mode;
}

/**
 * Lines `service=value` of an input (for `to` and `only-if-current` with several services); empty when
 * the input is one plain value. Every named service must be one of `service`.
 */
function perServiceLines(inputs: Inputs, input: string, services: string[]): Map<string, string> {
  const lines = inputs.lines(input);
  if (!lines.some(({ text }) => text.includes('='))) {
    if (lines.length > 1) {
      throw inputError(
        `Input "${input}" has ${lines.length} lines: give one value, or one line service=value per service`
      );
    }
    return new Map();
  }
  const result = new Map<string, string>();
  for (const { text, line } of lines) {
    const at = text.indexOf('=');
    const name = text.slice(0, at).trim();
    const value = text.slice(at + 1).trim();
    if (at <= 0 || value === '') {
      throw inputError(
        `Input "${input}" line ${line} must look like service=value, got ${JSON.stringify(text)}`
      );
    }
    if (!services.includes(name)) {
      throw inputError(
        `Input "${input}" line ${line} names service ${JSON.stringify(name)}, which is not in "service" (${services.join(', ')})`
      );
    }
    result.set(name, value);
  }
  return result;
}

function readEcsGuard(inputs: Inputs, services: string[]): Map<string, string> {
  const perService = perServiceLines(inputs, INPUT.onlyIfCurrent, services);
  const single = inputs.string(INPUT.onlyIfCurrent).trim();
  const guard = perService.size > 0 ? perService : new Map(single ? [['*', single]] : []);
  for (const value of guard.values()) {
    if (!TASK_DEFINITION_ARN.test(value)) {
      throw inputError(
        'Input "only-if-current" must be a task definition ARN (what deploy-ecs reported as task-definition-arn), ' +
          `or lines service=ARN; got ${JSON.stringify(value)}`
      );
    }
  }
  return guard;
}

function readBeanstalkGuard(inputs: Inputs): string | undefined {
  const label = inputs.string(INPUT.onlyIfCurrent).trim();
  if (label === '') return undefined;
  if (label.length > 100 || label.includes('/') || label.includes('\n')) {
    throw inputError(
      `Input "only-if-current" must be one Beanstalk version label, got ${JSON.stringify(label)}`
    );
  }
  return label;
}

/**
 * Static-site mode: the site deploy-static published (`site-bucket`, `site-prefix`), its distribution,
 * and `to`: `previous` (also what `last-known-good` means here) or a release id.
 */
function readStaticSiteInputs(inputs: Inputs, common: CommonInputs, to: string): StaticSiteRollbackInputs {
  if (common.mode !== 'rollback') {
    throw inputError(
      `Input "mode": ${common.mode} is for ECS services and Beanstalk environments; deploy-static records ` +
        'every release itself, so a static site (site-bucket) only takes mode "rollback"'
    );
  }
  const bucket = checkBucketName(inputs.string(INPUT.siteBucket), INPUT.siteBucket);
  const target = to === 'last-known-good' || to === '' ? 'previous' : to;
  if (target !== 'previous' && !isReleaseId(target)) {
    throw inputError(
      `Input "to" must be previous or a deploy-static release id (its "release" output, e.g. 20261202T041500Z-3f2a9c1), got ${JSON.stringify(to)}`
    );
  }
  return {
    ...common,
    kind: 'static-site',
    bucket,
    prefix: normalizePrefix(inputs.string(INPUT.sitePrefix), INPUT.sitePrefix),
    distributionId: checkDistributionId(inputs.string(INPUT.distributionId), INPUT.distributionId),
    to: target
  };
}
