// `npm run check-dist`: rebuilds dist/ and fails when it differs from what is committed (a stale chunk,
// a missing one, one left over), because consumers run the committed dist/ by git ref.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });
const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist'], {
  cwd: root,
  encoding: 'utf8'
}).trim();
if (changed) {
  console.error('dist/ is stale: the bundles built from source differ from what is committed:');
  console.error(changed);
  console.error('Run `npm run build` and commit dist/.');
  process.exit(1);
}
console.log('dist/ matches the source for every action');
