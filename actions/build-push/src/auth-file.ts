import { mkdtempSync, writeFileSync, readFileSync, existsSync, symlinkSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Registry credentials for this job only. The ECR password goes into a config file in a fresh folder under
 * RUNNER_TEMP (mode 0600), never the user's ~/.docker/config.json: a later `docker logout` or another job on a
 * shared runner cannot be affected, and the post step deletes the folder. Builders are pointed at it through
 * their environment: DOCKER_CONFIG (the folder) for docker, REGISTRY_AUTH_FILE (the file) for buildah/podman.
 */
export interface JobAuth {
  dir: string;
  file: string;
  /** variables to give builder processes */
  env: Record<string, string>;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

function readJson(file: string | undefined): DockerConfig | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch {
    return undefined;
  }
}

/** The folder docker reads its config from for this user. */
function userDockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || homedir(), '.docker');
}

/** Credential files the builders would read without us, most specific first. */
function userAuthFiles(env: NodeJS.ProcessEnv): string[] {
  return [
    env.REGISTRY_AUTH_FILE,
    env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json') : undefined,
    path.join(userDockerConfigDir(env), 'config.json')
  ].filter((file): file is string => Boolean(file));
}

/** Basic credentials for `host` from the user's own auth files (inline `auth` entries only). */
export function userCredentials(
  host: string,
  env: NodeJS.ProcessEnv
): { username: string; password: string } | undefined {
  for (const file of userAuthFiles(env)) {
    const auth = readJson(file)?.auths?.[host]?.auth;
    if (!auth) continue;
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    if (at > 0) return { username: decoded.slice(0, at), password: decoded.slice(at + 1) };
  }
  return undefined;
}

/**
 * Writes the job's auth folder. Other registries' inline credentials from the user's files are copied in (so a
 * Docker Hub login made earlier in the job still applies to base images); docker's buildx builders, plugins and
 * contexts stay reachable through links. A credential store would take precedence over inline auths, so it is
 * left out of the job's copy.
 */
export function writeJobAuth(
  runnerTemp: string,
  host: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv
): JobAuth {
  const dir = mkdtempSync(path.join(runnerTemp, 'build-push-auth-'));
  const auths: Record<string, { auth?: string }> = {};
  for (const file of [...userAuthFiles(env)].reverse()) Object.assign(auths, readJson(file)?.auths ?? {});
  auths[host] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  const base = readJson(path.join(userDockerConfigDir(env), 'config.json')) ?? {};
  const { credsStore: _credsStore, credHelpers, ...rest } = base;
  const helpers = Object.fromEntries(Object.entries(credHelpers ?? {}).filter(([name]) => name !== host));
  const config: DockerConfig = {
    ...rest,
    auths,
    ...(Object.keys(helpers).length > 0 ? { credHelpers: helpers } : {})
  };
  const file = path.join(dir, 'config.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  for (const shared of ['buildx', 'cli-plugins', 'contexts']) {
    const target = path.join(userDockerConfigDir(env), shared);
    if (existsSync(target)) symlinkSync(target, path.join(dir, shared));
  }
  return { dir, file, env: { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: file } };
}

/** Deletes the job's auth folder; true when there was one. Safe to call twice (main, then post). */
export function removeJobAuth(dir: string): boolean {
  if (!dir || !existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
