import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type RunningSimulator } from '../../sim/src/index.js';
import { rehearseWorkflow } from '../src/index.js';
import type { RehearsalResult } from '../src/types.js';

/**
 * The workflow_run half of the PR preview (pr-health-preview.yml, mode publish) as DocuThinker calls it,
 * against the simulator's GitHub API: the pull request comes from the event (or the head-SHA lookup for a
 * fork), never from the report a fork wrote; the report must be for the run's head SHA; only the bot's
 * own marked comment is updated; everything from the report is escaped.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const exampleDir = path.join(root, 'examples/docuthinker');
const HEAD = 'f'.repeat(40);
let sim: RunningSimulator;
let scratch: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, timeScale: 0 });
  scratch = mkdtempSync(path.join(tmpdir(), 'pr-publisher-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(scratch, { recursive: true, force: true });
});

let runs = 0;
async function publish(
  report: Record<string, unknown>,
  pullRequests: Array<{ number: number; head: { sha: string } }>
): Promise<RehearsalResult & { output: string }> {
  const workDir = path.join(scratch, `run-${++runs}`);
  mkdirSync(path.join(workDir, 'artifacts/pr-health-report'), { recursive: true });
  writeFileSync(path.join(workDir, 'artifacts/pr-health-report/report.json'), JSON.stringify(report));
  const lines: string[] = [];
  const result = await rehearseWorkflow({
    file: '.github/workflows/pr-preview-comment.yml',
    repoRoot: exampleDir,
    workDir,
    event: 'workflow_run',
    env: { GITHUB_API_URL: `${sim.endpoint}/github` },
    github: { sha: 'e'.repeat(40), repository: 'octo-org/docuthinker', ref: 'refs/heads/main' },
    eventPayload: {
      action: 'completed',
      workflow_run: {
        id: 4242,
        name: 'PR preview health',
        event: 'pull_request',
        conclusion: 'success',
        head_sha: HEAD,
        html_url: 'https://github.com/octo-org/docuthinker/actions/runs/4242',
        pull_requests: pullRequests
      }
    },
    repositories: { 'octo-org/deploy-suite': root },
    log: line => lines.push(line)
  });
  return { ...result, output: lines.join('\n') };
}

async function comments(
  issue: number
): Promise<Array<{ id: number; body: string; user: { login: string } }>> {
  const response = await fetch(`${sim.endpoint}/github/repos/octo-org/docuthinker/issues/${issue}/comments`, {
    headers: { authorization: 'token reader' }
  });
  return (await response.json()) as Array<{ id: number; body: string; user: { login: string } }>;
}

const entry = (url: string) => ({ url, healthy: true, status: 200, attempts: 1, latencyMs: { p50: 12 } });

describe('PR preview publisher (workflow_run)', () => {
  it('a fork: takes the PR from the head-SHA lookup, not the number the report claims', async () => {
    sim.control.githubPull({
      owner: 'octo-org',
      repo: 'docuthinker',
      number: 7,
      headSha: HEAD,
      headRepository: 'fork/docuthinker'
    });
    // a fork's report pointing at issue 1: ignored
    const result = await publish(
      { pr: 1, sha: HEAD, healthy: true, entries: [entry('https://preview-7.example/health')] },
      []
    );
    expect(result.result).toBe('success');
    expect(await comments(1)).toEqual([]);
    const [comment] = await comments(7);
    expect(comment.user.login).toBe('github-actions[bot]');
    expect(comment.body).toMatch(/^<!-- deploy-suite:preview-health -->\n### Preview health: ✅ healthy/);
  });

  it('refuses a report for another commit, and writes nothing', async () => {
    const before = (await comments(7)).map(comment => comment.body);
    const result = await publish({ sha: 'a'.repeat(40), healthy: true, entries: [] }, [
      { number: 7, head: { sha: HEAD } }
    ]);
    expect(result.result).toBe('failure');
    expect(result.output).toContain(
      `the report is for commit ${'a'.repeat(40)}, the run for ${HEAD}: not commenting`
    );
    expect((await comments(7)).map(comment => comment.body)).toEqual(before);
  });

  it('updates only its own marked comment (not one someone else wrote with the marker), escaping the report', async () => {
    sim.control.githubToken({ token: 'mallory-token', login: 'mallory' });
    await fetch(`${sim.endpoint}/github/repos/octo-org/docuthinker/issues/7/comments`, {
      method: 'POST',
      headers: { authorization: 'token mallory-token', 'content-type': 'application/json' },
      body: JSON.stringify({ body: '<!-- deploy-suite:preview-health -->\nmallory was here' })
    });
    const evil = '[click](https://evil.example) <img src=x onerror=alert(1)> @everyone `code`';
    const result = await publish(
      {
        sha: HEAD,
        healthy: false,
        entries: [{ ...entry(evil), healthy: false, lastFailure: '<script>x</script> | #1' }]
      },
      [{ number: 7, head: { sha: HEAD } }]
    );
    expect(result.result).toBe('success');
    const all = await comments(7);
    expect(all.find(comment => comment.user.login === 'mallory')?.body).toBe(
      '<!-- deploy-suite:preview-health -->\nmallory was here'
    );
    const ours = all.filter(comment => comment.user.login === 'github-actions[bot]');
    expect(ours).toHaveLength(1); // the first test's comment, updated
    const body = ours[0].body;
    expect(body).toContain('❌ not healthy');
    expect(body).not.toMatch(/<img|<script|\]\(https:\/\/evil/);
    expect(body).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    expect(body).toContain('@\u200beveryone');
    expect(body).toContain('\\[click\\]\\(https\\://evil.example\\)');
  });

  it('with no pull request for the head SHA, says so and writes nothing', async () => {
    const result = await publish({ sha: HEAD, healthy: true, entries: [] }, [
      { number: 9, head: { sha: 'b'.repeat(40) } }
    ]);
    // the event's PR has another head; the lookup finds PR 7 (registered above) — the one with this head
    expect(result.result).toBe('success');
    sim.control.reset();
    const none = await publish({ sha: HEAD, healthy: true, entries: [] }, []);
    expect(none.result).toBe('failure');
    expect(none.output).toContain(`no single open pull request has head ${HEAD} (found 0): not commenting`);
  });
});
