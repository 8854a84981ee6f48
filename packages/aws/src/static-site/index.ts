/**
 * Static sites on S3 behind CloudFront: release records, planning by content, publishing by phase,
 * invalidations, and the byte-for-byte rollback. deploy-static and rollback's static-site mode use it.
 */
export * from './kinds.js';
export * from './records.js';
export * from './plan.js';
export * from './store.js';
export * from './cdn.js';
export * from './release.js';
export * from './restore.js';
export * from './sdk.js';
export * from './summary.js';
export * from './site-names.js';
