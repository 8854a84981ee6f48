import { inputError, type Inputs } from '@deploy-suite/core';
import {
  checkCapacityProviderStrategy,
  checkContainerOverrides,
  checkNetworkIds,
  checkStartedBy,
  checkTaskTags,
  type RunTaskSettings,
  checkClusterInput,
  checkServiceInputLines,
  parseTaskDefinitionReference,
  readServiceManagedEbsVolume,
  readTaskManagedEbsVolume,
  type IfBusy,
  type OnPause
} from '@deploy-suite/aws/ecs';
import type { ServiceVolumeConfiguration } from '@aws-sdk/client-ecs';
import type { EnvironmentSetting } from './render.js';

/** The run-task inputs (AED's names and meanings: a one-off task, e.g. a migration, before the deploy). */
const RUN_TASK_INPUT = {
  runTask: 'run-task',
  runTaskContainerOverrides: 'run-task-container-overrides',
  runTaskSubnets: 'run-task-subnets',
  runTaskSecurityGroups: 'run-task-security-groups',
  runTaskAssignPublicIp: 'run-task-assign-public-IP',
  runTaskLaunchType: 'run-task-launch-type',
  runTaskCapacityProviderStrategy: 'run-task-capacity-provider-strategy',
  runTaskStartedBy: 'run-task-started-by',
  runTaskTags: 'run-task-tags',
  runTaskManagedEbsVolumeName: 'run-task-managed-ebs-volume-name',
  runTaskManagedEbsVolume: 'run-task-managed-ebs-volume',
  waitForTaskStopped: 'wait-for-task-stopped'
} as const;

/** Input names, as action.yml spells them (the ones shared with aws-actions keep their names). */
export const INPUT = {
  cluster: 'cluster',
  service: 'service',
  taskDefinition: 'task-definition',
  images: 'images',
  containerName: 'container-name',
  image: 'image',
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
  codeDeployAppSpec: 'codedeploy-appspec',
  codeDeployApplication: 'codedeploy-application',
  codeDeployDeploymentGroup: 'codedeploy-deployment-group',
  codeDeployDeploymentDescription: 'codedeploy-deployment-description',
  codeDeployDeploymentConfig: 'codedeploy-deployment-config',
  logLines: 'log-lines',
  awsRegion: 'aws-region',
  enableEcsManagedTags: 'enable-ecs-managed-tags',
  propagateTags: 'propagate-tags',
  serviceManagedEbsVolumeName: 'service-managed-ebs-volume-name',
  serviceManagedEbsVolume: 'service-managed-ebs-volume',
  keepNullValueKeys: 'keep-null-value-keys',
  maxRetries: 'max-retries',
  ...RUN_TASK_INPUT
} as const;

/** UpdateService's propagateTags values. */
const PROPAGATE_TAGS = ['SERVICE', 'TASK_DEFINITION', 'NONE'] as const;

/**
 * Inputs of aws-actions/amazon-ecs-render-task-definition this action has no input for. The runner only
 * warns about an input an action does not declare, so a step switched by its `uses:` line would deploy
 * without them, silently: refused instead, saying where the value goes.
 */
const RENDER_ONLY: Record<string, string> = {
  'task-definition-arn': 'give the ARN as "task-definition"',
  'task-definition-family': 'give the family (or family:revision) as "task-definition"',
  'task-definition-revision': 'give family:revision as "task-definition"',
  'log-configuration-log-driver':
    'set containerDefinitions[].logConfiguration.logDriver in the task-definition file',
  'log-configuration-options':
    'set containerDefinitions[].logConfiguration.options in the task-definition file',
  'docker-labels': 'set containerDefinitions[].dockerLabels in the task-definition file',
  command: 'set containerDefinitions[].command in the task-definition file',
  'task-role-arn': 'set taskRoleArn in the task-definition file',
  'execution-role-arn': 'set executionRoleArn in the task-definition file',
  'env-files': 'set containerDefinitions[].environmentFiles in the task-definition file',
  secrets: 'set containerDefinitions[].secrets in the task-definition file'
};

/** Retries after the first attempt when `max-retries` is not given (the suite's own default: 8 attempts). */
const DEFAULT_MAX_RETRIES = 7;

/** How services of the CODE_DEPLOY controller are deployed (AED's inputs, same names and defaults). */
interface CodeDeployInputs {
  /** the AppSpec file (YAML or JSON), relative to the workspace; read only when a service uses CodeDeploy */
  appSpec: string;
  /** empty: `AppECS-<cluster>-<service>` */
  application?: string;
  /** empty: `DgpECS-<cluster>-<service>` */
  deploymentGroup?: string;
  description?: string;
  /** empty: the group's own configuration */
  deploymentConfig?: string;
}

/** Where a service's next task definition comes from. */
export type TaskDefinitionSource =
  { kind: 'file'; path: string } | { kind: 'reference'; reference: string } | { kind: 'current' };

export interface DeployEcsInputs {
  cluster: string;
  services: string[];
  /** per service, in the order of `services` */
  sources: Map<string, TaskDefinitionSource>;
  /** container name -> image (the `images` lines and `container-name` + `image`) */
  images: Map<string, string>;
  /** the containers `container-name` named (their image is in `images`) */
  containerNameImages: string[];
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
  codeDeploy: CodeDeployInputs;
  /** last lines of each essential container's log shown per stopped task of a failed deploy; 0: none */
  logLines: number;
  region?: string;
  /** run-task: true; the task runs the first service's new revision before any service is updated */
  runTask?: RunTaskSettings;
  /** UpdateService settings aws-actions' deploy passes through; undefined: not sent, the service keeps its own */
  serviceSettings: {
    enableECSManagedTags?: boolean;
    propagateTags?: (typeof PROPAGATE_TAGS)[number];
    volumeConfigurations?: ServiceVolumeConfiguration[];
  };
  /** keys of a task-definition file whose empty values are kept (aws-actions' `keep-null-value-keys`) */
  keepNullValueKeys: Set<string>;
  /** attempts per AWS call, counting the first (`max-retries` + 1) */
  maxAttempts: number;
}

/** Container names (checked in `environment-variables`): the character set ECS allows. */
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Reads and checks every input before anything talks to AWS. `fileExists` decides whether a
 * `task-definition` value is a file path or a reference to a registered revision.
 */
export function readDeployEcsInputs(inputs: Inputs, fileExists: (path: string) => boolean): DeployEcsInputs {
  for (const [name, fix] of Object.entries(RENDER_ONLY)) {
    if (inputs.has(name)) {
      throw inputError(
        `Input "${name}" (aws-actions/amazon-ecs-render-task-definition's) is not an input of deploy-ecs: ${fix}`
      );
    }
  }
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
  const single = readContainerImage(inputs, images);
  return {
    cluster,
    services,
    sources,
    images,
    containerNameImages: single,
    environment: readEnvironment(inputs, single),
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
    region: inputs.optionalString(INPUT.awsRegion),
    serviceSettings: {
      enableECSManagedTags: inputs.has(INPUT.enableEcsManagedTags)
        ? inputs.boolean(INPUT.enableEcsManagedTags, false)
        : undefined,
      propagateTags: inputs.has(INPUT.propagateTags)
        ? inputs.oneOf(INPUT.propagateTags, PROPAGATE_TAGS)
        : undefined,
      volumeConfigurations: readServiceManagedEbsVolume(
        INPUT.serviceManagedEbsVolumeName,
        inputs.optionalString(INPUT.serviceManagedEbsVolumeName),
        INPUT.serviceManagedEbsVolume,
        inputs.json(INPUT.serviceManagedEbsVolume)
      )
    },
    keepNullValueKeys: new Set(inputs.list(INPUT.keepNullValueKeys)),
    maxAttempts: inputs.integer(INPUT.maxRetries, { min: 0, max: 20, default: DEFAULT_MAX_RETRIES }) + 1,
    runTask: readRunTask(inputs),
    codeDeploy: readCodeDeploy(inputs)
  };
}

/**
 * The run-task inputs, every one checked now (before any AWS call). The container names are checked
 * against the task definition by the plan. Without `run-task: true` the others must be left out: a
 * forgotten switch would otherwise skip a migration silently.
 */
function readRunTask(inputs: Inputs): RunTaskSettings | undefined {
  const names = Object.values(RUN_TASK_INPUT).filter(name => name !== INPUT.runTask);
  if (!inputs.boolean(INPUT.runTask, false)) {
    // started-by and wait-for-task-stopped have defaults in action.yml: only a value that asks for something counts.
    const stray = names.filter(name =>
      name === INPUT.runTaskStartedBy
        ? false
        : name === INPUT.waitForTaskStopped
          ? inputs.raw(name).toLowerCase() === 'true'
          : inputs.raw(name) !== ''
    );
    if (stray.length > 0) {
      throw inputError(
        `Input ${stray.map(name => `"${name}"`).join(', ')} is set but "run-task" is not true: set run-task: true to run the task, or remove them`
      );
    }
    return undefined;
  }
  const launchType = inputs.raw(INPUT.runTaskLaunchType)
    ? inputs.oneOf(INPUT.runTaskLaunchType, ['FARGATE', 'EC2', 'EXTERNAL', 'MANAGED_INSTANCES'] as const)
    : undefined;
  const capacityProviderStrategy = checkCapacityProviderStrategy(
    inputs.raw(INPUT.runTaskCapacityProviderStrategy),
    INPUT.runTaskCapacityProviderStrategy
  );
  if (launchType && capacityProviderStrategy) {
    throw inputError(
      `Inputs "${INPUT.runTaskLaunchType}" and "${INPUT.runTaskCapacityProviderStrategy}" exclude each other (ECS refuses both): give one`
    );
  }
  return {
    containerOverrides: checkContainerOverrides(
      inputs.raw(INPUT.runTaskContainerOverrides),
      INPUT.runTaskContainerOverrides
    ),
    subnets: checkNetworkIds(inputs.list(INPUT.runTaskSubnets), INPUT.runTaskSubnets, 'subnet'),
    securityGroups: checkNetworkIds(
      inputs.list(INPUT.runTaskSecurityGroups),
      INPUT.runTaskSecurityGroups,
      'sg'
    ),
    assignPublicIp: inputs.raw(INPUT.runTaskAssignPublicIp)
      ? inputs.oneOf(INPUT.runTaskAssignPublicIp, ['ENABLED', 'DISABLED'] as const)
      : undefined,
    launchType,
    capacityProviderStrategy,
    startedBy: checkStartedBy(
      inputs.string(INPUT.runTaskStartedBy, { default: 'GitHub-Actions' }),
      INPUT.runTaskStartedBy
    ),
    tags: checkTaskTags(inputs.raw(INPUT.runTaskTags), INPUT.runTaskTags),
    volumeConfigurations: readTaskManagedEbsVolume(
      INPUT.runTaskManagedEbsVolumeName,
      inputs.optionalString(INPUT.runTaskManagedEbsVolumeName),
      INPUT.runTaskManagedEbsVolume,
      inputs.json(INPUT.runTaskManagedEbsVolume)
    ),
    waitForStopped: inputs.boolean(INPUT.waitForTaskStopped, false)
  };
}

/**
 * `container-name` + `image`, the form of aws-actions/amazon-ecs-render-task-definition: the same as one
 * `images` line per named container (render takes several names, comma-separated, for one image). Added to
 * `images`; returns the container names, which render's `environment-variables` lines (`NAME=value`) apply to.
 */
function readContainerImage(inputs: Inputs, images: Map<string, string>): string[] {
  const names = inputs.list(INPUT.containerName);
  const image = inputs.optionalString(INPUT.image);
  if (names.length === 0 && image === undefined) return [];
  if (names.length === 0 || image === undefined) {
    throw inputError(
      `Inputs "container-name" and "image" go together (only "${image === undefined ? 'container-name' : 'image'}" was given): ` +
        'give both, or list the containers in "images" as container-name=image lines'
    );
  }
  if (/\s/.test(image)) throw inputError('Input "image" contains a space');
  for (const name of names) {
    if (!NAME.test(name)) {
      throw inputError(
        `Input "container-name" must name containers (letters, digits, - and _), comma-separated, got ${JSON.stringify(name)}`
      );
    }
    if (images.has(name)) {
      throw inputError(
        `Inputs "container-name" and "images" both set the image of container "${name}": keep one of them`
      );
    }
    images.set(name, image);
  }
  return names;
}

/** CodeDeploy's names: applications, groups and configurations have 1 to 100 characters, no control characters. */
const CODEDEPLOY_NAME = /^[^\p{Cc}]{1,100}$/u;
/** Longest description this action sends (CodeDeploy's own limit is not documented; AED sends it as given). */
const MAX_DESCRIPTION = 1000;

function readCodeDeploy(inputs: Inputs): CodeDeployInputs {
  const name = (input: string, example: string): string | undefined => {
    const value = inputs.optionalString(input);
    if (value !== undefined && !CODEDEPLOY_NAME.test(value)) {
      throw inputError(
        `Input "${input}" must be a CodeDeploy name of 1 to 100 characters on one line (e.g. ${example}), got ${value.length} characters`
      );
    }
    return value;
  };
  const appSpec = inputs.string(INPUT.codeDeployAppSpec, { default: 'appspec.yaml' });
  if (!/\.(ya?ml|json)$/i.test(appSpec)) {
    throw inputError(
      `Input "codedeploy-appspec" must name a .yaml, .yml or .json AppSpec file relative to the workspace, got ${JSON.stringify(appSpec)}`
    );
  }
  const description = inputs.optionalString(INPUT.codeDeployDeploymentDescription);
  if (description !== undefined && description.length > MAX_DESCRIPTION) {
    throw inputError(
      `Input "codedeploy-deployment-description" has ${description.length} characters; at most ${MAX_DESCRIPTION} are sent`
    );
  }
  return {
    appSpec,
    application: name(INPUT.codeDeployApplication, 'docuthinker-app'),
    deploymentGroup: name(INPUT.codeDeployDeploymentGroup, 'docuthinker-dg'),
    description,
    deploymentConfig: name(INPUT.codeDeployDeploymentConfig, 'CodeDeployDefault.ECSAllAtOnce')
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
 * hold dots, so the first dot ends the container name; the value may be empty and may hold `=`. With
 * `container-name` given, a line `NAME=value` (no dot: render-task-definition's form) sets NAME in those
 * containers.
 */
function readEnvironment(inputs: Inputs, renderContainers: readonly string[]): EnvironmentSetting[] {
  const seen = new Map<string, number>();
  return inputs
    .keyValues(INPUT.environmentVariables, {
      unique: false,
      shape: 'container-name.NAME=value',
      sensitive: true
    })
    .flatMap(({ key, value, line }) => {
      if (!key.includes('.') && renderContainers.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        return renderContainers.map(container => {
          const full = `${container}.${key}`;
          if (seen.has(full))
            throw inputError(
              `Input "environment-variables" sets ${full} twice (lines ${seen.get(full)} and ${line})`
            );
          seen.set(full, line);
          return { container, name: key, value };
        });
      }
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
      return [{ container, name, value }];
    });
}
