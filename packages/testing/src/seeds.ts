/**
 * The names the seed guides use (shared/seeds), in one place for tests, worlds and benchmarks:
 * DocuThinker (seed 001: ECS on Fargate) and ChatRelay (seed 000: Elastic Beanstalk, multi-container Docker).
 */
export const ACCOUNT = '123456789012';
export const ECR = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;

/** DocuThinker: cluster, services and their images. */
export const CLUSTER = 'docuthinker-cluster';
export const BACKEND = 'backend-service';
export const AI_ML = 'ai-ml-service';
export const backendImage = (tag: string): string => `${ECR}/docuthinker-backend:${tag}`;
export const aiMlImage = (tag: string): string => `${ECR}/docuthinker-ai-ml:${tag}`;

/** ChatRelay: application, environment, the account's Beanstalk storage bucket, its images. */
export const APPLICATION = 'ChatRelay';
export const ENVIRONMENT = 'chatrelay-prod';
export const BUCKET = `elasticbeanstalk-us-east-1-${ACCOUNT}`;
export const chatRelayImage = (
  container: 'main-app' | 'agent-service' | 'mcp-gateway',
  tag: string
): string => `${ECR}/chatrelay/${container}:${tag}`;
