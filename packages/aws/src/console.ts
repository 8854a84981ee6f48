/** Links into the AWS console for job summaries. */
const CONSOLE = (region: string): string => `https://${region}.console.aws.amazon.com`;

export const consoleLinks = {
  ecsService: (region: string, cluster: string, service: string): string =>
    `${CONSOLE(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/deployments?region=${region}`,
  ecsTask: (region: string, cluster: string, taskId: string): string =>
    `${CONSOLE(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskId)}/configuration?region=${region}`,
  ecsTaskDefinition: (region: string, family: string, revision: number | string): string =>
    `${CONSOLE(region)}/ecs/v2/task-definitions/${encodeURIComponent(family)}/${revision}/containers?region=${region}`,
  beanstalkEnvironment: (region: string, environmentId: string): string =>
    `${CONSOLE(region)}/elasticbeanstalk/home?region=${region}#/environment/dashboard?environmentId=${encodeURIComponent(environmentId)}`,
  ecrRepository: (region: string, accountId: string, repository: string): string =>
    `${CONSOLE(region)}/ecr/repositories/private/${accountId}/${repository}?region=${region}`,
  codeDeployDeployment: (region: string, deploymentId: string): string =>
    `${CONSOLE(region)}/codesuite/codedeploy/deployments/${encodeURIComponent(deploymentId)}?region=${region}`,
  logStream: (region: string, group: string, stream: string): string =>
    `${CONSOLE(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleFragment(group)}/log-events/${consoleFragment(stream)}`
};

/** The CloudWatch console's fragment encoding: URI-encoded twice, with `$` for `%` (`/` is `$252F`). */
function consoleFragment(name: string): string {
  return encodeURIComponent(encodeURIComponent(name)).replace(/%/g, '$');
}
