import { inputError } from '@deploy-suite/core';
import type { ApplicationVersionDescription, BeanstalkApi, EnvironmentDescription } from './api.js';

/**
 * Checks that the application and the environment exist (describe calls only), refusing with an input error
 * that names the input to fix; returns the environment as Beanstalk describes it.
 */
export async function findEnvironment(
  api: BeanstalkApi,
  application: string,
  environment: string
): Promise<EnvironmentDescription> {
  if (!(await api.describeApplication(application))) {
    throw inputError(
      `Input "application-name": application ${JSON.stringify(application)} was not found in this account and region ` +
        '(names are case-sensitive); check "application-name" and the region'
    );
  }
  const described = await api.describeEnvironment(application, environment);
  if (!described) {
    throw inputError(
      `Input "environment-name": environment ${JSON.stringify(environment)} of ${application} was not found ` +
        '(or is terminated); check "environment-name"'
    );
  }
  return described;
}

/** The SDK's model spells version statuses `Processed`; AWS answers `PROCESSED`. Compares without case. */
export function versionStatusIs(
  version: Pick<ApplicationVersionDescription, 'Status'> | undefined,
  status: 'Processed' | 'Unprocessed' | 'Failed' | 'Processing' | 'Building'
): boolean {
  return (version?.Status ?? '').toLowerCase() === status.toLowerCase();
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Checks the `bucket` input of deploy-beanstalk and rollback (an S3 bucket name, or not given). */
export function checkBucketInput(bucket: string | undefined): string | undefined {
  if (bucket !== undefined && !BUCKET_NAME.test(bucket)) {
    throw inputError(
      `Input "bucket" must be an S3 bucket name (lower-case letters, digits, dots, hyphens), got ${JSON.stringify(bucket)}`
    );
  }
  return bucket;
}

/**
 * The bucket of bundles and known-good records: the `bucket` input, else the account's Beanstalk storage
 * bucket (CreateStorageLocation), resolved once and only when first needed.
 */
export function storageBucket(api: BeanstalkApi, given: string | undefined): () => Promise<string> {
  let bucket: Promise<string> | undefined;
  return () => {
    bucket ??= given ? Promise.resolve(given) : api.createStorageLocation();
    return bucket;
  };
}
