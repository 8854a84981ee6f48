import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
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
