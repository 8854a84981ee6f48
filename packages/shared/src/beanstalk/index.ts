export * from './api.js';
export * from './health.js';
export * from './decisions.js';
export * from './watch.js';
export * from './records.js';
export * from './sdk.js';
