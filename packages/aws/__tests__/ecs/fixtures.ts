import type { Deployment, Service, Task } from '@aws-sdk/client-ecs';

/** Describe outputs shaped like AWS's, with the names of DocuThinker's guide (docuthinker-cluster). */
export const CLUSTER = 'docuthinker-cluster';
export const ACCOUNT = '123456789012';
export const td = (family: string, revision: number): string =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:${revision}`;
export const serviceArn = (name: string): string =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${CLUSTER}/${name}`;

export const OLD = td('docuthinker-backend', 6);
export const NEW = td('docuthinker-backend', 7);
export const NEW_DEPLOYMENT = 'ecs-svc/4912087523150291736';
export const OLD_DEPLOYMENT = 'ecs-svc/1283744019281273311';
export const ROLLBACK_DEPLOYMENT = 'ecs-svc/7720183649105277362';

export function deployment(overrides: Partial<Deployment>): Deployment {
  return {
    id: NEW_DEPLOYMENT,
    status: 'PRIMARY',
    taskDefinition: NEW,
    desiredCount: 2,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: new Date('2026-11-25T10:00:00Z'),
    updatedAt: new Date('2026-11-25T10:00:00Z'),
    launchType: 'FARGATE',
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc/4912087523150291736 in progress.',
    ...overrides
  };
}

export function service(deployments: Deployment[], overrides: Partial<Service> = {}): Service {
  return {
    serviceArn: serviceArn('backend-service'),
    serviceName: 'backend-service',
    clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${CLUSTER}`,
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    taskDefinition: deployments.find(d => d.status === 'PRIMARY')?.taskDefinition,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100
    },
    deployments,
    events: [],
    ...overrides
  };
}

/** The shape AWS shows while its circuit breaker rolls a failed deployment back. */
export function circuitBreakerRollback(): Service {
  return service([
    deployment({
      id: ROLLBACK_DEPLOYMENT,
      status: 'PRIMARY',
      taskDefinition: OLD,
      runningCount: 1,
      pendingCount: 1,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${OLD_DEPLOYMENT}.`
    }),
    deployment({
      id: NEW_DEPLOYMENT,
      status: 'ACTIVE',
      taskDefinition: NEW,
      runningCount: 0,
      failedTasks: 3,
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.'
    })
  ]);
}

export function stoppedTask(overrides: Partial<Task>): Task {
  return {
    taskArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${CLUSTER}/0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e`,
    taskDefinitionArn: NEW,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    startedBy: NEW_DEPLOYMENT,
    group: 'service:backend-service',
    containers: [{ name: 'backend', lastStatus: 'STOPPED', exitCode: 1 }],
    ...overrides
  };
}
