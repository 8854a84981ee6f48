import { code, markdownLink, markdownTable } from '@deploy-suite/core';
import { consoleLinks } from '@deploy-suite/aws';
import { familyRevision, parseTaskDefinitionReference } from '@deploy-suite/aws/ecs';
import type { BeanstalkRollbackInputs, EcsRollbackInputs } from './inputs.js';
import type { RollbackResult, RollbackStatus, ServiceOutcome } from './ecs.js';
import { SOURCE_TEXT } from './target.js';

const HEADLINE: Record<RollbackStatus, string> = {
  'rolled-back': 'rolled back',
  'already-there': 'already on the target, nothing changed',
  planned: 'dry run: planned, nothing changed',
  started: 'started (not watched)',
  failed: 'FAILED',
  skipped: 'skipped: another deploy has replaced what this run deployed (only-if-current)',
  recorded: 'recorded as last known-good (nothing changed)'
};

/** `rolled-back-from` / `rolled-back-to`: the value itself for one service, a JSON object per service for several. */
export function fromToOutputs(services: readonly ServiceOutcome[]): { from: string; to: string } {
  if (services.length === 1) return { from: services[0].from, to: services[0].to };
  return {
    from: JSON.stringify(Object.fromEntries(services.map(service => [service.service, service.from]))),
    to: JSON.stringify(Object.fromEntries(services.map(service => [service.service, service.to])))
  };
}

/** The job summary: from -> to per service or environment, source, result, the reason and who asked. */
export function rollbackSummary(
  inputs: EcsRollbackInputs | BeanstalkRollbackInputs,
  result: RollbackResult,
  region: string,
  actor: string | undefined
): string {
  const ecs = inputs.kind === 'ecs';
  const revision = (arn: string): string => {
    if (!ecs) return arn ? code(arn) : '—';
    const parsed = parseTaskDefinitionReference(arn);
    if (!parsed || parsed.revision === undefined) return arn ? code(arn) : '—';
    return markdownLink(
      familyRevision(arn),
      consoleLinks.ecsTaskDefinition(region, parsed.family, parsed.revision)
    );
  };
  const rows = result.services.map(service => [
    ecs
      ? markdownLink(service.service, consoleLinks.ecsService(region, inputs.cluster, service.service))
      : service.service,
    `${revision(service.from)} → ${revision(service.to)}`,
    `${SOURCE_TEXT[service.source]}: ${service.why}`,
    service.result + (service.reason ? `: ${service.reason}` : ''),
    `${service.durationSeconds}s`
  ]);
  const where = ecs
    ? `Cluster ${code(inputs.cluster)} in ${code(region)}`
    : `Application ${code(inputs.application)}, environment ${code(inputs.environment)} in ${code(region)}`;
  return (
    [
      `### rollback: ${HEADLINE[result.status]}`,
      where,
      `**Reason:** ${inputs.reason ? inputs.reason.replace(/\r?\n/g, ' ') : '(none given)'}`,
      `**Triggered by:** ${actor ? `@${actor}` : 'unknown'}`,
      markdownTable(
        [
          ecs ? 'Service' : 'Environment',
          ecs ? 'Revision (from → to)' : 'Version (from → to)',
          'Target chosen from',
          'Outcome',
          'Duration'
        ],
        rows
      ),
      ...(result.logExcerpts ? [`#### Logs of stopped tasks\n\n${result.logExcerpts}`] : []),
      ...(result.diagnosis ? [`#### What Beanstalk says\n\n${result.diagnosis}`] : [])
    ].join('\n\n') + '\n'
  );
}

/** The step's failure message, when some service (or the environment) did not get back. */
export function failureMessage(result: RollbackResult): string | undefined {
  if (result.status !== 'failed') return undefined;
  const failed = result.services.filter(service => service.result === 'failed');
  return `Rollback failed: ${failed.map(service => `${service.service}: ${service.reason ?? 'unknown reason'}`).join('; ')}`;
}
