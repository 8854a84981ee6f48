import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * What lets a rehearsal really build and push: Debian's `docker-registry` (CNCF distribution) on a free
 * loopback port with its storage in a temp folder, and buildah with storage of its own (vfs driver,
 * chroot isolation: no root-wide state, no overlay or container runtime needed). The same setup as
 * build-push's real-registry tests.
 */

export const BUILD_TOOLS = ['buildah', 'docker-registry'] as const;
export const INSTALL_BUILD_TOOLS = 'apt-get install -y buildah docker-registry';

/** The tools of BUILD_TOOLS this machine lacks (none: the rehearsal builds for real). */
export function missingBuildTools(has: (command: string) => boolean = hasCommand): string[] {
  return BUILD_TOOLS.filter(tool => !has(tool));
}

export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: what build-push takes as `registry` (a loopback host means plain HTTP) */
  host: string;
  /** `http://127.0.0.1:<port>`: what the simulator's ECR reads */
  url: string;
  /** environment for the steps: buildah's own storage (CONTAINERS_STORAGE_CONF, BUILDAH_ISOLATION) */
  buildEnv: Record<string, string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))
      );
    });
  });
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rehearse-registry-'));
  const config = path.join(dir, 'config.yml');
  const port = await freePort();
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
  const storageConf = path.join(dir, 'storage.conf');
  writeFileSync(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${path.join(dir, 'buildah/graph')}"\nrunroot = "${path.join(dir, 'buildah/run')}"\n`
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe']
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let exited = false;
  const exit = new Promise<void>(resolve =>
    child.once('exit', () => {
      exited = true;
      resolve();
    })
  );
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/v2/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (exited || attempt > 200) {
      child.kill();
      await exit;
      cleanUp();
      throw new Error(`docker-registry did not answer on ${url}${stderr ? `: ${stderr.trim()}` : ''}`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    buildEnv: { CONTAINERS_STORAGE_CONF: storageConf, BUILDAH_ISOLATION: 'chroot' },
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        await exit;
      }
      // buildah's vfs layers can be read-only for the owner: rmSync with force copes
      cleanUp();
    }
  };
}
