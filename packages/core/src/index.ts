export * from './errors.js';
export * from './duration.js';
export * from './inputs.js';
export * from './poll.js';
export * from './net.js';
export * from './logger.js';
export * from './markdown.js';
export * from './pool.js';
