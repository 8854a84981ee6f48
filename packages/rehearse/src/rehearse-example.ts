import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLES, breakTargets, findExample } from './examples/catalog.js';
import {
  BREAK_KINDS,
  describeVerdict,
  rehearseExample,
  releasesFor,
  type BreakKind
} from './examples/run-example.js';

/**
 * npm run rehearse [-- <example> [--break <image-or-service> [--break-how crash|wrong-version]] [--time-scale n]]
 *
 * No arguments: DocuThinker, a good release that deploys and verifies, then a broken release (a
 * crash-looping backend image) that is detected and rolled back; exit 0 when both went that way.
 * `<example>`: one good release; exit 0 when it deployed and verified.
 * `<example> --break x`: a good release, then one where x crash-loops; it must end rolled back, and the
 * exit code is 1 (the pipeline failed, as it should). Any other outcome exits 3. Bad arguments exit 2.
 */

// The rehearsal stands in for GitHub's Node 24 runner: silence the SDK's notice about this machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const suiteRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    'usage: npm run rehearse [-- <example> [--break <image-or-service> [--break-how crash|wrong-version]] ' +
      '[--time-scale n]]\n' +
      `examples: ${EXAMPLES.map(example => `${example.name} (--break ${breakTargets(example).join('|')})`).join(', ')}`
  );
  process.exit(2);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let name: string | undefined;
  let breakTarget: string | undefined;
  let timeScale: number | undefined;
  let how: BreakKind = 'crash';
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--help' || arg === '-h') usage();
    else if (arg === '--break') breakTarget = args[++index] ?? usage('--break needs an image or service');
    else if (arg === '--break-how') {
      const value = args[++index] as BreakKind;
      if (!BREAK_KINDS.includes(value)) usage(`--break-how takes ${BREAK_KINDS.join(' or ')}`);
      how = value;
    } else if (arg === '--time-scale') {
      timeScale = Number(args[++index]);
      if (!Number.isFinite(timeScale) || timeScale <= 0) usage('--time-scale needs a positive number');
    } else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else if (name === undefined) name = arg;
    else usage(`unexpected argument ${arg}`);
  }
  const demo = name === undefined;
  const example = findExample(name ?? 'docuthinker');
  if (!example) usage(`unknown example ${name}`);
  if (demo) breakTarget = example.defaultBreak;
  if (breakTarget !== undefined && breakTarget === '') breakTarget = example.defaultBreak;

  let releases;
  try {
    releases = releasesFor(example, suiteRoot, breakTarget, how);
  } catch (error) {
    usage((error as Error).message);
  }
  const run = await rehearseExample({ example, suiteRoot, releases, timeScale });

  console.log('');
  console.log(`# ${example.name}: what happened`);
  for (const outcome of run.outcomes) {
    console.log(`  ${outcome.release.label}: ${describeVerdict(outcome.verdict)}`);
  }
  const [good, broken] = run.outcomes;
  const goodOk = good?.verdict === 'deployed';
  if (breakTarget === undefined) return goodOk ? 0 : 3;
  const brokenOk = broken?.verdict === 'rolled-back';
  if (!goodOk || !brokenOk) {
    console.log('  UNEXPECTED: see the jobs above');
    return 3;
  }
  if (demo) return 0;
  console.log('  the broken release ended rolled back, as planned: exit code 1 (the pipeline failed)');
  return 1;
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(3);
  }
);
