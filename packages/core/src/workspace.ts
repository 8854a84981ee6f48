import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { inputError } from './errors.js';

/**
 * File inputs stay inside the workspace. Every path an input names is resolved against GITHUB_WORKSPACE
 * and then through its symlinks (realpath); a path that climbs out (`../../etc/passwd`) or a link that
 * points out (`td.json -> /home/runner/.aws/credentials`) is refused, naming the input and the link.
 * Folders that are bundled or sent as a build context are walked for links leaving the workspace too.
 * No message quotes a file's content.
 */

export interface WorkspaceFile {
  /** the path as the input gave it, for messages */
  given: string;
  /** absolute path, symlinks resolved, inside the workspace */
  real: string;
}

/** Reading a task definition, a compose file or a Dockerrun bigger than this is refused before reading. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function realWorkspace(workspace: string): string {
  try {
    return realpathSync(workspace);
  } catch {
    return path.resolve(workspace);
  }
}

/** The first symlink on the way from the workspace to `absolute` whose target leaves the workspace. */
function escapingLink(root: string, absolute: string): { link: string; target: string } | undefined {
  const parts = path.relative(root, absolute).split(path.sep).filter(Boolean);
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    let info;
    try {
      info = lstatSync(current);
    } catch {
      return undefined; // does not exist: the caller reports it as missing
    }
    if (info.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(current);
      } catch {
        return { link: current, target: '(a dangling link)' };
      }
      if (!isInside(root, target)) return { link: current, target };
    }
  }
  return undefined;
}

/**
 * Resolves a file input inside the workspace. Returns undefined when nothing exists there (the caller
 * decides whether that is an error or, like `task-definition`, means a reference instead of a file).
 */
export function resolveInWorkspace(
  input: string,
  given: string,
  workspace: string
): WorkspaceFile | undefined {
  const root = realWorkspace(workspace);
  const absolute = path.resolve(root, given);
  if (!isInside(root, absolute)) {
    throw inputError(
      `Input "${input}": ${JSON.stringify(given)} is outside the workspace (${root}). ` +
        'File inputs are read from the checked-out repository only: give a path relative to the workspace'
    );
  }
  const escape = escapingLink(root, absolute);
  if (escape) {
    throw inputError(
      `Input "${input}": ${path.relative(root, escape.link) || escape.link} is a symbolic link to ${escape.target}, ` +
        'outside the workspace; links that leave the workspace are refused. Copy the file into the repository instead'
    );
  }
  try {
    return { given, real: realpathSync(absolute) };
  } catch {
    return undefined;
  }
}

/** Like resolveInWorkspace, for a path that must exist and be a regular file. */
export function requireWorkspaceFile(input: string, given: string, workspace: string): WorkspaceFile {
  const file = resolveInWorkspace(input, given, workspace);
  if (!file) throw inputError(`Input "${input}": no file at ${given} (paths are relative to the workspace)`);
  if (!statSync(file.real).isFile()) throw inputError(`Input "${input}": ${given} is not a file`);
  return file;
}

/** Reads a confined file as text, refusing one larger than `maxBytes` before reading it. */
export function readWorkspaceText(
  input: string,
  file: WorkspaceFile,
  maxBytes: number = MAX_INPUT_FILE_BYTES
): string {
  const size = statSync(file.real).size;
  if (size > maxBytes) {
    throw inputError(
      `Input "${input}": ${file.given} is ${formatBytes(size)}; at most ${formatBytes(maxBytes)} are accepted`
    );
  }
  return readFileSync(file.real, 'utf8');
}

/**
 * Walks a folder that will be bundled or sent as a build context and refuses any symlink in it whose
 * target leaves the workspace (the bundle would otherwise carry the linked file from outside).
 * `.git` is skipped, as it is never bundled.
 */
export function checkFolderConfined(input: string, folder: string, workspace: string): void {
  const root = realWorkspace(workspace);
  const walk = (directory: string, depth: number): void => {
    if (depth > 64) {
      throw inputError(
        `Input "${input}": ${path.relative(root, directory)} is nested more than 64 folders deep`
      );
    }
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const full = path.join(directory, entry.name);
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(full);
        } catch {
          continue; // a dangling link carries nothing
        }
        if (!isInside(root, target)) {
          throw inputError(
            `Input "${input}": ${path.relative(root, full)} is a symbolic link to ${target}, outside the workspace; ` +
              'links that leave the workspace are refused (the bundle would carry that file). Remove the link or copy the file in'
          );
        }
      } else if (entry.isDirectory()) walk(full, depth + 1);
    }
  };
  walk(folder, 0);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
