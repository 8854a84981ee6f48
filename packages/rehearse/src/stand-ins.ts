import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync
} from 'node:fs';
import path from 'node:path';
import { globToRegExp } from './hash-files.js';
import { trustPolicyDenial, type TrustPolicy } from './oidc.js';

/**
 * Local equivalents of the well-known third-party actions a deploy pipeline uses. Each one says in the
 * step log what it did instead of the real thing; inputs it cannot honour locally are named in the log,
 * never dropped silently.
 */

export interface StandInContext {
  inputs: Record<string, string>;
  workspace: string;
  repoRoot: string;
  /** run-wide folder that holds uploaded artifacts, one sub-folder per name */
  artifactsDir: string;
  /** the step's environment (AWS_ENDPOINT_URL comes from the rehearsal) */
  env: Record<string, string>;
  /** the repository the run is for (github.repository) */
  repository: string;
  /** a line in the step log; with `once`, printed only the first time in the rehearsal */
  note: (line: string, once?: string) => void;
  /** the job's OIDC subject and the trust policies of the roles the rehearsal knows */
  oidc?: { subject: string; policies: Record<string, TrustPolicy> };
}

export interface StandInResult {
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  paths: string[];
}

/** A failure of the step, with the message the user sees. */
export class StepFailure extends Error {}

interface StandIn {
  /** what the log says this stand-in does instead of the real action */
  summary: string;
  /** inputs it honours */
  inputs: string[];
  /** inputs of the real action that have no local meaning, with why */
  ignored: Record<string, string>;
  run(context: StandInContext): StandInResult;
}

const none = (): StandInResult => ({ outputs: {}, exportedEnv: {}, paths: [] });

/** The simulator's account: the one the rehearsal's fake credentials belong to. */
export const SIMULATED_ACCOUNT = '123456789012';

const STAND_INS: Record<string, StandIn> = {
  'actions/checkout': {
    summary: 'copies the working tree of the repository (uncommitted changes included) into the workspace',
    inputs: ['path', 'repository', 'ref'],
    ignored: Object.fromEntries(
      [
        'fetch-depth',
        'token',
        'ssh-key',
        'persist-credentials',
        'clean',
        'submodules',
        'lfs',
        'sparse-checkout',
        'sparse-checkout-cone-mode',
        'fetch-tags',
        'filter',
        'show-progress',
        'set-safe-directory',
        'github-server-url',
        'ssh-known-hosts',
        'ssh-strict',
        'ssh-user'
      ].map(name => [name, 'nothing is fetched: the local working tree is copied'])
    ),
    run: checkout
  },
  'aws-actions/configure-aws-credentials': {
    summary: 'exports the region and fake credentials for the local simulator (no AWS call, no role assumed)',
    inputs: ['aws-region', 'role-to-assume', 'output-credentials', 'mask-aws-account-id'],
    ignored: Object.fromEntries(
      [
        'role-session-name',
        'role-duration-seconds',
        'role-external-id',
        'role-chaining',
        'role-skip-session-tagging',
        'inline-session-policy',
        'managed-session-policies',
        'audience',
        'web-identity-token-file',
        'http-proxy',
        'unset-current-credentials',
        'disable-retry',
        'retry-max-attempts',
        'special-characters-workaround',
        'use-existing-credentials',
        'aws-access-key-id',
        'aws-secret-access-key',
        'aws-session-token',
        'disable-oidc',
        'allowed-account-ids',
        'force-skip-oidc',
        'action-timeout-s'
      ].map(name => [name, 'no role is assumed locally: the simulator accepts the fake credentials'])
    ),
    run: configureAwsCredentials
  },
  'actions/setup-node': {
    summary: 'uses the node of this machine',
    inputs: ['node-version'],
    ignored: Object.fromEntries(
      [
        'node-version-file',
        'architecture',
        'check-latest',
        'registry-url',
        'scope',
        'token',
        'cache',
        'cache-dependency-path',
        'always-auth',
        'package-manager-cache',
        'mirror',
        'mirror-token'
      ].map(name => [name, 'nothing is downloaded or cached locally'])
    ),
    run: setupNode
  },
  'actions/upload-artifact': {
    summary: 'copies the files into the rehearsal artifacts folder',
    inputs: ['name', 'path', 'if-no-files-found', 'overwrite', 'include-hidden-files'],
    ignored: {
      'retention-days': 'local artifacts stay until the next rehearsals prune them',
      'compression-level': 'files are copied, not zipped'
    },
    run: uploadArtifact
  },
  'actions/download-artifact': {
    summary: 'copies files from the rehearsal artifacts folder',
    inputs: ['name', 'path', 'pattern', 'merge-multiple'],
    ignored: {
      'github-token': 'artifacts of other runs are not available locally',
      repository: 'artifacts of other runs are not available locally',
      'run-id': 'artifacts of other runs are not available locally',
      'artifact-ids': 'artifacts are found by name locally'
    },
    run: downloadArtifact
  }
};

/** `actions/checkout@v4` and `actions/checkout@<sha>` → `actions/checkout` */
export function actionName(uses: string): string {
  return uses.split('@')[0].toLowerCase();
}

export function isStandIn(uses: string): boolean {
  return actionName(uses) in STAND_INS;
}

export function standInNames(): string[] {
  return Object.keys(STAND_INS);
}

export function runStandIn(uses: string, context: StandInContext): StandInResult {
  const standIn = STAND_INS[actionName(uses)];
  context.note(`[rehearsal] stand-in for ${uses}: ${standIn.summary}`, `stand-in:${actionName(uses)}`);
  const unexpected: string[] = [];
  for (const name of Object.keys(context.inputs)) {
    if (standIn.inputs.includes(name)) continue;
    if (name in standIn.ignored) {
      context.note(
        `[rehearsal] input ${name} of ${actionName(uses)} ignored: ${standIn.ignored[name]}`,
        `ignored:${actionName(uses)}:${name}`
      );
    } else unexpected.push(name);
  }
  if (unexpected.length > 0) {
    context.note(
      `Warning: Unexpected input(s) ${unexpected.map(name => `'${name}'`).join(', ')}, valid inputs are ` +
        `[${[...standIn.inputs, ...Object.keys(standIn.ignored)].map(name => `'${name}'`).join(', ')}]`
    );
  }
  return standIn.run(context);
}

function checkout(context: StandInContext): StandInResult {
  const repository = context.inputs.repository;
  if (repository && repository.toLowerCase() !== context.repository.toLowerCase()) {
    throw new StepFailure(
      `actions/checkout of another repository (${repository}) is not supported by the rehearsal: ` +
        'only this repository is on this machine'
    );
  }
  if (context.inputs.ref) {
    context.note(`[rehearsal] ref ${context.inputs.ref} is not fetched: the local working tree is used`);
  }
  const destination = path.resolve(context.workspace, context.inputs.path ?? '');
  if (!destination.startsWith(context.workspace)) {
    throw new StepFailure(`Repository path '${context.inputs.path}' is not under the workspace`);
  }
  const files = workingTreeFiles(context.repoRoot);
  for (const file of files)
    copyPreservingLinks(path.join(context.repoRoot, file), path.join(destination, file));
  context.note(`[rehearsal] copied ${files.length} files from ${context.repoRoot} to ${destination}`);
  return none();
}

/** Tracked and untracked-but-not-ignored files (what a commit of the working tree would hold). */
function workingTreeFiles(repoRoot: string): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore']
    });
    // --cached lists files deleted from the working tree too: those are not part of it any more
    return [...new Set(listed.split('\0'))].filter(file => file && existsSync(path.join(repoRoot, file)));
  } catch {
    return walk(repoRoot);
  }
}

function walk(root: string, relative = ''): string[] {
  const skip = new Set(['.git', 'node_modules', '.rehearsal']);
  return readdirSync(path.join(root, relative), { withFileTypes: true }).flatMap(entry => {
    if (skip.has(entry.name)) return [];
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    return entry.isDirectory() ? walk(root, child) : [child];
  });
}

function copyPreservingLinks(source: string, target: string): void {
  mkdirSync(path.dirname(target), { recursive: true });
  if (lstatSync(source).isSymbolicLink()) {
    rmSync(target, { force: true });
    symlinkSync(readlinkSync(source), target);
  } else if (lstatSync(source).isFile()) copyFileSync(source, target);
}

function configureAwsCredentials(context: StandInContext): StandInResult {
  const region = context.inputs['aws-region'];
  if (!region) throw new StepFailure('Input required and not supplied: aws-region');
  const endpoint = context.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    throw new StepFailure(
      'No AWS_ENDPOINT_URL in the rehearsal environment: a rehearsal never talks to real AWS. ' +
        'Start the simulator (npm run sim) and pass --env AWS_ENDPOINT_URL=http://127.0.0.1:<port>.'
    );
  }
  const role = context.inputs['role-to-assume'];
  context.note(
    role
      ? `[rehearsal] would assume ${role} with GitHub's OIDC token (locally the credentials are fake)`
      : '[rehearsal] no role-to-assume given; locally the credentials are fake'
  );
  if (role && context.oidc) {
    const policy = context.oidc.policies[role];
    if (!policy) {
      context.note(
        `[rehearsal] no trust policy known for ${role}: the subject ${context.oidc.subject} is not checked`
      );
    } else {
      const denial = trustPolicyDenial(policy, role, { sub: context.oidc.subject });
      if (denial) throw new StepFailure(denial);
      context.note(`[rehearsal] OIDC subject ${context.oidc.subject} is allowed by ${policy.file}`);
    }
  }
  context.note(
    `[rehearsal] AWS calls go to the simulator at ${endpoint} (region ${region})`,
    `aws:${endpoint}:${region}`
  );
  const credentials = {
    AWS_ACCESS_KEY_ID: context.env.AWS_ACCESS_KEY_ID || 'test',
    AWS_SECRET_ACCESS_KEY: context.env.AWS_SECRET_ACCESS_KEY || 'test',
    AWS_SESSION_TOKEN: 'rehearsal-session-token'
  };
  const outputs: Record<string, string> = { 'aws-account-id': SIMULATED_ACCOUNT };
  if (context.inputs['output-credentials'] === 'true') {
    outputs['aws-access-key-id'] = credentials.AWS_ACCESS_KEY_ID;
    outputs['aws-secret-access-key'] = credentials.AWS_SECRET_ACCESS_KEY;
    outputs['aws-session-token'] = credentials.AWS_SESSION_TOKEN;
  }
  return {
    outputs,
    exportedEnv: { AWS_REGION: region, AWS_DEFAULT_REGION: region, ...credentials },
    paths: []
  };
}

function setupNode(context: StandInContext): StandInResult {
  const wanted = context.inputs['node-version'];
  const here = process.versions.node;
  const wantedMajor = /^v?(\d+)/.exec(wanted ?? '')?.[1];
  if (wantedMajor && wantedMajor !== here.split('.')[0]) {
    context.note(`[rehearsal] the workflow asks for node ${wanted}; this machine runs node ${here}`);
  } else context.note(`[rehearsal] node ${here}`);
  return { outputs: { 'node-version': `v${here}` }, exportedEnv: {}, paths: [] };
}

function artifactName(context: StandInContext): string {
  const name = context.inputs.name || 'artifact';
  if (/[":<>|*?\\/\r\n]/.test(name)) throw new StepFailure(`The artifact name is not valid: ${name}`);
  return name;
}

function uploadArtifact(context: StandInContext): StandInResult {
  const name = artifactName(context);
  const lines = (context.inputs.path ?? '')
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean);
  if (lines.length === 0) throw new StepFailure('Input required and not supplied: path');
  const includeHidden = context.inputs['include-hidden-files'] === 'true';
  const excluded = lines.filter(line => line.startsWith('!')).map(line => globToRegExp(line.slice(1)));
  const found = new Map<string, string>(); // absolute file -> search root
  for (const line of lines.filter(item => !item.startsWith('!'))) {
    const wildcard = line.search(/[*?[]/);
    const literal = wildcard < 0 ? line : line.slice(0, line.lastIndexOf('/', wildcard) + 1) || '.';
    const root = path.resolve(context.workspace, literal);
    if (!existsSync(root)) continue;
    const searchRoot = statSync(root).isDirectory() ? root : path.dirname(root);
    const candidates = statSync(root).isDirectory() ? walk(root).map(file => path.join(root, file)) : [root];
    const pattern = wildcard < 0 ? undefined : globToRegExp(path.resolve(context.workspace, line));
    for (const file of candidates) {
      const relative = path.relative(context.workspace, file);
      if (pattern && !pattern.test(file)) continue;
      // hidden means a dot-file or dot-folder below the searched path (like the real action), not the
      // `..` of a path outside the workspace such as ${{ runner.temp }}
      const below = path.relative(searchRoot, file);
      if (!includeHidden && below.split(path.sep).some(part => part.startsWith('.'))) continue;
      if (excluded.some(re => re.test(relative))) continue;
      found.set(file, searchRoot);
    }
  }
  if (found.size === 0) {
    const mode = context.inputs['if-no-files-found'] || 'warn';
    const message = `No files were found with the provided path: ${lines.join(', ')}. No artifacts will be uploaded.`;
    if (mode === 'error') throw new StepFailure(message);
    if (mode === 'warn') context.note(`Warning: ${message}`);
    return none();
  }
  const target = path.join(context.artifactsDir, name);
  if (existsSync(target)) {
    if (context.inputs.overwrite !== 'true') {
      throw new StepFailure(`Failed to CreateArtifact: an artifact with this name already exists: ${name}`);
    }
    rmSync(target, { recursive: true, force: true });
  }
  const common = commonFolder([...new Set(found.values())]);
  for (const file of found.keys()) copyPreservingLinks(file, path.join(target, path.relative(common, file)));
  context.note(`[rehearsal] artifact ${name}: ${found.size} file(s) in ${target}`);
  return { outputs: { 'artifact-id': name, 'artifact-url': `file://${target}` }, exportedEnv: {}, paths: [] };
}

function commonFolder(folders: string[]): string {
  return folders.reduce((common, folder) => {
    while (common !== path.dirname(common) && !`${folder}${path.sep}`.startsWith(`${common}${path.sep}`)) {
      common = path.dirname(common);
    }
    return common;
  });
}

function downloadArtifact(context: StandInContext): StandInResult {
  const destination = path.resolve(context.workspace, context.inputs.path || '.');
  const available = existsSync(context.artifactsDir) ? readdirSync(context.artifactsDir) : [];
  const copyTree = (from: string, to: string) => {
    for (const file of walk(from)) copyPreservingLinks(path.join(from, file), path.join(to, file));
  };
  if (context.inputs.name) {
    const name = context.inputs.name;
    if (!available.includes(name)) {
      throw new StepFailure(`Unable to download artifact(s): Artifact not found for name: ${name}`);
    }
    copyTree(path.join(context.artifactsDir, name), destination);
    context.note(`[rehearsal] artifact ${name} copied to ${destination}`);
  } else {
    const pattern = context.inputs.pattern ? globToRegExp(context.inputs.pattern) : undefined;
    const chosen = available.filter(name => !pattern || pattern.test(name));
    const merge = context.inputs['merge-multiple'] === 'true';
    for (const name of chosen) {
      copyTree(path.join(context.artifactsDir, name), merge ? destination : path.join(destination, name));
    }
    context.note(`[rehearsal] ${chosen.length} artifact(s) copied to ${destination}`);
  }
  return { outputs: { 'download-path': destination }, exportedEnv: {}, paths: [] };
}
