/**
 * Debian's `docker-registry` (CNCF distribution) on loopback with storage in a temp folder, for the
 * registry-backed ECR tests. Missing: the tests skip with the install command; under CI=true they fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INSTALL = 'apt-get install -y docker-registry';

/** undefined when docker-registry can run; else why not. Throws under CI=true (tests must not skip there). */
export function registryUnavailable(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v docker-registry']).status === 0) return undefined;
  const message = `docker-registry is not installed: run \`${INSTALL}\` (as root) to run the registry-backed ECR tests`;
  if (process.env.CI === 'true')
    throw new Error(`CI=true, so the registry-backed tests must run: ${message}`);
  return message;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))
      );
    });
  });
}

export interface LocalRegistry {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'sim-ecr-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
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
      if ((await fetch(`${url}/v2/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 200) {
      child.kill();
      throw new Error(`docker-registry did not answer on ${url}`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
