import { spawn } from 'node:child_process';

/**
 * How the action runs external programs (docker, buildah, podman). Logic receives a `CommandRunner`, so tests
 * replace it with a fake that records the commands; at runtime `spawnRunner` starts real processes.
 * Secrets never go in `args`: they travel in auth files named by the environment.
 */
interface CommandOptions {
  /** variables added to the process environment for this command only */
  env?: Record<string, string>;
  cwd?: string;
  /** called with every line the command writes (stdout and stderr) */
  onLine?: (line: string) => void;
}

export interface CommandResult {
  /** null when the program could not be started (not installed) */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived */
  output: string;
  /** why the program did not start, e.g. ENOENT */
  startError?: string;
}

export interface CommandRunner {
  run(command: string, args: readonly string[], options?: CommandOptions): Promise<CommandResult>;
}

function splitLinesFrom(
  onLine: ((line: string) => void) | undefined
): (chunk: string, flush?: boolean) => void {
  let pending = '';
  return (chunk, flush) => {
    pending += chunk;
    const parts = pending.split(/\r?\n/);
    pending = flush ? '' : (parts.pop() ?? '');
    for (const line of parts) if (line !== '' || !flush) onLine?.(line);
  };
}

export const spawnRunner: CommandRunner = {
  run(command, args, options = {}) {
    return new Promise(resolve => {
      let stdout = '';
      let stderr = '';
      let output = '';
      const emit = splitLinesFrom(options.onLine);
      const child = spawn(command, [...args], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe']
      });
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        output += chunk;
        emit(chunk);
      });
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        output += chunk;
        emit(chunk);
      });
      let settled = false;
      child.on('error', error => {
        if (settled) return;
        settled = true;
        resolve({
          exitCode: null,
          stdout,
          stderr,
          output,
          startError: (error as NodeJS.ErrnoException).code ?? error.message
        });
      });
      child.on('close', code => {
        if (settled) return;
        settled = true;
        emit('', true);
        resolve({ exitCode: code ?? 1, stdout, stderr, output });
      });
    });
  }
};

/** The last lines a failed command wrote, for the error message: what the user needs to see first. */
export function lastLines(result: CommandResult, count = 15): string {
  return result.output
    .split(/\r?\n/)
    .filter(line => line.trim() !== '')
    .slice(-count)
    .join('\n');
}
