import { code, markdownDetails, markdownLink, markdownTable } from '@deploy-suite/core';
import { consoleLinks } from '@deploy-suite/aws';
import { formatEvent } from '@deploy-suite/aws/beanstalk';
import type { DeployBeanstalkInputs } from './inputs.js';
import { describeDuration, type DeployResult } from './deploy.js';

const STATUS_TEXT: Record<DeployResult['status'], string> = {
  deployed: '✅ deployed',
  'rolled-back': '↩️ rolled back',
  failed: '❌ failed'
};

/** The job summary: what was deployed where, from which version, how it ended, and the events that mattered. */
export function renderSummary(config: DeployBeanstalkInputs, result: DeployResult, region: string): string {
  const environment = result.environmentId
    ? markdownLink(config.environment, consoleLinks.beanstalkEnvironment(region, result.environmentId))
    : config.environment;
  const rows: string[][] = [
    ['Environment', `${environment} (application ${config.application})`],
    [
      'Version',
      `${code(result.previousVersionLabel ?? '(none)')} → ${code(result.versionLabel)}${result.versionCreated ? ' (new)' : ' (existing)'}`
    ],
    ['Result', STATUS_TEXT[result.status]],
    ['Health', result.health ?? 'unknown'],
    ['URL', result.environmentUrl ? markdownLink(result.environmentUrl, result.environmentUrl) : '—'],
    ['Duration', describeDuration(result)],
    ['Bundle', code(`s3://${result.bucket}/${result.bundleKey}`)]
  ];
  if (result.reason) rows.push(['Why it failed', result.reason]);
  if (result.rollback) {
    rows.push([
      'Rollback',
      result.rollback.to === undefined
        ? `not attempted: ${result.rollback.skipped}`
        : result.rollback.ok
          ? `to ${code(result.rollback.to)}: Ready and healthy`
          : `to ${code(result.rollback.to)} failed: ${result.rollback.reason ?? ''}`
    ]);
  }
  const parts = [`### Elastic Beanstalk deploy: ${config.environment}`, '', markdownTable(['', ''], rows)];
  if (result.diagnosis) parts.push('', '#### What Beanstalk says', '', result.diagnosis);
  if (result.events.length) {
    parts.push(
      '',
      markdownDetails('Events that mattered', ['```', ...result.events.map(formatEvent), '```'].join('\n'))
    );
  }
  return `${parts.join('\n')}\n`;
}

/** The step's failure message, when the deploy did not end deployed. */
export function failureMessage(result: DeployResult): string | undefined {
  if (result.status === 'rolled-back') {
    return `Deploy of ${result.versionLabel} failed (${result.reason}); rolled back to ${result.previousVersionLabel}`;
  }
  if (result.status !== 'failed') return undefined;
  const rollback = result.rollback;
  const note =
    rollback?.to === undefined
      ? `not rolled back: ${rollback?.skipped}`
      : `rollback to ${rollback.to} failed: ${rollback.reason}`;
  return `Deploy of ${result.versionLabel} failed (${result.reason}); ${note}`;
}
