import { describe, expect, it } from '@jest/globals';
import { parseArguments } from '../src/cli.js';
import { globToRegExp } from '../src/hash-files.js';
import { expandMatrix, matrixJobName } from '../src/matrix.js';
import type { Json } from '../src/expressions.js';
import { shellCommand } from '../src/shell.js';
import { Masks, StepLog } from '../src/step-log.js';

describe('expandMatrix', () => {
  it.each([
    [
      { os: ['linux'], node: [20, 24] },
      [
        { os: 'linux', node: 20 },
        { os: 'linux', node: 24 }
      ]
    ],
    [
      { a: [1, 2], b: ['x', 'y'], exclude: [{ a: 2, b: 'y' }] },
      [
        { a: 1, b: 'x' },
        { a: 1, b: 'y' },
        { a: 2, b: 'x' }
      ]
    ],
    // include adds keys where it agrees, never overwriting original values; otherwise a new combination
    [
      {
        fruit: ['apple', 'pear'],
        animal: ['cat'],
        include: [{ color: 'green' }, { fruit: 'apple', shape: 'round' }, { fruit: 'banana' }]
      },
      [
        { fruit: 'apple', animal: 'cat', color: 'green', shape: 'round' },
        { fruit: 'pear', animal: 'cat', color: 'green' },
        { fruit: 'banana' }
      ]
    ],
    [{ include: [{ service: 'api' }, { service: 'web' }] }, [{ service: 'api' }, { service: 'web' }]]
  ])('expands %j', (matrix, expected) => {
    expect(expandMatrix(matrix as Json)).toEqual(expected);
  });

  it('rejects empty vectors and empty results', () => {
    expect(() => expandMatrix({ os: [] })).toThrow("Matrix vector 'os' does not contain any values");
    expect(() => expandMatrix({ os: ['a'], exclude: [{ os: 'a' }] })).toThrow('no combinations');
  });

  it('names matrix jobs like GitHub', () => {
    expect(matrixJobName('build', { service: 'api', port: 8080 })).toBe('build (api, 8080)');
  });
});

describe('StepLog', () => {
  it('acts on workflow commands, masks values from then on, and keeps partial lines', () => {
    const masks = new Masks();
    masks.add('s3cret');
    const printed: string[] = [];
    const log = new StepLog(masks, line => printed.push(line));
    log.write('token s3cret\n::add-mask::later-value\nthen later-');
    log.write('value\n::error file=a.ts::broke%0Adown\n::group::Deploy\n::endgroup::\n::debug::hidden\nlast');
    log.end();
    expect(printed).toEqual(['token ***', 'then ***', 'Error: broke\ndown', '▸ Deploy', 'last']);
    expect(log.annotations).toEqual([{ level: 'error', message: 'broke\ndown' }]);
  });

  it('stops processing commands between ::stop-commands:: and the token', () => {
    const printed: string[] = [];
    const log = new StepLog(new Masks(), line => printed.push(line));
    log.write('::stop-commands::tok\n::add-mask::x\n::tok::\n::add-mask::y\ny\n');
    expect(printed).toEqual(['::add-mask::x', '***']);
  });
});

describe('shellCommand', () => {
  it('uses the runner’s shells', () => {
    expect(shellCommand(undefined, 's.sh')).toEqual(['bash', '-e', 's.sh']);
    expect(shellCommand('bash', 's.sh')).toEqual([
      'bash',
      '--noprofile',
      '--norc',
      '-eo',
      'pipefail',
      's.sh'
    ]);
    expect(shellCommand('sh', 's.sh')).toEqual(['sh', '-e', 's.sh']);
    expect(shellCommand('bash -x {0}', 's.sh')).toEqual(['bash', '-x', 's.sh']);
    expect(() => shellCommand('pwsh', 's.sh')).toThrow('shell: pwsh is not supported');
  });
});

describe('globToRegExp', () => {
  it('matches *, ** and ?', () => {
    expect(globToRegExp('**/package-lock.json').test('package-lock.json')).toBe(true);
    expect(globToRegExp('**/package-lock.json').test('a/b/package-lock.json')).toBe(true);
    expect(globToRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
    expect(globToRegExp('v?.txt').test('v1.txt')).toBe(true);
  });
});

describe('parseArguments', () => {
  it('reads the workflow, event, inputs and env', () => {
    expect(
      parseArguments([
        'wf.yml',
        '--event',
        'workflow_dispatch',
        '--input',
        'env=prod',
        '--input=tag=a=b',
        '--env',
        'AWS_REGION=eu-west-1'
      ])
    ).toEqual({
      file: 'wf.yml',
      event: 'workflow_dispatch',
      inputs: { env: 'prod', tag: 'a=b' },
      env: { AWS_REGION: 'eu-west-1' },
      secrets: {},
      vars: {},
      repositories: { 'octo-org/deploy-suite': expect.stringMatching(/\S/) },
      trustPolicies: {},
      debug: false
    });
  });

  it('maps the suite to this checkout unless --repo maps it, and takes other repositories and trust policies', () => {
    const parsed = parseArguments([
      'examples/tria/.github/workflows/rollback.yml',
      '--repo',
      'octo-org/deploy-suite=/tmp/suite',
      '--repo=acme/tools=../tools',
      '--trust-policy',
      'arn:aws:iam::123456789012:role/github-actions-deploy=examples/tria/aws/trust-policy.json'
    ]);
    expect(parsed.repositories).toEqual({ 'octo-org/deploy-suite': '/tmp/suite', 'acme/tools': '../tools' });
    expect(parsed.trustPolicies).toEqual({
      'arn:aws:iam::123456789012:role/github-actions-deploy': 'examples/tria/aws/trust-policy.json'
    });
    expect(() => parseArguments(['wf.yml', '--repo', 'nope=/x'])).toThrow('--repo takes owner/name=path');
  });

  it('explains bad arguments', () => {
    expect(() => parseArguments([])).toThrow('usage: rehearse');
    expect(() => parseArguments(['wf.yml', '--input', 'novalue'])).toThrow(
      '--input takes NAME=value, got "novalue"'
    );
    expect(() => parseArguments(['wf.yml', '--bogus'])).toThrow('unknown option --bogus');
  });
});
