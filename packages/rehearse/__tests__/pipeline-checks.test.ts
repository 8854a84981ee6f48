import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rehearseWorkflow } from '../src/index.js';
import type { RehearsalResult } from '../src/types.js';

/**
 * The pipelines' check job: bad inputs fail before any image is built, any reviewer asked or any AWS
 * call made. A consumer workflow calling the suite's ECS and Beanstalk pipelines, rehearsed with the suite
 * mapped to this checkout (no simulator needed: nothing gets that far).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let repo: string;

function consumer(pipeline: 'ecs' | 'beanstalk', extra: string): string {
  const common =
    pipeline === 'ecs'
      ? '      cluster: docuthinker-cluster\n      services: backend-service\n'
      : '      application-name: ChatRelay\n      environment-name: chatrelay-prod\n      dockerrun: Dockerrun.aws.json\n';
  return (
    'on: push\npermissions: {}\njobs:\n  pipeline:\n    permissions:\n      contents: read\n      id-token: write\n' +
    `    uses: octo-org/deploy-suite/.github/workflows/${pipeline}-pipeline.yml@v1\n    with:\n` +
    '      role-to-assume: arn:aws:iam::123456789012:role/github-actions-deploy\n' +
    common +
    extra
  );
}

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'pipeline-checks-'));
  mkdirSync(path.join(repo, '.github/workflows'), { recursive: true });
  const files: Record<string, string> = {
    // what an unset repository variable leaves: blank lines
    'blank-urls.yml': consumer(
      'ecs',
      '      health-urls: |\n        ${{ vars.BACKEND_HEALTH_URL }}\n        ${{ vars.AIML_HEALTH_URL }}\n'
    ),
    'skip.yml': consumer('ecs', '      skip-verification: true\n      timeout-minutes: 1\n'),
    'no-push-role.yml': consumer(
      'beanstalk',
      '      health-urls: https://chatrelay.example/health\n      builds: \'[{"name":"main-app","repository":"chatrelay/main-app","context":".","container":"main-app"}]\'\n'
    )
  };
  for (const [name, text] of Object.entries(files))
    writeFileSync(path.join(repo, '.github/workflows', name), text);
});

async function rehearse(file: string): Promise<RehearsalResult & { output: string }> {
  const lines: string[] = [];
  const result = await rehearseWorkflow({
    file: `.github/workflows/${file}`,
    repoRoot: repo,
    github: { repository: 'octo-org/consumer', sha: 'c'.repeat(40), ref: 'refs/heads/main' },
    repositories: { 'octo-org/deploy-suite': root },
    log: line => lines.push(line)
  });
  return { ...result, output: lines.join('\n') };
}

const results = (result: RehearsalResult) => result.jobs.map(job => [job.key, job.result]);

describe('the pipelines check their inputs before anything runs', () => {
  it('health-urls of blank lines (unset variables) is an error, not a rollback of a healthy deploy', async () => {
    const result = await rehearse('blank-urls.yml');
    expect(result.result).toBe('failure');
    expect(results(result)).toEqual([
      ['pipeline / check', 'failure'],
      [expect.stringMatching(/^pipeline \/ build/), 'skipped'],
      ['pipeline / deploy', 'skipped'],
      ['pipeline', 'failure']
    ]);
    expect(result.output).toContain(
      'Input health-urls has no URL (every line is blank: are the repository variables it reads set?)'
    );
  }, 60_000);

  it('skip-verification is the explicit way to deploy unverified; a timeout that cannot hold a rollback is refused', async () => {
    const result = await rehearse('skip.yml');
    expect(result.output).not.toContain('Input health-urls has no URL');
    expect(result.output).toContain(
      'Input timeout-minutes (1) does not cover a deploy, its verification, a rollback and the re-verification: ' +
        '2 x wait-for-minutes (30) + 2 x health-wait-for (5m) + 5 = 75 minutes'
    );
    expect(results(result)[0]).toEqual(['pipeline / check', 'failure']);
  }, 60_000);

  it('building without a push role is refused: the deploy role stays with the approved deploy job', async () => {
    const result = await rehearse('no-push-role.yml');
    expect(results(result)[0]).toEqual(['pipeline / check', 'failure']);
    expect(result.output).toContain('Input push-role-to-assume is empty but builds pushes images');
  }, 60_000);
});
