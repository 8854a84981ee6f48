// Preloaded with `node --import <this file> bundle.js`: appends to the file named by RECORD_LOADS_TO, one
// per line, the URL of every ES module the process loads, and at exit the public builtins (node:<name>) it
// loaded after this preload, whether by import or by require(). The ESM hook runs on Node's loader thread,
// so it writes the file itself rather than tell the main thread.
import { appendFileSync } from 'node:fs';
import { isBuiltin, register } from 'node:module';

const target = process.env.RECORD_LOADS_TO;
const hooks = `
import { appendFileSync } from 'node:fs';
const target = process.env.RECORD_LOADS_TO;
export async function load(url, context, nextLoad) {
  if (target) appendFileSync(target, url + '\\n');
  return nextLoad(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

/** Public builtins in Node's own list of loaded modules ("NativeModule fs", "NativeModule internal/..."). */
const builtinsLoaded = () =>
  process.moduleLoadList
    .filter(entry => entry.startsWith('NativeModule '))
    .map(entry => entry.slice('NativeModule '.length))
    .filter(name => !name.startsWith('internal/') && isBuiltin(name));
const before = new Set(builtinsLoaded());
process.on('exit', () => {
  const loaded = builtinsLoaded().filter(name => !before.has(name));
  if (target && loaded.length > 0) appendFileSync(target, loaded.map(name => `node:${name}\n`).join(''));
});
