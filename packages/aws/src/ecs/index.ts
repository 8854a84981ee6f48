export * from './client.js';
export * from './arn.js';
export * from './assess.js';
export * from './watch.js';
export * from './known-good.js';
export * from './names.js';
