import { createHash } from 'node:crypto';
import { inputError } from '@deploy-suite/core';
import { parseJsonDocument, type DocumentSource } from '@deploy-suite/core/documents';

/**
 * The ECS AppSpec a CodeDeploy deployment carries inline (`revision.appSpecContent`): the user's file, kept
 * intact apart from one value, the TaskDefinition of its one `AWS::ECS::Service` resource, set to the
 * revision this step registered. Hooks, LoadBalancerInfo, PlatformVersion, NetworkConfiguration and, in a
 * YAML file, comments and layout stay as they were. Keys are matched ignoring case, as CodeDeploy reads
 * them. Errors name the input and the file, never the file's content.
 */
export interface AppSpecTemplate {
  /** the file as the input gave it, for messages */
  file: string;
  format: 'json' | 'yaml';
  /** LoadBalancerInfo.ContainerName/ContainerPort, when the file says (checked against the task definition) */
  containerName?: string;
  containerPort?: number;
  /** the AppSpec content with the ECS service's TaskDefinition set to `taskDefinitionArn` */
  render(taskDefinitionArn: string): AppSpecContent;
}

/** What CreateDeployment sends: the content and its SHA-256, which CodeDeploy checks. */
export interface AppSpecContent {
  content: string;
  sha256: string;
}

type Node = Record<string, unknown>;

function isMapping(value: unknown): value is Node {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The key of `node` that equals `name` ignoring case, as CodeDeploy matches AppSpec keys. */
function keyOf(node: Node, name: string): string | undefined {
  return Object.keys(node).find(key => key.toLowerCase() === name.toLowerCase());
}

/** Where the TaskDefinition value sits: the path of keys/indices from the document's root. */
function taskDefinitionPath(
  document: unknown,
  source: DocumentSource
): {
  path: Array<string | number>;
  properties: Node;
} {
  const where = `Input "${source.input}": ${source.file}`;
  if (!isMapping(document))
    throw inputError(`${where} is not an AppSpec: expected a mapping with "version" and "Resources"`);
  const resourcesKey = keyOf(document, 'Resources');
  const resources = resourcesKey === undefined ? undefined : document[resourcesKey];
  if (!Array.isArray(resources) || resources.length === 0) {
    throw inputError(
      `${where} has no "Resources" list: an ECS AppSpec names one resource of Type AWS::ECS::Service`
    );
  }
  const found: Array<{ path: Array<string | number>; resource: Node }> = [];
  resources.forEach((entry, index) => {
    if (!isMapping(entry)) return;
    for (const [name, resource] of Object.entries(entry)) {
      const typeKey = isMapping(resource) ? keyOf(resource, 'Type') : undefined;
      if (typeKey !== undefined && String((resource as Node)[typeKey]).toLowerCase() === 'aws::ecs::service')
        found.push({ path: [resourcesKey!, index, name], resource: resource as Node });
    }
  });
  if (found.length !== 1) {
    throw inputError(
      `${where} must have exactly one resource of Type AWS::ECS::Service under "Resources", found ${found.length}`
    );
  }
  const [{ path, resource }] = found;
  const propertiesKey = keyOf(resource, 'Properties');
  const properties = propertiesKey === undefined ? undefined : resource[propertiesKey];
  if (!isMapping(properties)) {
    throw inputError(
      `${where}: the AWS::ECS::Service resource ${String(path[2])} has no "Properties" mapping ` +
        '(TaskDefinition and LoadBalancerInfo go there)'
    );
  }
  return {
    path: [...path, propertiesKey!, keyOf(properties, 'TaskDefinition') ?? 'TaskDefinition'],
    properties
  };
}

function loadBalancerInfo(properties: Node, source: DocumentSource, path: Array<string | number>) {
  const lbKey = keyOf(properties, 'LoadBalancerInfo');
  const lb = lbKey === undefined ? undefined : properties[lbKey];
  if (lb === undefined) return {};
  const name = isMapping(lb) ? lb[keyOf(lb, 'ContainerName') ?? 'ContainerName'] : undefined;
  const port = isMapping(lb) ? Number(lb[keyOf(lb, 'ContainerPort') ?? 'ContainerPort']) : NaN;
  if (typeof name !== 'string' || name === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw inputError(
      `Input "${source.input}": ${source.file}: LoadBalancerInfo of resource ${String(path[2])} needs ContainerName ` +
        '(a container of the task definition) and ContainerPort (its port behind the load balancer)'
    );
  }
  return { containerName: name, containerPort: port };
}

/** A parsed YAML scalar: its style and where its value sits in the source text. */
interface SourceScalar {
  type?: string;
  range?: [number, number, number];
}

/**
 * `text` with the source of `node` (a scalar of the parsed text) replaced by `value`, written in the same
 * style (double-quoted, single-quoted, plain when the value is safe plain); undefined for other nodes.
 */
function spliceScalar(text: string, node: unknown, value: string): string | undefined {
  if (!node || typeof node !== 'object' || !('range' in node) || !('type' in node)) return undefined;
  const { type, range } = node as SourceScalar;
  if (!range) return undefined;
  let written: string;
  if (type === 'QUOTE_DOUBLE') written = JSON.stringify(value);
  else if (type === 'QUOTE_SINGLE') written = `'${value.replace(/'/g, "''")}'`;
  else if (type === 'PLAIN' && /^[A-Za-z0-9][A-Za-z0-9:/._-]*$/.test(value)) written = value;
  else return undefined;
  return text.slice(0, range[0]) + written + text.slice(range[1]);
}

const sha256 = (content: string): string => createHash('sha256').update(content, 'utf8').digest('hex');

/**
 * Reads an AppSpec file (JSON when it starts with `{`, else YAML) and checks it has the one ECS service
 * resource CodeDeploy needs. The YAML parser loads only here, for a step that deploys through CodeDeploy.
 */
export async function parseAppSpec(text: string, source: DocumentSource): Promise<AppSpecTemplate> {
  if (text.trimStart().startsWith('{')) {
    const document = parseJsonDocument(text, source);
    const { path, properties } = taskDefinitionPath(document, source);
    return {
      file: source.file,
      format: 'json',
      ...loadBalancerInfo(properties, source, path),
      render: arn => {
        const copy = structuredClone(document) as Node;
        let node: unknown = copy;
        for (const step of path.slice(0, -1)) node = (node as Node)[step as string];
        (node as Node)[path[path.length - 1] as string] = arn;
        const content = JSON.stringify(copy, null, 2) + '\n';
        return { content, sha256: sha256(content) };
      }
    };
  }
  const { parseYamlDocument } = await import('@deploy-suite/core/yaml-document');
  const document = parseYamlDocument(text, source);
  const { path, properties } = taskDefinitionPath(document.toJS(), source);
  return {
    file: source.file,
    format: 'yaml',
    ...loadBalancerInfo(properties, source, path),
    render: arn => {
      // The file's own text with one scalar's source replaced: comments, layout and quoting stay byte for byte.
      const spliced = spliceScalar(text, document.getIn(path, true), arn);
      if (spliced !== undefined && parseYamlDocument(spliced, source).getIn(path) === arn) {
        return { content: spliced, sha256: sha256(spliced) };
      }
      // No TaskDefinition to replace (or an unusual scalar): the document re-printed, the value added or set.
      const copy = document.clone();
      copy.setIn(path, arn);
      const content = copy.toString({ lineWidth: 0 });
      return { content, sha256: sha256(content) };
    }
  };
}

/**
 * Why the task definition cannot serve the AppSpec's LoadBalancerInfo (CodeDeploy would fail the
 * deployment after it started), or undefined when it can or the AppSpec names no container.
 */
export function appSpecContainerProblem(
  template: AppSpecTemplate,
  containers: ReadonlyArray<{ name?: string; portMappings?: ReadonlyArray<{ containerPort?: number }> }>
): string | undefined {
  if (template.containerName === undefined) return undefined;
  const container = containers.find(candidate => candidate.name === template.containerName);
  const names = containers.map(candidate => candidate.name).join(', ');
  if (!container) {
    return `${template.file} routes traffic to container "${template.containerName}", which the task definition does not have (containers: ${names})`;
  }
  if (!(container.portMappings ?? []).some(mapping => mapping.containerPort === template.containerPort)) {
    return `${template.file} routes traffic to port ${template.containerPort} of container "${template.containerName}", which maps no such port`;
  }
  return undefined;
}
