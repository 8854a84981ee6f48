import { describe, expect, it } from '@jest/globals';
import {
  parseBeanstalkTo,
  parseEcsTo,
  pickBeanstalkTarget,
  pickRollbackTarget,
  type BeanstalkTargetFacts,
  type EcsTargetFacts
} from '../src/target.js';
import { parseEcrImage } from '@deploy-suite/aws/ecr';
import { rollbackTags, tagValue } from '@deploy-suite/aws/ecs';
import { overallStatus } from '../src/ecs.js';

const td = (revision: number, family = 'tria-aibpo-staging-task') =>
  `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;
const history = (...revisions: number[]) =>
  revisions.map((revision, index) => ({
    taskDefinitionArn: td(revision),
    id: `arn:aws:ecs:us-east-1:123456789012:service-deployment/tria-aibpo-staging-cluster/tria-aibpo-staging-service/d${index}`,
    finishedAt: new Date(Date.UTC(2025, 0, 10 - index))
  }));
const revisions = (...numbers: number[]) =>
  numbers.map(revision => ({ taskDefinitionArn: td(revision), revision }));
const LKG = { kind: 'last-known-good' } as const;
const PREVIOUS = { kind: 'previous' } as const;

describe('pickRollbackTarget', () => {
  const table: Array<
    [string, EcsTargetFacts, ReturnType<typeof pickRollbackTarget>['kind'], string | undefined, string?]
  > = [
    [
      'explicit wins, no lookups',
      { current: td(5), request: parseEcsTo('tria-aibpo-staging-task:3'), explicitArn: td(3) },
      'target',
      td(3),
      'explicit'
    ],
    ['last-known-good asks for the record first', { current: td(5), request: LKG }, 'need', undefined],
    [
      'the record wins over history',
      { current: td(5), request: LKG, record: { taskDefinitionArn: td(3) }, history: history(4) },
      'target',
      td(3),
      'known-good-record'
    ],
    [
      'a record equal to the current revision is returned (already-there)',
      { current: td(5), request: LKG, record: { taskDefinitionArn: td(5) } },
      'target',
      td(5),
      'known-good-record'
    ],
    ['no record: asks for history', { current: td(5), request: LKG, record: null }, 'need', undefined],
    [
      'no record: last SUCCESSFUL deployment on another revision',
      { current: td(5), request: LKG, record: null, history: history(5, 4, 2) },
      'target',
      td(4),
      'deployment-history'
    ],
    [
      'an unusable record falls through to history',
      {
        current: td(5),
        request: LKG,
        record: { taskDefinitionArn: td(3) },
        history: history(4),
        unusable: { [td(3)]: 'is INACTIVE' }
      },
      'target',
      td(4),
      'deployment-history'
    ],
    [
      'history entries that are unusable are skipped',
      { current: td(5), request: PREVIOUS, history: history(4, 2), unusable: { [td(4)]: 'is INACTIVE' } },
      'target',
      td(2),
      'deployment-history'
    ],
    ['previous skips the record', { current: td(5), request: PREVIOUS }, 'need', undefined],
    [
      'history only on the current revision: asks for revisions',
      { current: td(5), request: PREVIOUS, history: history(5) },
      'need',
      undefined
    ],
    [
      'previous ACTIVE revision below the current one',
      { current: td(5), request: PREVIOUS, history: history(5), revisions: revisions(7, 5, 3, 1) },
      'target',
      td(3),
      'previous-revision'
    ],
    [
      'history unavailable: previous revision',
      {
        current: td(5),
        request: LKG,
        record: null,
        history: { unavailable: 'AccessDeniedException' },
        revisions: revisions(4)
      },
      'target',
      td(4),
      'previous-revision'
    ],
    [
      'nothing anywhere',
      { current: td(1), request: LKG, record: null, history: [], revisions: revisions(1) },
      'none',
      undefined
    ]
  ];
  // Rows padded to five cells: jest hands a shorter row's missing cell to the test as a `done` callback.
  it.each(table.map(row => [row[0], row[1], row[2], row[3], row[4]] as const))(
    '%s',
    (_name, facts, kind, target, source) => {
      const pick = pickRollbackTarget(facts);
      expect(pick.kind).toBe(kind);
      if (pick.kind === 'target')
        expect({ target: pick.target, source: pick.source }).toEqual({ target, source });
    }
  );

  it('says why earlier sources did not apply', () => {
    const pick = pickRollbackTarget({
      current: td(5),
      request: LKG,
      record: null,
      history: { unavailable: 'AccessDeniedException: not authorized' },
      revisions: revisions(4)
    });
    expect(pick).toMatchObject({
      why: expect.stringMatching(
        /newest ACTIVE revision before tria-aibpo-staging-task:5 .*; the service has no known-good record .*; ECS deployment history could not be read \(AccessDeniedException: not authorized\)/
      )
    });
    const none = pickRollbackTarget({
      current: td(1),
      request: LKG,
      record: null,
      history: [],
      revisions: []
    });
    expect(none).toMatchObject({
      why: expect.stringMatching(/no revision to roll back to: .*Give "to" as family:revision or an ARN/)
    });
  });

  it('asks for the history once it has the record, and for nothing more once it has a target', () => {
    expect(pickRollbackTarget({ current: td(5), request: LKG, record: null })).toEqual({
      kind: 'need',
      need: 'history'
    });
    expect(pickRollbackTarget({ current: td(5), request: LKG, record: null, history: history(5) })).toEqual({
      kind: 'need',
      need: 'revisions'
    });
  });
});

describe('pickBeanstalkTarget', () => {
  const record = {
    lastKnownGood: '1.4.0',
    history: [
      { label: '1.4.0', at: '2025-01-03T00:00:00.000Z' },
      { label: '1.3.0', at: '2025-01-02T00:00:00.000Z' }
    ]
  };
  const version = (label: string, day: number, status = 'Processed') => ({
    ApplicationName: 'ChatRelay',
    VersionLabel: label,
    DateCreated: new Date(Date.UTC(2025, 0, day)),
    Status: status as 'Processed'
  });
  it.each([
    ['explicit label', { current: '1.5.0', request: parseBeanstalkTo('1.3.0') }, '1.3.0', 'explicit'],
    [
      'last-known-good from the record',
      { current: '1.5.0', request: LKG, record },
      '1.4.0',
      'known-good-record'
    ],
    [
      'previous: newest history entry other than the current',
      { current: '1.4.0', request: PREVIOUS, record },
      '1.3.0',
      'known-good-record'
    ],
    [
      'no record: newest processed version before the current one',
      {
        current: '1.5.0',
        request: LKG,
        record: null,
        versions: [
          version('1.6.0', 6),
          version('1.5.0', 5),
          version('1.4.1', 4, 'Failed'),
          version('1.4.0', 3)
        ]
      },
      '1.4.0',
      'previous-version'
    ]
  ] as const)('%s', (_name, facts, target, source) => {
    expect(pickBeanstalkTarget(facts as BeanstalkTargetFacts)).toMatchObject({
      kind: 'target',
      target,
      source
    });
  });
  it('asks for the record, then the versions', () => {
    expect(pickBeanstalkTarget({ current: '1.5.0', request: LKG })).toEqual({ kind: 'need', need: 'record' });
    expect(pickBeanstalkTarget({ current: '1.5.0', request: LKG, record: null })).toEqual({
      kind: 'need',
      need: 'versions'
    });
    expect(
      pickBeanstalkTarget({ current: '1.5.0', request: LKG, record: null, versions: [version('1.5.0', 5)] })
    ).toMatchObject({
      kind: 'none'
    });
  });
});

describe('parseEcsTo / parseBeanstalkTo', () => {
  it.each([
    ['', { kind: 'last-known-good' }],
    ['Last-Known-Good', { kind: 'last-known-good' }],
    ['previous', { kind: 'previous' }],
    ['tria-aibpo-staging-task:3', { kind: 'revision', family: 'tria-aibpo-staging-task', revision: 3 }],
    [td(3), { kind: 'revision', family: 'tria-aibpo-staging-task', revision: 3, arn: td(3) }]
  ])('%j', (text, expected) => {
    expect(parseEcsTo(text)).toMatchObject(expected);
  });
  it.each([
    [
      'docuthinker-backend:previous',
      /"docuthinker-backend:previous" does not exist\. Use "to: previous" or "docuthinker-backend:<revision>"/
    ],
    [
      'docuthinker-backend',
      /names the family "docuthinker-backend" without a revision; give "docuthinker-backend:<revision>"/
    ],
    [
      'arn:aws:ecs:us-east-1:123456789012:service/docuthinker-cluster/backend-service',
      /^Input "to" must be a task definition ARN/
    ],
    ['v1.2 (good)', /^Input "to" must be a task definition ARN .*got "v1.2 \(good\)"/]
  ])('refuses %j', (text, message) => {
    expect(() => parseEcsTo(text)).toThrow(message);
  });
  it('Beanstalk labels', () => {
    expect(parseBeanstalkTo('app-version-label')).toEqual({ kind: 'label', label: 'app-version-label' });
    expect(parseBeanstalkTo('')).toEqual({ kind: 'last-known-good' });
    expect(() => parseBeanstalkTo('a/b')).toThrow(/^Input "to" must be a Beanstalk version label/);
    expect(() => parseBeanstalkTo('x'.repeat(101))).toThrow(/1 to 100 characters/);
  });
});

describe('ECR image references', () => {
  it.each([
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/tria-aibpo-staging:staging-initial',
      { repository: 'tria-aibpo-staging', tag: 'staging-initial', region: 'us-east-1' }
    ],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/chatrelay/main-app',
      { repository: 'chatrelay/main-app', tag: 'latest', region: 'eu-west-1' }
    ],
    [
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend@sha256:${'a'.repeat(64)}`,
      { repository: 'docuthinker-backend', digest: `sha256:${'a'.repeat(64)}` }
    ]
  ])('%s', (image, expected) => {
    expect(parseEcrImage(image)).toMatchObject({ registryId: '123456789012', ...expected });
  });
  it('leaves images outside private ECR alone', () => {
    expect(parseEcrImage('amazon/aws-xray-daemon')).toBeUndefined();
    expect(parseEcrImage('public.ecr.aws/nginx/nginx:1.27')).toBeUndefined();
  });
});

describe('status and tags', () => {
  it('failed beats everything; already-there only when every service was', () => {
    expect(overallStatus([{ result: 'rolled-back' }, { result: 'failed' }])).toBe('failed');
    expect(overallStatus([{ result: 'rolled-back' }, { result: 'already-there' }])).toBe('rolled-back');
    expect(overallStatus([{ result: 'already-there' }, { result: 'already-there' }])).toBe('already-there');
  });
  it('keeps tag values within what ECS accepts', () => {
    expect(tagValue('v4 crash-loops! (see #123) <b>')).toBe('v4 crash-loops see 123 b');
    expect(tagValue('x'.repeat(300))).toHaveLength(256);
    expect(rollbackTags(td(4), new Date(0), undefined, '')).toEqual([
      { key: 'deploy-suite:last-rollback-at', value: '1970-01-01T00:00:00.000Z' },
      { key: 'deploy-suite:last-rollback-from', value: td(4) }
    ]);
  });
});
