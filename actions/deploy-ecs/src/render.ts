import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag } from '@aws-sdk/client-ecs';
import type { Shape } from './shape.js';
import { SUITE_TAG_PREFIX } from '@deploy-suite/aws/ecs';
import { refusedPlaceholder } from '@deploy-suite/core';

/** A task definition ready for RegisterTaskDefinition. */
export type TaskDefinitionRequest = RegisterTaskDefinitionCommandInput;

/** Fields describe-task-definition returns that RegisterTaskDefinition refuses: dropped without a word. */
export const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt'
] as const;

export interface EnvironmentSetting {
  container: string;
  name: string;
  value: string;
}

export interface RenderResult {
  taskDefinition: TaskDefinitionRequest;
  /** unknown keys (dropped) and similar, each naming where it was found */
  warnings: string[];
  /** paths of the empty values removed (`dropEmpty`), for an info line */
  dropped: string[];
}

/**
 * aws-actions/amazon-ecs-deploy-task-definition removes every empty value from a task-definition file
 * before registering it (null, "", and lists and objects holding nothing else), except under the keys
 * named in its `keep-null-value-keys`, and it puts `value: ""` back on environment entries. Documents
 * written for it rely on that (a console export's `"hostPort": ""`), so files get the same treatment.
 * A registered revision (`current`, `family:revision`) is copied as ECS returns it and never cleaned.
 */
interface DropEmpty {
  /** key names (at any depth) whose empty values stay */
  keep: ReadonlySet<string>;
}

/** Empty as aws-actions counts it; a kept key counts as a value, so the object holding it stays. */
function isEmptyValue(value: unknown, keep: ReadonlySet<string>): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.every(item => isEmptyValue(item, keep));
  if (isObject(value))
    return Object.entries(value).every(([key, item]) => !keep.has(key) && isEmptyValue(item, keep));
  return false;
}

/** The environment value "" is meaningful (a flag set to nothing): never dropped. */
function keepsEmpty(shape: Shape, key: string, empty: DropEmpty): boolean {
  return empty.keep.has(key) || (shape.kind === 'struct' && shape.name === 'KeyValuePair' && key === 'value');
}

interface Conform {
  warnings: string[];
  problems: string[];
  empty?: DropEmpty;
  dropped: string[];
}

/** Thrown for a document that cannot be registered; lists every problem found, not just the first. */
export class RenderError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[]
  ) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'RenderError';
  }
}

const PLACEHOLDER = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Fills `${NAME}` in every string of the document from `env`; `$${NAME}` stays as a literal `${NAME}`.
 * Returns the names that had no value, all of them, so the step can list them at once, and the names
 * that may never be read (runner and credential variables, see secrets.ts), which are left unfilled.
 */
export function fillPlaceholders(
  document: unknown,
  env: Record<string, string | undefined>
): { value: unknown; missing: string[]; refused: Array<{ name: string; why: string }> } {
  const missing = new Set<string>();
  const refused = new Map<string, string>();
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (whole: string, escaped: string | undefined, name: string) => {
        if (escaped) return whole.slice(1);
        const why = refusedPlaceholder(name);
        if (why) {
          refused.set(name, why);
          return whole;
        }
        const value = env[name];
        if (value === undefined) {
          missing.add(name);
          return whole;
        }
        return value;
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value)]));
    }
    return node;
  };
  const value = fill(document);
  return {
    value,
    missing: [...missing].sort(),
    refused: [...refused].sort(([a], [b]) => a.localeCompare(b)).map(([name, why]) => ({ name, why }))
  };
}

/**
 * Accepts what people actually have: a register-task-definition document, a `describe-task-definition`
 * dump (`{"taskDefinition": {...}, "tags": [...]}`) or the bare `taskDefinition` object of one.
 * Read-only fields are removed quietly.
 */
function unwrapDocument(document: unknown, source: string): Record<string, unknown> {
  if (!isObject(document)) throw new RenderError(source, ['the task definition must be a JSON object']);
  let body: Record<string, unknown> = document;
  if (isObject(document.taskDefinition) && document.containerDefinitions === undefined) {
    body = { ...document.taskDefinition };
    if (Array.isArray(document.tags) && document.tags.length > 0 && body.tags === undefined)
      body.tags = document.tags;
  } else {
    body = { ...document };
  }
  for (const field of READ_ONLY_FIELDS) delete body[field];
  return body;
}

/**
 * Checks a document against the SDK's shape: unknown keys are dropped with a warning naming them (the SDK
 * would drop them silently), numbers written as strings become numbers, numbers where ECS wants strings
 * (task-level `cpu: 256`) become strings, `"true"`/`"false"` become booleans; anything else of the wrong
 * type is an error naming its path. Without `empty` (a registered revision), empty values are kept as they are.
 */
function conformToShape(value: unknown, shape: Shape, path: string, context: Conform): unknown {
  const { warnings, problems, empty } = context;
  if (value === null || value === undefined) return undefined;
  switch (shape.kind) {
    case 'struct': {
      if (!isObject(value)) {
        problems.push(`${path || 'the document'} must be an object, got ${describe(value)}`);
        return undefined;
      }
      const result: Record<string, unknown> = {};
      const unknown: string[] = [];
      for (const [key, member] of Object.entries(value)) {
        if (empty && !keepsEmpty(shape, key, empty) && isEmptyValue(member, empty.keep)) {
          if (member !== null && member !== undefined) context.dropped.push(join(path, key));
          continue;
        }
        const memberShape = shape.members[key];
        if (!memberShape) {
          unknown.push(join(path, key));
          continue;
        }
        const conformed = conformToShape(member, memberShape, join(path, key), context);
        if (conformed !== undefined) result[key] = conformed;
      }
      if (unknown.length > 0) {
        warnings.push(
          `Unknown task definition ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map(name => `"${name}"`).join(', ')} ` +
            `(not a member of ${shape.name} in the AWS SDK): dropped. Check the spelling.`
        );
      }
      return result;
    }
    case 'list':
      if (!Array.isArray(value)) {
        problems.push(`${path} must be a list, got ${describe(value)}`);
        return undefined;
      }
      return value.flatMap((item, index) => {
        if (empty && isEmptyValue(item, empty.keep)) {
          context.dropped.push(`${path}[${index}]`);
          return [];
        }
        return [conformToShape(item, shape.item, `${path}[${index}]`, context)];
      });
    case 'map':
      if (!isObject(value)) {
        problems.push(`${path} must be an object of names to values, got ${describe(value)}`);
        return undefined;
      }
      return Object.fromEntries(
        Object.entries(value).flatMap(([key, item]) => {
          if (empty && !empty.keep.has(key) && isEmptyValue(item, empty.keep)) {
            context.dropped.push(`${path}.${key}`);
            return [];
          }
          return [[key, conformToShape(item, shape.value, `${path}.${key}`, context)]];
        })
      );
    case 'number':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
      problems.push(`${path} must be a number, got ${describe(value)}`);
      return undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      problems.push(`${path} must be true or false, got ${describe(value)}`);
      return undefined;
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      problems.push(`${path} must be a string, got ${describe(value)}`);
      return undefined;
    default:
      return value;
  }
}

/**
 * Turns a task-definition document into a RegisterTaskDefinition request: unwrap, strip read-only
 * fields, drop empty values (`dropEmpty`: files, as aws-actions does), check it against the SDK's shape,
 * require a family and named containers with images. Images and environment are applied afterwards,
 * across all task definitions of the step (see plan.ts).
 */
export function renderTaskDefinition(
  document: unknown,
  source: string,
  shape: Shape,
  dropEmpty?: DropEmpty
): RenderResult {
  const body = unwrapDocument(document, source);
  const context: Conform = { warnings: [], problems: [], empty: dropEmpty, dropped: [] };
  const { warnings, problems } = context;
  const conformed = conformToShape(body, shape, '', context) as TaskDefinitionRequest | undefined;
  if (conformed) {
    if (!conformed.family) problems.push('"family" is required');
    const containers = conformed.containerDefinitions ?? [];
    if (containers.length === 0) problems.push('"containerDefinitions" must list at least one container');
    containers.forEach((container, index) => {
      if (!container?.name) problems.push(`containerDefinitions[${index}].name is required`);
      if (!container?.image) problems.push(`containerDefinitions[${index}].image is required`);
    });
  }
  if (problems.length > 0 || !conformed) throw new RenderError(source, problems);
  return {
    taskDefinition: conformed,
    warnings: warnings.map(warning => `${source}: ${warning}`),
    dropped: context.dropped
  };
}

/** Sets the image of every container with that name; returns the container names it matched. */
export function applyImages(
  taskDefinition: TaskDefinitionRequest,
  images: ReadonlyMap<string, string>
): TaskDefinitionRequest {
  return {
    ...taskDefinition,
    containerDefinitions: (taskDefinition.containerDefinitions ?? []).map(container =>
      container.name && images.has(container.name)
        ? { ...container, image: images.get(container.name) }
        : container
    )
  };
}

/**
 * Sets or replaces environment entries of named containers; every other entry, `secrets`,
 * `logConfiguration` and all other fields are kept as they are.
 */
export function applyEnvironment(
  taskDefinition: TaskDefinitionRequest,
  settings: readonly EnvironmentSetting[]
): TaskDefinitionRequest {
  return {
    ...taskDefinition,
    containerDefinitions: (taskDefinition.containerDefinitions ?? []).map(container => {
      const mine = settings.filter(setting => setting.container === container.name);
      if (mine.length === 0) return container;
      const environment = [...(container.environment ?? [])];
      for (const setting of mine) {
        const existing = environment.findIndex(entry => entry.name === setting.name);
        const entry = { name: setting.name, value: setting.value };
        if (existing >= 0) environment[existing] = entry;
        else environment.push(entry);
      }
      return { ...container, environment } satisfies ContainerDefinition;
    })
  };
}

export function containerNames(taskDefinition: TaskDefinitionRequest): string[] {
  return (taskDefinition.containerDefinitions ?? []).map(container => container.name ?? '').filter(Boolean);
}

/** Tags of the suite's own records are not copied into a new revision. */
export function userTags(tags: readonly Tag[] | undefined): Tag[] | undefined {
  const kept = (tags ?? []).filter(tag => !tag.key?.startsWith(SUITE_TAG_PREFIX));
  return kept.length > 0 ? kept : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}
