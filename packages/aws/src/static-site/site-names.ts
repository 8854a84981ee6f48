/** Checks of the names that say where a static site lives, shared by deploy-static and rollback. */
import { inputError } from '@deploy-suite/core';

/** S3's bucket naming rules (general purpose buckets). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DISTRIBUTION_ID = /^[A-Z0-9]{10,20}$/;

export function checkBucketName(name: string, input = 'bucket'): string {
  if (name === '')
    throw inputError(
      `Input "${input}" is required: the S3 bucket of the site, e.g. eloquent-ai-frontend-prod`
    );
  const bare = name.replace(/^s3:\/\//, '').replace(/\/+$/, '');
  if (bare !== name) {
    throw inputError(
      `Input "${input}" takes the bucket name alone (${JSON.stringify(bare.split('/')[0])}); put a folder in the prefix input`
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
export function normalizePrefix(text: string, input = 'prefix'): string {
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

export function checkDistributionId(text: string, input = 'distribution-id'): string | undefined {
  if (text === '') return undefined;
  if (!DISTRIBUTION_ID.test(text)) {
    throw inputError(
      `Input "${input}": ${JSON.stringify(text)} is not a CloudFront distribution id (upper-case letters and digits, e.g. E2QWRUHAPOMQZL)`
    );
  }
  return text;
}
