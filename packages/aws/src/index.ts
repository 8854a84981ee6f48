export * from './context.js';
export * from './errors.js';
export * from './console.js';
