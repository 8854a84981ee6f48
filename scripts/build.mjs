// `npm run build`: bundles every action (each folder of actions/ with an action.yml, entry src/index.ts)
// into the one root dist/ with scripts/bundle.mjs: dist/<action>/index.js, dist/chunks/, licenses.txt.
// One esbuild call builds them all (about a second), because the actions share chunks: there is no
// per-action build. New actions are picked up by their action.yml alone.
import path from 'node:path';
import { bundleActions, discoverActions, root } from './bundle.mjs';

if (process.argv.length > 2) {
  console.log('note: all actions are built together (they share dist/chunks); names are ignored');
}
const actions = discoverActions();
if (actions.length === 0) {
  console.log('no actions to build yet');
} else {
  const started = Date.now();
  await bundleActions(actions, path.join(root, 'dist'));
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`built dist/ for ${actions.map(action => action.name).join(', ')} in ${took}s`);
}
