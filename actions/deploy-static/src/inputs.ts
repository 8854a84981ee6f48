import { inputError, type Inputs } from '@deploy-suite/core';
import {
  checkBucketName,
  checkDistributionId,
  normalizePrefix,
  type InvalidateMode
} from '@deploy-suite/aws/static-site';
import { SiteRuleError, parseCacheRules, type CacheRule } from './site-rules.js';

/** Input names, as action.yml spells them. */
export const INPUT = {
  source: 'source',
  bucket: 'bucket',
  prefix: 'prefix',
  distributionId: 'distribution-id',
  cacheControl: 'cache-control',
  delete: 'delete',
  keepReleases: 'keep-releases',
  invalidate: 'invalidate',
  waitForInvalidation: 'wait-for-invalidation',
  waitForMinutes: 'wait-for-minutes',
  dryRun: 'dry-run',
  awsRegion: 'aws-region'
} as const;

export interface DeployStaticInputs {
  /** as given: resolved and checked against the workspace by resolveSource */
  source: string;
  bucket: string;
  /** '' or `path/` */
  prefix: string;
  distributionId?: string;
  cacheRules: CacheRule[];
  delete: boolean;
  keepReleases: number;
  invalidate: InvalidateMode;
  waitForInvalidation: boolean;
  waitMs: number;
  dryRun: boolean;
  region?: string;
}

/** Reads and checks every input before anything talks to AWS. */
export function readDeployStaticInputs(inputs: Inputs): DeployStaticInputs {
  const source = inputs.string(INPUT.source);
  if (source === '') {
    throw inputError(
      'Input "source" is required: the folder of the built site, e.g. "build" (Create React App) or "dist" (Vite)'
    );
  }
  let cacheRules: CacheRule[];
  try {
    cacheRules = parseCacheRules(inputs.lines(INPUT.cacheControl));
  } catch (error) {
    if (error instanceof SiteRuleError) throw inputError(error.message);
    throw error;
  }
  return {
    source,
    bucket: checkBucketName(inputs.string(INPUT.bucket)),
    prefix: normalizePrefix(inputs.string(INPUT.prefix)),
    distributionId: checkDistributionId(inputs.string(INPUT.distributionId)),
    cacheRules,
    delete: inputs.boolean(INPUT.delete, true),
    keepReleases: inputs.integer(INPUT.keepReleases, { min: 1, max: 100, default: 3 }),
    invalidate: inputs.oneOf<InvalidateMode>(INPUT.invalidate, ['changed', 'all', 'none'], 'changed'),
    waitForInvalidation: inputs.boolean(INPUT.waitForInvalidation, true),
    waitMs: inputs.integer(INPUT.waitForMinutes, { min: 1, max: 360, default: 15 }) * 60_000,
    dryRun: inputs.boolean(INPUT.dryRun, false),
    region: inputs.optionalString(INPUT.awsRegion)
  };
}
