// createCodeDeployApi comes from '@deploy-suite/aws/codedeploy/client', light enough for a start path
export type { CodeDeployApi } from './client.js';
export * from './appspec.js';
export * from './group.js';
export * from './watch.js';
export * from './deploy.js';
export * from './rollback.js';
