import { code, markdownDetails, markdownLink, markdownTable } from '@deploy-suite/core';
import { consoleLinks } from '@deploy-suite/aws';
import { familyRevision, parseTaskDefinitionReference } from '@deploy-suite/aws/ecs';
import type { RunTaskResult } from '@deploy-suite/aws/ecs';
import type { DeployResult } from './deploy.js';
import { formatDiff } from './diff.js';

const HEADLINE: Record<DeployResult['status'], string> = {
  deployed: 'deployed',
  'rolled-back': 'failed and rolled back',
  failed: 'FAILED',
  planned: 'dry run: planned, nothing changed',
  started: 'started (not watched)',
  paused: 'paused at a lifecycle hook (on-pause: stop)',
  superseded: 'superseded by another deployment (nothing rolled back)',
  cancelled: 'CANCELLED'
};

/** The job summary: one row per service with old -> new revision, images, result, duration and console links. */
/** The step's failure message, when the deploy did not end deployed (or planned, or started). */
export function failureMessage(result: DeployResult): string | undefined {
  if (result.status === 'superseded') {
    // Not this step's failure, but what it deployed is not what runs: later steps must not go on as if it were.
    return `Deployment superseded: ${result.reason ?? 'another deployment replaced it'}`;
  }
  if (result.status !== 'failed' && result.status !== 'rolled-back') return undefined;
  const prefix =
    result.status === 'rolled-back' ? 'Deployment failed and was rolled back' : 'Deployment failed';
  return `${prefix}: ${result.reason ?? 'unknown reason'}`;
}

export function deploySummary(result: DeployResult, cluster: string, region: string): string {
  const revisionLink = (arn: string | undefined): string => {
    if (!arn) return '—';
    const parsed = parseTaskDefinitionReference(arn);
    if (!parsed || parsed.revision === undefined) return code(arn);
    return markdownLink(
      familyRevision(arn),
      consoleLinks.ecsTaskDefinition(region, parsed.family, parsed.revision)
    );
  };
  const rows = result.services.map(service => [
    markdownLink(service.service, consoleLinks.ecsService(region, cluster, service.service)),
    `${revisionLink(service.previousTaskDefinitionArn)} → ${revisionLink(service.taskDefinitionArn)}`,
    service.images.map(code).join('<br>'),
    service.profile,
    service.result +
      (service.reason ? `: ${service.reason}` : '') +
      (service.serviceDeploymentArn ? `<br>${code(service.serviceDeploymentArn)}` : '') +
      (service.codeDeployDeploymentId
        ? `<br>CodeDeploy ${markdownLink(service.codeDeployDeploymentId, consoleLinks.codeDeployDeployment(region, service.codeDeployDeploymentId))}`
        : ''),
    `${service.durationSeconds}s`
  ]);
  const parts = [
    `### deploy-ecs: ${HEADLINE[result.status]}`,
    `Cluster ${code(cluster)} in ${code(region)}`,
    markdownTable(['Service', 'Revision (old → new)', 'Images', 'Strategy', 'Result', 'Duration'], rows)
  ];
  if (result.runTask) parts.push(runTaskLine(result.runTask, region, cluster));
  if (result.reason) parts.push(`**Reason:** ${result.reason}`);
  const lifecycle = result.services.filter(service => (service.lifecycleEvents ?? []).length > 0);
  if (lifecycle.length > 0) {
    const text = lifecycle
      .map(
        service =>
          `${service.service} (${service.codeDeployDeploymentId ?? '?'})\n${service.lifecycleEvents!.map(line => `  ${line}`).join('\n')}`
      )
      .join('\n\n');
    parts.push(markdownDetails('CodeDeploy lifecycle events', '```\n' + text + '\n```'));
  }
  if (result.logExcerpts) parts.push(`#### Logs of stopped tasks\n\n${result.logExcerpts}`);
  const diffs = result.services
    .map(service => `${service.service}\n${formatDiff(service.diff)}`)
    .join('\n\n');
  parts.push(markdownDetails('Changes', '```diff\n' + diffs + '\n```'));
  return parts.join('\n\n') + '\n';
}

const RUN_TASK_HEADLINE: Record<RunTaskResult['state'], string> = {
  succeeded: 'succeeded',
  failed: 'FAILED',
  started: 'started, not watched',
  'timed-out': 'TIMED OUT',
  cancelled: 'cancelled',
  planned: 'planned (dry run: not run)'
};

/** The migration's line: its result, its task(s) with console links, and how it ended. */
function runTaskLine(runTask: RunTaskResult, region: string, cluster: string): string {
  const tasks = runTask.taskArns.map(arn => {
    const id = arn.split('/').pop() ?? arn;
    return markdownLink(id, consoleLinks.ecsTask(region, cluster, id));
  });
  return (
    `**Run task before the deploy:** ${RUN_TASK_HEADLINE[runTask.state]}` +
    (tasks.length > 0 ? ` (${tasks.join(', ')})` : '') +
    ` — ${runTask.reason}`
  );
}
