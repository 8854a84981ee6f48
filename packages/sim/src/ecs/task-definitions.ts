/**
 * Task definitions: families and revisions, AWS's validation of what can be registered, the read-only
 * fields AWS adds, and how references (family, family:revision, ARN) resolve.
 */
import { SimError } from '../core/errors.js';
import {
  clientError,
  invalidParameter,
  serializationError,
  ts,
  type Arns,
  type EcsState,
  type Json,
  type Tag,
  type TaskDefinition
} from './model.js';

/** Members of RegisterTaskDefinition that describe the task (everything else is tags or read-only). */
const READ_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'deregisteredAt',
  'registeredBy'
];
const CONTAINER_INTEGERS = ['cpu', 'memory', 'memoryReservation', 'startTimeout', 'stopTimeout'];

/** Valid Fargate task sizes: cpu units -> allowed memory (MiB). */
const FARGATE_SIZES: Record<string, number[]> = {
  '256': [512, 1024, 2048],
  '512': range(1024, 4096, 1024),
  '1024': range(2048, 8192, 1024),
  '2048': range(4096, 16384, 1024),
  '4096': range(8192, 30720, 1024),
  '8192': range(16384, 61440, 4096),
  '16384': range(32768, 122880, 8192)
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** "1 vCPU" -> "1024", "2 GB" -> "2048"; numeric strings stay as they are. */
function normaliseSize(value: unknown, unit: 'cpu' | 'memory'): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serializationError(unit, value);
  const text = value.trim();
  if (/^\d+$/.test(text)) return text;
  const m = unit === 'cpu' ? /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(text) : /^(\d+(?:\.\d+)?)\s*gb$/i.exec(text);
  if (m) return String(Math.round(Number(m[1]) * 1024));
  throw clientError(`Invalid '${unit}' setting for task. Received ${JSON.stringify(value)}.`);
}

export function validateAndBuild(params: Json): {
  body: Json;
  tags: Tag[];
  requiresAttributes: { name: string }[];
  compatibilities: string[];
} {
  const family = params.family;
  if (family === undefined || family === null || family === '')
    throw clientError('Family must not be null or empty.');
  if (typeof family !== 'string') throw serializationError('family', family);
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
    throw clientError(
      'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.'
    );
  }
  const containers = params.containerDefinitions;
  if (containers === undefined || containers === null) throw clientError('Container list cannot be empty.');
  if (!Array.isArray(containers)) throw serializationError('containerDefinitions', containers);
  if (containers.length === 0) throw clientError('Container list cannot be empty.');
  if (containers.length > 10)
    throw clientError('Too many containers. A task definition can have at most 10 containers.');

  const body: Json = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'tags' || READ_ONLY.includes(key) || value === undefined || value === null) continue;
    body[key] = value;
  }
  const cpu = normaliseSize(params.cpu, 'cpu');
  const memory = normaliseSize(params.memory, 'memory');
  if (cpu !== undefined) body.cpu = cpu;
  if (memory !== undefined) body.memory = memory;

  const names = new Set<string>();
  for (const [i, raw] of containers.entries()) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw serializationError(`containerDefinitions[${i}]`, raw);
    const c = raw as Json;
    if (typeof c.name !== 'string' || c.name === '')
      throw clientError('Container.name should not be null or empty.');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(c.name)) {
      throw clientError(`Container.name contains invalid characters: ${c.name}`);
    }
    if (names.has(c.name))
      throw clientError(`Duplicate container name: ${c.name}. Container names must be unique.`);
    names.add(c.name);
    if (typeof c.image !== 'string' || c.image === '')
      throw clientError('Container.image should not be null or empty.');
    for (const key of CONTAINER_INTEGERS) {
      if (c[key] !== undefined && (typeof c[key] !== 'number' || !Number.isInteger(c[key]))) {
        throw serializationError(`containerDefinitions.${key}`, c[key]);
      }
    }
    for (const mapping of (c.portMappings as Json[] | undefined) ?? []) {
      for (const key of ['containerPort', 'hostPort']) {
        if (
          mapping[key] !== undefined &&
          (typeof mapping[key] !== 'number' || !Number.isInteger(mapping[key]))
        ) {
          throw serializationError(`portMappings.${key}`, mapping[key]);
        }
      }
    }
    for (const env of (c.environment as Json[] | undefined) ?? []) {
      if (env.value !== undefined && typeof env.value !== 'string')
        throw serializationError('environment.value', env.value);
    }
    if (memory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      throw clientError(
        `Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`
      );
    }
  }
  if (![...containers].some(c => (c as Json).essential !== false)) {
    throw clientError('Task definition must contain at least one essential container.');
  }

  const requires = (params.requiresCompatibilities as unknown[] | undefined) ?? [];
  if (!Array.isArray(requires)) throw serializationError('requiresCompatibilities', requires);
  const fargate = requires.includes('FARGATE');
  if (fargate) {
    if (params.networkMode !== 'awsvpc') throw clientError("Fargate only supports network mode 'awsvpc'.");
    if (cpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.");
    if (memory === undefined)
      throw clientError("Fargate requires that 'memory' be defined at the task level.");
    const allowed = FARGATE_SIZES[cpu];
    if (!allowed || !allowed.includes(Number(memory))) {
      throw clientError(
        `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`
      );
    }
  }
  const usesAwslogs = containers.some(
    c => ((c as Json).logConfiguration as Json | undefined)?.logDriver === 'awslogs'
  );
  if (fargate && usesAwslogs && !params.executionRoleArn) {
    throw clientError(
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.'
    );
  }
  const usesSecrets = containers.some(
    c => Array.isArray((c as Json).secrets) && ((c as Json).secrets as unknown[]).length > 0
  );
  if (usesSecrets && !params.executionRoleArn) {
    throw clientError(
      "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'."
    );
  }
  return {
    body,
    tags: [],
    requiresAttributes: requiredAttributes(params, containers as Json[]),
    compatibilities: fargate || params.networkMode === 'awsvpc' ? ['EC2', 'FARGATE'] : ['EC2']
  };
}

/** The agent capabilities AWS derives from a task definition (a representative subset). */
function requiredAttributes(params: Json, containers: Json[]): { name: string }[] {
  const names = new Set<string>();
  if (params.taskRoleArn) names.add('com.amazonaws.ecs.capability.task-iam-role');
  if (params.networkMode === 'awsvpc') {
    names.add('com.amazonaws.ecs.capability.docker-remote-api.1.18');
    names.add('ecs.capability.task-eni');
  }
  for (const c of containers) {
    const log = (c.logConfiguration as Json | undefined)?.logDriver;
    if (log === 'awslogs') {
      names.add('com.amazonaws.ecs.capability.logging-driver.awslogs');
      if (params.executionRoleArn) names.add('ecs.capability.execution-role-awslogs');
      names.add('com.amazonaws.ecs.capability.docker-remote-api.1.19');
    }
    if (typeof c.image === 'string' && /\.dkr\.ecr\./.test(c.image)) {
      names.add('com.amazonaws.ecs.capability.ecr-auth');
      if (params.executionRoleArn) names.add('ecs.capability.execution-role-ecr-pull');
    }
    const secrets = (c.secrets as Json[] | undefined) ?? [];
    if (secrets.some(s => String(s.valueFrom).includes(':secretsmanager:'))) {
      names.add('ecs.capability.secrets.asm.environment-variables');
    }
    if (secrets.some(s => !String(s.valueFrom).includes(':secretsmanager:'))) {
      names.add('ecs.capability.secrets.ssm.environment-variables');
    }
    if (c.healthCheck) names.add('ecs.capability.container-health-check');
  }
  return [...names].sort().map(name => ({ name }));
}

export function register(
  state: EcsState,
  arns: Arns,
  params: Json,
  registeredBy: string,
  now: number,
  tags: Tag[]
): TaskDefinition {
  const built = validateAndBuild(params);
  const family = params.family as string;
  const revisions = state.families.get(family) ?? [];
  const revision = (revisions.at(-1)?.revision ?? 0) + 1;
  const td: TaskDefinition = {
    family,
    revision,
    arn: arns.taskDefinition(family, revision),
    status: 'ACTIVE',
    registeredAt: now,
    registeredBy,
    body: built.body,
    requiresAttributes: built.requiresAttributes,
    compatibilities: built.compatibilities,
    tags
  };
  revisions.push(td);
  state.families.set(family, revisions);
  return td;
}

/** Resolves `family` (latest ACTIVE), `family:revision` or an ARN; undefined when none matches. */
export function resolve(state: EcsState, reference: string): TaskDefinition | undefined {
  const ref = reference.startsWith('arn:') ? /:task-definition\/(.+)$/.exec(reference)?.[1] : reference;
  if (!ref) return undefined;
  const [family, revision] = ref.split(':');
  const revisions = state.families.get(family) ?? [];
  if (revision === undefined) return [...revisions].reverse().find(td => td.status === 'ACTIVE');
  return revisions.find(td => td.revision === Number(revision));
}

export function mustResolve(state: EcsState, reference: unknown, what = 'taskDefinition'): TaskDefinition {
  if (typeof reference !== 'string' || reference === '') throw invalidParameter(`${what} can not be blank.`);
  if (
    reference.startsWith('arn:') &&
    !/^arn:aws:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/.test(reference)
  ) {
    throw invalidParameter(`Invalid revision number. Number: ${reference.split(':').at(-1)}`);
  }
  const td = resolve(state, reference);
  if (!td) throw clientError('Unable to describe task definition.');
  return td;
}

export function view(td: TaskDefinition): Json {
  return {
    taskDefinitionArn: td.arn,
    ...td.body,
    family: td.family,
    revision: td.revision,
    status: td.status,
    requiresAttributes: td.requiresAttributes,
    compatibilities: td.compatibilities,
    registeredAt: ts(td.registeredAt),
    ...(td.deregisteredAt !== undefined ? { deregisteredAt: ts(td.deregisteredAt) } : {}),
    registeredBy: td.registeredBy
  };
}

export function containersOf(td: TaskDefinition): Json[] {
  return td.body.containerDefinitions as Json[];
}

export function list(state: EcsState, params: Json): string[] {
  const prefix = params.familyPrefix;
  const status = (params.status as string | undefined) ?? 'ACTIVE';
  if (!['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'].includes(status)) {
    throw invalidParameter(`status must be ACTIVE, INACTIVE or DELETE_IN_PROGRESS, got ${status}`);
  }
  const sort = (params.sort as string | undefined) ?? 'ASC';
  if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter(`sort must be ASC or DESC, got ${sort}`);
  const all = [...state.families.entries()]
    .filter(([family]) => prefix === undefined || family === prefix)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([, revisions]) => revisions)
    .filter(td => td.status === status)
    .map(td => td.arn);
  if (sort === 'DESC') all.reverse();
  return all;
}

export function unknownTaskDefinition(): SimError {
  return clientError('Unable to describe task definition.');
}
