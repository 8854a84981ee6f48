import { describe, expect, it } from '@jest/globals';
import {
  checkJsonExpectation,
  parseJsonExpectations,
  parseJsonPath,
  readJsonPath
} from '../src/json-path.js';
import { seedBodies } from './servers.js';

function expectation(line: string) {
  return parseJsonExpectations([{ text: line, line: 1 }])[0];
}

describe('parseJsonPath', () => {
  it.each([
    ['status', ['status']],
    ['checks.database', ['checks', 'database']],
    ['items[0].id', ['items', 0, 'id']],
    ['[0].status', [0, 'status']],
    ['matrix[1][2]', ['matrix', 1, 2]],
    ['["vector.db"].status', ['vector.db', 'status']],
    ['services["mcp gateway"]', ['services', 'mcp gateway']],
    ['vector_db', ['vector_db']]
  ])('%s', (path, steps) => {
    expect(parseJsonPath(path)).toEqual(steps);
  });

  it.each(['', '.status', 'status.', 'a..b', 'items[x]', 'items[0', 'a b', '["open'])('rejects %j', path => {
    expect(parseJsonPath(path)).toBeUndefined();
  });
});

describe('checkJsonExpectation on the seed guides health bodies', () => {
  it('ChatRelay: status=healthy', () => {
    expect(checkJsonExpectation(seedBodies.chatRelay, expectation('status=healthy'))).toBeUndefined();
  });

  it('Tria: the version must be the one just deployed', () => {
    expect(checkJsonExpectation(seedBodies.tria('1.1.0'), expectation('version=1.1.0'))).toBeUndefined();
    expect(checkJsonExpectation(seedBodies.tria('1.0.9'), expectation('version=1.1.0'))).toBe(
      'version is "1.0.9", expected "1.1.0"'
    );
  });

  it('Eloquent: 200 with the database down is not healthy', () => {
    expect(checkJsonExpectation(seedBodies.eloquent('down'), expectation('database=ok'))).toBe(
      'database is "down", expected "ok"'
    );
    expect(checkJsonExpectation(seedBodies.eloquent(), expectation('vector_db=ok'))).toBeUndefined();
  });

  it('explains where a path stops', () => {
    expect(checkJsonExpectation(seedBodies.tria(), expectation('checks.database=ok'))).toBe(
      'checks.database is missing: the body has no "checks" (it has status, version)'
    );
    expect(checkJsonExpectation({ items: [] }, expectation('items[0].id=1'))).toBe(
      'items[0].id is missing: items has only 0 items'
    );
    expect(checkJsonExpectation({ items: {} }, expectation('items[0].id=1'))).toBe(
      'items[0].id is missing: items is not an array'
    );
    expect(checkJsonExpectation({ status: 'ok' }, expectation('status.code=1'))).toBe(
      'status.code is missing: status is not an object'
    );
  });

  it('compares numbers, booleans, null and structures by their JSON text', () => {
    const body = { items: [{ id: 1 }], ready: true, error: null, tags: ['blue', 'green'], count: 3 };
    for (const line of ['items[0].id=1', 'ready=true', 'error=null', 'tags=["blue", "green"]', 'count=3']) {
      expect(checkJsonExpectation(body, expectation(line))).toBeUndefined();
    }
    expect(checkJsonExpectation(body, expectation('ready=false'))).toBe('ready is "true", expected "false"');
    // a string "1" is not the number... but both print as 1: the comparison is by text, as documented
    expect(checkJsonExpectation({ id: '1' }, expectation('id=1'))).toBeUndefined();
  });

  it('keeps = inside the value', () => {
    expect(expectation('query=a=b').expected).toBe('a=b');
    expect(readJsonPath({ query: 'a=b' }, ['query'])).toEqual({ found: true, value: 'a=b' });
  });
});
