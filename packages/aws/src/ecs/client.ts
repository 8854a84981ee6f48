import type {
  DescribeServicesCommandInput,
  DescribeServicesCommandOutput,
  DescribeTasksCommandInput,
  DescribeTasksCommandOutput,
  ListTasksCommandInput,
  ListTasksCommandOutput,
  DescribeTaskDefinitionCommandInput,
  DescribeTaskDefinitionCommandOutput,
  RegisterTaskDefinitionCommandInput,
  RegisterTaskDefinitionCommandOutput,
  UpdateServiceCommandInput,
  UpdateServiceCommandOutput,
  TagResourceCommandInput,
  ListTagsForResourceCommandInput,
  ListTagsForResourceCommandOutput,
  ListServiceDeploymentsCommandInput,
  ListServiceDeploymentsCommandOutput,
  DescribeServiceRevisionsCommandInput,
  DescribeServiceRevisionsCommandOutput,
  ListTaskDefinitionsCommandInput,
  ListTaskDefinitionsCommandOutput,
  DescribeServiceDeploymentsCommandInput,
  DescribeServiceDeploymentsCommandOutput,
  StopServiceDeploymentCommandInput,
  StopServiceDeploymentCommandOutput,
  ContinueServiceDeploymentCommandInput,
  ContinueServiceDeploymentCommandOutput,
  RunTaskCommandInput,
  RunTaskCommandOutput,
  StopTaskCommandInput,
  StopTaskCommandOutput
} from '@aws-sdk/client-ecs';
import { lazy, type AwsContext } from '../context.js';

/** An SDK output without the transport metadata, so fakes in tests stay plain objects. */
type Out<T> = Omit<T, '$metadata'>;

/**
 * The ECS calls the deploy and rollback actions make, and nothing else. Logic takes this interface:
 * unit tests pass plain fakes, integration tests and the actions pass `createEcsApi` (the real SDK).
 */
export interface EcsApi {
  describeServices(input: DescribeServicesCommandInput): Promise<Out<DescribeServicesCommandOutput>>;
  describeTasks(input: DescribeTasksCommandInput): Promise<Out<DescribeTasksCommandOutput>>;
  listTasks(input: ListTasksCommandInput): Promise<Out<ListTasksCommandOutput>>;
  describeTaskDefinition(
    input: DescribeTaskDefinitionCommandInput
  ): Promise<Out<DescribeTaskDefinitionCommandOutput>>;
  registerTaskDefinition(
    input: RegisterTaskDefinitionCommandInput
  ): Promise<Out<RegisterTaskDefinitionCommandOutput>>;
  updateService(input: UpdateServiceCommandInput): Promise<Out<UpdateServiceCommandOutput>>;
  tagResource(input: TagResourceCommandInput): Promise<unknown>;
  listTagsForResource(input: ListTagsForResourceCommandInput): Promise<Out<ListTagsForResourceCommandOutput>>;
  /** the read-only history actions/rollback reads when a service has no known-good record */
  listServiceDeployments(
    input: ListServiceDeploymentsCommandInput
  ): Promise<Out<ListServiceDeploymentsCommandOutput>>;
  describeServiceRevisions(
    input: DescribeServiceRevisionsCommandInput
  ): Promise<Out<DescribeServiceRevisionsCommandOutput>>;
  listTaskDefinitions(input: ListTaskDefinitionsCommandInput): Promise<Out<ListTaskDefinitionsCommandOutput>>;
  /** the watch of every strategy: one call for up to 20 service deployments */
  describeServiceDeployments(
    input: DescribeServiceDeploymentsCommandInput
  ): Promise<Out<DescribeServiceDeploymentsCommandOutput>>;
  /** the native rollback of a deployment in flight (stopType ROLLBACK) */
  stopServiceDeployment(
    input: StopServiceDeploymentCommandInput
  ): Promise<Out<StopServiceDeploymentCommandOutput>>;
  /** a PAUSE lifecycle hook's answer: CONTINUE, or ROLLBACK */
  continueServiceDeployment(
    input: ContinueServiceDeploymentCommandInput
  ): Promise<Out<ContinueServiceDeploymentCommandOutput>>;
  /** deploy-ecs's one-off task before the deploy (run-task: a database migration) */
  runTask(input: RunTaskCommandInput): Promise<Out<RunTaskCommandOutput>>;
  /** stops that one-off task when the step is cancelled while waiting for it */
  stopTask(input: StopTaskCommandInput): Promise<Out<StopTaskCommandOutput>>;
}

/** Most services DescribeServices accepts in one call. */
const DESCRIBE_SERVICES_BATCH = 10;
/** Most ARNs DescribeServiceDeployments and DescribeServiceRevisions accept in one call. */
export const SERVICE_DEPLOYMENTS_BATCH = 20;
/** Most tasks DescribeTasks accepts in one call. */
export const DESCRIBE_TASKS_BATCH = 100;

/** The real SDK behind `EcsApi`; the SDK module loads on first use so a bad input fails before it. */
export function createEcsApi(context: AwsContext): EcsApi {
  const load = lazyModule(context);
  return {
    describeServices: async input => (await load()).send('DescribeServicesCommand', input),
    describeTasks: async input => (await load()).send('DescribeTasksCommand', input),
    listTasks: async input => (await load()).send('ListTasksCommand', input),
    describeTaskDefinition: async input => (await load()).send('DescribeTaskDefinitionCommand', input),
    registerTaskDefinition: async input => (await load()).send('RegisterTaskDefinitionCommand', input),
    updateService: async input => (await load()).send('UpdateServiceCommand', input),
    tagResource: async input => (await load()).send('TagResourceCommand', input),
    listTagsForResource: async input => (await load()).send('ListTagsForResourceCommand', input),
    listServiceDeployments: async input => (await load()).send('ListServiceDeploymentsCommand', input),
    describeServiceRevisions: async input => (await load()).send('DescribeServiceRevisionsCommand', input),
    listTaskDefinitions: async input => (await load()).send('ListTaskDefinitionsCommand', input),
    describeServiceDeployments: async input =>
      (await load()).send('DescribeServiceDeploymentsCommand', input),
    stopServiceDeployment: async input => (await load()).send('StopServiceDeploymentCommand', input),
    continueServiceDeployment: async input => (await load()).send('ContinueServiceDeploymentCommand', input),
    runTask: async input => (await load()).send('RunTaskCommand', input),
    stopTask: async input => (await load()).send('StopTaskCommand', input)
  };
}

type CommandName =
  | 'DescribeServicesCommand'
  | 'DescribeTasksCommand'
  | 'ListTasksCommand'
  | 'DescribeTaskDefinitionCommand'
  | 'RegisterTaskDefinitionCommand'
  | 'UpdateServiceCommand'
  | 'TagResourceCommand'
  | 'ListTagsForResourceCommand'
  | 'ListServiceDeploymentsCommand'
  | 'DescribeServiceRevisionsCommand'
  | 'ListTaskDefinitionsCommand'
  | 'DescribeServiceDeploymentsCommand'
  | 'StopServiceDeploymentCommand'
  | 'ContinueServiceDeploymentCommand'
  | 'RunTaskCommand'
  | 'StopTaskCommand';

type Sender = { send: <T>(name: CommandName, input: object) => Promise<T> };

function lazyModule(context: AwsContext): () => Promise<Sender> {
  return lazy(async () => {
    const sdk = await import('./sdk-subset.js');
    const client = new sdk.ECSClient(
      (await context.clientConfig('ecs')) as import('@aws-sdk/client-ecs').ECSClientConfig
    );
    return {
      send: async <T>(name: CommandName, input: object): Promise<T> => {
        const Command = sdk[name] as unknown as new (input: object) => Parameters<typeof client.send>[0];
        return (await client.send(new Command(input))) as T;
      }
    };
  });
}

/**
 * DescribeServices for any number of services, 10 per call. Returns the services found by the name
 * (or ARN) asked for, and the names ECS reported as MISSING (or did not return).
 */
export async function describeServicesByName(
  api: EcsApi,
  cluster: string,
  names: readonly string[],
  onCall?: () => void
): Promise<{ found: Map<string, import('@aws-sdk/client-ecs').Service>; missing: string[] }> {
  const found = new Map<string, import('@aws-sdk/client-ecs').Service>();
  for (let index = 0; index < names.length; index += DESCRIBE_SERVICES_BATCH) {
    const batch = names.slice(index, index + DESCRIBE_SERVICES_BATCH);
    onCall?.();
    const output = await api.describeServices({ cluster, services: batch });
    for (const service of output.services ?? []) {
      const name = batch.find(
        candidate => candidate === service.serviceName || candidate === service.serviceArn
      );
      // A deleted service is still described for a while, as INACTIVE: treat it as missing.
      if (name && service.status !== 'INACTIVE') found.set(name, service);
    }
  }
  return { found, missing: names.filter(name => !found.has(name)) };
}
