import type { RawInputReader } from '@deploy-suite/core';

/** A reader over a plain object, for tests and for code that calls an action's logic directly. */
export function objectInputReader(
  values: Record<string, string | number | boolean | undefined>
): RawInputReader {
  return name => {
    const value = values[name];
    return value === undefined ? '' : String(value).trim();
  };
}
