/**
 * Finds the simulated services: every `packages/sim/src/<dir>/service.ts` (or `.js` once compiled)
 * that default-exports a SimServiceModule. Sorted by directory name, so start-up order is stable.
 * Adding a service = adding a directory; nothing in the core changes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SimServiceModule } from './service.js';

const SRC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function discoverServiceModules(srcDir = SRC_DIR): Promise<SimServiceModule[]> {
  const modules: SimServiceModule[] = [];
  const dirs = readdirSync(srcDir, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && entry.name !== 'core')
    .map(entry => entry.name)
    .sort();
  for (const dir of dirs) {
    const file = ['service.ts', 'service.js']
      .map(name => join(srcDir, dir, name))
      .find(path => existsSync(path));
    if (!file) continue;
    const loaded = (await import(pathToFileURL(file).href)) as { default?: SimServiceModule };
    const mod = loaded.default;
    if (!mod || typeof mod.create !== 'function' || typeof mod.name !== 'string') {
      throw new Error(`${file} must default-export a SimServiceModule ({ name, create(ctx) })`);
    }
    modules.push(mod);
  }
  return modules;
}
