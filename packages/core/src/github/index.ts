export * from './http.js';
export * from './context.js';
export * from './sticky-comment.js';
