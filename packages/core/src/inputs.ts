import { inputError } from './errors.js';
import { parseDuration, formatDuration } from './duration.js';
import { NOT_SHOWN } from './secrets.js';

/**
 * Reads a raw input by its name as `action.yml` spells it. Returns '' when the input was not given, like
 * the runner does. Logic receives an `Inputs` built over such a reader, so tests feed inputs by name
 * (never by call order) and no code outside `main.ts` touches the process environment.
 */
export type RawInputReader = (name: string) => string;

/** The runner passes input `foo-bar` as env `INPUT_FOO-BAR` (spaces become `_`, letters upper-cased). */
export function envInputReader(env: NodeJS.ProcessEnv = process.env): RawInputReader {
  return name => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export interface IntegerOptions {
  min?: number;
  max?: number;
  default?: number;
}

export interface DurationOptions {
  /** milliseconds */
  min?: number;
  /** milliseconds */
  max?: number;
  /** e.g. '10s'; parsed like a given value */
  default?: string;
}

export interface KeyValueOptions {
  /** what separates key and value on each line; default '=' */
  separator?: string;
  /** reject two lines with the same key (default true) */
  unique?: boolean;
  /** what a line should look like, for the error message, e.g. 'container-name=image' */
  shape?: string;
  /** the values may be secrets: an error names the line number, never its text */
  sensitive?: boolean;
}

export interface KeyValue {
  key: string;
  value: string;
  /** 1-based line number within the input, for error messages */
  line: number;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

/** Typed access to an action's inputs; every error names the input, what it got and what it accepts. */
export class Inputs {
  constructor(private readonly read: RawInputReader) {}

  /** The raw text of an input ('' when not given). */
  raw(name: string): string {
    return this.read(name);
  }

  has(name: string): boolean {
    return this.read(name) !== '';
  }

  string(name: string, options: { default?: string } = {}): string {
    const value = this.read(name);
    return value === '' ? (options.default ?? '') : value;
  }

  optionalString(name: string): string | undefined {
    const value = this.read(name);
    return value === '' ? undefined : value;
  }

  required(name: string, hint?: string): string {
    const value = this.read(name);
    if (value === '') {
      throw inputError(`Input "${name}" is required${hint ? `: ${hint}` : ''}`);
    }
    return value;
  }

  boolean(name: string, defaultValue: boolean): boolean {
    const value = this.read(name);
    if (value === '') return defaultValue;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw inputError(`Input "${name}" must be true or false, got ${quote(value)}`);
  }

  integer(name: string, options: IntegerOptions = {}): number {
    const value = this.read(name);
    const { min, max } = options;
    const accepts =
      min !== undefined && max !== undefined
        ? `a whole number from ${min} to ${max}`
        : min !== undefined
          ? `a whole number of at least ${min}`
          : max !== undefined
            ? `a whole number of at most ${max}`
            : 'a whole number';
    if (value === '') {
      if (options.default !== undefined) return options.default;
      throw inputError(`Input "${name}" is required: give ${accepts}`);
    }
    if (!/^[-+]?\d+$/.test(value)) {
      throw inputError(`Input "${name}" must be ${accepts}, got ${quote(value)}`);
    }
    const parsed = Number(value);
    if (
      (min !== undefined && parsed < min) ||
      (max !== undefined && parsed > max) ||
      !Number.isSafeInteger(parsed)
    ) {
      throw inputError(`Input "${name}" must be ${accepts}, got ${quote(value)}`);
    }
    return parsed;
  }

  optionalInteger(name: string, options: Omit<IntegerOptions, 'default'> = {}): number | undefined {
    return this.has(name) ? this.integer(name, options) : undefined;
  }

  /** A duration such as `500ms`, `30s`, `10m`, `1h` (or `1m30s`), in milliseconds. */
  duration(name: string, options: DurationOptions = {}): number {
    const value = this.read(name) || options.default || '';
    const range =
      options.min !== undefined && options.max !== undefined
        ? ` from ${formatDuration(options.min)} to ${formatDuration(options.max)}`
        : options.min !== undefined
          ? ` of at least ${formatDuration(options.min)}`
          : options.max !== undefined
            ? ` of at most ${formatDuration(options.max)}`
            : '';
    const accepts = `a duration${range} such as 500ms, 30s, 10m or 1h`;
    if (value === '') throw inputError(`Input "${name}" is required: give ${accepts}`);
    const ms = parseDuration(value);
    if (
      ms === undefined ||
      (options.min !== undefined && ms < options.min) ||
      (options.max !== undefined && ms > options.max)
    ) {
      throw inputError(`Input "${name}" must be ${accepts}, got ${quote(value)}`);
    }
    return ms;
  }

  /** Items separated by newlines or commas, trimmed, empty ones dropped. */
  list(name: string): string[] {
    return splitList(this.read(name));
  }

  /** Non-empty lines, trimmed; `#` starts a comment line. For values that may themselves hold commas. */
  lines(name: string): Array<{ text: string; line: number }> {
    return splitLines(this.read(name));
  }

  /** Lines `key=value` (or another separator). The value may itself contain the separator. */
  keyValues(name: string, options: KeyValueOptions = {}): KeyValue[] {
    const separator = options.separator ?? '=';
    const shape = options.shape ?? `key${separator}value`;
    const unique = options.unique ?? true;
    const seen = new Map<string, number>();
    return this.lines(name).map(({ text, line }) => {
      const at = text.indexOf(separator);
      const key = at > 0 ? text.slice(0, at).trim() : '';
      if (at <= 0 || key === '') {
        throw inputError(
          `Input "${name}" line ${line} must look like ${shape}, ` +
            (options.sensitive ? NOT_SHOWN : `got ${quote(text)}`)
        );
      }
      if (unique && seen.has(key)) {
        throw inputError(
          `Input "${name}" names ${quote(key)} twice (lines ${seen.get(key)} and ${line}); give each once`
        );
      }
      seen.set(key, line);
      return { key, value: text.slice(at + separator.length).trim(), line };
    });
  }

  /** A value from a fixed set (case-insensitive), returned as spelled in `allowed`. */
  oneOf<T extends string>(name: string, allowed: readonly T[], defaultValue?: T): T {
    const value = this.read(name);
    if (value === '' && defaultValue !== undefined) return defaultValue;
    const match = allowed.find(candidate => candidate.toLowerCase() === value.toLowerCase());
    if (match === undefined) {
      throw inputError(`Input "${name}" must be one of ${allowed.join(', ')}, got ${quote(value)}`);
    }
    return match;
  }

  json<T = unknown>(name: string): T | undefined {
    const value = this.read(name);
    if (value === '') return undefined;
    try {
      return JSON.parse(value) as T;
    } catch (error) {
      throw inputError(`Input "${name}" must be valid JSON: ${(error as Error).message}`);
    }
  }

  /** Parses a YAML input. Async because the parser (about 100 KB) loads on first use, not at every start. */
  async yaml<T = unknown>(name: string): Promise<T | undefined> {
    const value = this.read(name);
    if (value === '') return undefined;
    const { parse: parseYamlText } = await import('./yaml-parse.js');
    try {
      return parseYamlText(value, { prettyErrors: true, uniqueKeys: true }) as T;
    } catch (error) {
      const firstLine = (error as Error).message.split('\n')[0];
      throw inputError(`Input "${name}" must be valid YAML: ${firstLine}`);
    }
  }
}

/** @internal exported for its tests; the actions do not use it */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map(item => item.trim())
    .filter(item => item !== '');
}

export function splitLines(text: string): Array<{ text: string; line: number }> {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ text: raw.trim(), line: index + 1 }))
    .filter(({ text }) => text !== '' && !text.startsWith('#'));
}
