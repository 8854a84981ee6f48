export * from './client.js';
export * from './excerpts.js';
export * from './format.js';
export * from './report.js';
