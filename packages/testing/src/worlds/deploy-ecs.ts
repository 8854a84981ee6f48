import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { Inputs } from '@deploy-suite/core';
import {
  MemoryLogger,
  objectInputReader,
  describeEcsService,
  fargateNetwork,
  seedEcsServices,
  SIM_REGION,
  simAwsContext,
  simClock,
  simCredentials
} from '../index.js';
import { createEcsApi, type EcsApi } from '@deploy-suite/aws/ecs';
import { createCodeDeployApi, type CodeDeployApi } from '@deploy-suite/aws/codedeploy/client';
import { readDeployEcsInputs } from '../../../../actions/deploy-ecs/src/inputs.js';
import { planDeployment } from '../../../../actions/deploy-ecs/src/plan.js';
import { executeDeployment, type DeployResult } from '../../../../actions/deploy-ecs/src/deploy.js';
import { loadTaskDefinitionShape } from '../../../../actions/deploy-ecs/src/shape.js';
import { stoppedTaskLogs } from '@deploy-suite/aws/logs/lazy';

/** DocuThinker's guide (seed 001): cluster, services, families, ports, secrets, X-Ray sidecar. */
import { AI_ML, BACKEND, CLUSTER, aiMlImage, backendImage } from '../seeds.js';
export { AI_ML, BACKEND, CLUSTER, ECR, aiMlImage, backendImage } from '../seeds.js';
export const credentials = simCredentials;

export function taskDefinition(
  family: string,
  container: string,
  image: string,
  port: number
): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    taskRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskRole',
    containerDefinitions: [
      {
        name: container,
        image,
        essential: true,
        portMappings: [{ containerPort: port, protocol: 'tcp' }],
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
            'awslogs-group': `/ecs/${family}`,
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'ecs'
          }
        }
      },
      {
        name: 'xray-daemon',
        image: 'amazon/aws-xray-daemon',
        cpu: 32,
        memoryReservation: 256,
        essential: false,
        portMappings: [{ containerPort: 2000, protocol: 'udp' }]
      }
    ]
  };
}

export { frozenSim, simClock, simEnv, simEcsClient as sdkClient } from '../index.js';
import { simEcsClient as sdkClientOf } from '../index.js';

/** The action's own EcsApi (real SDK, adaptive retries) pointed at the simulator. */
export function simApi(sim: RunningSimulator): EcsApi {
  return createEcsApi(simAwsContext(sim, 'deploy-ecs'));
}

/** The action's own CodeDeployApi (real SDK) pointed at the simulator. */
export function simCodeDeployApi(sim: RunningSimulator): CodeDeployApi {
  return createCodeDeployApi(simAwsContext(sim, 'deploy-ecs'));
}

/**
 * One CodeDeploy call on the wire (JSON 1.1, a SigV4-shaped header: the simulator reads the region from it and
 * checks no signature), for setting up state the action never creates (applications, deployment groups)
 * without making the test kit depend on CodeDeploy's SDK.
 */
async function codeDeployCall(sim: RunningSimulator, operation: string, params: object): Promise<unknown> {
  const response = await fetch(sim.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `CodeDeploy_20141006.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${simCredentials.accessKeyId}/20261202/${SIM_REGION}/codedeploy/aws4_request, SignedHeaders=host, Signature=0`
    },
    body: JSON.stringify(params)
  });
  const body = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`CodeDeploy ${operation} failed: ${JSON.stringify(body)}`);
  return body;
}

/** The two target groups of DocuThinker's backend behind the ALB: CodeDeploy moves traffic between them. */
export const backendTargetGroup = (colour: 'blue' | 'green'): string =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/docuthinker-backend-${colour}/0123456789abcdef`;
const listener = (port: number): string =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/docuthinker-alb/50dc6c495c0c9188/${port}`;

/**
 * DocuThinker's backend (seed 001) as its guide's blue/green answer has it: an ECS service of the
 * CODE_DEPLOY controller behind the ALB (:443 production, :8443 test), CodeDeploy application
 * `docuthinker-app` with group `docuthinker-dg` (the guide's `aws deploy create-deployment` names), or
 * AED's default names when `names` says so. Settles, then returns the service's task definition ARN.
 */
export async function seedCodeDeployBackend(
  sim: RunningSimulator,
  options: {
    names?: { application: string; group: string };
    /** CreateDeploymentGroup members replacing the defaults below */
    group?: Record<string, unknown>;
  } = {}
): Promise<string> {
  const ecs = sdkClientOf(sim);
  const names = options.names ?? { application: 'docuthinker-app', group: 'docuthinker-dg' };
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand(
      taskDefinition('docuthinker-backend', 'backend', backendImage('v1'), 5000)
    )
  );
  const arn = registered.taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: BACKEND,
      taskDefinition: arn,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: fargateNetwork,
      deploymentController: { type: 'CODE_DEPLOY' },
      loadBalancers: [
        { targetGroupArn: backendTargetGroup('blue'), containerName: 'backend', containerPort: 5000 }
      ]
    })
  );
  await codeDeployCall(sim, 'CreateApplication', {
    applicationName: names.application,
    computePlatform: 'ECS'
  });
  await codeDeployCall(sim, 'CreateDeploymentGroup', {
    applicationName: names.application,
    deploymentGroupName: names.group,
    deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
    serviceRoleArn: 'arn:aws:iam::123456789012:role/ecsCodeDeployRole',
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    ecsServices: [{ clusterName: CLUSTER, serviceName: BACKEND }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'docuthinker-backend-blue' }, { name: 'docuthinker-backend-green' }],
          prodTrafficRoute: { listenerArns: [listener(443)] },
          testTrafficRoute: { listenerArns: [listener(8443)] }
        }
      ]
    },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 }
    },
    autoRollbackConfiguration: {
      enabled: true,
      events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']
    },
    ...options.group
  });
  sim.control.advance(600);
  return arn;
}

/** DocuThinker's backend AppSpec, as the guide's `--revision file://appspec.yaml` would hold it. */
export const backendAppSpecYaml = [
  '# DocuThinker backend: blue/green through CodeDeploy',
  'version: 0.0',
  'Resources:',
  '  - TargetService:',
  '      Type: AWS::ECS::Service',
  '      Properties:',
  '        TaskDefinition: "<TASK_DEFINITION>" # set by deploy-ecs',
  '        LoadBalancerInfo:',
  '          ContainerName: "backend"',
  '          ContainerPort: 5000',
  '        PlatformVersion: "LATEST"',
  'Hooks:',
  '  - AfterAllowTestTraffic: "arn:aws:lambda:us-east-1:123456789012:function:docuthinker-smoke-test"',
  ''
].join('\n');

export interface ServiceSeed {
  name: string;
  family: string;
  container: string;
  image: string;
  port: number;
  desiredCount?: number;
  circuitBreaker?: boolean;
  /** deploymentConfiguration.maximumPercent (default 200) */
  maximumPercent?: number;
}

export const backendSeed: ServiceSeed = {
  name: BACKEND,
  family: 'docuthinker-backend',
  container: 'backend',
  image: backendImage('v1'),
  port: 5000
};
export const aiMlSeed: ServiceSeed = {
  name: AI_ML,
  family: 'docuthinker-ai-ml',
  container: 'ai-ml',
  image: aiMlImage('v1'),
  port: 8000
};

/** Creates the cluster and services and lets them settle; returns each service's task definition ARN. */
export async function seedServices(
  sim: RunningSimulator,
  seeds: ServiceSeed[]
): Promise<Record<string, string>> {
  return seedEcsServices(
    sim,
    CLUSTER,
    seeds.map(seed => ({
      name: seed.name,
      taskDefinition: taskDefinition(seed.family, seed.container, seed.image, seed.port),
      desiredCount: seed.desiredCount,
      deploymentConfiguration: {
        maximumPercent: seed.maximumPercent ?? 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: {
          enable: seed.circuitBreaker ?? true,
          rollback: seed.circuitBreaker ?? true
        }
      }
    }))
  );
}

export async function describeService(sim: RunningSimulator, name: string) {
  return describeEcsService(sim, CLUSTER, name);
}

/** Runs the action's logic (inputs by name -> plan -> deploy) against the simulator on simulated time. */
export async function deployOnSim(
  sim: RunningSimulator,
  inputs: Record<string, string>,
  options: {
    files?: Record<string, string>;
    env?: Record<string, string>;
    waitMs?: number;
    api?: EcsApi;
    /** the runner's cancel, as executeDeployment sees it */
    signal?: AbortSignal;
    codeDeploy?: CodeDeployApi;
  } = {}
): Promise<{ result: DeployResult; logger: MemoryLogger }> {
  const files = options.files ?? {};
  const parsed = readDeployEcsInputs(
    new Inputs(objectInputReader({ cluster: CLUSTER, 'poll-interval': '10s', ...inputs })),
    path => path in files
  );
  if (options.waitMs !== undefined) parsed.waitMs = options.waitMs;
  const api = options.api ?? simApi(sim);
  const codeDeploy = options.codeDeploy ?? simCodeDeployApi(sim);
  const logger = new MemoryLogger();
  const read = async (path: string): Promise<string> => {
    if (!(path in files)) throw new Error(`ENOENT: no such file ${path}`);
    return files[path];
  };
  const plans = await planDeployment(parsed, {
    api,
    logger,
    shape: await loadTaskDefinitionShape(),
    readFile: read,
    env: options.env ?? {},
    codeDeploy,
    readAppSpec: read
  });
  const result = await executeDeployment(parsed, plans, {
    api,
    logger,
    clock: simClock(sim),
    signal: options.signal,
    codeDeploy,
    // container logs come from the simulator's CloudWatch Logs, as the action reads them
    stoppedTaskLogs: stoppedTaskLogs(simAwsContext(sim, 'deploy-ecs'), parsed.logLines, logger, {})
  });
  return { result, logger };
}
