/**
 * The part of @aws-sdk/client-ecs the suite uses: the client, the commands EcsApi sends and the
 * RegisterTaskDefinition request schema deploy-ecs checks documents against. Code loads this module on
 * first use instead of the whole package, so the bundle's ECS chunk holds these commands and their
 * schemas only (the package has about a hundred). A command missing here fails the type check of api.ts.
 */
export {
  ECSClient,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  TagResourceCommand,
  ListTagsForResourceCommand,
  ListServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListTaskDefinitionsCommand,
  DescribeServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  ContinueServiceDeploymentCommand,
  RunTaskCommand,
  StopTaskCommand,
  RegisterTaskDefinitionRequest$
} from '@aws-sdk/client-ecs';
