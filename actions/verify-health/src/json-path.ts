import { inputError } from '@deploy-suite/core';

/**
 * `expect-json` lines: `path=value` (or `path == value`). A path is property names joined by dots, each
 * optionally followed by array indexes: `status`, `checks.database`, `items[0].id`, `[0].status` (a body
 * that is an array), `matrix[1][2]`. A property whose name holds a dot, a bracket or a space is quoted:
 * `["vector.db"].status`. The value is compared as text: a string must equal it exactly, a number,
 * boolean or null must print as it (`count=3`, `ready=true`, `error=null`), and an object or array must
 * equal it as JSON (`tags=["blue","green"]`).
 * @internal exported for its tests; the actions do not use it
 */
export type PathStep = string | number;

export interface JsonExpectation {
  /** the path as written, for messages */
  path: string;
  steps: PathStep[];
  expected: string;
}

/**
 * Parses a path into property names and indexes; undefined when it is malformed.
 * @internal exported for its tests; the actions do not use it
 */
export function parseJsonPath(path: string): PathStep[] | undefined {
  const steps: PathStep[] = [];
  let rest = path;
  let first = true;
  while (rest !== '') {
    let match: RegExpExecArray | null;
    if ((match = /^\[(\d+)\]/.exec(rest))) {
      steps.push(Number(match[1]));
    } else if ((match = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest))) {
      steps.push(JSON.parse(`"${match[1]}"`) as string);
    } else if ((match = (first ? /^([^.[\]\s"=]+)/ : /^\.([^.[\]\s"=]+)/).exec(rest))) {
      steps.push(match[1]);
    } else {
      return undefined;
    }
    rest = rest.slice(match[0].length);
    first = false;
  }
  return steps.length > 0 ? steps : undefined;
}

export function parseJsonExpectations(
  lines: Array<{ text: string; line: number }>,
  input = 'expect-json'
): JsonExpectation[] {
  return lines.map(({ text, line }) => {
    const match = /^(.*?)\s*==?\s*(.*)$/.exec(text);
    const path = match?.[1].trim() ?? '';
    const steps = path === '' ? undefined : parseJsonPath(path);
    if (!match || !steps) {
      throw inputError(
        `Input "${input}" line ${line} must look like path=value, e.g. status=healthy, checks.database=ok or ` +
          `items[0].id=1; got ${JSON.stringify(text)}`
      );
    }
    return { path, steps, expected: match[2].trim() };
  });
}

type Lookup = { found: true; value: unknown } | { found: false; where: string };

function describeStep(step: PathStep): string {
  return typeof step === 'number' ? `[${step}]` : step;
}

/**
 * The value at a path, or where the path stopped matching the document.
 * @internal exported for its tests; the actions do not use it
 */
export function readJsonPath(document: unknown, steps: PathStep[]): Lookup {
  let current = document;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index];
    const upTo = steps.slice(0, index).map(describeStep).join('.').replace(/\.\[/g, '[') || 'the body';
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return { found: false, where: `${upTo} is not an array` };
      if (step >= current.length) return { found: false, where: `${upTo} has only ${current.length} items` };
      current = current[step];
    } else {
      if (!current || typeof current !== 'object' || Array.isArray(current)) {
        return { found: false, where: `${upTo} is not an object` };
      }
      if (!Object.prototype.hasOwnProperty.call(current, step)) {
        const keys = Object.keys(current).slice(0, 8);
        return {
          found: false,
          where: `${upTo} has no "${step}" (it has ${keys.length ? keys.join(', ') : 'no keys'})`
        };
      }
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}

/** The value as the comparison sees it: strings as they are, anything else as JSON text. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function sameJson(actual: unknown, expected: string): boolean {
  try {
    return JSON.stringify(JSON.parse(expected)) === JSON.stringify(actual);
  } catch {
    return false;
  }
}

/** Undefined when the document meets the expectation; otherwise why not. */
export function checkJsonExpectation(document: unknown, expectation: JsonExpectation): string | undefined {
  const lookup = readJsonPath(document, expectation.steps);
  if (!lookup.found) return `${expectation.path} is missing: ${lookup.where}`;
  const actual = lookup.value;
  if (asText(actual) === expectation.expected) return undefined;
  if (actual !== null && typeof actual === 'object' && sameJson(actual, expectation.expected))
    return undefined;
  const shown = asText(actual);
  return `${expectation.path} is ${JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown)}, expected ${JSON.stringify(expectation.expected)}`;
}
