import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Debian's docker-registry (CNCF distribution) and buildah, started for a test on loopback with storage in a
 * temp folder. Missing tools skip the tests with the install command; under CI=true they fail instead.
 */
export const INSTALL = 'apt-get install -y buildah docker-registry';

export function missingTools(): string[] {
  return ['buildah', 'docker-registry'].filter(
    tool => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0
  );
}

/** undefined when the tests can run; else why not (tests then skip, or fail under CI). */
export function realRegistryUnavailable(): string | undefined {
  const missing = missingTools();
  if (missing.length === 0) return undefined;
  const message = `${missing.join(' and ')} not installed: install with \`${INSTALL}\` (as root) to run the real build/push tests`;
  if (process.env.CI === 'true') throw new Error(`CI=true, so these tests must run: ${message}`);
  return message;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))
      );
    });
  });
}

export interface LocalRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  url: string;
  stop(): Promise<void>;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'build-push-registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ''
    ].join('\n')
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 100) {
      child.kill();
      throw new Error(`docker-registry did not answer on ${url}`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    stop: () =>
      new Promise(resolve => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      })
  };
}

/** Buildah storage of the test's own (vfs, chroot isolation): no root-wide state, works without overlay. */
export function isolatedBuildahEnv(): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'build-push-storage-'));
  const storageConf = path.join(dir, 'storage.conf');
  writeFileSync(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${path.join(dir, 'graph')}"\nrunroot = "${path.join(dir, 'run')}"\n`
  );
  return { CONTAINERS_STORAGE_CONF: storageConf, BUILDAH_ISOLATION: 'chroot' };
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
