import type {
  RegisterTaskDefinitionCommandInput,
  ServiceManagedEBSVolumeConfiguration,
  ServiceVolumeConfiguration,
  TaskManagedEBSVolumeConfiguration,
  TaskVolumeConfiguration
} from '@aws-sdk/client-ecs';
import { inputError } from '@deploy-suite/core';

/**
 * The members of ServiceManagedEBSVolumeConfiguration and what each must be. The SDK would drop a
 * misspelt member silently (and ECS would then create a volume without it), so every key is checked here.
 */
const MEMBERS = {
  roleArn: 'string',
  encrypted: 'boolean',
  kmsKeyId: 'string',
  volumeType: 'string',
  sizeInGiB: 'number',
  snapshotId: 'string',
  volumeInitializationRate: 'number',
  iops: 'number',
  throughput: 'number',
  tagSpecifications: 'list',
  filesystemType: 'string'
} as const satisfies Record<
  keyof ServiceManagedEBSVolumeConfiguration,
  'string' | 'boolean' | 'number' | 'list'
>;

/** RunTask's TaskManagedEBSVolumeConfiguration: the service's members and what happens to the volume after the task. */
const TASK_MEMBERS = { ...MEMBERS, terminationPolicy: 'object' } as const satisfies Record<
  keyof TaskManagedEBSVolumeConfiguration,
  'string' | 'boolean' | 'number' | 'list' | 'object'
>;

/** An IAM role ARN (ECS's infrastructure role that creates and attaches the volume). */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Volume names the way ECS allows them in a task definition. */
const VOLUME_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Reads `<prefix>-name` + `<prefix>` (aws-actions' `service-managed-ebs-volume-name` and
 * `service-managed-ebs-volume`) into UpdateService's `volumeConfigurations`. Both or neither: aws-actions
 * only warns when the JSON is missing and deploys without the volume, which leaves a task definition whose
 * volume is configured at launch without a configuration, so ECS refuses the tasks later.
 */
export function readServiceManagedEbsVolume(
  nameInput: string,
  name: string | undefined,
  configInput: string,
  config: unknown
): ServiceVolumeConfiguration[] | undefined {
  const volume = readManagedEbsVolume(nameInput, name, configInput, config, 'service');
  return (
    volume && [
      {
        name: volume.name,
        managedEBSVolume: volume.config as unknown as ServiceManagedEBSVolumeConfiguration
      }
    ]
  );
}

/**
 * `run-task-managed-ebs-volume-name` + `run-task-managed-ebs-volume` (aws-actions' names): RunTask's
 * `volumeConfigurations` for the one-off task, with the same checks as the service's.
 */
export function readTaskManagedEbsVolume(
  nameInput: string,
  name: string | undefined,
  configInput: string,
  config: unknown
): TaskVolumeConfiguration[] | undefined {
  const volume = readManagedEbsVolume(nameInput, name, configInput, config, 'task');
  return (
    volume && [
      { name: volume.name, managedEBSVolume: volume.config as unknown as TaskManagedEBSVolumeConfiguration }
    ]
  );
}

function readManagedEbsVolume(
  nameInput: string,
  name: string | undefined,
  configInput: string,
  config: unknown,
  scope: 'service' | 'task'
): { name: string; config: Record<string, unknown> } | undefined {
  const members: Record<string, string> = scope === 'service' ? MEMBERS : TASK_MEMBERS;
  const shape =
    scope === 'service' ? 'ServiceManagedEBSVolumeConfiguration' : 'TaskManagedEBSVolumeConfiguration';
  if (name === undefined && config === undefined) return undefined;
  if (name === undefined || config === undefined) {
    throw inputError(
      `Inputs "${nameInput}" and "${configInput}" go together: give the name of the task definition's volume ` +
        `that is configuredAtLaunch and its ${shape} JSON (only "${name === undefined ? configInput : nameInput}" was given)`
    );
  }
  if (!VOLUME_NAME.test(name)) {
    throw inputError(
      `Input "${nameInput}" must be a volume name (letters, digits, - and _), got ${JSON.stringify(name)}`
    );
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw inputError(
      `Input "${configInput}" must be a JSON object, e.g. {"roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole", "sizeInGiB": 20}`
    );
  }
  const problems: string[] = [];
  const volume: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const kind = members[key];
    if (!kind) {
      problems.push(`"${key}" is not a member of ${shape} (${Object.keys(members).join(', ')})`);
      continue;
    }
    if (value === null) continue;
    if (kind === 'number' && typeof value === 'string' && /^\s*\d+\s*$/.test(value))
      volume[key] = Number(value);
    else if (kind === 'boolean' && (value === 'true' || value === 'false')) volume[key] = value === 'true';
    else if (kind === 'list' ? Array.isArray(value) : typeof value === kind && !Array.isArray(value))
      volume[key] = value;
    else problems.push(`"${key}" must be a ${kind === 'list' ? 'list' : kind}`);
  }
  if (typeof volume.roleArn !== 'string' || !ROLE_ARN.test(volume.roleArn)) {
    problems.push(
      '"roleArn" is required: the ARN of the IAM role ECS uses to manage the volume, e.g. arn:aws:iam::123456789012:role/ecsInfrastructureRole'
    );
  }
  if (problems.length > 0) throw inputError(`Input "${configInput}": ${problems.join('; ')}`);
  return { name, config: volume };
}

/**
 * ECS accepts a volume configuration only for a task definition volume of that name that is
 * `configuredAtLaunch`; checked against the rendered task definition before anything is registered.
 */
export function checkConfiguredAtLaunch(
  taskDefinition: Pick<RegisterTaskDefinitionCommandInput, 'family' | 'volumes'>,
  configurations: readonly { name?: string }[],
  nameInput: string
): void {
  for (const { name } of configurations) {
    const volume = (taskDefinition.volumes ?? []).find(candidate => candidate.name === name);
    if (volume?.configuredAtLaunch === true) continue;
    const known = (taskDefinition.volumes ?? []).map(candidate => candidate.name).filter(Boolean);
    throw inputError(
      `Input "${nameInput}" names volume "${name}", but task definition ${taskDefinition.family ?? ''} ` +
        (volume
          ? 'does not set "configuredAtLaunch": true on it. Set it in the task definition\'s "volumes"'
          : `has no volume of that name (volumes: ${known.length > 0 ? known.join(', ') : 'none'})`)
    );
  }
}
