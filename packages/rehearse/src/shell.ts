import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `run:` steps, with the shells of the runner's documentation: the script goes into a file (never on a
 * command line, never through another shell) and the shell runs it. Unspecified is `bash -e {0}`,
 * `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`, `shell: sh` is `sh -e {0}`; a custom
 * template with `{0}` is honoured too.
 */

export class UnsupportedShell extends Error {}

export function shellCommand(shell: string | undefined, scriptFile: string): string[] {
  const template =
    shell === undefined || shell === ''
      ? 'bash -e {0}'
      : shell === 'bash'
        ? 'bash --noprofile --norc -eo pipefail {0}'
        : shell === 'sh'
          ? 'sh -e {0}'
          : shell === 'python'
            ? 'python3 {0}'
            : shell;
  if (!template.includes('{0}')) {
    throw new UnsupportedShell(
      `shell: ${shell} is not supported by the rehearsal (bash, sh, python or a template with {0}; ` +
        'pwsh, powershell and cmd are Windows shells)'
    );
  }
  return template
    .trim()
    .split(/\s+/)
    .map(part => part.replace('{0}', scriptFile));
}

export interface ScriptRun {
  script: string;
  shell?: string;
  cwd: string;
  env: Record<string, string>;
  /** where the script file is written (the job's RUNNER_TEMP) */
  tempDir: string;
  timeoutMs: number;
  onOutput: (chunk: string) => void;
  signal?: AbortSignal;
}

export interface ScriptResult {
  exitCode: number | null;
  timedOut: boolean;
  cancelled: boolean;
}

let scriptCounter = 0;

export function runScript(run: ScriptRun): Promise<ScriptResult> {
  const scriptFile = path.join(run.tempDir, `step-${process.pid}-${++scriptCounter}.sh`);
  writeFileSync(scriptFile, run.script);
  const [command, ...args] = shellCommand(run.shell, scriptFile);
  return new Promise((resolve, reject) => {
    // its own process group, so a timeout or Ctrl-C stops the whole tree the script started
    const child = spawn(command, args, {
      cwd: run.cwd,
      env: run.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    });
    let timedOut = false;
    let cancelled = false;
    const stop = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, run.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    run.signal?.addEventListener('abort', onAbort);
    child.stdout.on('data', chunk => run.onOutput(String(chunk)));
    child.stderr.on('data', chunk => run.onOutput(String(chunk)));
    child.on('error', error => {
      clearTimeout(timer);
      reject(new Error(`could not start ${command}: ${error.message}`));
    });
    child.on('close', exitCode => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode, timedOut, cancelled });
    });
  });
}
