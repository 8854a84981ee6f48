export * from './client.js';
export * from './image-uri.js';
export * from './scan.js';
