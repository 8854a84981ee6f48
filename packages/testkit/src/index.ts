export * from './run-action.js';
export * from './sim-world.js';
