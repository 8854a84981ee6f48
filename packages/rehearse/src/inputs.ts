import type { Json } from './expressions.js';

/**
 * Typing of workflow inputs (workflow_dispatch and workflow_call), with the runner's checks: unknown
 * inputs, required inputs not given, booleans and numbers that are not, choices outside the options.
 */

export interface InputDefinition {
  type?: string;
  required?: boolean;
  /** already evaluated (a workflow_call default may be an expression) */
  default?: Json;
  options?: string[];
}

export function typedInputs(
  definitions: Record<string, InputDefinition>,
  given: Record<string, Json>,
  where: string
): { values: Record<string, Json>; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, Json> = {};
  for (const name of Object.keys(given)) {
    if (!(name in definitions)) {
      problems.push(
        `${where}: input "${name}" is not defined by the workflow (defined: ${Object.keys(definitions).join(', ') || 'none'})`
      );
    }
  }
  for (const [name, definition] of Object.entries(definitions)) {
    const type = definition.type ?? 'string';
    const raw = name in given ? given[name] : definition.default;
    if (raw === undefined || raw === null) {
      if (definition.required) problems.push(`${where}: input "${name}" is required but not provided`);
      values[name] = type === 'boolean' ? false : type === 'number' ? null : '';
      continue;
    }
    if (type === 'boolean') {
      const text = String(raw).toLowerCase();
      if (text !== 'true' && text !== 'false') {
        problems.push(`${where}: input "${name}" must be true or false, got ${JSON.stringify(raw)}`);
      }
      values[name] = text === 'true';
    } else if (type === 'number') {
      const number = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (String(raw).trim() === '' || Number.isNaN(number)) {
        problems.push(`${where}: input "${name}" must be a number, got ${JSON.stringify(raw)}`);
      }
      values[name] = number;
    } else {
      const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
      if (type === 'choice' && definition.options && !definition.options.includes(text)) {
        problems.push(
          `${where}: input "${name}" must be one of ${definition.options.join(', ')}, got ${JSON.stringify(text)}`
        );
      }
      values[name] = text;
    }
  }
  return { values, problems };
}
