import { inputError } from '@deploy-suite/core';
import {
  KNOWN_GOOD_TAG,
  familyRevision,
  parseTaskDefinitionReference,
  type EcsKnownGoodRecord,
  type FamilyRevision,
  type SuccessfulDeployment
} from '@deploy-suite/aws/ecs';
import {
  versionStatusIs,
  type ApplicationVersionDescription,
  type BeanstalkKnownGoodRecord
} from '@deploy-suite/aws/beanstalk';

/**
 * What `to` asks for, and the pure decisions that turn it plus what AWS says into one target. The
 * decisions never call AWS: when they need a source not looked up yet they answer `need`, and the caller
 * fetches exactly that source and asks again (so a service with a record costs no history calls).
 */

export type EcsTo =
  | { kind: 'last-known-good' }
  | { kind: 'previous' }
  | { kind: 'revision'; text: string; family: string; revision: number; arn?: string };

export type BeanstalkTo =
  { kind: 'last-known-good' } | { kind: 'previous' } | { kind: 'label'; label: string };

const KEYWORDS = ['last-known-good', 'previous'] as const;

function keyword(text: string): 'last-known-good' | 'previous' | undefined {
  return KEYWORDS.find(candidate => candidate === text.toLowerCase());
}

/** ECS `to`: a task definition ARN, `family:revision`, `last-known-good` (default) or `previous`. */
export function parseEcsTo(text: string): EcsTo {
  const word = keyword(text || 'last-known-good');
  if (word) return { kind: word };
  const reference = parseTaskDefinitionReference(text);
  if (reference?.kind === 'arn') {
    return { kind: 'revision', text, family: reference.family, revision: reference.revision, arn: text };
  }
  if (reference?.kind === 'family' && reference.revision !== undefined) {
    return { kind: 'revision', text, family: reference.family, revision: reference.revision };
  }
  if (reference?.kind === 'family') {
    throw inputError(
      `Input "to" names the family ${JSON.stringify(text)} without a revision; give "${text}:<revision>" ` +
        '(e.g. docuthinker-backend:3), a task definition ARN, "last-known-good" or "previous"'
    );
  }
  const named = /^([A-Za-z0-9_-]+):(previous|latest|last-known-good)$/i.exec(text);
  if (named) {
    throw inputError(
      `Input "to" is ${JSON.stringify(text)}, but ECS revisions are numbers: "${named[1]}:${named[2]}" does not exist. ` +
        `Use "to: ${named[2].toLowerCase() === 'latest' ? 'previous' : named[2].toLowerCase()}" or "${named[1]}:<revision>"`
    );
  }
  throw inputError(
    `Input "to" must be a task definition ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>), ` +
      `"family:revision", "last-known-good" or "previous", got ${JSON.stringify(text)}`
  );
}

/** Beanstalk `to`: a version label, `last-known-good` (default) or `previous`. */
export function parseBeanstalkTo(text: string): BeanstalkTo {
  const word = keyword(text || 'last-known-good');
  if (word) return { kind: word };
  // Beanstalk labels: 1 to 100 characters, no slash (they name S3-like paths in the console).
  if (text.length > 100 || text.includes('/') || [...text].some(char => char.charCodeAt(0) < 0x20)) {
    throw inputError(
      `Input "to" must be a Beanstalk version label (1 to 100 characters, no "/"), "last-known-good" or "previous", got ${JSON.stringify(text)}`
    );
  }
  return { kind: 'label', label: text };
}

/** Where a target came from, in the order they are tried. */
export type TargetSource =
  | 'explicit'
  | 'known-good-record'
  | 'deployment-history'
  | 'previous-revision'
  | 'previous-version'
  | 'previous-release';

export const SOURCE_TEXT: Record<TargetSource, string> = {
  explicit: 'the "to" input',
  'known-good-record': 'the known-good record',
  'deployment-history': "ECS's deployment history",
  'previous-revision': 'the previous ACTIVE revision',
  'previous-version': 'the previous application version',
  'previous-release': "deploy-static's release records"
};

export type Pick<Need extends string> =
  | { kind: 'target'; target: string; source: TargetSource; why: string }
  | { kind: 'need'; need: Need }
  | { kind: 'none'; why: string };

/** One SUCCESSFUL service deployment, newest first, with the task definition it put in place. */
export interface EcsTargetFacts {
  /** the task definition the service runs now (its PRIMARY deployment) */
  current: string;
  request: EcsTo;
  /** for an explicit `to`: the ARN it resolved to */
  explicitArn?: string;
  /** undefined: not looked up yet; null: the service has none */
  record?: EcsKnownGoodRecord | null;
  /** undefined: not looked up yet; `unavailable`: ListServiceDeployments could not be used, and why */
  history?: SuccessfulDeployment[] | { unavailable: string };
  /** undefined: not looked up yet */
  revisions?: FamilyRevision[];
  /** candidates found unusable by the safety checks (e.g. INACTIVE), with why: the next source is tried */
  unusable?: Record<string, string>;
}

export type EcsNeed = 'record' | 'history' | 'revisions';

/**
 * Chooses the task definition to roll a service back to. An explicit `to` wins; `last-known-good` uses
 * the record deploy-ecs keeps on the service, then ECS's own history (the last SUCCESSFUL deployment on
 * another revision), then the previous ACTIVE revision of the family; `previous` starts at the history.
 * The answer says which source it used and why the ones before it did not apply. A target equal to what
 * runs now is returned as is: the caller reports it as `already-there`.
 */
export function pickRollbackTarget(facts: EcsTargetFacts): Pick<EcsNeed> {
  const { request, current } = facts;
  if (request.kind === 'revision') {
    return {
      kind: 'target',
      target: facts.explicitArn ?? request.arn ?? request.text,
      source: 'explicit',
      why: `"to" names ${request.text}`
    };
  }
  const skipped: string[] = [];
  const unusable = facts.unusable ?? {};
  if (request.kind === 'last-known-good') {
    if (facts.record === undefined) return { kind: 'need', need: 'record' };
    const recorded = facts.record?.taskDefinitionArn;
    if (recorded && unusable[recorded]) {
      skipped.push(`the recorded known-good ${familyRevision(recorded)} ${unusable[recorded]}`);
    } else if (facts.record) {
      const at = facts.record.at ? ` at ${facts.record.at}` : '';
      return {
        kind: 'target',
        target: facts.record.taskDefinitionArn,
        source: 'known-good-record',
        why: `deploy-suite recorded it as last known-good${at} (service tag ${KNOWN_GOOD_TAG})`
      };
    }
    skipped.push('the service has no known-good record (deploy-ecs writes one after each successful deploy)');
  }

  if (facts.history === undefined) return { kind: 'need', need: 'history' };
  if ('unavailable' in facts.history) {
    skipped.push(`ECS deployment history could not be read (${facts.history.unavailable})`);
  } else {
    const others = facts.history.filter(entry => entry.taskDefinitionArn !== current);
    for (const entry of others.filter(entry => unusable[entry.taskDefinitionArn])) {
      const text = `${familyRevision(entry.taskDefinitionArn)} from ECS's deployment history ${unusable[entry.taskDefinitionArn]}`;
      if (!skipped.includes(text)) skipped.push(text);
    }
    const other = others.find(entry => !unusable[entry.taskDefinitionArn]);
    if (other) {
      const finished = other.finishedAt ? `, finished ${other.finishedAt.toISOString()}` : '';
      return {
        kind: 'target',
        target: other.taskDefinitionArn,
        source: 'deployment-history',
        why: withSkipped(
          `it is what the last SUCCESSFUL ECS deployment on another revision put in place (${shortId(other.id)}${finished})`,
          skipped
        )
      };
    }
    if (others.length === 0) {
      skipped.push(
        facts.history.length === 0
          ? 'ECS lists no SUCCESSFUL deployment of the service'
          : `every SUCCESSFUL deployment ECS lists ran the current revision ${familyRevision(current)}`
      );
    }
  }

  if (facts.revisions === undefined) return { kind: 'need', need: 'revisions' };
  const currentRef = parseTaskDefinitionReference(current);
  const currentRevision = currentRef?.revision ?? Number.POSITIVE_INFINITY;
  const previous = facts.revisions
    .filter(candidate => candidate.revision < currentRevision && !unusable[candidate.taskDefinitionArn])
    .sort((a, b) => b.revision - a.revision)[0];
  if (previous) {
    return {
      kind: 'target',
      target: previous.taskDefinitionArn,
      source: 'previous-revision',
      why: withSkipped(
        `it is the newest ACTIVE revision before ${familyRevision(current)} (nothing proves it ever ran well)`,
        skipped
      )
    };
  }
  skipped.push(`the family has no ACTIVE revision older than ${familyRevision(current)}`);
  return {
    kind: 'none',
    why: `no revision to roll back to: ${skipped.join('; ')}. Give "to" as family:revision or an ARN`
  };
}

export interface BeanstalkTargetFacts {
  /** the label the environment runs now */
  current?: string;
  request: BeanstalkTo;
  /** undefined: not looked up yet; null: there is none */
  record?: BeanstalkKnownGoodRecord | null;
  /** undefined: not looked up yet; every version of the application */
  versions?: ApplicationVersionDescription[];
}

export type BeanstalkNeed = 'record' | 'versions';

/**
 * Chooses the version label to put an environment back on. An explicit label wins; `last-known-good`
 * uses deploy-beanstalk's record; `previous` uses the newest successful deploy in the record's history
 * other than the current label. Without a record both fall back to the newest processed version created
 * before the current one.
 */
export function pickBeanstalkTarget(facts: BeanstalkTargetFacts): Pick<BeanstalkNeed> {
  const { request, current } = facts;
  if (request.kind === 'label') {
    return { kind: 'target', target: request.label, source: 'explicit', why: `"to" names ${request.label}` };
  }
  if (facts.record === undefined) return { kind: 'need', need: 'record' };
  const skipped: string[] = [];
  if (facts.record && request.kind === 'last-known-good') {
    const entry = facts.record.history.find(candidate => candidate.label === facts.record!.lastKnownGood);
    return {
      kind: 'target',
      target: facts.record.lastKnownGood,
      source: 'known-good-record',
      why: `deploy-suite recorded it as last known-good${entry ? ` at ${entry.at}` : ''}`
    };
  }
  if (facts.record) {
    const earlier = facts.record.history.find(candidate => candidate.label !== current);
    if (earlier) {
      return {
        kind: 'target',
        target: earlier.label,
        source: 'known-good-record',
        why: `it is the newest successful deploy in the known-good record before ${current ?? 'the current label'} (${earlier.at})`
      };
    }
    skipped.push(
      `the known-good record lists no successful deploy other than ${current ?? 'the current label'}`
    );
  } else {
    skipped.push(
      'the environment has no known-good record (deploy-beanstalk writes one after each successful deploy)'
    );
  }
  if (facts.versions === undefined) return { kind: 'need', need: 'versions' };
  const currentVersion = facts.versions.find(version => version.VersionLabel === current);
  const currentCreated = currentVersion?.DateCreated
    ? new Date(currentVersion.DateCreated).getTime()
    : Number.POSITIVE_INFINITY;
  const previous = facts.versions
    .filter(
      version =>
        version.VersionLabel &&
        version.VersionLabel !== current &&
        versionStatusIs(version, 'Processed') &&
        (version.DateCreated ? new Date(version.DateCreated).getTime() : 0) < currentCreated
    )
    .sort((a, b) => new Date(b.DateCreated ?? 0).getTime() - new Date(a.DateCreated ?? 0).getTime())[0];
  if (previous?.VersionLabel) {
    return {
      kind: 'target',
      target: previous.VersionLabel,
      source: 'previous-version',
      why: withSkipped(
        `it is the newest processed version created before ${current ?? 'the current label'} (nothing proves it ever ran well)`,
        skipped
      )
    };
  }
  skipped.push(`no processed version was created before ${current ?? 'the current label'}`);
  return {
    kind: 'none',
    why: `no version to roll back to: ${skipped.join('; ')}. Give "to" as a version label`
  };
}

function withSkipped(why: string, skipped: string[]): string {
  return skipped.length ? `${why}; ${skipped.join('; ')}` : why;
}

function shortId(arn: string): string {
  return arn.split('/').pop() ?? arn;
}
