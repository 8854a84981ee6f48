import { describe, expect, it } from '@jest/globals';
import { overBudget, readStartBudget, startPath, suiteActions } from '../start-path.js';
import { bundleNode } from '@deploy-suite/testing/run-action';

/**
 * The start path of every bundle (what it loads before failing on its first missing input) stays within
 * bench/bundles/start-budget.json: a new static import of the SDK, yaml or node:https fails here, with the
 * list of files. Sizes, never times. Runs the committed dist/ (npm run build).
 */
const budget = readStartBudget();
const actions = await suiteActions();

describe('bundle start path', () => {
  it.each(actions.map(action => [action.name, action.dir]))(
    '%s loads no more than the budget before reading its inputs',
    async (name, dir) => {
      const start = await startPath(dir, bundleNode());
      expect(start.exitCode).toBe(1);
      expect(start.failure).toMatch(/^Input "[^"]+"/);
      expect(overBudget(name, start, budget)).toEqual([]);
    }
  );

  it('catches a start path over the budget', () => {
    const heavy = {
      exitCode: 1,
      files: [{ file: 'dist/chunks/sdk.js', bytes: budget.maxBytes + 1 }],
      bytes: budget.maxBytes + 1,
      builtins: ['node:https']
    };
    expect(overBudget('x', heavy, budget)).toEqual([
      expect.stringContaining(`x loads ${budget.maxBytes + 1} bytes at start, over the budget`),
      'x loads node:https at start: load it on first use (await import())'
    ]);
  });
});
