import { existsSync } from 'node:fs';
import path from 'node:path';
import { isString } from '@actions/workflow-parser';
import { readActionManifest } from '@deploy-suite/testing/run-action';
import {
  child,
  loadWorkflow,
  rawJob,
  rawSteps,
  where,
  WorkflowProblems,
  type LoadedWorkflow
} from './load.js';
import { UnsupportedShell, shellCommand } from './shell.js';
import { calledWorkflowFile, resolveRemote } from './repositories.js';
import { isStandIn, standInNames } from './stand-ins.js';

/**
 * Everything the rehearsal cannot do, found before anything runs, each named with its file and line:
 * a pipeline must not run half-way and then meet a step it cannot rehearse, and nothing is skipped
 * silently. Called workflows are loaded and checked too.
 */

const MAX_DEPTH = 10;

export async function findUnsupported(
  workflow: LoadedWorkflow,
  repoRoot: string,
  seen: string[] = [],
  repositories: Record<string, string> = {}
): Promise<string[]> {
  if (seen.includes(workflow.file)) {
    return [
      `${workflow.displayName}: calls itself through ${seen.map(f => path.relative(repoRoot, f)).join(' → ')}`
    ];
  }
  if (seen.length >= MAX_DEPTH)
    return [`${workflow.displayName}: reusable workflows nest deeper than ${MAX_DEPTH}`];
  const problems: string[] = [];
  for (const job of workflow.template.jobs) {
    const jobId = job.id.value;
    const raw = rawJob(workflow, jobId);
    if (job.type === 'reusableWorkflowJob') {
      const ref = job.ref.value;
      const location = calledWorkflowFile(ref, repoRoot, repositories);
      if (!location) {
        problems.push(
          `${where(workflow, job.ref)}: job ${jobId} calls ${ref}: reusable workflows from other repositories ` +
            'are not supported by the rehearsal (only ./.github/workflows/... of this repository, and ' +
            'repositories mapped to a local folder with the repositories option)'
        );
        continue;
      }
      try {
        const called = await loadLocated(location, repoRoot);
        if (!('workflow_call' in called.template.events)) {
          problems.push(
            `${where(workflow, job.ref)}: ${ref} is not a reusable workflow (no on.workflow_call)`
          );
        }
        problems.push(...(await findUnsupported(called, repoRoot, [...seen, workflow.file], repositories)));
      } catch (error) {
        if (error instanceof WorkflowProblems) problems.push(...error.problems);
        else throw error;
      }
      continue;
    }
    for (const key of ['container', 'services']) {
      const token = child(raw, key);
      if (token) {
        problems.push(
          `${where(workflow, token)}: ${key}: (job ${jobId}) is not supported by the rehearsal: ` +
            'no container engine runs the job here'
        );
      }
    }
    const steps = rawSteps(workflow, jobId);
    job.steps.forEach((step, index) => {
      const rawStep = steps[index];
      if (!('run' in step) && !('uses' in step)) {
        const kind =
          ['wait', 'wait-all', 'cancel', 'parallel'].find(name => name in step) ?? 'this kind of step';
        problems.push(`${where(workflow, rawStep)}: ${kind} steps are not supported by the rehearsal`);
        return;
      }
      if ('background' in step && step.background) {
        problems.push(`${where(workflow, rawStep)}: background steps are not supported by the rehearsal`);
      }
      const shell = child(rawStep, 'shell');
      if (shell && isString(shell)) {
        try {
          shellCommand(shell.value, 'script');
        } catch (error) {
          if (error instanceof UnsupportedShell) problems.push(`${where(workflow, shell)}: ${error.message}`);
          else throw error;
        }
      }
      if ('uses' in step) {
        const problem = unsupportedUses(step.uses.value, repoRoot, repositories);
        if (problem) problems.push(`${where(workflow, step.uses)}: step uses ${step.uses.value}: ${problem}`);
      }
    });
  }
  return problems;
}

/** A called workflow, loaded; one of a mapped repository shows as its `owner/repo/...@ref` reference. */
export async function loadLocated(
  location: { file: string; displayName?: string },
  repoRoot: string
): Promise<LoadedWorkflow> {
  const loaded = await loadWorkflow(location.file, repoRoot);
  return location.displayName ? { ...loaded, displayName: location.displayName } : loaded;
}

function unsupportedUses(
  uses: string,
  repoRoot: string,
  repositories: Record<string, string>
): string | undefined {
  if (uses.startsWith('docker://')) {
    return 'docker:// steps are not supported by the rehearsal (no container engine runs steps here)';
  }
  const remote = resolveRemote(uses, repositories);
  if (uses.startsWith('./') || remote) {
    // ./: checked against the repository; the step resolves it in the job's workspace, after checkout.
    // owner/repo/path@ref of a mapped repository: resolved in its local folder.
    const actionDir = remote ? remote.target : path.join(repoRoot, uses);
    if (!existsSync(path.join(actionDir, 'action.yml'))) {
      return existsSync(path.join(actionDir, 'action.yaml'))
        ? 'the rehearsal reads action.yml (rename action.yaml)'
        : `no action.yml in ${actionDir}`;
    }
    const manifest = readActionManifest(actionDir);
    const using = manifest.runs?.using ?? '';
    if (!/^node\d+$/.test(using)) {
      return `runs.using: ${using} actions are not supported by the rehearsal (JavaScript actions only)`;
    }
    const main = path.join(actionDir, manifest.runs.main);
    if (!existsSync(main)) {
      return `${path.relative(repoRoot, main)} does not exist: build the bundle (npm run build)`;
    }
    return undefined;
  }
  if (isStandIn(uses)) return undefined;
  return (
    'this action is not supported by the rehearsal: only ./ actions of this repository and the stand-ins ' +
    `for ${standInNames().join(', ')} run locally`
  );
}
