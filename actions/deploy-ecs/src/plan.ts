import type { Service, TaskDefinition, Tag } from '@aws-sdk/client-ecs';
import { ActionError, errorMessage, inputError, type Logger } from '@deploy-suite/core';
import {
  checkConfiguredAtLaunch,
  currentTaskDefinition,
  primaryDeployment,
  describeNamedServices,
  describeProfile,
  findTaskDefinition,
  profileService,
  unsupportedController,
  type EcsApi,
  type ServiceLaunch,
  type ServiceProfile
} from '@deploy-suite/aws/ecs';
import { INPUT, type DeployEcsInputs, type TaskDefinitionSource } from './inputs.js';
import { runTaskRequest } from './run-task.js';
import {
  applyEnvironment,
  applyImages,
  containerNames,
  fillPlaceholders,
  renderTaskDefinition,
  RenderError,
  userTags,
  type TaskDefinitionRequest
} from './render.js';
import { diffTaskDefinitions, type DiffLine } from './diff.js';
import type { Shape } from './shape.js';
import type { CodeDeployApi } from '@deploy-suite/aws/codedeploy';
import { planCodeDeploy, type CodeDeployPlan } from './codedeploy.js';
import { PLACEHOLDER_FIX } from '@deploy-suite/core';
import { parseJsonDocument } from '@deploy-suite/core/documents';

/** What the step will do to one service, decided before any mutating call. */
export interface ServicePlan {
  service: string;
  serviceArn: string;
  /** the revision the service runs now (its PRIMARY deployment) */
  currentTaskDefinitionArn: string;
  currentDesiredCount: number;
  /** which rendered task definition this service gets (services sharing a source share one registration) */
  sourceKey: string;
  taskDefinition: TaskDefinitionRequest;
  diff: DiffLine[];
  /** `container=image` of the rendered revision, for the summary */
  images: string[];
  /** true when registering and updating would change nothing and no new deployment was asked for */
  unchanged: boolean;
  /** controller, strategy, traffic wiring, hooks, alarms, circuit breaker: what "deployed" will mean */
  profile: ServiceProfile;
  /** the service's network and launch settings: run-task's defaults (first service) */
  launch: ServiceLaunch;
  /** CODE_DEPLOY services: the AppSpec and the deployment group CodeDeploy deploys them with */
  codeDeploy?: CodeDeployPlan;
}

export interface PlanDeps {
  api: EcsApi;
  logger: Logger;
  shape: Shape;
  readFile: (path: string) => Promise<string>;
  /** the step's environment, for `${NAME}` placeholders */
  env: Record<string, string | undefined>;
  /** CodeDeploy, for services of the CODE_DEPLOY controller (read-only calls here) */
  codeDeploy?: CodeDeployApi;
  /** reads the `codedeploy-appspec` file (inside the workspace) */
  readAppSpec?: (path: string) => Promise<string>;
}

/**
 * Reads what the services run now, renders every task definition, applies images and environment,
 * and checks the lot. Only describe calls are made; every problem is an input error naming the input.
 */
export async function planDeployment(inputs: DeployEcsInputs, deps: PlanDeps): Promise<ServicePlan[]> {
  const { api } = deps;
  const services = await describeNamedServices(
    api,
    inputs.cluster,
    inputs.services,
    'Check the name and the "cluster" input (services must exist; this action does not create them).'
  );
  const profiles = classifyServices(inputs.services, services, deps.logger);
  const described = new Map<string, Promise<{ taskDefinition: TaskDefinition; tags?: Tag[] }>>();
  const describe = (
    reference: string,
    input: string
  ): Promise<{ taskDefinition: TaskDefinition; tags?: Tag[] }> => {
    let found = described.get(reference);
    if (!found) {
      found = describeTaskDefinition(api, reference, input);
      described.set(reference, found);
    }
    return found;
  };

  // Render each distinct source once, then apply images/env to all of them together.
  const rendered = new Map<string, TaskDefinitionRequest>();
  const missingPlaceholders = new Map<string, string[]>();
  const renderProblems: string[] = [];
  const warnings: string[] = [];
  for (const name of inputs.services) {
    const service = services.get(name)!;
    const source = inputs.sources.get(name) ?? { kind: 'current' };
    const key = sourceKey(source, currentTaskDefinition(service));
    if (rendered.has(key) || missingPlaceholders.has(key)) continue;
    try {
      const document = await loadSource(source, service, deps, describe);
      if (document.refused.length > 0) {
        throw inputError(
          `Input "task-definition": ${document.label} uses ` +
            document.refused.map(({ name, why }) => `\${${name}} (${why})`).join(', ') +
            `, which a placeholder may not read. ${PLACEHOLDER_FIX}`
        );
      }
      if (document.missing.length > 0) {
        missingPlaceholders.set(key, document.missing);
        continue;
      }
      const result = renderTaskDefinition(
        document.value,
        document.label,
        deps.shape,
        source.kind === 'file' ? { keep: inputs.keepNullValueKeys } : undefined
      );
      warnings.push(...result.warnings);
      if (result.dropped.length > 0) {
        deps.logger.info(
          `${document.label}: empty values left out, as aws-actions/amazon-ecs-deploy-task-definition does ` +
            `(name a key in "${INPUT.keepNullValueKeys}" to keep it): ${result.dropped.join(', ')}`
        );
      }
      rendered.set(key, result.taskDefinition);
    } catch (error) {
      if (error instanceof RenderError) renderProblems.push(error.message);
      else throw error;
    }
  }
  if (missingPlaceholders.size > 0) {
    const names = [...new Set([...missingPlaceholders.values()].flat())].sort();
    const files = [...missingPlaceholders.keys()].map(key => key.replace(/^file:/, '')).join(', ');
    throw inputError(
      `Input "task-definition": ${files} uses placeholders with no value in the step's environment: ` +
        `${names.map(name => '${' + name + '}').join(', ')}. Set them under the step's "env:" (or write $\${NAME} for a literal).`
    );
  }
  if (renderProblems.length > 0) {
    throw inputError(`Input "task-definition" cannot be registered: ${renderProblems.join(' | ')}`);
  }
  for (const warning of warnings) deps.logger.warning(warning);

  checkContainersExist(rendered, inputs);

  const plans: ServicePlan[] = [];
  const final = new Map<string, TaskDefinitionRequest>();
  for (const [key, taskDefinition] of rendered) {
    const result = applyEnvironment(applyImages(taskDefinition, inputs.images), inputs.environment);
    checkRegistrable(result, key.replace(/^(file|ref):/, ''));
    const volumes = inputs.serviceSettings.volumeConfigurations;
    if (volumes) checkConfiguredAtLaunch(result, volumes, INPUT.serviceManagedEbsVolumeName);
    final.set(key, result);
  }
  for (const name of inputs.services) {
    const service = services.get(name)!;
    const currentArn = currentTaskDefinition(service);
    const key = sourceKey(inputs.sources.get(name) ?? { kind: 'current' }, currentArn);
    const taskDefinition = final.get(key)!;
    const current = (await describe(currentArn, 'service')).taskDefinition;
    const diff = diffTaskDefinitions(current, taskDefinition, inputs.showValues);
    const desiredChanges = inputs.desiredCount !== undefined && inputs.desiredCount !== service.desiredCount;
    const settings = serviceSettingsDiff(inputs.serviceSettings, service);
    plans.push({
      service: name,
      serviceArn: service.serviceArn ?? name,
      currentTaskDefinitionArn: currentArn,
      currentDesiredCount: service.desiredCount ?? 0,
      sourceKey: key,
      taskDefinition,
      diff: [...diff, ...settings],
      images: (taskDefinition.containerDefinitions ?? []).map(
        container => `${container.name}=${container.image}`
      ),
      unchanged:
        diff.length === 0 &&
        current.family === taskDefinition.family &&
        !inputs.forceNewDeployment &&
        !desiredChanges &&
        settings.length === 0,
      profile: profiles.get(name)!,
      launch: {
        networkConfiguration: service.networkConfiguration,
        launchType: service.launchType,
        capacityProviderStrategy: service.capacityProviderStrategy
      }
    });
  }
  // run-task's overrides and network are checked against the first service's revision now, before any change.
  if (inputs.runTask) {
    runTaskRequest(inputs, plans[0], '(registered)');
    const volumes = inputs.runTask.volumeConfigurations;
    if (volumes) checkConfiguredAtLaunch(plans[0].taskDefinition, volumes, INPUT.runTaskManagedEbsVolumeName);
  }
  await planCodeDeploy(inputs, plans, deps);
  return plans;
}

/**
 * The UpdateService settings given (`enable-ecs-managed-tags`, `propagate-tags`,
 * `service-managed-ebs-volume`) that differ from what the service has, as diff lines: any of them makes
 * an update even when the task definition is unchanged, as aws-actions would make it.
 */
function serviceSettingsDiff(settings: DeployEcsInputs['serviceSettings'], service: Service): DiffLine[] {
  const lines: DiffLine[] = [];
  const tags = service.enableECSManagedTags ?? false;
  if (settings.enableECSManagedTags !== undefined && settings.enableECSManagedTags !== tags)
    lines.push({
      change: '~',
      text: `service enableECSManagedTags: ${tags} -> ${settings.enableECSManagedTags}`
    });
  const propagate = service.propagateTags ?? 'NONE';
  if (settings.propagateTags !== undefined && settings.propagateTags !== propagate)
    lines.push({ change: '~', text: `service propagateTags: ${propagate} -> ${settings.propagateTags}` });
  const volumes = settings.volumeConfigurations;
  if (
    volumes &&
    JSON.stringify(primaryDeployment(service)?.volumeConfigurations ?? []) !== JSON.stringify(volumes)
  )
    lines.push({
      change: '~',
      text: `service volume ${volumes.map(volume => volume.name).join(', ')}: managed EBS volume configuration`
    });
  return lines;
}

/** Classifies every service and refuses, before any change, the ones this action cannot deploy. */
function classifyServices(
  names: readonly string[],
  services: Map<string, Service>,
  logger: Logger
): Map<string, ServiceProfile> {
  const profiles = new Map(names.map(name => [name, profileService(services.get(name)!)]));
  const refused = names.flatMap(
    name => unsupportedController(name, profiles.get(name)!, { viaCodeDeploy: true }) ?? []
  );
  if (refused.length > 0) {
    throw new ActionError('deployment', `Nothing was changed: ${refused.join(' | ')}`);
  }
  for (const [name, profile] of profiles) logger.info(`${name}: ${describeProfile(profile)}`);
  return profiles;
}

function sourceKey(source: TaskDefinitionSource, currentArn: string): string {
  if (source.kind === 'file') return `file:${source.path}`;
  if (source.kind === 'reference') return `ref:${source.reference}`;
  return `ref:${currentArn}`;
}

async function describeTaskDefinition(
  api: EcsApi,
  reference: string,
  input: string
): Promise<{ taskDefinition: TaskDefinition; tags?: Tag[] }> {
  let found: Awaited<ReturnType<typeof findTaskDefinition>>;
  try {
    found = await findTaskDefinition(api, reference, { tags: true });
  } catch (error) {
    throw new ActionError('aws', `Could not describe task definition ${reference}: ${errorMessage(error)}`, {
      cause: error
    });
  }
  if (found) return found;
  if (input === 'task-definition') {
    throw inputError(`Input "task-definition": ${reference} is not a registered task definition`);
  }
  throw new ActionError('aws', `Could not describe task definition ${reference}: ECS does not know it`);
}

async function loadSource(
  source: TaskDefinitionSource,
  service: Service,
  deps: PlanDeps,
  describe: (reference: string, input: string) => Promise<{ taskDefinition: TaskDefinition; tags?: Tag[] }>
): Promise<{
  value: unknown;
  missing: string[];
  refused: Array<{ name: string; why: string }>;
  label: string;
}> {
  if (source.kind === 'file') {
    let text: string;
    try {
      text = await deps.readFile(source.path);
    } catch (error) {
      if (error instanceof ActionError) throw error;
      throw inputError(`Input "task-definition": cannot read ${source.path}: ${errorMessage(error)}`);
    }
    const parsed = parseJsonDocument(text, { input: 'task-definition', file: source.path });
    const filled = fillPlaceholders(parsed, deps.env);
    return { ...filled, label: source.path };
  }
  const reference = source.kind === 'reference' ? source.reference : currentTaskDefinition(service);
  const { taskDefinition, tags } = await describe(
    reference,
    source.kind === 'reference' ? 'task-definition' : 'service'
  );
  return { value: { ...taskDefinition, tags: userTags(tags) }, missing: [], refused: [], label: reference };
}

/** RegisterTaskDefinition refuses a request larger than this (ECS's task definition size limit). */
const MAX_TASK_DEFINITION_BYTES = 64 * 1024;
/** What ECS accepts as an image reference: no whitespace or control characters, at most 255 characters. */
const IMAGE_REFERENCE = /^[^\s\p{Cc}]{1,255}$/u;

/**
 * What ECS would refuse after the registration started, checked now: the request's size and the image
 * reference of every container (images come from the file, placeholders and the `images` input alike).
 */
function checkRegistrable(taskDefinition: TaskDefinitionRequest, source: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(taskDefinition), 'utf8');
  if (bytes > MAX_TASK_DEFINITION_BYTES) {
    throw inputError(
      `Input "task-definition": ${source} renders to ${Math.ceil(bytes / 1024)} KiB; ECS accepts task definitions ` +
        `up to 64 KiB. Move large values (long environment lists, scripts) out of the task definition`
    );
  }
  for (const container of taskDefinition.containerDefinitions ?? []) {
    if (!IMAGE_REFERENCE.test(container.image ?? '')) {
      throw inputError(
        `Container "${container.name}" of ${source} has an image ECS cannot pull: an image reference has no spaces ` +
          `or control characters and at most 255 characters (check "images" and the file's placeholders)`
      );
    }
  }
}

/** Every container named in `images` or `environment-variables` must exist in some task definition. */
function checkContainersExist(rendered: Map<string, TaskDefinitionRequest>, inputs: DeployEcsInputs): void {
  const found = new Set([...rendered.values()].flatMap(containerNames));
  const list = [...found].sort().join(', ');
  const unknownImages = [...inputs.images.keys()].filter(name => !found.has(name));
  if (unknownImages.length > 0) {
    const input = unknownImages.every(name => inputs.containerNameImages.includes(name))
      ? 'container-name'
      : 'images';
    throw inputError(
      `Input "${input}" names ${unknownImages.map(name => `"${name}"`).join(', ')}, which no task definition of this step has. ` +
        `Containers found: ${list}`
    );
  }
  const unknownEnv = [...new Set(inputs.environment.map(setting => setting.container))].filter(
    name => !found.has(name)
  );
  if (unknownEnv.length > 0) {
    throw inputError(
      `Input "environment-variables" names ${unknownEnv.map(name => `"${name}"`).join(', ')}, which no task definition of this step has. ` +
        `Containers found: ${list}`
    );
  }
}
