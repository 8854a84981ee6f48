import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';

/**
 * Reads a workflow with GitHub's own parser (@actions/workflow-parser): schema validation, expression
 * syntax and allowed contexts, with errors as `file (Line: n, Col: m): message`. The converted
 * template gives jobs, needs, `if:` conditions (wrapped in success() like the runner does) and step
 * ids; the parsed token tree gives what the converter leaves out (with:, shell:, working-directory:,
 * timeout-minutes:, defaults:, permissions:, workflow_call outputs).
 */

export interface LoadedWorkflow {
  /** absolute path */
  file: string;
  /** path relative to the repository root, as errors and logs show it */
  displayName: string;
  template: WorkflowTemplate;
  root: MappingToken;
  /** the folder of the repository that holds the file: what `$/` and `./` references resolve in */
  selfRoot: string;
}

export class WorkflowProblems extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export async function loadWorkflow(file: string, repoRoot: string): Promise<LoadedWorkflow> {
  const absolute = path.resolve(repoRoot, file);
  const displayName = path.relative(repoRoot, absolute) || absolute;
  if (!existsSync(absolute)) throw new WorkflowProblems([`${displayName}: no such workflow file`]);
  const parsed = parseWorkflow(
    { name: displayName, content: readFileSync(absolute, 'utf8') },
    new NoOperationTraceWriter()
  );
  const parseErrors = parsed.context.errors.getErrors().map(error => error.message);
  if (parseErrors.length > 0 || !parsed.value) {
    throw new WorkflowProblems(parseErrors.length ? parseErrors : [`${displayName}: empty workflow`]);
  }
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  const conversionErrors = (template.errors ?? []).map(error => error.Message);
  if (conversionErrors.length > 0) throw new WorkflowProblems(conversionErrors);
  if (!isMapping(parsed.value)) throw new WorkflowProblems([`${displayName}: a workflow is a mapping`]);
  return { file: absolute, displayName, template, root: parsed.value, selfRoot: path.resolve(repoRoot) };
}

/** `file (Line: n, Col: m)` for a token, like the parser's own messages. */
export function where(workflow: LoadedWorkflow, token: TemplateToken | undefined): string {
  return token?.line
    ? `${workflow.displayName} (Line: ${token.line}, Col: ${token.col})`
    : workflow.displayName;
}

export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  return token && isMapping(token) ? token.find(key) : undefined;
}

export function rawJob(workflow: LoadedWorkflow, jobId: string): TemplateToken | undefined {
  return child(child(workflow.root, 'jobs'), jobId);
}

/** The parsed mapping of the job's steps, in order (the converted steps correspond one to one). */
export function rawSteps(workflow: LoadedWorkflow, jobId: string): TemplateToken[] {
  const steps = child(rawJob(workflow, jobId), 'steps');
  return steps && isSequence(steps) ? [...steps] : [];
}

/** `on:` as a mapping of event name to its token (a string or a list becomes events without settings) */
export function triggers(workflow: LoadedWorkflow): string[] {
  return Object.keys(workflow.template.events ?? {});
}
