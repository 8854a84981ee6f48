import path from 'node:path';

/**
 * `uses: owner/repo/path@ref` of another repository, resolved in a local folder the caller names
 * (`repositories` option: `{ 'octo-org/deploy-suite': '/work/deploy-suite' }`). This is how a consumer's
 * workflow that calls the suite's reusable workflows (and the actions those call) is rehearsed against
 * this checkout of the suite: the folder's working tree stands in for the repository at any ref, and the
 * log says so. Repositories that are not mapped stay unsupported, as before.
 */

export interface RemoteReference {
  /** owner/repo as written (matched case-insensitively) */
  repository: string;
  /** the path inside the repository ('' for an action at the root) */
  subPath: string;
  ref: string;
  /** the local folder that stands in for the repository */
  root: string;
  /** the local folder or file the reference points at */
  target: string;
}

/** `owner/repo[/path]@ref` → its parts; `undefined` for `./x`, `docker://x` or a malformed reference. */
export function parseRemoteUses(
  uses: string
): { repository: string; subPath: string; ref: string } | undefined {
  const match = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)((?:\/[^@]+)?)@(.+)$/.exec(uses);
  if (!match) return undefined;
  return { repository: match[1], subPath: match[2].replace(/^\//, ''), ref: match[3] };
}

/**
 * `uses: $/actions/<name>`: GitHub resolves `$/` to the repository of the workflow that holds the step, at
 * the commit that runs (runner 2.336.0+). The rehearsal resolves it in the folder of that workflow's
 * repository (`selfRoot`): this checkout for the suite's own workflows, the mapped folder for a workflow
 * read from a mapped repository.
 */
export function resolveSelf(uses: string, selfRoot: string): RemoteReference | undefined {
  if (!uses.startsWith('$/')) return undefined;
  const subPath = uses.slice(2);
  const root = path.resolve(selfRoot);
  const target = path.resolve(root, subPath);
  if (subPath.includes('@') || (target !== root && !target.startsWith(root + path.sep))) return undefined;
  return {
    repository: "the workflow's own repository ($/)",
    subPath,
    ref: 'its running commit',
    root,
    target
  };
}

/** A step's `uses:` that resolves to a local folder: `$/...` of the workflow's repository, or a mapped one. */
export function resolveUses(
  uses: string,
  selfRoot: string,
  repositories: Record<string, string> | undefined
): RemoteReference | undefined {
  return resolveSelf(uses, selfRoot) ?? resolveRemote(uses, repositories);
}

export function resolveRemote(
  uses: string,
  repositories: Record<string, string> | undefined
): RemoteReference | undefined {
  const parsed = parseRemoteUses(uses);
  if (!parsed || !repositories) return undefined;
  const key = Object.keys(repositories).find(name => name.toLowerCase() === parsed.repository.toLowerCase());
  if (!key) return undefined;
  const root = path.resolve(repositories[key]);
  const target = path.resolve(root, parsed.subPath);
  // a path that climbs out of the repository is not a reference into it
  if (target !== root && !target.startsWith(root + path.sep)) return undefined;
  return { ...parsed, root, target };
}

/**
 * Where a reusable-workflow reference (`./.github/workflows/x.yml` of this repository, or
 * `owner/repo/.github/workflows/x.yml@ref` of a mapped one) lives on this machine, and the name logs show.
 */
export function calledWorkflowFile(
  ref: string,
  /** the root of the calling workflow's repository: `./` refers to it */
  selfRoot: string,
  repositories: Record<string, string> | undefined
): { file: string; displayName?: string; root: string } | undefined {
  if (ref.startsWith('./')) return { file: path.join(selfRoot, ref), root: selfRoot };
  const remote = resolveRemote(ref, repositories);
  return remote ? { file: remote.target, displayName: ref, root: remote.root } : undefined;
}
