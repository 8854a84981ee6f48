import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * hashFiles() as the runner computes it: the SHA-256 of the SHA-256 digests of every matching file
 * under the workspace, in path order; '' when nothing matches. Patterns are globs (`*`, `**`, `?`)
 * relative to the workspace; a leading `!` excludes.
 */
export function hashFiles(workspace: string, patterns: string[]): string {
  const include = patterns.filter(pattern => !pattern.startsWith('!')).map(globToRegExp);
  const exclude = patterns.filter(pattern => pattern.startsWith('!')).map(p => globToRegExp(p.slice(1)));
  const matches = listFiles(workspace)
    .filter(file => include.some(re => re.test(file)) && !exclude.some(re => re.test(file)))
    .sort();
  if (matches.length === 0) return '';
  const combined = createHash('sha256');
  for (const file of matches) {
    combined.update(
      createHash('sha256')
        .update(readFileSync(path.join(workspace, file)))
        .digest()
    );
  }
  return combined.digest('hex');
}

export function globToRegExp(glob: string): RegExp {
  const normalized = glob.replace(/^\.\//, '');
  let source = '';
  for (let index = 0; index < normalized.length; index++) {
    const char = normalized[index];
    if (char === '*' && normalized[index + 1] === '*') {
      // `**/` matches zero or more folders, a trailing `**` everything below
      const slash = normalized[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function listFiles(root: string, relative = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...listFiles(root, child));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}
