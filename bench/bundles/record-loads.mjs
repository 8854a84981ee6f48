// Preloaded with `node --import <this file> bundle.js`: appends the URL of every module the process loads
// (file: modules and builtins) to the file named by RECORD_LOADS_TO, one per line. The hook runs on Node's
// loader thread, so it writes the file itself rather than tell the main thread.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
const target = process.env.RECORD_LOADS_TO;
export async function load(url, context, nextLoad) {
  if (target) appendFileSync(target, url + '\\n');
  return nextLoad(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
