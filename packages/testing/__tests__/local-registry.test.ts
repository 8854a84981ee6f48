import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BUILD_TOOLS,
  hasCommand,
  installCommand,
  missingTools,
  startLocalRegistry
} from '../src/local-registry.js';

/** Tool detection, and the local docker-registry (with buildah's own storage) that real-build tests start. */

describe('missingTools', () => {
  it('asks for each tool in order and returns the missing ones', () => {
    const asked: string[] = [];
    expect(missingTools(BUILD_TOOLS, command => (asked.push(command), command === 'buildah'))).toEqual([
      'docker-registry'
    ]);
    expect(asked).toEqual(['buildah', 'docker-registry']);
  });

  it('looks commands up on PATH without handing the name to the shell as script', () => {
    expect(hasCommand('sh')).toBe(true);
    expect(hasCommand('no-such-command-deploy-suite; true')).toBe(false);
    expect(missingTools(['sh', 'no-such-command-deploy-suite'])).toEqual(['no-such-command-deploy-suite']);
  });

  it('names the install command for the whole set', () => {
    expect(installCommand(BUILD_TOOLS)).toBe('apt-get install -y buildah docker-registry');
    expect(installCommand(['docker-registry'])).toBe('apt-get install -y docker-registry');
  });
});

const registryMissing = missingTools(['docker-registry']).length > 0;
if (registryMissing) {
  const message = `docker-registry is not installed (\`${installCommand(['docker-registry'])}\`)`;
  // CI installs it (.ci/run): there the test must run, never skip.
  if (process.env.CI === 'true') throw new Error(`CI=true, so the local-registry test must run: ${message}`);
  console.warn(`skipping the local-registry test: ${message}`);
}
(registryMissing ? describe.skip : describe)('startLocalRegistry', () => {
  it('answers the registry API on loopback, gives buildah its own vfs storage, and cleans up', async () => {
    const registry = await startLocalRegistry();
    try {
      expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(registry.url).toBe(`http://${registry.host}`);
      expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
      expect(registry.buildEnv.BUILDAH_ISOLATION).toBe('chroot');
      expect(existsSync(registry.buildEnv.CONTAINERS_STORAGE_CONF)).toBe(true);
      const storageConf = readFileSync(registry.buildEnv.CONTAINERS_STORAGE_CONF, 'utf8');
      expect(storageConf).toContain('driver = "vfs"');
      expect(storageConf).toContain(
        `graphroot = "${path.dirname(registry.buildEnv.CONTAINERS_STORAGE_CONF)}`
      );
    } finally {
      await registry.stop();
    }
    expect(existsSync(registry.buildEnv.CONTAINERS_STORAGE_CONF)).toBe(false);
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    // a second stop is harmless (callers stop in afterAll/finally)
    await registry.stop();
  });
});
