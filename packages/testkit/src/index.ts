export * from './local-registry.js';
export * from './run-action.js';
export * from './sim-world.js';
