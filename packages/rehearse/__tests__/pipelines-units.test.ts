import { describe, expect, it } from '@jest/globals';
import { oidcSubject, trustPolicyDenial, type TrustPolicy } from '../src/oidc.js';
import { Masks, Said, StepLog } from '../src/step-log.js';
import { resolveSelf, resolveUses } from '../src/repositories.js';
import { exitCode, parseExampleArguments } from '../src/rehearse-example.js';
import type { ExampleRun, ReleaseOutcome, ThenOutcome } from '../src/examples/run-example.js';

const policy = (subjects: string | string[]): TrustPolicy => ({
  file: 'examples/docuthinker/aws/trust-policy.json',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {
          Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'token.actions.githubusercontent.com:sub': subjects }
        }
      }
    ]
  }
});
const ROLE = 'arn:aws:iam::123456789012:role/github-actions-deploy';

describe("a job's OIDC subject, as GitHub computes it", () => {
  it('environment form when the job has one, else pull_request, else the ref', () => {
    const base = { repository: 'octo-org/docuthinker', ref: 'refs/heads/main' };
    expect(oidcSubject({ ...base, eventName: 'push', environment: 'production' })).toBe(
      'repo:octo-org/docuthinker:environment:production'
    );
    expect(oidcSubject({ ...base, eventName: 'pull_request', ref: 'refs/pull/1/merge' })).toBe(
      'repo:octo-org/docuthinker:pull_request'
    );
    expect(oidcSubject({ ...base, eventName: 'push' })).toBe('repo:octo-org/docuthinker:ref:refs/heads/main');
    expect(oidcSubject({ ...base, eventName: 'workflow_dispatch', ref: 'refs/tags/v1.2.0' })).toBe(
      'repo:octo-org/docuthinker:ref:refs/tags/v1.2.0'
    );
  });

  it('a trust policy allows its subjects (StringLike wildcards too) and refuses others, naming both', () => {
    const production = policy('repo:octo-org/docuthinker:environment:production');
    expect(
      trustPolicyDenial(production, ROLE, { sub: 'repo:octo-org/docuthinker:environment:production' })
    ).toBeUndefined();
    expect(
      trustPolicyDenial(policy('repo:octo-org/docuthinker:environment:*'), ROLE, {
        sub: 'repo:octo-org/docuthinker:environment:staging'
      })
    ).toBeUndefined();
    const denied = trustPolicyDenial(production, ROLE, {
      sub: 'repo:octo-org/docuthinker:ref:refs/heads/main'
    });
    expect(denied).toContain(
      "the job's OIDC subject repo:octo-org/docuthinker:ref:refs/heads/main is not allowed"
    );
    expect(denied).toContain('trust policy examples/docuthinker/aws/trust-policy.json of ' + ROLE);
    expect(denied).toContain('it allows repo:octo-org/docuthinker:environment:production');
    // another audience is refused even with the right subject
    expect(
      trustPolicyDenial(production, ROLE, {
        sub: 'repo:octo-org/docuthinker:environment:production',
        aud: 'other'
      })
    ).toBeDefined();
  });
});

describe('$/ references', () => {
  it("resolve in the folder of the workflow's own repository, and refuse an @ref or a path out of it", () => {
    expect(resolveSelf('$/actions/deploy-ecs', '/work/suite')).toMatchObject({
      root: '/work/suite',
      target: '/work/suite/actions/deploy-ecs'
    });
    expect(resolveSelf('$/actions/deploy-ecs@v1', '/work/suite')).toBeUndefined();
    expect(resolveSelf('$/../elsewhere', '/work/suite')).toBeUndefined();
    expect(
      resolveUses('octo-org/deploy-suite/actions/x@v1', '/work/consumer', {
        'octo-org/deploy-suite': '/work/suite'
      })
    ).toMatchObject({
      target: '/work/suite/actions/x'
    });
  });
});

describe('the quieter step log', () => {
  function log(said = new Said()) {
    const printed: string[] = [];
    return { step: new StepLog(new Masks(), line => printed.push(line), false, said), printed };
  }

  it('folds a long group after its first lines, saying how many it folded and where the full log is', () => {
    const { step, printed } = log();
    step.logFile = 'jobs/01-build/steps/03-build.log';
    step.write(
      [
        '::group::Build 127.0.0.1:5000/docuthinker-backend',
        ...Array.from({ length: 10 }, (_, i) => `STEP ${i}`),
        '::endgroup::',
        'Pushed'
      ].join('\n') + '\n'
    );
    step.end();
    expect(printed).toEqual([
      '▸ Build 127.0.0.1:5000/docuthinker-backend',
      'STEP 0',
      'STEP 1',
      'STEP 2',
      '  … 7 more lines folded (full log: jobs/01-build/steps/03-build.log)',
      'Pushed'
    ]);
    expect(step.lines).toHaveLength(12);
  });

  it('counts lines that differ only in ids instead of repeating them, and says one error once', () => {
    const { step, printed } = log();
    step.write(
      [
        'event: has stopped 1 running tasks: (task 12a086c41ff0d16986b24f9802932a90).',
        'event: has stopped 1 running tasks: (task da79632fa09922f4075fa70a0cf2ae99).',
        'event: has stopped 1 running tasks: (task 0b79632fa09922f4075fa70a0cf2ae11).',
        '::error::Deployment failed: backend-service: Essential container in task exited',
        '::error::Deployment failed and was rolled back: backend-service: Essential container in task exited',
        'done'
      ].join('\n') + '\n'
    );
    step.end();
    expect(printed).toEqual([
      'event: has stopped 1 running tasks: (task 12a086c41ff0d16986b24f9802932a90).',
      '  (and 2 more like it)',
      'Error: Deployment failed: backend-service: Essential container in task exited',
      'done'
    ]);
    expect(step.annotations).toHaveLength(2);
  });

  it('prints a note given a once key only the first time in the rehearsal', () => {
    const said = new Said();
    const first = log(said);
    const second = log(said);
    first.step.note('[rehearsal] stand-in for actions/checkout', 'stand-in:actions/checkout');
    second.step.note('[rehearsal] stand-in for actions/checkout', 'stand-in:actions/checkout');
    expect(first.printed).toHaveLength(1);
    expect(second.printed).toEqual([]);
    expect(second.step.lines).toEqual(['[rehearsal] stand-in for actions/checkout']);
  });
});

describe('npm run rehearse arguments and the one exit-code rule', () => {
  const fail = (message: string): never => {
    throw new Error(message);
  };

  it('parses --then with --event and --input; --input without --then is a usage error', () => {
    expect(
      parseExampleArguments(
        [
          'tria',
          '--then',
          '.github/workflows/rollback.yml',
          '--input',
          'environment=staging',
          '--input',
          'revision=1'
        ],
        fail
      )
    ).toMatchObject({
      name: 'tria',
      then: {
        workflow: '.github/workflows/rollback.yml',
        event: 'workflow_dispatch',
        inputs: { environment: 'staging', revision: '1' }
      }
    });
    expect(() => parseExampleArguments(['tria', '--input', 'a=b'], fail)).toThrow(
      '--event and --input belong to --then'
    );
    expect(() => parseExampleArguments(['tria', '--break-how', 'melt'], fail)).toThrow(
      '--break-how takes crash or wrong-version'
    );
  });

  const outcome = (verdict: ReleaseOutcome['verdict']) =>
    ({
      release: { label: verdict, sha: 'a', broken: [], how: 'crash' },
      verdict,
      rehearsal: {}
    }) as unknown as ReleaseOutcome;
  const run = (verdicts: Array<ReleaseOutcome['verdict']>, then: Array<'success' | 'failure'> = []) =>
    ({
      outcomes: verdicts.map(outcome),
      then: then.map(
        result =>
          ({ workflow: 'w.yml', event: 'workflow_dispatch', rehearsal: { result } }) as unknown as ThenOutcome
      ),
      releases: verdicts.length
    }) as unknown as ExampleRun & { releases: number };

  it('0 when every run ended as intended, a deliberately broken release included; 1 otherwise', () => {
    expect(exitCode(run(['deployed']), false).code).toBe(0);
    expect(exitCode(run(['deployed', 'rolled-back']), true).code).toBe(0);
    expect(exitCode(run(['deployed', 'failed']), true).code).toBe(1);
    expect(exitCode(run(['deployed', 'deployed']), true).code).toBe(1);
    expect(exitCode(run(['failed']), false).code).toBe(1);
    expect(exitCode(run(['deployed'], ['success']), false).code).toBe(0);
    expect(exitCode(run(['deployed'], ['failure']), false).code).toBe(1);
    expect(exitCode({ ...run(['deployed']), releases: 2 }, true).code).toBe(1);
  });
});
