import { isDeepStrictEqual } from 'node:util';
import type { Json } from './expressions.js';

export type Combination = Record<string, Json>;

/**
 * Expands `strategy.matrix` the way GitHub documents it: the product of the vectors, minus every
 * combination an `exclude` entry matches (partially), then each `include` entry is merged into every
 * combination whose original values it agrees with (never overwriting an original value), or
 * becomes a combination of its own when it agrees with none.
 */
export function expandMatrix(matrix: Json): Combination[] {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) {
    throw new Error(`strategy.matrix must be a mapping, got ${JSON.stringify(matrix)}`);
  }
  const { include = [], exclude = [], ...vectors } = matrix;
  for (const [name, values] of Object.entries(vectors)) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`Matrix vector '${name}' does not contain any values`);
    }
  }
  const originalKeys = Object.keys(vectors);
  let combinations: Combination[] =
    originalKeys.length === 0
      ? []
      : originalKeys.reduce<Combination[]>(
          (product, key) =>
            product.flatMap(combination =>
              (vectors[key] as Json[]).map(value => ({ ...combination, [key]: value }))
            ),
          [{}]
        );

  combinations = combinations.filter(
    combination => !entries(exclude, 'exclude').some(entry => matches(combination, entry, Object.keys(entry)))
  );

  const base = [...combinations];
  for (const entry of entries(include, 'include')) {
    const agreeing = base.filter(combination => matches(combination, entry, originalKeys));
    if (agreeing.length === 0) combinations.push({ ...entry });
    for (const combination of agreeing) Object.assign(combination, entry);
  }
  if (combinations.length === 0) throw new Error('The matrix produced no combinations');
  return combinations;
}

function entries(list: Json, name: string): Combination[] {
  if (
    !Array.isArray(list) ||
    list.some(item => item === null || typeof item !== 'object' || Array.isArray(item))
  ) {
    throw new Error(`strategy.matrix.${name} must be a list of mappings`);
  }
  return list as Combination[];
}

function matches(combination: Combination, entry: Combination, keys: string[]): boolean {
  return keys.every(
    key => !(key in entry) || !(key in combination) || isDeepStrictEqual(combination[key], entry[key])
  );
}

/** `build (api, linux)`: the name GitHub gives a matrix job without a `name:`. */
export function matrixJobName(jobName: string, combination: Combination): string {
  const values = Object.values(combination).map(value =>
    typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
  );
  return values.length === 0 ? jobName : `${jobName} (${values.join(', ')})`;
}
