import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Real image builds and pushes on this machine: Debian's `docker-registry` (CNCF distribution) on a free
 * loopback port with its storage in a temp folder, and buildah with storage of its own (vfs driver, chroot
 * isolation: no root-wide state, no overlay or container runtime needed). Shared by build-push's
 * real-registry tests and bench, the simulator's registry-backed ECR tests and the rehearsal's real builds.
 * Whether a missing tool skips, fails or falls back is each caller's decision; this module only says what
 * is missing and how to install it.
 *
 * Imported through its own subpath `@deploy-suite/testing/local-registry` (not the index, which loads the simulator) so the rehearsal starts light.
 */

/** What a real build and push needs. */
export const BUILD_TOOLS = ['buildah', 'docker-registry'] as const;

/** The command that installs `tools` (as root, on Debian/Ubuntu). */
export function installCommand(tools: readonly string[]): string {
  return `apt-get install -y ${tools.join(' ')}`;
}

/** Whether `command` is on PATH (the name is passed as an argument, never spliced into the shell script). */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
}

/** The tools this machine lacks, in the order asked (none: they can all run). */
export function missingTools(
  tools: readonly string[],
  has: (command: string) => boolean = hasCommand
): string[] {
  return tools.filter(tool => !has(tool));
}

/**
 * Buildah environment with storage under `dir` (which the caller removes): CONTAINERS_STORAGE_CONF points at
 * a vfs storage.conf, BUILDAH_ISOLATION=chroot. Pass it to the buildah steps' environment.
 */
export function isolatedBuildahEnv(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const storageConf = path.join(dir, 'storage.conf');
  writeFileSync(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${path.join(dir, 'graph')}"\nrunroot = "${path.join(dir, 'run')}"\n`
  );
  return { CONTAINERS_STORAGE_CONF: storageConf, BUILDAH_ISOLATION: 'chroot' };
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: what build-push takes as `registry` (a loopback host means plain HTTP) */
  host: string;
  /** `http://127.0.0.1:<port>`: the registry API base (what the simulator's ECR reads) */
  url: string;
  /**
   * Environment for buildah (see isolatedBuildahEnv), its storage inside the registry's temp folder so
   * stop() removes it too.
   */
  buildEnv: Record<string, string>;
  /** Stops the registry (waits for it to exit) and removes the temp folder; safe to call twice. */
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

function registryConfig(storage: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    // the simulator's BatchDeleteImage deletes manifests
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ''
  ].join('\n');
}

/** Polls `GET /v2/` every 50 ms for up to ~10 s: the registry answers once it listens. */
const READY_ATTEMPTS = 200;
const READY_INTERVAL_MS = 50;

/**
 * Starts `docker-registry serve` on a free loopback port (anonymous pushes, deletes enabled) and resolves once
 * it answers `GET /v2/`. If it exits or never answers, it is stopped, its temp folder removed, and the error
 * carries the end of its stderr.
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'local-registry-'));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  let port: number;
  let buildEnv: Record<string, string>;
  const config = path.join(dir, 'config.yml');
  try {
    port = await freePort();
    writeFileSync(config, registryConfig(path.join(dir, 'storage'), port));
    buildEnv = isolatedBuildahEnv(path.join(dir, 'buildah'));
  } catch (error) {
    cleanUp();
    throw error;
  }
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe']
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let exited = false;
  const exit = new Promise<void>(resolve =>
    child.once('close', () => {
      exited = true;
      resolve();
    })
  );
  // a spawn failure (e.g. ENOENT) emits 'error' and then 'close': keep its message for the error below
  child.once('error', error => {
    stderr += error.message;
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await exit;
    }
    // buildah's vfs layers can be read-only for the owner: rmSync with force copes
    cleanUp();
  };
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/v2/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (exited || attempt >= READY_ATTEMPTS) {
      await stop();
      throw new Error(`docker-registry did not answer on ${url}${stderr ? `: ${stderr.trim()}` : ''}`);
    }
    await new Promise(resolve => setTimeout(resolve, READY_INTERVAL_MS));
  }
  return { host: `127.0.0.1:${port}`, url, buildEnv, stop };
}
