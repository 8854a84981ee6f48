/**
 * Static-site mode: puts a site deploy-static published back on one of its recorded releases, byte for
 * byte (see deploy-static's README: release records and saved copies), and invalidates CloudFront.
 */
import { code, inputError, type Clock, type Logger } from '@deploy-suite/core';
import {
  RecordError,
  releaseSummary,
  rollbackSite,
  SiteInputError,
  type CdnApi,
  type RollbackSiteResult,
  type SiteStore
} from '@deploy-suite/aws/static-site';
import type { RollbackResult, RollbackStatus } from './ecs.js';
import { INPUT, type StaticSiteRollbackInputs } from './inputs.js';

export interface StaticSiteDeps {
  store: SiteStore;
  cdn?: CdnApi;
  clock: Clock;
  logger: Logger;
  now: () => Date;
}

const STATUS: Record<RollbackSiteResult['status'], RollbackStatus> = {
  deployed: 'rolled-back',
  unchanged: 'already-there',
  planned: 'planned',
  failed: 'failed'
};

export async function rollbackStaticSite(
  inputs: StaticSiteRollbackInputs,
  region: string,
  deps: StaticSiteDeps,
  started = deps.clock.now()
): Promise<{ result: RollbackResult; site: RollbackSiteResult }> {
  const site = await checkedRollback(
    {
      bucket: inputs.bucket,
      prefix: inputs.prefix,
      region,
      distributionId: inputs.distributionId,
      to: inputs.to,
      invalidate: 'changed',
      waitForInvalidation: inputs.waitForServiceStability,
      waitMs: inputs.waitMs,
      dryRun: inputs.dryRun,
      inputs: { bucket: INPUT.siteBucket, distributionId: INPUT.distributionId, to: INPUT.to },
      origin: inputs.reason ? { reason: inputs.reason } : undefined
    },
    deps
  );
  const status = STATUS[site.status];
  const result: RollbackResult = {
    status,
    elapsedMs: deps.clock.now() - started,
    services: [
      {
        service: `s3://${inputs.bucket}/${inputs.prefix}`,
        from: site.previousRelease ?? '',
        to: site.target,
        source: inputs.to === 'previous' ? 'previous-release' : 'explicit',
        why:
          inputs.to === 'previous'
            ? `the newest earlier release that differs from the live one and was not rolled back`
            : `release ${site.target} was asked for`,
        result: status,
        reason: site.reason,
        durationSeconds: Math.round((deps.clock.now() - started) / 1000)
      }
    ]
  };
  return { result, site };
}

/** rollbackSite, with its before-any-write refusals as input errors naming the input. */
async function checkedRollback(...args: Parameters<typeof rollbackSite>): Promise<RollbackSiteResult> {
  try {
    return await rollbackSite(...args);
  } catch (error) {
    if (error instanceof SiteInputError) throw inputError(error.message);
    if (error instanceof RecordError) throw inputError(`Input "${INPUT.to}": ${error.message}`);
    throw error;
  }
}

export function staticSiteSummary(
  inputs: StaticSiteRollbackInputs,
  site: RollbackSiteResult,
  region: string,
  actor: string | undefined
): string {
  const body = releaseSummary(
    'rollback',
    site,
    { bucket: inputs.bucket, prefix: inputs.prefix, region },
    {
      headline: { deployed: 'rolled back', unchanged: 'already on the target, nothing changed' },
      written: 'Restored',
      toWrite: 'To restore'
    }
  );
  const [headline, ...rest] = body.split('\n\n');
  return [
    headline,
    `Back to release ${code(site.target)} from ${code(site.previousRelease ?? '—')}` +
      (site.release && site.release !== site.target && site.status === 'deployed'
        ? `, recorded as release ${code(site.release)}`
        : ''),
    `**Reason:** ${inputs.reason ? inputs.reason.replace(/\r?\n/g, ' ') : '(none given)'}`,
    `**Triggered by:** ${actor ? `@${actor}` : 'unknown'}`,
    ...rest
  ].join('\n\n');
}
