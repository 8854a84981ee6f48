import { inputError, type Inputs } from '@deploy-suite/core';
import {
  checkClusterInput,
  checkServiceInputLines,
  parseTaskDefinitionReference,
  type IfBusy,
  type OnPause
} from '@deploy-suite/aws/ecs';
import type { EnvironmentSetting } from './render.js';

/** Input names, as action.yml spells them (the ones shared with aws-actions keep their names). */
export const INPUT = {
  cluster: 'cluster',
  service: 'service',
  taskDefinition: 'task-definition',
  images: 'images',
  environmentVariables: 'environment-variables',
  showValues: 'show-values',
  waitForServiceStability: 'wait-for-service-stability',
  waitForMinutes: 'wait-for-minutes',
  forceNewDeployment: 'force-new-deployment',
  desiredCount: 'desired-count',
  rollbackOnFailure: 'rollback-on-failure',
  recordKnownGood: 'record-known-good',
  dryRun: 'dry-run',
  pollInterval: 'poll-interval',
  ifBusy: 'if-busy',
  onPause: 'on-pause',
  logLines: 'log-lines',
  awsRegion: 'aws-region'
} as const;

/** Where a service's next task definition comes from. */
export type TaskDefinitionSource =
  { kind: 'file'; path: string } | { kind: 'reference'; reference: string } | { kind: 'current' };

export interface DeployEcsInputs {
  cluster: string;
  services: string[];
  /** per service, in the order of `services` */
  sources: Map<string, TaskDefinitionSource>;
  /** container name -> image */
  images: Map<string, string>;
  environment: EnvironmentSetting[];
  /** variable names whose values the diff may show (`show-values`); every other value stays hidden */
  showValues: Set<string>;
  waitForServiceStability: boolean;
  waitMs: number;
  forceNewDeployment: boolean;
  desiredCount?: number;
  rollbackOnFailure: boolean;
  /**
   * false: a deploy that reaches steady state is not recorded as known-good here; a pipeline that verifies
   * first records it afterwards (actions/rollback mode record-known-good), so known-good means verified.
   */
  recordKnownGood: boolean;
  dryRun: boolean;
  pollIntervalMs: number;
  /** another deployment in progress on a service: wait for it (within waitMs), or fail changing nothing */
  ifBusy: IfBusy;
  /** a PAUSE lifecycle hook waiting for action: wait, continue it, or end the step (status paused) */
  onPause: OnPause;
  /** last lines of each essential container's log shown per stopped task of a failed deploy; 0: none */
  logLines: number;
  region?: string;
}

/** Container names (checked in `environment-variables`): the character set ECS allows. */
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Reads and checks every input before anything talks to AWS. `fileExists` decides whether a
 * `task-definition` value is a file path or a reference to a registered revision.
 */
export function readDeployEcsInputs(inputs: Inputs, fileExists: (path: string) => boolean): DeployEcsInputs {
  const cluster = checkClusterInput(inputs.string(INPUT.cluster, { default: 'default' }));
  const services = readServices(inputs);
  const sources = readSources(inputs, services, fileExists);
  const images = new Map(
    inputs.keyValues(INPUT.images, { shape: 'container-name=image' }).map(({ key, value, line }) => {
      if (value === '') throw inputError(`Input "images" line ${line} gives no image for container "${key}"`);
      if (/\s/.test(value))
        throw inputError(`Input "images" line ${line}: the image for container "${key}" contains a space`);
      return [key, value] as const;
    })
  );
  return {
    cluster,
    services,
    sources,
    images,
    environment: readEnvironment(inputs),
    showValues: readShowValues(inputs),
    waitForServiceStability: inputs.boolean(INPUT.waitForServiceStability, true),
    waitMs: inputs.integer(INPUT.waitForMinutes, { min: 1, max: 360, default: 30 }) * 60_000,
    forceNewDeployment: inputs.boolean(INPUT.forceNewDeployment, false),
    desiredCount: inputs.optionalInteger(INPUT.desiredCount, { min: 0, max: 5000 }),
    rollbackOnFailure: inputs.boolean(INPUT.rollbackOnFailure, true),
    recordKnownGood: inputs.boolean(INPUT.recordKnownGood, true),
    dryRun: inputs.boolean(INPUT.dryRun, false),
    pollIntervalMs: inputs.duration(INPUT.pollInterval, { min: 100, max: 300_000, default: '10s' }),
    ifBusy: inputs.oneOf(INPUT.ifBusy, ['wait', 'fail'] as const, 'wait'),
    onPause: inputs.oneOf(INPUT.onPause, ['wait', 'continue', 'stop'] as const, 'wait'),
    logLines: inputs.integer(INPUT.logLines, { min: 0, max: 1000, default: 30 }),
    region: inputs.optionalString(INPUT.awsRegion)
  };
}

function readServices(inputs: Inputs): string[] {
  const lines = inputs.lines(INPUT.service);
  if (lines.length === 0)
    throw inputError('Input "service" is required: give one ECS service name, or several, one per line');
  return checkServiceInputLines(lines);
}

/**
 * `task-definition`: one value for every service, or lines `service=path-or-reference`. A service without
 * a line starts from the task definition it runs now.
 */
function readSources(
  inputs: Inputs,
  services: string[],
  fileExists: (path: string) => boolean
): Map<string, TaskDefinitionSource> {
  const sources = new Map<string, TaskDefinitionSource>(
    services.map(service => [service, { kind: 'current' }])
  );
  const lines = inputs.lines(INPUT.taskDefinition);
  if (lines.length === 0) return sources;
  if (lines.length === 1 && !lines[0].text.includes('=')) {
    const source = readSource(lines[0].text, 1, fileExists);
    for (const service of services) sources.set(service, source);
    return sources;
  }
  for (const { key, value, line } of inputs.keyValues(INPUT.taskDefinition, {
    shape: 'service=path-or-reference'
  })) {
    if (!sources.has(key)) {
      throw inputError(
        `Input "task-definition" line ${line} names service "${key}", which is not in "service" (${services.join(', ')})`
      );
    }
    sources.set(key, readSource(value, line, fileExists));
  }
  return sources;
}

function readSource(text: string, line: number, fileExists: (path: string) => boolean): TaskDefinitionSource {
  if (text.startsWith('arn:')) {
    if (!parseTaskDefinitionReference(text)) {
      throw inputError(
        `Input "task-definition" line ${line} is not a task definition ARN: ${JSON.stringify(text)}; ` +
          'expected arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>'
      );
    }
    return { kind: 'reference', reference: text };
  }
  if (fileExists(text)) return { kind: 'file', path: text };
  if (/\.json$/i.test(text) || text.includes('/') || text.includes('\\')) {
    throw inputError(
      `Input "task-definition" line ${line}: file ${JSON.stringify(text)} not found (paths are relative to the workspace)`
    );
  }
  if (!parseTaskDefinitionReference(text)) {
    throw inputError(
      `Input "task-definition" line ${line} must be a JSON file path, "family", "family:revision" or a task definition ARN, got ${JSON.stringify(text)}`
    );
  }
  return { kind: 'reference', reference: text };
}

/** Environment variable names (as ECS and shells spell them) whose values the diff may show. */
function readShowValues(inputs: Inputs): Set<string> {
  const names = inputs.list(INPUT.showValues);
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
      throw inputError(
        `Input "show-values" must list variable names, e.g. "NODE_ENV, LOG_LEVEL", got ${JSON.stringify(name)}`
      );
    }
  }
  return new Set(names);
}

/**
 * `environment-variables`: one line per variable, `container-name.NAME=value`. Container names cannot
 * hold dots, so the first dot ends the container name; the value may be empty and may hold `=`.
 */
function readEnvironment(inputs: Inputs): EnvironmentSetting[] {
  const seen = new Map<string, number>();
  return inputs
    .keyValues(INPUT.environmentVariables, {
      unique: false,
      shape: 'container-name.NAME=value',
      sensitive: true
    })
    .map(({ key, value, line }) => {
      const dot = key.indexOf('.');
      const container = dot > 0 ? key.slice(0, dot) : '';
      const name = dot > 0 ? key.slice(dot + 1) : '';
      if (!NAME.test(container) || name === '') {
        throw inputError(
          `Input "environment-variables" line ${line} must look like container-name.NAME=value (e.g. backend.NODE_ENV=production), got ${JSON.stringify(key + '=...')}`
        );
      }
      if (seen.has(key))
        throw inputError(
          `Input "environment-variables" sets ${key} twice (lines ${seen.get(key)} and ${line})`
        );
      seen.set(key, line);
      return { container, name, value };
    });
}
