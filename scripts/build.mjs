// Rebuilds actions/<name>/dist for every action (or the ones named on the command line).
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const named = process.argv.slice(2);
const actions = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
  .filter(entry => entry.isDirectory() && existsSync(path.join(root, 'actions', entry.name, 'action.yml')))
  .map(entry => entry.name)
  .filter(name => named.length === 0 || named.includes(name));

if (named.length > 0 && actions.length !== named.length) {
  console.error(`Unknown action in ${named.join(', ')}; actions are folders of actions/ with an action.yml`);
  process.exit(1);
}
for (const name of actions) {
  const dir = path.join(root, 'actions', name);
  const started = Date.now();
  await bundle(path.join(dir, 'src/index.ts'), path.join(dir, 'dist'));
  console.log(`built actions/${name}/dist in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
if (actions.length === 0) console.log('no actions to build yet');
