import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import type { TaskDefinitionRequest } from './render.js';
import { READ_ONLY_FIELDS } from './render.js';
import { describeVariableChange } from '@deploy-suite/core';

/** One readable difference: `~ backend image: ...:v1 -> ...:v2`, `+ container xray-daemon`. */
export interface DiffLine {
  change: '+' | '-' | '~';
  text: string;
}

const CONTAINER_FIELDS_SHOWN = [
  'image',
  'cpu',
  'memory',
  'memoryReservation',
  'environment',
  'secrets'
] as const;
const TASK_FIELDS_SHOWN = ['cpu', 'memory', 'taskRoleArn', 'executionRoleArn', 'networkMode'] as const;

/**
 * What registering `next` changes compared with what the service runs now: images, environment
 * (added, changed, removed; `value: ""` counts), secrets by name, cpu and memory, containers added or
 * removed, and the names of any other fields that differ. Empty when the revision would be identical.
 * Environment values are never shown (the old ones come from AWS, where the runner cannot mask them),
 * except for the variable names in `showValues` (the `show-values` input).
 */
export function diffTaskDefinitions(
  current: TaskDefinition | TaskDefinitionRequest | undefined,
  next: TaskDefinitionRequest,
  showValues: ReadonlySet<string> = new Set()
): DiffLine[] {
  if (!current) return [{ change: '+', text: `new task definition family ${next.family}` }];
  const lines: DiffLine[] = [];
  for (const field of TASK_FIELDS_SHOWN) {
    changed(lines, `task ${field}`, current[field], next[field]);
  }
  const before = new Map(
    (current.containerDefinitions ?? []).map(container => [container.name ?? '', container])
  );
  const after = new Map(
    (next.containerDefinitions ?? []).map(container => [container.name ?? '', container])
  );
  for (const [name, container] of after) {
    const old = before.get(name);
    if (!old) {
      lines.push({ change: '+', text: `container ${name} (${container.image})` });
      continue;
    }
    diffContainer(lines, name, old, container, showValues);
  }
  for (const name of before.keys()) {
    if (!after.has(name)) lines.push({ change: '-', text: `container ${name}` });
  }
  const others = otherChangedFields(
    current as unknown as Record<string, unknown>,
    next as unknown as Record<string, unknown>
  );
  if (others.length > 0) lines.push({ change: '~', text: `other fields: ${others.join(', ')}` });
  return lines;
}

function diffContainer(
  lines: DiffLine[],
  name: string,
  old: ContainerDefinition,
  next: ContainerDefinition,
  showValues: ReadonlySet<string>
): void {
  changed(lines, `${name} image`, old.image, next.image);
  changed(lines, `${name} cpu`, old.cpu, next.cpu);
  changed(lines, `${name} memory`, old.memory, next.memory);
  changed(lines, `${name} memoryReservation`, old.memoryReservation, next.memoryReservation);
  const oldEnv = new Map((old.environment ?? []).map(entry => [entry.name ?? '', entry.value ?? '']));
  const newEnv = new Map((next.environment ?? []).map(entry => [entry.name ?? '', entry.value ?? '']));
  for (const [key, value] of newEnv) {
    const shown = showValues.has(key);
    if (!oldEnv.has(key))
      lines.push({
        change: '+',
        text: describeVariableChange(`${name} env ${key}`, 'added', undefined, value, shown)
      });
    else if (oldEnv.get(key) !== value)
      lines.push({
        change: '~',
        text: describeVariableChange(`${name} env ${key}`, 'changed', oldEnv.get(key), value, shown)
      });
  }
  for (const [key, value] of oldEnv)
    if (!newEnv.has(key))
      lines.push({
        change: '-',
        text: describeVariableChange(`${name} env ${key}`, 'removed', value, undefined, showValues.has(key))
      });
  const oldSecrets = new Map((old.secrets ?? []).map(entry => [entry.name ?? '', entry.valueFrom ?? '']));
  const newSecrets = new Map((next.secrets ?? []).map(entry => [entry.name ?? '', entry.valueFrom ?? '']));
  for (const [key, from] of newSecrets) {
    if (!oldSecrets.has(key)) lines.push({ change: '+', text: `${name} secret ${key} from ${from}` });
    else if (oldSecrets.get(key) !== from)
      lines.push({ change: '~', text: `${name} secret ${key} now from ${from}` });
  }
  for (const key of oldSecrets.keys())
    if (!newSecrets.has(key)) lines.push({ change: '-', text: `${name} secret ${key}` });
  const others = otherChangedFields(
    old as Record<string, unknown>,
    next as unknown as Record<string, unknown>,
    ['name', ...CONTAINER_FIELDS_SHOWN]
  );
  if (others.length > 0) lines.push({ change: '~', text: `${name} ${others.join(', ')}` });
}

function changed(lines: DiffLine[], label: string, before: unknown, after: unknown): void {
  if (normalise(before) === normalise(after)) return;
  if (before === undefined) lines.push({ change: '+', text: `${label}: ${String(after)}` });
  else if (after === undefined) lines.push({ change: '-', text: `${label} (was ${String(before)})` });
  else lines.push({ change: '~', text: `${label}: ${String(before)} -> ${String(after)}` });
}

/** Names of fields, other than the ones shown in detail, whose values differ. */
function otherChangedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  shown: readonly string[] = [
    'family',
    'containerDefinitions',
    'tags',
    ...TASK_FIELDS_SHOWN,
    ...READ_ONLY_FIELDS
  ]
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter(key => !shown.includes(key) && normalise(before[key]) !== normalise(after[key]))
    .sort();
}

/** Stable JSON for comparison: object keys sorted, empty lists and undefined treated alike. */
function normalise(value: unknown): string {
  const canonical = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.length === 0 ? undefined : node.map(canonical);
    if (node && typeof node === 'object' && !(node instanceof Date)) {
      const entries = Object.entries(node)
        .map(([key, item]) => [key, canonical(item)] as const)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => a.localeCompare(b));
      return entries.length === 0 ? undefined : Object.fromEntries(entries);
    }
    return node === null ? undefined : node;
  };
  return JSON.stringify(canonical(value)) ?? 'undefined';
}

export function formatDiff(lines: readonly DiffLine[]): string {
  return lines.length === 0 ? '  (no change)' : lines.map(line => `  ${line.change} ${line.text}`).join('\n');
}
