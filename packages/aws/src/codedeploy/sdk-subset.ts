/**
 * The part of @aws-sdk/client-codedeploy the suite uses: the client and the commands CodeDeployApi sends.
 * Loaded on first use (client.ts), so neither a bundle's start path nor a step that deploys only
 * ECS-controlled services loads CodeDeploy's SDK. A command missing here fails the type check of client.ts.
 */
export {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  GetDeploymentTargetCommand,
  StopDeploymentCommand,
  ContinueDeploymentCommand
} from '@aws-sdk/client-codedeploy';
