import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLES, breakTargets, findExample } from './examples/catalog.js';
import { existsSync } from 'node:fs';
import {
  BREAK_KINDS,
  describeVerdict,
  rehearseExample,
  releasesFor,
  type BreakKind,
  type ExampleRun as RunOfExample,
  type ThenRun
} from './examples/run-example.js';

type ExampleRun = RunOfExample & { releases: number };

/**
 * npm run rehearse [-- <example> [--break <image-or-service> [--break-how crash|wrong-version]]
 *   [--then <workflow file of the example> [--event E] [--input k=v]...] [--time-scale n]]
 *
 * No arguments: DocuThinker, a good release that deploys and verifies, then a broken release (a
 * crash-looping backend image) that is detected and rolled back.
 * `<example>`: one good release. `--break x`: a good release, then one where x is broken (crash-loops, or
 * reports a stale version with --break-how wrong-version): it must end rolled back.
 * `--then <workflow>`: after the releases, that workflow of the example on the same simulator (default
 * event workflow_dispatch; a pull_request run is followed by the workflow_run workflows it starts).
 *
 * One exit-code rule: 0 when every run ended as the rehearsal intended (a good release deployed and
 * verified, a deliberately broken one rolled back, a --then workflow succeeded), 1 otherwise, 2 for bad
 * arguments.
 */

// The rehearsal stands in for GitHub's Node 24 runner: silence the SDK's notice about this machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const suiteRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    'usage: npm run rehearse [-- <example> [--break <image-or-service> [--break-how crash|wrong-version]] ' +
      '[--then <workflow file> [--event E] [--input name=value]...] [--time-scale n]]\n' +
      `examples: ${EXAMPLES.map(example => `${example.name} (--break ${breakTargets(example).join('|')})`).join(', ')}`
  );
  process.exit(2);
}

export interface ExampleArguments {
  name?: string;
  breakTarget?: string;
  how: BreakKind;
  timeScale?: number;
  then?: ThenRun;
}

export function parseExampleArguments(args: string[], fail: (message: string) => never): ExampleArguments {
  const parsed: ExampleArguments = { how: 'crash' };
  let event: string | undefined;
  const inputs: Record<string, string> = {};
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    const value = (what: string) => args[++index] ?? fail(`${arg} needs ${what}`);
    if (arg === '--help' || arg === '-h') fail('');
    else if (arg === '--break') parsed.breakTarget = value('an image or service');
    else if (arg === '--break-how') {
      const how = value(BREAK_KINDS.join(' or ')) as BreakKind;
      if (!BREAK_KINDS.includes(how)) fail(`--break-how takes ${BREAK_KINDS.join(' or ')}`);
      parsed.how = how;
    } else if (arg === '--time-scale') {
      parsed.timeScale = Number(value('a number'));
      if (!Number.isFinite(parsed.timeScale) || parsed.timeScale <= 0)
        fail('--time-scale needs a positive number');
    } else if (arg === '--then') parsed.then = { workflow: value('a workflow file of the example') };
    else if (arg === '--event') event = value('an event name');
    else if (arg === '--input') {
      const pair = value('name=value');
      const at = pair.indexOf('=');
      if (at <= 0) fail(`--input takes name=value, got ${JSON.stringify(pair)}`);
      inputs[pair.slice(0, at)] = pair.slice(at + 1);
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}`);
    else if (parsed.name === undefined) parsed.name = arg;
    else fail(`unexpected argument ${arg}`);
  }
  if ((event !== undefined || Object.keys(inputs).length > 0) && !parsed.then) {
    fail('--event and --input belong to --then <workflow file>');
  }
  if (parsed.then) parsed.then = { ...parsed.then, event: event ?? 'workflow_dispatch', inputs };
  return parsed;
}

/** 0 when every run ended as intended, else 1; says what did not. */
export function exitCode(run: ExampleRun, intendedBreak: boolean): { code: 0 | 1; lines: string[] } {
  const lines: string[] = [];
  run.outcomes.forEach((outcome, index) => {
    const intended = index > 0 && intendedBreak ? 'rolled-back' : 'deployed';
    const ok = outcome.verdict === intended;
    lines.push(
      `  ${ok ? '✓' : '✗'} ${outcome.release.label}: ${describeVerdict(outcome.verdict)}${ok ? '' : ` (intended: ${describeVerdict(intended)})`}`
    );
  });
  for (const then of run.then) {
    const ok = then.rehearsal.result === 'success';
    lines.push(
      `  ${ok ? '✓' : '✗'} then ${then.workflow} (${then.event}): ${then.rehearsal.result}${then.comment ? `; comment ${then.comment.url}` : ''}`
    );
  }
  const allRan = run.outcomes.length === run.releases;
  if (!allRan) lines.push(`  ✗ only ${run.outcomes.length} of ${run.releases} releases ran`);
  const ok =
    allRan &&
    run.outcomes.every(
      (outcome, index) => outcome.verdict === (index > 0 && intendedBreak ? 'rolled-back' : 'deployed')
    ) &&
    run.then.every(then => then.rehearsal.result === 'success');
  return { code: ok ? 0 : 1, lines };
}

async function main(): Promise<number> {
  const args = parseExampleArguments(process.argv.slice(2), usage);
  const demo = args.name === undefined;
  const example = findExample(args.name ?? 'docuthinker');
  if (!example) usage(`unknown example ${args.name}`);
  let breakTarget = args.breakTarget;
  if (demo) breakTarget = example.defaultBreak;
  if (breakTarget !== undefined && breakTarget === '') breakTarget = example.defaultBreak;
  if (args.then && !existsSync(path.join(suiteRoot, example.dir, args.then.workflow))) {
    usage(`--then ${args.then.workflow}: no such workflow in ${example.dir}`);
  }

  let releases;
  try {
    releases = releasesFor(example, suiteRoot, breakTarget, args.how);
  } catch (error) {
    usage((error as Error).message);
  }
  const run = await rehearseExample({
    example,
    suiteRoot,
    releases,
    timeScale: args.timeScale,
    then: args.then
  });
  const verdict = exitCode({ ...run, releases: releases.length }, breakTarget !== undefined);
  console.log('');
  console.log(`# ${example.name}: what happened`);
  for (const line of verdict.lines) console.log(line);
  console.log(
    verdict.code === 0
      ? '  every run ended as intended: exit code 0'
      : '  UNEXPECTED: a run did not end as intended (see its jobs above): exit code 1'
  );
  return verdict.code;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().then(
    code => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    }
  );
}
