import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILD_TOOLS, installCommand, missingTools } from './local-registry.js';

/**
 * The build side of the real build/push tests (build-push's and its benchmark); the registry and buildah storage come from
 * packages/testing/src/local-registry.ts. Missing tools skip the tests with the install command; under
 * CI=true they fail instead.
 */
export const INSTALL = installCommand(BUILD_TOOLS);

/** undefined when the tests can run; else why not (tests then skip, or fail under CI). */
export function realRegistryUnavailable(): string | undefined {
  const missing = missingTools(BUILD_TOOLS);
  if (missing.length === 0) return undefined;
  const message = `${missing.join(' and ')} not installed: install with \`${INSTALL}\` (as root) to run the real build/push tests`;
  if (process.env.CI === 'true') throw new Error(`CI=true, so these tests must run: ${message}`);
  return message;
}

/** A small context: FROM scratch + COPY, which buildah builds as root without a container runtime. */
export function writeContext(root: string, dir: string, content: string, packageVersion?: string): void {
  const context = path.join(root, dir);
  spawnSync('mkdir', ['-p', context]);
  writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
  writeFileSync(path.join(context, 'hello.txt'), `${content}\n`);
  if (packageVersion)
    writeFileSync(path.join(context, 'package.json'), JSON.stringify({ name: dir, version: packageVersion }));
}
