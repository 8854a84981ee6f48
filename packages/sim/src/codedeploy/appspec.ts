/**
 * The ECS AppSpec CodeDeploy reads from `revision.appSpecContent.content` (YAML or JSON):
 *
 *   version: 0.0
 *   Resources:
 *     - TargetService:
 *         Type: AWS::ECS::Service
 *         Properties:
 *           TaskDefinition: <task definition ARN>
 *           LoadBalancerInfo: { ContainerName: web, ContainerPort: 80 }
 *           PlatformVersion / NetworkConfiguration.AwsvpcConfiguration / CapacityProviderStrategy (optional)
 *   Hooks:
 *     - BeforeInstall: <Lambda function>
 *
 * Keys are matched case-insensitively, as CodeDeploy does (aws-actions' deploy action relies on it).
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';

export interface EcsAppSpec {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
  platformVersion?: string;
  /** converted to ECS's shape: { awsvpcConfiguration: { subnets, securityGroups, assignPublicIp } } */
  networkConfiguration?: Record<string, unknown>;
  hooks: Record<string, string>;
}

export class AppSpecError extends Error {}

type Node = Record<string, unknown>;

/** A member of `node` whose key equals `name` ignoring case. */
export function field(node: unknown, name: string): unknown {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const key = Object.keys(node).find(k => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (node as Node)[key];
}

export function sha256Hex(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** Parses YAML or JSON content into the AppSpec's document; a syntax error is an AppSpecError. */
export function parseDocument(content: string): unknown {
  try {
    return parse(content);
  } catch (error) {
    throw new AppSpecError(
      `The AppSpec content is neither valid YAML nor JSON: ${(error as Error).message.split('\n')[0]}`
    );
  }
}

/** The ECS target service of an AppSpec document; what is missing or malformed is an AppSpecError. */
export function ecsAppSpecOf(document: unknown): EcsAppSpec {
  if (!document || typeof document !== 'object' || Array.isArray(document))
    throw new AppSpecError('The AppSpec must be a mapping with "version" and "Resources".');
  const resources = field(document, 'Resources');
  if (!Array.isArray(resources) || resources.length === 0)
    throw new AppSpecError(
      'The AppSpec has no Resources: an ECS AppSpec needs one AWS::ECS::Service resource.'
    );
  const services = resources
    .flatMap(r => (r && typeof r === 'object' ? Object.values(r as Node) : []))
    .filter(r => String(field(r, 'Type') ?? '').toLowerCase() === 'aws::ecs::service');
  if (services.length !== 1)
    throw new AppSpecError(
      `The AppSpec must have exactly one resource of Type AWS::ECS::Service, found ${services.length}.`
    );
  const properties = field(services[0], 'Properties');
  const taskDefinition = field(properties, 'TaskDefinition');
  if (typeof taskDefinition !== 'string' || taskDefinition === '')
    throw new AppSpecError('The AppSpec resource has no Properties.TaskDefinition.');
  const lb = field(properties, 'LoadBalancerInfo');
  const containerName = field(lb, 'ContainerName');
  const containerPort = Number(field(lb, 'ContainerPort'));
  if (typeof containerName !== 'string' || containerName === '' || !Number.isInteger(containerPort))
    throw new AppSpecError(
      'The AppSpec resource needs Properties.LoadBalancerInfo with ContainerName and ContainerPort.'
    );
  const platformVersion = field(properties, 'PlatformVersion');
  const vpc = field(field(properties, 'NetworkConfiguration'), 'AwsvpcConfiguration');
  const hooks: Record<string, string> = {};
  const hookList = field(document, 'Hooks');
  if (Array.isArray(hookList))
    for (const h of hookList)
      if (h && typeof h === 'object') for (const [k, v] of Object.entries(h as Node)) hooks[k] = String(v);
  return {
    taskDefinition,
    containerName,
    containerPort,
    ...(typeof platformVersion === 'string' ? { platformVersion } : {}),
    ...(vpc
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: field(vpc, 'Subnets'),
              ...(field(vpc, 'SecurityGroups') !== undefined
                ? { securityGroups: field(vpc, 'SecurityGroups') }
                : {}),
              ...(field(vpc, 'AssignPublicIp') !== undefined
                ? { assignPublicIp: field(vpc, 'AssignPublicIp') }
                : {})
            }
          }
        }
      : {}),
    hooks
  };
}

/** The AppSpec of a rollback to a task set CodeDeploy did not deploy (the service's first one). */
export function appSpecFor(taskDefinition: string, containerName: string, containerPort: number): string {
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${taskDefinition}"`,
    '        LoadBalancerInfo:',
    `          ContainerName: "${containerName}"`,
    `          ContainerPort: ${containerPort}`,
    ''
  ].join('\n');
}
