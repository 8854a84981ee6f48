import { beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rehearseWorkflow } from '../src/index.js';
import type { JobRunResult, RehearsalOptions, RehearsalResult } from '../src/index.js';
// @ts-expect-error plain ESM build helper without types
import { bundle } from '../../../scripts/bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let repoRoot: string;

beforeAll(async () => {
  // A scratch repository: the fixture workflows plus the test kit's echo action, bundled with the same
  // esbuild settings `npm run build` uses, at ./actions/echo where the workflows (after checkout) find it.
  repoRoot = mkdtempSync(path.join(tmpdir(), 'rehearse-repo-'));
  cpSync(path.join(here, 'fixtures/repo'), repoRoot, { recursive: true });
  const echoSource = path.join(here, '../../testing/fixtures/echo-action');
  const echoAction = path.join(repoRoot, 'actions/echo');
  mkdirSync(echoAction, { recursive: true });
  copyFileSync(path.join(echoSource, 'action.yml'), path.join(echoAction, 'action.yml'));
  await bundle(path.join(echoSource, 'src/index.ts'), path.join(echoAction, 'dist'));
}, 120_000);

interface Rehearsal extends RehearsalResult {
  output: string;
}

async function rehearse(file: string, options: Partial<RehearsalOptions> = {}): Promise<Rehearsal> {
  const lines: string[] = [];
  const result = await rehearseWorkflow({
    file: `.github/workflows/${file}`,
    repoRoot,
    log: line => lines.push(line),
    ...options
  });
  return { ...result, output: lines.join('\n') };
}

function job(result: RehearsalResult, key: string): JobRunResult {
  const found = result.jobs.find(candidate => candidate.key === key);
  if (!found) throw new Error(`no job ${key} in ${result.jobs.map(candidate => candidate.key).join(', ')}`);
  return found;
}

function stepLog(result: RehearsalResult, key: string, name: string): string {
  const step = job(result, key).steps.find(candidate => candidate.name === name);
  if (!step) throw new Error(`no step ${name} in ${key}`);
  return step.log.join('\n');
}

describe('needs order, skipping and status functions', () => {
  let result: Rehearsal;
  beforeAll(async () => {
    result = await rehearse('needs.yml');
  });

  it('runs jobs in needs order and skips dependents of a failed job unless if: always()/failure()', () => {
    expect(result.jobs.map(item => [item.key, item.result])).toEqual([
      ['build', 'success'],
      ['test', 'failure'],
      ['deploy', 'skipped'],
      ['notify', 'skipped'],
      ['rollback', 'success'],
      ['always-report', 'success']
    ]);
    expect(job(result, 'deploy').reason).toBe('needs test (failure)');
    expect(job(result, 'always-report').steps[0].log).toContain('deploy was skipped');
    expect(result.result).toBe('failure');
  });

  it('applies continue-on-error, failure() and always() to steps', () => {
    expect(job(result, 'test').steps.map(step => [step.name, step.outcome, step.conclusion])).toEqual([
      ['Flaky check', 'failure', 'success'],
      ['After the flaky check', 'success', 'success'],
      ['Unit tests', 'failure', 'failure'],
      ['Skipped after a failure', 'skipped', 'skipped'],
      ['Report the failure', 'success', 'success'],
      ['Always clean up', 'success', 'success']
    ]);
    expect(stepLog(result, 'test', 'After the flaky check')).toBe('flaky outcome=failure conclusion=success');
    // the runner's default shell is bash -e: the script stops at the first failing command
    expect(stepLog(result, 'test', 'Unit tests')).not.toContain('never printed');
    expect(job(result, 'test').steps[2].error).toBe('Process completed with exit code 1.');
  });

  it('prints each job and step with its mark and the final table', () => {
    expect(result.output).toContain('  ✗ Unit tests (');
    expect(result.output).toContain('  - Skipped after a failure (skipped)');
    expect(result.output).toMatch(/══ Rehearsal of \.github\/workflows\/needs\.yml \(push\): failure ══/);
    expect(result.output).toMatch(/ - deploy +skipped: needs test \(failure\)/);
  });
});

describe('matrix', () => {
  it('expands vectors with exclude and include, names each job, and passes outputs on', async () => {
    const result = await rehearse('matrix.yml');
    expect(result.jobs.map(item => item.key)).toEqual([
      'build (api, amd64, 8080)',
      'build (web, amd64)',
      'build (batch, arm64)',
      'publish'
    ]);
    expect(job(result, 'build (api, amd64, 8080)').matrix).toEqual({
      service: 'api',
      arch: 'amd64',
      port: 8080
    });
    expect(job(result, 'build (web, amd64)').steps[1].log[0]).toMatch(/^built web-amd64:\w+ port= job 1\/3$/);
    // like GitHub, the last matrix job that sets an output wins
    expect(job(result, 'publish').steps[0].log[0]).toMatch(/^publishing batch-arm64:/);
    expect(result.result).toBe('success');
  });
});

describe('env layers, outputs, command files and masking', () => {
  let result: Rehearsal;
  beforeAll(async () => {
    result = await rehearse('env-outputs.yml', { secrets: { API_TOKEN: 'tok-5up3r-secret' } });
  });

  it('layers workflow, job and step env, then GITHUB_ENV and GITHUB_PATH for later steps', () => {
    expect(stepLog(result, 'produce', 'Layers')).toBe('stage=step region=eu-west-1 team=platform ctx=step');
    expect(stepLog(result, 'produce', 'Job level again')).toBe('stage=job');
    const later = stepLog(result, 'produce', 'Use exported env and path');
    expect(later).toContain('from env file: exported');
    expect(later).toContain('tool-on-path');
  });

  it('reads step outputs (heredoc too) and job outputs, and drops an output that holds a secret', () => {
    const produce = job(result, 'produce');
    expect(produce.outputs).toEqual({ version: '1.4.1', notes: 'line one\nline two' });
    expect(result.output).toContain("Warning: Skip output 'leaked' since it may contain secret.");
    expect(job(result, 'consume').steps[0].log).toEqual(['version 1.4.1', "leaked=''"]);
  });

  it('masks secrets and ::add-mask:: values in every log line', () => {
    const later = stepLog(result, 'produce', 'Use exported env and path');
    expect(later).toContain('secret is ***');
    expect(later).toContain('later *** is hidden');
    expect(result.output).not.toContain('tok-5up3r-secret');
    expect(result.output).not.toContain('temporary-value-42');
    expect(result.output).not.toContain('add-mask');
  });

  it('honours shell: bash with pipefail, working-directory and the job summary', () => {
    const pipe = job(result, 'produce').steps.find(step => step.id === 'pipe');
    expect([pipe?.outcome, pipe?.conclusion]).toEqual(['failure', 'success']);
    expect(stepLog(result, 'produce', 'Working directory')).toMatch(/\/workspace\/sub$/);
    expect(job(result, 'produce').summary).toBe('### Version 1.4\n');
    expect(result.output).toContain('══ Job summaries ══\n── produce ──\n### Version 1.4');
  });
});

describe('reusable workflow calls', () => {
  it('passes typed inputs and secrets, runs the called jobs and returns their outputs', async () => {
    const result = await rehearse('call.yml', {
      event: 'workflow_dispatch',
      inputs: { environment: 'production' },
      secrets: { DEPLOY_KEY: 'k3y-material' }
    });
    expect(result.jobs.map(item => [item.key, item.result])).toEqual([
      ['prepare', 'success'],
      ['deploy / rollout', 'success'],
      ['deploy', 'success'],
      ['report', 'success']
    ]);
    const rollout = job(result, 'deploy / rollout').steps[0].log;
    expect(rollout).toEqual([
      'deploying v1.2.3 to production in us-east-1 x3 dry-run=false key=***',
      'replicas-is-number=true'
    ]);
    expect(job(result, 'deploy').outputs).toEqual({
      deployed: 'v1.2.3@production',
      url: 'https://production.example.com'
    });
    expect(job(result, 'report').steps[0].log).toEqual([
      'deployed v1.2.3@production url=https://production.example.com'
    ]);
    expect(job(result, 'deploy / rollout').environment).toEqual({
      name: 'production',
      url: 'https://production.example.com'
    });
    expect(result.output).toContain('no approval is asked');
    expect(result.output).toContain('concurrency: group deploy-production');
  });

  it('fails the calling job when a required secret is missing, naming it', async () => {
    const result = await rehearse('call.yml', { event: 'workflow_dispatch' });
    expect(job(result, 'deploy').result).toBe('failure');
    expect(job(result, 'deploy').reason).toContain('secret "deploy-key" is required but not provided');
    expect(job(result, 'report').result).toBe('skipped');
    expect(result.result).toBe('failure');
  });

  it('checks workflow_dispatch inputs before running anything', async () => {
    const result = await rehearse('call.yml', {
      event: 'workflow_dispatch',
      inputs: { environment: 'qa', 'dry-run': 'maybe', colour: 'red' }
    });
    expect(result.jobs).toEqual([]);
    expect(result.problems).toEqual([
      '.github/workflows/call.yml: input "colour" is not defined by the workflow (defined: environment, dry-run)',
      '.github/workflows/call.yml: input "environment" must be one of staging, production, got "qa"',
      '.github/workflows/call.yml: input "dry-run" must be true or false, got "maybe"'
    ]);
  });
});

describe('uses: ./ actions through the runner-contract harness', () => {
  let result: Rehearsal;
  beforeAll(async () => {
    result = await rehearse('local-action.yml', { secrets: { ECHO_SECRET: 'hunter2-token' } });
  }, 60_000);

  it('runs the committed bundle with inputs, defaults, outputs, masks and the summary', () => {
    const greet = job(result, 'greet');
    const echo = greet.steps.find(step => step.id === 'echo');
    expect(echo?.outcome).toBe('success');
    expect(echo?.outputs).toEqual({ message: 'hello chatrelay\nhello chatrelay', count: '2' });
    // the fixture prints its secret after masking it; the rehearsal shows *** like the runner
    expect(echo?.log).toContain('secret is ***; token is set');
    expect(result.output).not.toContain('hunter2-token');
    expect(greet.summary).toContain('### Greeted chatrelay');
    expect(greet.outputs.message).toBe('hello chatrelay\nhello chatrelay');
  });

  it('reports an action failure with its message, and runs post steps at the end of the job', () => {
    const greet = job(result, 'greet');
    const failing = greet.steps.find(step => step.id === 'failing');
    expect([failing?.outcome, failing?.conclusion]).toEqual(['failure', 'success']);
    expect(failing?.error).toBe('Input "count" must be a whole number from 1 to 5, got "ten"');
    expect(greet.steps.map(step => step.name).slice(-2)).toEqual([
      'Post Run ./actions/echo',
      'Post Run ./actions/echo'
    ]);
    // post steps run in reverse order: the first action's post comes last
    expect(greet.steps.at(-1)?.log).toContain('post: cleaning up after chatrelay');
    expect(greet.result).toBe('success');
  });

  it('stands in for checkout and setup-node, naming the inputs it cannot honour', () => {
    const checkout = stepLog(result, 'greet', 'Run actions/checkout@v4');
    expect(checkout).toContain('input fetch-depth ignored');
    expect(checkout).toMatch(/copied \d+ files/);
    expect(stepLog(result, 'greet', 'Run actions/setup-node@v4')).toMatch(/node 24|this machine runs node/);
  });

  it('fails a local action without checkout with the runner’s message', () => {
    const alone = job(result, 'without-checkout');
    expect(alone.result).toBe('failure');
    expect(alone.steps[0].error).toMatch(/Did you forget to run actions\/checkout/);
  });
});

describe('AWS credentials and artifacts stand-ins', () => {
  it('exports the region and fake credentials for the simulator, and moves artifacts between jobs', async () => {
    const result = await rehearse('aws.yml', { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' } });
    expect(job(result, 'creds').steps[1].log).toEqual([
      'region=eu-central-1 key=test endpoint=http://127.0.0.1:4566 account=123456789012 profile=none'
    ]);
    expect(
      stepLog(
        result,
        'creds',
        'Run aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502'
      )
    ).toContain('would assume arn:aws:iam::123456789012:role/github-deploy');
    expect(job(result, 'fetch').steps[1].log).toEqual(['report', 'more']);
    expect(result.output).toContain('permissions: id-token: write, contents: read');
  });

  it('refuses to hand out credentials when no simulator endpoint is set', async () => {
    const result = await rehearse('aws.yml');
    expect(job(result, 'creds').steps[0].error).toMatch(/No AWS_ENDPOINT_URL .* never talks to real AWS/);
    expect(result.result).toBe('failure');
  });
});

describe('what the rehearsal cannot do', () => {
  it('names every unsupported feature with file and line, and runs nothing', async () => {
    const result = await rehearse('unsupported.yml');
    expect(result.jobs).toEqual([]);
    expect(result.result).toBe('failure');
    const problems = result.problems.join('\n');
    expect(problems).toContain(
      'unsupported.yml (Line: 7, Col: 7): services: (job with-services) is not supported'
    );
    expect(problems).toContain('container: (job in-container) is not supported');
    expect(problems).toContain('step uses docker://alpine:3.20: docker:// steps are not supported');
    expect(problems).toContain('step uses some-org/unknown-action@v1: this action is not supported');
    expect(problems).toContain('shell: pwsh is not supported');
    expect(problems).toMatch(/step uses \.\/actions\/missing: no action\.yml/);
    expect(problems).toContain(
      'octo-org/pipelines/.github/workflows/deploy.yml@main: reusable workflows from other'
    );
    expect(result.output).toContain('Not run: the rehearsal found problems before starting:');
  });

  it('reports parse errors of GitHub’s parser with file and line', async () => {
    const result = await rehearse('broken.yml');
    expect(result.problems).toEqual([
      ".github/workflows/broken.yml (Line: 6, Col: 5): Unexpected value 'stepz'",
      ".github/workflows/broken.yml (Line: 11, Col: 14): Unrecognized named-value: 'nosuchcontext'"
    ]);
  });

  it('refuses an event the workflow does not run on', async () => {
    const result = await rehearse('matrix.yml', { event: 'pull_request' });
    expect(result.problems).toEqual([
      '.github/workflows/matrix.yml does not run on pull_request; it runs on: push'
    ]);
  });
});

describe('expression injection', () => {
  it('passes hostile text through env without executing it', async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'rehearse-injection-')), 'pwned');
    const title = `a"; $(touch ${marker}) \`touch ${marker}\` 'q' && echo x`;
    const result = await rehearse('injection.yml', { event: 'workflow_dispatch', inputs: { title } });
    expect(result.result).toBe('success');
    expect(existsSync(marker)).toBe(false);
    expect(job(result, 'echo').steps[0].log).toEqual([`title: ${title}`]);
    const workspace = path.join(result.workDir, 'jobs', '01-echo', 'workspace');
    expect(readFileSync(path.join(workspace, 'title.txt'), 'utf8')).toBe(`${title}\n`);
  });
});

describe('hooks', () => {
  it('calls beforeJob/beforeStep/afterStep/afterJob and merges the env they return', async () => {
    const calls: string[] = [];
    const result = await rehearse('matrix.yml', {
      hooks: {
        beforeJob: info => {
          calls.push(`job ${info.key}`);
          return { env: { FROM_HOOK: info.id } };
        },
        beforeStep: step => {
          calls.push(`step ${step.job.key} #${step.index}`);
        },
        afterJob: (info, done) => {
          calls.push(`done ${info.key} ${done.result}`);
        }
      }
    });
    expect(result.result).toBe('success');
    expect(calls.slice(0, 4)).toEqual([
      'job build (api, amd64, 8080)',
      'step build (api, amd64, 8080) #0',
      'step build (api, amd64, 8080) #1',
      'done build (api, amd64, 8080) success'
    ]);
    expect(job(result, 'publish').steps[1].log).toEqual(['hook=publish']);
    expect(job(result, 'build (web, amd64)').steps).toHaveLength(2);
  });
});
