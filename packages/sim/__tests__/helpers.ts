import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { strToU8, zipSync } from 'fflate';
import { simCredentials } from '@deploy-suite/testing';

export { fargateNetwork, frozenSim, simEcsClient as ecsClient } from '@deploy-suite/testing';

export const CLUSTER = 'docuthinker-cluster';
export const BACKEND = 'docuthinker-backend-service';
export const AI_ML = 'docuthinker-ai-ml-service';
export const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
export const backendImage = (tag: string) => `${ECR}/docuthinker-backend:${tag}`;

export const credentials = simCredentials;

/** DocuThinker's backend task definition (Fargate, awslogs, a Secrets Manager secret). */
export function backendTaskDefinition(tag: string): RegisterTaskDefinitionCommandInput {
  return {
    family: 'docuthinker-backend',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    containerDefinitions: [
      {
        name: 'backend',
        image: backendImage(tag),
        essential: true,
        portMappings: [{ containerPort: 5000, protocol: 'tcp' }],
        environment: [{ name: 'NODE_ENV', value: 'production' }],
        secrets: [
          {
            name: 'OPENAI_API_KEY',
            valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docuthinker/openai'
          }
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/ecs/docuthinker-backend',
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'ecs'
          }
        }
      },
      { name: 'xray-daemon', image: 'amazon/aws-xray-daemon', essential: false, memoryReservation: 32 }
    ]
  };
}

/** ChatRelay's images: `${ECR}/chatrelay/<name>:<tag>`. */
export const chatRelayImage = (name: string, tag: string) => `${ECR}/chatrelay/${name}:${tag}`;

/** ChatRelay's three-container Dockerrun.aws.json v2 (../shared/seeds/000_f37453e86c4c0cf0.txt). */
export function chatRelayDockerrun(tag: string): string {
  const container = (name: string, port: number, essential = true) => ({
    name,
    image: chatRelayImage(name, tag),
    essential,
    memory: 512,
    portMappings: [{ hostPort: port, containerPort: port }],
    environment: [{ name: 'PORT', value: String(port) }]
  });
  return JSON.stringify({
    AWSEBDockerrunVersion: 2,
    containerDefinitions: [
      { ...container('main-app', 8081), links: ['agent-service', 'mcp-gateway'] },
      container('agent-service', 8090),
      container('mcp-gateway', 8080)
    ]
  });
}

/** A zip of text files (a Beanstalk source bundle). */
export const zip = (files: Record<string, string>) =>
  Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
