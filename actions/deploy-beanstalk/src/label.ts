import { ActionError, inputError } from '@deploy-suite/core';
import { versionStatusIs, type ApplicationVersionDescription } from '@deploy-suite/aws/beanstalk';

/**
 * Version labels and bundle identity.
 *
 * A bundle is stored at a content-addressed key, `deploy-suite/bundles/<application>/<sha256>.zip`, so
 * an application version's own `SourceBundle.S3Key` says which bytes it holds: two versions hold the
 * same bundle exactly when their keys match. Nothing depends on the version description (which users
 * set) or on ETags (which are not content hashes for multipart uploads).
 */

const BUNDLE_PREFIX = 'deploy-suite/bundles';
/** Beanstalk's limit for VersionLabel. */
const LABEL_LIMIT = 100;

/** `<short sha>-<run id>-<attempt>`: a re-run (new attempt) gets its own label. */
export function defaultVersionLabel(sha: string, runId: string, attempt: number): string {
  return `${sha.slice(0, 7)}-${runId}-${attempt}`;
}

/** The default labels of the earlier attempts of the same run, newest first. */
export function earlierAttemptLabels(sha: string, runId: string, attempt: number): string[] {
  const labels: string[] = [];
  for (let earlier = attempt - 1; earlier >= 1; earlier--)
    labels.push(defaultVersionLabel(sha, runId, earlier));
  return labels;
}

export function validateVersionLabel(label: string, inputName: string): string {
  if (label.length > LABEL_LIMIT) {
    throw inputError(
      `Input "${inputName}" is ${label.length} characters; Beanstalk allows at most ${LABEL_LIMIT}`
    );
  }
  if (/[\s]/.test(label)) {
    throw inputError(`Input "${inputName}" must not contain whitespace, got ${JSON.stringify(label)}`);
  }
  return label;
}

export function bundleKey(application: string, sha256: string): string {
  return `${BUNDLE_PREFIX}/${application}/${sha256}.zip`;
}

export type VersionPlan =
  | { kind: 'create'; label: string }
  | { kind: 'reuse'; label: string; version: ApplicationVersionDescription; why: string };

function isFailed(version: ApplicationVersionDescription): boolean {
  return versionStatusIs(version, 'Failed');
}

function location(version: ApplicationVersionDescription): string {
  const source = version.SourceBundle;
  return source?.S3Bucket && source.S3Key ? `s3://${source.S3Bucket}/${source.S3Key}` : 'an unknown location';
}

/**
 * Whether to create the version or reuse one that exists. `existing` holds what DescribeApplicationVersions
 * returned for the requested label and the earlier attempts' labels.
 */
export function planVersion(options: {
  application: string;
  label: string;
  key: string;
  sha256: string;
  useExistingVersion: boolean;
  earlierAttemptLabels: readonly string[];
  existing: readonly ApplicationVersionDescription[];
}): VersionPlan {
  const { application, label, key } = options;
  const same = options.existing.find(version => version.VersionLabel === label);
  if (same) {
    if (!options.useExistingVersion) {
      throw new ActionError(
        'input',
        `Version "${label}" already exists in application ${application}. Give another "version-label", or set ` +
          '"use-existing-version: true" to deploy it (allowed only when it holds the same bundle)'
      );
    }
    if (same.SourceBundle?.S3Key !== key) {
      throw new ActionError(
        'input',
        `Version "${label}" already exists in application ${application} with a different bundle (${location(same)}; ` +
          `this bundle is sha256 ${options.sha256.slice(0, 12)}…). Labels cannot be reused for other content: ` +
          'give a new "version-label"'
      );
    }
    if (isFailed(same)) {
      throw new ActionError(
        'deployment',
        `Version "${label}" already exists in application ${application} but failed processing; fix the bundle and ` +
          'give a new "version-label"'
      );
    }
    return { kind: 'reuse', label, version: same, why: `version ${label} already exists with this bundle` };
  }
  if (options.useExistingVersion) {
    for (const earlier of options.earlierAttemptLabels) {
      const version = options.existing.find(candidate => candidate.VersionLabel === earlier);
      if (version && version.SourceBundle?.S3Key === key && !isFailed(version)) {
        return {
          kind: 'reuse',
          label: earlier,
          version,
          why: `an earlier attempt of this run created ${earlier} with the same bundle`
        };
      }
    }
  }
  return { kind: 'create', label };
}
