export * from './api.js';
export * from './health.js';
export * from './decisions.js';
export * from './watch.js';
export * from './known-good.js';
export * from './sdk.js';
export * from './environment.js';
export * from './health-causes.js';
