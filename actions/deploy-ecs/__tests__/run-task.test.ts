import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type RunTaskCommandInput
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { ECR, seedEcsServices } from '@deploy-suite/testing';
import type { EcsApi } from '@deploy-suite/aws/ecs';
import { deployOnSim, frozenSim, sdkClient, simApi } from '@deploy-suite/testing/worlds/deploy-ecs';
import { describeEcsService } from '@deploy-suite/testing';
import { deploySummary } from '../src/summary.js';

/** Tria AI-BPO staging (seed 002, examples/tria/ecs/task-definition-staging.json). */
const TRIA_CLUSTER = 'tria-aibpo-staging-cluster';
const TRIA_SERVICE = 'tria-aibpo-staging-service';
const TRIA_CONTAINER = 'tria-aibpo-backend';
const triaImage = (tag: string): string => `${ECR}/tria-aibpo-staging:${tag}`;
const MIGRATE = ['npm', 'run', 'migrate'];

function triaTaskDefinition(image: string): RegisterTaskDefinitionCommandInput {
  return {
    family: 'tria-aibpo-staging-task',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    taskRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskRole',
    containerDefinitions: [
      {
        name: TRIA_CONTAINER,
        image,
        essential: true,
        portMappings: [{ containerPort: 8000, protocol: 'tcp' }],
        environment: [
          { name: 'ENVIRONMENT', value: 'staging' },
          { name: 'PORT', value: '8000' }
        ],
        secrets: [
          {
            name: 'DATABASE_URL',
            valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tria-aibpo-staging/database-url'
          }
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/ecs/tria-aibpo-staging',
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'ecs'
          }
        }
      }
    ]
  };
}

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

async function seedTria(): Promise<string> {
  const arns = await seedEcsServices(sim, TRIA_CLUSTER, [
    {
      name: TRIA_SERVICE,
      taskDefinition: triaTaskDefinition(triaImage('1.1.0')),
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } }
    }
  ]);
  return arns[TRIA_SERVICE];
}

/** The action's EcsApi on the simulator, recording the order of the calls that matter here. */
function orderedApi(): { api: EcsApi; order: string[]; runTasks: RunTaskCommandInput[] } {
  const real = simApi(sim);
  const order: string[] = [];
  const runTasks: RunTaskCommandInput[] = [];
  const api: EcsApi = {
    ...real,
    registerTaskDefinition: async input => {
      order.push('RegisterTaskDefinition');
      return real.registerTaskDefinition(input);
    },
    runTask: async input => {
      order.push('RunTask');
      runTasks.push(input);
      return real.runTask(input);
    },
    updateService: async input => {
      order.push('UpdateService');
      return real.updateService(input);
    }
  };
  return { api, order, runTasks };
}

const migration = (over: Record<string, string> = {}): Record<string, string> => ({
  cluster: TRIA_CLUSTER,
  service: TRIA_SERVICE,
  images: `${TRIA_CONTAINER}=${triaImage('1.2.0')}`,
  'run-task': 'true',
  'run-task-container-overrides': JSON.stringify([{ name: TRIA_CONTAINER, command: MIGRATE }]),
  'wait-for-task-stopped': 'true',
  ...over
});

describe('deploy-ecs run-task on the simulator (Tria staging migration)', () => {
  it('runs the migration with the new revision, waits for exit 0, then deploys', async () => {
    await seedTria();
    await sim.control.images({
      image: `${ECR}/tria-aibpo-staging`,
      behavior: 'exit',
      exitCode: 0,
      runSeconds: 20,
      command: MIGRATE
    });
    const { api, order, runTasks } = orderedApi();
    const { result, logger } = await deployOnSim(sim, migration(), { api });
    expect({ status: result.status, reason: result.reason }).toEqual({
      status: 'deployed',
      reason: undefined
    });
    expect(order).toEqual(['RegisterTaskDefinition', 'RunTask', 'UpdateService']);
    const registered = result.services[0].taskDefinitionArn!;
    expect(registered).toMatch(/task-definition\/tria-aibpo-staging-task:2$/);
    // the network came from the service: no subnet plumbing in the inputs
    expect(runTasks[0]).toEqual({
      cluster: TRIA_CLUSTER,
      taskDefinition: registered,
      count: 1,
      startedBy: 'GitHub-Actions',
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0abc'],
          securityGroups: ['sg-0abc'],
          assignPublicIp: 'DISABLED'
        }
      },
      overrides: { containerOverrides: [{ name: TRIA_CONTAINER, command: MIGRATE }] }
    });
    expect(result.runTask).toMatchObject({ state: 'succeeded', taskDefinitionArn: registered });
    expect(result.runTask!.reason).toMatch(/tria-aibpo-backend exit 0/);
    const [task] = result.runTask!.tasks;
    expect(task).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      startedBy: 'GitHub-Actions',
      containers: [expect.objectContaining({ name: TRIA_CONTAINER, exitCode: 0, image: triaImage('1.2.0') })]
    });
    expect(result.runTask!.taskArns).toEqual([task.taskArn]);
    // the service's own tasks ran the same image without the command override: healthy
    expect((await describeEcsService(sim, TRIA_CLUSTER, TRIA_SERVICE)).taskDefinition).toBe(registered);
    expect(logger.text()).toMatch(/run-task: started .*tria-aibpo-staging-task:2/);
  });

  it('a migration exiting 1 fails the step before any UpdateService, with its reason and exit code', async () => {
    const before = await seedTria();
    await sim.control.images({
      image: `${ECR}/tria-aibpo-staging`,
      behavior: 'exit',
      exitCode: 1,
      runSeconds: 20,
      command: MIGRATE
    });
    const { result } = await deployOnSim(sim, migration());
    expect(result.status).toBe('failed');
    expect(sim.control.calls()['ECS.UpdateService'] ?? 0).toBe(0);
    expect(sim.control.calls()['ECS.RunTask']).toBe(1);
    expect(result.runTask).toMatchObject({ state: 'failed' });
    expect(result.reason).toMatch(
      /^run-task failed: task \w+ failed: Essential container in task exited; tria-aibpo-backend exit 1; no service was updated; registered arn:.*tria-aibpo-staging-task:2 \(left registered\)$/
    );
    expect(result.services).toEqual([
      expect.objectContaining({
        service: TRIA_SERVICE,
        result: 'failed',
        reason: `not updated: ${result.reason}`
      })
    ]);
    expect((await describeEcsService(sim, TRIA_CLUSTER, TRIA_SERVICE)).taskDefinition).toBe(before);
    // the revision registered for it stays (never deregistered)
    const families = await sdkClient(sim).send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'tria-aibpo-staging-task' })
    );
    expect(families.taskDefinitionArns).toHaveLength(2);
  });

  it("a failed migration's last log lines are in the step log and the summary excerpt", async () => {
    await seedTria();
    await sim.control.images({
      image: `${ECR}/tria-aibpo-staging`,
      behavior: 'exit',
      exitCode: 1,
      runSeconds: 20,
      command: MIGRATE,
      logs: ['> tria-aibpo-backend@1.2.0 migrate', 'error: relation "call_transcripts" already exists']
    });
    const { result, logger } = await deployOnSim(sim, migration());
    expect(result.status).toBe('failed');
    expect(sim.control.calls()['ECS.UpdateService'] ?? 0).toBe(0);
    expect(logger.text()).toContain('error: relation "call_transcripts" already exists');
    expect(result.logExcerpts).toContain('error: relation "call_transcripts" already exists');
  });

  it("an override's secret a failed migration prints is masked in the log excerpt and the summary", async () => {
    await seedTria();
    const token = 'tria-migrate-token-9c41e7d2b8a6f305';
    await sim.control.images({
      image: `${ECR}/tria-aibpo-staging`,
      behavior: 'exit',
      exitCode: 1,
      runSeconds: 20,
      command: MIGRATE,
      logs: [`connecting with MIGRATION_TOKEN=${token}`, 'error: permission denied for schema public']
    });
    const { result, logger } = await deployOnSim(
      sim,
      migration({
        'run-task-container-overrides': JSON.stringify([
          { name: TRIA_CONTAINER, command: MIGRATE, environment: [{ name: 'MIGRATION_TOKEN', value: token }] }
        ])
      })
    );
    expect(result.status).toBe('failed');
    // the excerpt is there, with the secret replaced
    expect(result.logExcerpts).toContain('error: permission denied for schema public');
    expect(result.logExcerpts).toContain('MIGRATION_TOKEN=***');
    expect(logger.text()).not.toContain(token);
    expect(deploySummary(result, TRIA_CLUSTER, 'us-east-1')).not.toContain(token);
  });

  it('a migration whose image cannot be pulled fails before any UpdateService', async () => {
    await seedTria();
    await sim.control.images({ image: triaImage('1.2.0-missing'), behavior: 'pull-error' });
    const { result } = await deployOnSim(
      sim,
      migration({ images: `${TRIA_CONTAINER}=${triaImage('1.2.0-missing')}` })
    );
    expect(result.status).toBe('failed');
    expect(sim.control.calls()['ECS.UpdateService'] ?? 0).toBe(0);
    expect(result.reason).toMatch(/run-task failed: task \w+ never started: CannotPullContainerError/);
    expect(result.runTask!.tasks[0]).toMatchObject({ stopCode: 'TaskFailedToStart', lastStatus: 'STOPPED' });
  });

  it('without wait-for-task-stopped the task is started, not watched, and the deploy goes on', async () => {
    await seedTria();
    await sim.control.images({
      image: `${ECR}/tria-aibpo-staging`,
      behavior: 'exit',
      exitCode: 1,
      runSeconds: 600,
      command: MIGRATE
    });
    const { result } = await deployOnSim(sim, migration({ 'wait-for-task-stopped': 'false' }));
    expect(result.status).toBe('deployed');
    expect(result.runTask).toMatchObject({ state: 'started', reason: expect.stringMatching(/not watched/) });
    expect(result.runTask!.taskArns).toHaveLength(1);
  });

  it('a cancel while waiting stops the task (StopTask) and updates nothing', async () => {
    await seedTria();
    await sim.control.images({
      image: `${ECR}/tria-aibpo-staging`,
      behavior: 'exit',
      exitCode: 0,
      runSeconds: 600,
      command: MIGRATE
    });
    const controller = new AbortController();
    const real = simApi(sim);
    const api: EcsApi = {
      ...real,
      describeTasks: async input => {
        const output = await real.describeTasks(input);
        if (output.tasks?.[0]?.lastStatus === 'RUNNING') controller.abort(); // the runner cancels mid-migration
        return output;
      }
    };
    const { result } = await deployOnSim(sim, migration(), { api, signal: controller.signal });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(
      /^run-task: cancelled while waiting for the task; run-task \w+ stopped \(StopTask\); no service was updated/
    );
    expect(sim.control.calls()['ECS.StopTask']).toBe(1);
    expect(sim.control.calls()['ECS.UpdateService'] ?? 0).toBe(0);
    sim.control.advance(10);
    const described = await sdkClient(sim).send(
      new DescribeTasksCommand({ cluster: TRIA_CLUSTER, tasks: result.runTask!.taskArns })
    );
    expect(described.tasks![0]).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated' });
  });

  it('dry-run runs nothing and says so', async () => {
    await seedTria();
    const { result, logger } = await deployOnSim(sim, migration({ 'dry-run': 'true' }));
    expect(result.status).toBe('planned');
    expect(sim.control.calls()['ECS.RunTask'] ?? 0).toBe(0);
    expect(result.runTask).toMatchObject({ state: 'planned' });
    expect(logger.text()).toMatch(
      /dry-run: run-task would run tria-aibpo-staging-service's new revision once before any update; dry-run: not run/
    );
  });

  it('run-task-managed-ebs-volume gives the task its EBS volume; a volume the task definition lacks is refused first', async () => {
    await seedTria();
    const volume = {
      'run-task-managed-ebs-volume-name': 'migration-scratch',
      'run-task-managed-ebs-volume': JSON.stringify({
        roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRole',
        sizeInGiB: 20,
        terminationPolicy: { deleteOnTermination: true }
      })
    };
    await expect(deployOnSim(sim, migration(volume))).rejects.toThrow(
      /Input "run-task-managed-ebs-volume-name" names volume "migration-scratch", but task definition tria-aibpo-staging-task has no volume of that name/
    );
    expect(sim.control.calls()['ECS.RunTask'] ?? 0).toBe(0);
    await expect(
      deployOnSim(
        sim,
        migration({
          ...volume,
          'run-task-managed-ebs-volume': JSON.stringify({
            roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRole',
            sizeInGb: 20
          })
        })
      )
    ).rejects.toThrow(
      /Input "run-task-managed-ebs-volume": "sizeInGb" is not a member of TaskManagedEBSVolumeConfiguration/
    );

    await sim.control.images({
      image: `${ECR}/tria-aibpo-staging`,
      behavior: 'exit',
      exitCode: 0,
      runSeconds: 5,
      command: MIGRATE
    });
    const definition = triaTaskDefinition(triaImage('1.2.0'));
    const files = {
      'task-definition.json': JSON.stringify({
        ...definition,
        volumes: [{ name: 'migration-scratch', configuredAtLaunch: true }]
      })
    };
    const { api, runTasks } = orderedApi();
    const { result } = await deployOnSim(
      sim,
      migration({ ...volume, 'task-definition': 'task-definition.json', images: '' }),
      { api, files }
    );
    expect(result.status).toBe('deployed');
    expect(runTasks[0].volumeConfigurations).toEqual([
      {
        name: 'migration-scratch',
        managedEBSVolume: {
          roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRole',
          sizeInGiB: 20,
          terminationPolicy: { deleteOnTermination: true }
        }
      }
    ]);
  });

  it('an override naming a container the task definition lacks is refused before any change', async () => {
    await seedTria();
    await expect(
      deployOnSim(
        sim,
        migration({ 'run-task-container-overrides': JSON.stringify([{ name: 'backend', command: MIGRATE }]) })
      )
    ).rejects.toThrow(
      /Input "run-task-container-overrides" names "backend", which task definition tria-aibpo-staging-task does not have. Containers: tria-aibpo-backend/
    );
    expect(sim.control.calls()['ECS.RegisterTaskDefinition']).toBe(1); // the seed's only
    expect(sim.control.calls()['ECS.RunTask'] ?? 0).toBe(0);
  });
});

describe('deploy-ecs run-task network defaults (Eloquent AI, seed 004)', () => {
  const CLUSTER = 'prod';
  const SERVICE = 'eloquent-api';
  const network = {
    awsvpcConfiguration: {
      subnets: ['subnet-0e10a1b2c3d4e5f60', 'subnet-0e10a1b2c3d4e5f61'],
      securityGroups: ['sg-0e10ecs0tasks00001'],
      assignPublicIp: 'ENABLED' as const
    }
  };

  async function seedEloquent(): Promise<string> {
    const client = sdkClient(sim);
    await client.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    const registered = await client.send(
      new RegisterTaskDefinitionCommand({
        family: 'eloquent-api',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '1024',
        memory: '2048',
        containerDefinitions: [
          {
            name: 'eloquent-api',
            image: `${ECR}/eloquent-backend:latest`,
            essential: true,
            portMappings: [{ containerPort: 8000, protocol: 'tcp' }],
            environment: [{ name: 'ENVIRONMENT', value: 'production' }]
          }
        ]
      })
    );
    await client.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: registered.taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: network
      })
    );
    sim.control.advance(600);
    return registered.taskDefinition!.taskDefinitionArn!;
  }

  it('takes subnets and public IP from the service; the inputs override one by one; a strategy sends no launch type', async () => {
    await seedEloquent();
    await sim.control.images({
      image: `${ECR}/eloquent-backend`,
      behavior: 'exit',
      exitCode: 0,
      runSeconds: 30,
      command: ['alembic', 'upgrade', 'head']
    });
    const { api, runTasks } = orderedApi();
    const secret =
      'postgresql://eloquent:Aur0ra-pr0d-8c1f@eloquent-aurora.cluster-abc.us-east-1.rds.amazonaws.com/eloquent';
    const { result, logger } = await deployOnSim(
      sim,
      {
        cluster: CLUSTER,
        service: SERVICE,
        images: `eloquent-api=${ECR}/eloquent-backend:7f3c2a1`,
        'run-task': 'true',
        'run-task-container-overrides': JSON.stringify([
          {
            name: 'eloquent-api',
            command: ['alembic', 'upgrade', 'head'],
            environment: [{ name: 'DATABASE_URL', value: secret }]
          }
        ]),
        'run-task-security-groups': 'sg-0e10migrations0001',
        'run-task-capacity-provider-strategy': JSON.stringify([
          { capacityProvider: 'FARGATE_SPOT', weight: 1 }
        ]),
        'run-task-started-by': 'eloquent-migrations',
        'run-task-tags': JSON.stringify([{ key: 'purpose', value: 'migration' }]),
        'wait-for-task-stopped': 'true'
      },
      { api }
    );
    expect(result.status).toBe('deployed');
    expect(runTasks[0]).toMatchObject({
      cluster: CLUSTER,
      startedBy: 'eloquent-migrations',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: network.awsvpcConfiguration.subnets,
          securityGroups: ['sg-0e10migrations0001'],
          assignPublicIp: 'ENABLED'
        }
      },
      tags: [{ key: 'purpose', value: 'migration' }]
    });
    expect(runTasks[0].launchType).toBeUndefined();
    const described = await sdkClient(sim).send(
      new DescribeTasksCommand({ cluster: CLUSTER, tasks: result.runTask!.taskArns, include: ['TAGS'] })
    );
    expect(described.tasks![0]).toMatchObject({
      capacityProviderName: 'FARGATE_SPOT',
      startedBy: 'eloquent-migrations',
      tags: expect.arrayContaining([{ key: 'purpose', value: 'migration' }])
    });
    // the override's secret value never reached the log or the job summary
    expect(logger.text()).not.toContain('Aur0ra');
    expect(deploySummary(result, CLUSTER, 'us-east-1')).not.toContain('Aur0ra');
  });
});
