import { inputError, type Inputs } from '../../../packages/shared/src/index.js';
import type { InvalidateMode } from './release.js';
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

/** S3's bucket naming rules (general purpose buckets). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DISTRIBUTION_ID = /^[A-Z0-9]{10,20}$/;

export function checkBucketName(name: string, input: string = INPUT.bucket): string {
  if (name === '')
    throw inputError(
      `Input "${input}" is required: the S3 bucket of the site, e.g. eloquent-ai-frontend-prod`
    );
  const bare = name.replace(/^s3:\/\//, '').replace(/\/+$/, '');
  if (bare !== name) {
    throw inputError(
      `Input "${input}" takes the bucket name alone (${JSON.stringify(bare.split('/')[0])}); put a folder in "prefix"`
    );
  }
  if (!BUCKET.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw inputError(
      `Input "${input}": ${JSON.stringify(name)} is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`
    );
  }
  return name;
}

/** A key prefix: no leading slash, a trailing slash added, no empty or dot segments. */
export function normalizePrefix(text: string, input: string = INPUT.prefix): string {
  const trimmed = text.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  const segments = trimmed.split('/');
  if (segments.some(segment => segment === '' || segment === '.' || segment === '..')) {
    throw inputError(
      `Input "${input}": ${JSON.stringify(text)} has an empty, "." or ".." folder; write it like "app/v2"`
    );
  }
  if (segments.includes('.deploy-suite')) {
    throw inputError(
      `Input "${input}": ".deploy-suite" is where deploy-static keeps its records; choose another prefix`
    );
  }
  return `${trimmed}/`;
}

export function checkDistributionId(text: string, input: string = INPUT.distributionId): string | undefined {
  if (text === '') return undefined;
  if (!DISTRIBUTION_ID.test(text)) {
    throw inputError(
      `Input "${input}": ${JSON.stringify(text)} is not a CloudFront distribution id (upper-case letters and digits, e.g. E2QWRUHAPOMQZL)`
    );
  }
  return text;
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
