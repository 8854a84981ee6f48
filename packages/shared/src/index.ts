export * from './errors.js';
export * from './duration.js';
export * from './inputs.js';
export * from './poll.js';
export * from './net.js';
export * from './aws.js';
export * from './logger.js';
export * from './report.js';
