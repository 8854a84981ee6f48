import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROLES, findExample } from '../src/examples/catalog.js';
import {
  exampleTrustPolicies,
  rehearseExample,
  releasesFor,
  type ExampleRun
} from '../src/examples/run-example.js';

/**
 * The consumer entry points rehearsed after the releases on the same simulator (`--then`), and the OIDC
 * check: a trust policy that does not allow a job's subject fails the rehearsal, naming both. Images are
 * seeded (REHEARSE_IMAGES=seed path) to keep these quick; the build path is rehearsed in
 * examples-rehearsal.test.ts.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('a trust policy that does not allow a job’s OIDC subject', () => {
  let run: ExampleRun;
  let output: string;
  beforeAll(async () => {
    const example = findExample('docuthinker')!;
    const policies = exampleTrustPolicies(example, root);
    // the deploy role's policy as someone might write it: the environment is "prod", not "production"
    const deploy = policies[ROLES.AWS_DEPLOY_ROLE_ARN.arn];
    const narrowed = JSON.parse(
      JSON.stringify(deploy.document).replace(':environment:production', ':environment:prod')
    ) as unknown;
    const lines: string[] = [];
    run = await rehearseExample({
      workRoot: tmpdir(),
      example,
      suiteRoot: root,
      releases: releasesFor(example, root),
      log: line => lines.push(line),
      images: 'seed',
      trustPolicies: { ...policies, [ROLES.AWS_DEPLOY_ROLE_ARN.arn]: { ...deploy, document: narrowed } }
    });
    output = lines.join('\n');
  }, 180_000);

  it('fails the deploy job where it would assume the role, naming the subject and the policy', () => {
    expect(run.outcomes[0].verdict).toBe('failed');
    const deploy = run.outcomes[0].rehearsal.jobs.find(job => job.key === 'pipeline / deploy')!;
    expect(deploy.result).toBe('failure');
    const credentials = deploy.steps.find(step => step.error?.includes('AssumeRoleWithWebIdentity'))!;
    expect(credentials.error).toContain(
      "the job's OIDC subject repo:octo-org/docuthinker:environment:production is not allowed by the trust " +
        `policy examples/docuthinker/aws/trust-policy.json of ${ROLES.AWS_DEPLOY_ROLE_ARN.arn}`
    );
    // nothing was deployed: the step before deploy-ecs failed
    expect(deploy.steps.find(step => step.name === 'Deploy to docuthinker-cluster')?.outcome).toBe('skipped');
    // the build jobs' push role was allowed (their subject is the ref form)
    expect(output).toContain(
      'OIDC subject repo:octo-org/docuthinker:ref:refs/heads/main is allowed by examples/docuthinker/aws/push-trust-policy.json'
    );
  });
});

describe('--then .github/workflows/rollback.yml: Tria staging back to revision 1', () => {
  let run: ExampleRun;
  let output: string;
  beforeAll(async () => {
    const example = findExample('tria')!;
    const lines: string[] = [];
    run = await rehearseExample({
      workRoot: tmpdir(),
      example,
      suiteRoot: root,
      releases: releasesFor(example, root),
      log: line => lines.push(line),
      images: 'seed',
      then: {
        workflow: '.github/workflows/rollback.yml',
        event: 'workflow_dispatch',
        inputs: { environment: 'staging', revision: '1', 'dry-run': 'false', reason: 'rehearsal: back to N' }
      }
    });
    output = lines.join('\n');
  }, 240_000);

  it('rolls tria-aibpo-staging-service back to tria-aibpo-staging-task:1 in the staging environment', () => {
    expect(run.outcomes[0].verdict).toBe('deployed');
    const [then] = run.then;
    expect(then.rehearsal.result).toBe('success');
    const job = then.rehearsal.jobs.find(
      candidate => candidate.id === 'rollback' && candidate.steps.length > 0
    )!;
    expect(job.environment?.name).toBe('staging');
    const ecs = job.steps.find(step => step.id === 'ecs')!;
    expect(ecs.outputs.status).toBe('rolled-back');
    expect(ecs.outputs['rolled-back-to']).toMatch(/task-definition\/tria-aibpo-staging-task:1$/);
    // verified, then (and only then) recorded as known-good
    expect(job.steps.find(step => step.id === 'verify')?.outcome).toBe('success');
    expect(job.outputs.verified).toBe('true');
    expect(output).toContain('OIDC subject repo:octo-org/tria-aibpo:environment:staging is allowed');
    expect(output).toMatch(/concurrency: group deploy-octo-org\/tria-aibpo-staging/);
  });
});

describe('--then .github/workflows/pr-preview.yml --event pull_request: DocuThinker’s PR preview chain', () => {
  let run: ExampleRun;
  beforeAll(async () => {
    const example = findExample('docuthinker')!;
    run = await rehearseExample({
      workRoot: tmpdir(),
      example,
      suiteRoot: root,
      releases: releasesFor(example, root),
      log: () => undefined,
      images: 'seed',
      then: { workflow: '.github/workflows/pr-preview.yml', event: 'pull_request', inputs: {} }
    });
  }, 240_000);

  it('runs the report, then the workflow_run publisher, which writes one sticky comment as the bot', () => {
    expect(run.then.map(then => [then.workflow, then.event, then.rehearsal.result])).toEqual([
      ['.github/workflows/pr-preview.yml', 'pull_request', 'success'],
      ['.github/workflows/pr-preview-comment.yml', 'workflow_run', 'success']
    ]);
    const comment = run.then[1].comment!;
    expect(comment.url).toMatch(/^https:\/\/github\.com\/octo-org\/docuthinker\/issues\/1#issuecomment-\d+$/);
    expect(comment.body).toMatch(/^<!-- deploy-suite:preview-health -->\n### Preview health: ✅ healthy/);
    // the URL from the artifact is escaped (Markdown and HTML), never a live link or markup
    expect(comment.body).toMatch(
      /\| http\\:\/\/127\.0\.0\.1\\:\d+\/\\_app\/docuthinker\\-cluster\/backend\\-service\/health \| ✅ healthy/
    );
    const summary = readFileSync(run.summaryFile!, 'utf8');
    expect(summary).toContain(`Pull request comment: ${comment.url}`);
  });
});

describe('Eloquent checks what its guide’s /health returns: database and vector_db', () => {
  it('a backend whose database check fails does not pass the verification (and is rolled back)', async () => {
    const eloquent = findExample('eloquent')!;
    const example = { ...eloquent, healthFields: { database: 'disconnected', vector_db: 'connected' } };
    const run = await rehearseExample({
      workRoot: tmpdir(),
      example,
      suiteRoot: root,
      releases: releasesFor(example, root),
      log: () => undefined,
      images: 'seed'
    });
    expect(run.outcomes[0].verdict).toBe('rolled-back');
    const deploy = run.outcomes[0].rehearsal.jobs.find(job => job.key === 'backend / deploy')!;
    const verify = deploy.steps.find(step => step.name === 'Verify the deployed version answers')!;
    expect(verify.outcome).toBe('failure');
    expect(verify.log.join('\n')).toMatch(/database is "disconnected", expected "connected"/);
  }, 180_000);
});
