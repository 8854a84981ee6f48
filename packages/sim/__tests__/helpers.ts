import { ECSClient, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { startSimulator, type RunningSimulator } from '../src/index.js';

export const CLUSTER = 'docuthinker-cluster';
export const BACKEND = 'docuthinker-backend-service';
export const AI_ML = 'docuthinker-ai-ml-service';
export const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
export const backendImage = (tag: string) => `${ECR}/docuthinker-backend:${tag}`;

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A simulator whose time moves only by advance(): every assertion on timing is deterministic. */
export async function frozenSim(): Promise<RunningSimulator> {
  return startSimulator({ port: 0, timeScale: 0 });
}

export function ecsClient(sim: RunningSimulator, maxAttempts = 3): ECSClient {
  return new ECSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials, maxAttempts });
}

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

export const fargateNetwork = {
  awsvpcConfiguration: {
    subnets: ['subnet-0abc'],
    securityGroups: ['sg-0abc'],
    assignPublicIp: 'DISABLED' as const
  }
};
