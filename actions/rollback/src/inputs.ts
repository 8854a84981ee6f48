import { inputError, type Inputs } from '@deploy-suite/core';
import { checkBucketInput, parseAcceptedHealth, type HealthColour } from '@deploy-suite/aws/beanstalk';
import { checkClusterInput, checkServiceInputLines, type IfBusy } from '@deploy-suite/aws/ecs';
import { parseBeanstalkTo, parseEcsTo, type BeanstalkTo, type EcsTo } from './target.js';

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
  ifBusy: 'if-busy',
  awsRegion: 'aws-region'
} as const;

interface CommonInputs {
  waitForServiceStability: boolean;
  waitMs: number;
  pollIntervalMs: number;
  dryRun: boolean;
  force: boolean;
  /** free text for the summary and the record; '' when not given */
  reason: string;
  region?: string;
}

export interface EcsRollbackInputs extends CommonInputs {
  kind: 'ecs';
  cluster: string;
  services: string[];
  to: EcsTo;
  /** another deployment in progress on a service: wait for it (within waitMs), or fail changing nothing */
  ifBusy: IfBusy;
}

export interface BeanstalkRollbackInputs extends CommonInputs {
  kind: 'beanstalk';
  application: string;
  environment: string;
  to: BeanstalkTo;
  acceptedHealth: HealthColour[];
  /** where deploy-beanstalk keeps the known-good record; default: the account's Beanstalk storage bucket */
  bucket?: string;
}

export type RollbackInputs = EcsRollbackInputs | BeanstalkRollbackInputs;

const BEANSTALK_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/;
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
    region: inputs.optionalString(INPUT.awsRegion)
  };
  const to = inputs.string(INPUT.to, { default: 'last-known-good' }).trim();

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
      bucket
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
  return {
    ...common,
    kind: 'ecs',
    cluster,
    services,
    to: parseEcsTo(to),
    ifBusy: inputs.oneOf(INPUT.ifBusy, ['wait', 'fail'] as const, 'wait')
  };
}
