import type {
  CreateDeploymentCommandInput,
  CreateDeploymentCommandOutput,
  GetDeploymentCommandInput,
  GetDeploymentCommandOutput,
  GetDeploymentGroupCommandInput,
  GetDeploymentGroupCommandOutput,
  ListDeploymentTargetsCommandInput,
  ListDeploymentTargetsCommandOutput,
  GetDeploymentTargetCommandInput,
  GetDeploymentTargetCommandOutput,
  StopDeploymentCommandInput,
  StopDeploymentCommandOutput,
  ContinueDeploymentCommandInput
} from '@aws-sdk/client-codedeploy';
import { lazy, type AwsContext } from '../context.js';

/** An SDK output without the transport metadata, so fakes in tests stay plain objects. */
type Out<T> = Omit<T, '$metadata'>;

/**
 * The CodeDeploy calls deploy-ecs makes for services of the CODE_DEPLOY controller, and nothing else.
 * Logic takes this interface: unit tests pass plain fakes, the action and simulator tests pass
 * `createCodeDeployApi` (the real SDK).
 */
export interface CodeDeployApi {
  /** read before any change: the group's waits (ready, termination) and its rollback settings */
  getDeploymentGroup(input: GetDeploymentGroupCommandInput): Promise<Out<GetDeploymentGroupCommandOutput>>;
  createDeployment(input: CreateDeploymentCommandInput): Promise<Out<CreateDeploymentCommandOutput>>;
  getDeployment(input: GetDeploymentCommandInput): Promise<Out<GetDeploymentCommandOutput>>;
  listDeploymentTargets(
    input: ListDeploymentTargetsCommandInput
  ): Promise<Out<ListDeploymentTargetsCommandOutput>>;
  /** the ECS target's lifecycle events (BeforeInstall ... AfterAllowTraffic) and task sets */
  getDeploymentTarget(input: GetDeploymentTargetCommandInput): Promise<Out<GetDeploymentTargetCommandOutput>>;
  /** CodeDeploy's own rollback of a deployment in flight (`autoRollbackEnabled: true`) */
  stopDeployment(input: StopDeploymentCommandInput): Promise<Out<StopDeploymentCommandOutput>>;
  /** a deployment waiting in Ready (deploymentReadyOption STOP_DEPLOYMENT): route production traffic */
  continueDeployment(input: ContinueDeploymentCommandInput): Promise<unknown>;
}

type CommandName =
  | 'GetDeploymentGroupCommand'
  | 'CreateDeploymentCommand'
  | 'GetDeploymentCommand'
  | 'ListDeploymentTargetsCommand'
  | 'GetDeploymentTargetCommand'
  | 'StopDeploymentCommand'
  | 'ContinueDeploymentCommand';

type Sender = { send: <T>(name: CommandName, input: object) => Promise<T> };

/** The real SDK behind `CodeDeployApi`; the SDK module loads on the first call, not before. */
export function createCodeDeployApi(context: AwsContext): CodeDeployApi {
  const load = lazy(async (): Promise<Sender> => {
    const sdk = await import('./sdk-subset.js');
    const client = new sdk.CodeDeployClient(
      (await context.clientConfig(
        'codedeploy'
      )) as import('@aws-sdk/client-codedeploy').CodeDeployClientConfig
    );
    return {
      send: async <T>(name: CommandName, input: object): Promise<T> => {
        const Command = sdk[name] as unknown as new (input: object) => Parameters<typeof client.send>[0];
        return (await client.send(new Command(input))) as T;
      }
    };
  });
  return {
    getDeploymentGroup: async input => (await load()).send('GetDeploymentGroupCommand', input),
    createDeployment: async input => (await load()).send('CreateDeploymentCommand', input),
    getDeployment: async input => (await load()).send('GetDeploymentCommand', input),
    listDeploymentTargets: async input => (await load()).send('ListDeploymentTargetsCommand', input),
    getDeploymentTarget: async input => (await load()).send('GetDeploymentTargetCommand', input),
    stopDeployment: async input => (await load()).send('StopDeploymentCommand', input),
    continueDeployment: async input => (await load()).send('ContinueDeploymentCommand', input)
  };
}
