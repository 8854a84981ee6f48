import { describe, expect, it } from '@jest/globals';
import {
  buildCommand,
  pushCommand,
  selectBuilder,
  unsupportedOptions,
  checkPlatforms,
  type BuildRequest
} from '../src/builders.js';
import type { CommandRunner, CommandResult } from '../src/commands.js';

const base: BuildRequest = {
  builder: 'buildah',
  context: './agent-service',
  dockerfile: 'agent-service/Dockerfile',
  buildArgs: [],
  references: ['123456789012.dkr.ecr.us-east-1.amazonaws.com/chatrelay/agent-service:1.4.0'],
  platforms: [],
  cacheFrom: [],
  cacheTo: [],
  provenance: false,
  push: true,
  iidFile: '/t/iid',
  metadataFile: '/t/meta.json'
};
const REF = base.references[0];

describe('buildCommand', () => {
  it.each<[string, Partial<BuildRequest>, string, string[]]>([
    [
      'buildah, one tag',
      {},
      'buildah',
      ['build', '--file', 'agent-service/Dockerfile', '--tag', REF, '--iidfile', '/t/iid', './agent-service']
    ],
    [
      'buildah with target, args, platform and a registry cache',
      {
        target: 'runtime',
        buildArgs: ['NODE_ENV=production'],
        platforms: ['linux/arm64'],
        cacheFrom: ['type=registry,ref=r/cache'],
        cacheTo: ['r/cache']
      },
      'buildah',
      [
        'build',
        '--file',
        'agent-service/Dockerfile',
        '--tag',
        REF,
        '--target',
        'runtime',
        '--build-arg',
        'NODE_ENV=production',
        '--platform',
        'linux/arm64',
        '--layers',
        '--cache-from',
        'r/cache',
        '--cache-to',
        'r/cache',
        '--iidfile',
        '/t/iid',
        './agent-service'
      ]
    ],
    [
      'podman',
      { builder: 'podman' },
      'podman',
      ['build', '--file', 'agent-service/Dockerfile', '--tag', REF, '--iidfile', '/t/iid', './agent-service']
    ],
    [
      'buildx pushes, two tags, no provenance by default',
      { builder: 'docker', references: [REF, `${REF.split(':')[0]}:latest`] },
      'docker',
      [
        'buildx',
        'build',
        '--file',
        'agent-service/Dockerfile',
        '--tag',
        REF,
        '--tag',
        REF.replace('1.4.0', 'latest'),
        '--provenance=false',
        '--metadata-file',
        '/t/meta.json',
        '--push',
        './agent-service'
      ]
    ],
    [
      'buildx multi-platform with gha cache and provenance',
      {
        builder: 'docker',
        platforms: ['linux/amd64', 'linux/arm64'],
        cacheFrom: ['type=gha'],
        cacheTo: ['type=gha,mode=max'],
        provenance: true
      },
      'docker',
      [
        'buildx',
        'build',
        '--file',
        'agent-service/Dockerfile',
        '--tag',
        REF,
        '--platform',
        'linux/amd64,linux/arm64',
        '--cache-from',
        'type=gha',
        '--cache-to',
        'type=gha,mode=max',
        '--provenance=true',
        '--metadata-file',
        '/t/meta.json',
        '--push',
        './agent-service'
      ]
    ],
    [
      'buildx without push loads',
      { builder: 'docker', push: false },
      'docker',
      [
        'buildx',
        'build',
        '--file',
        'agent-service/Dockerfile',
        '--tag',
        REF,
        '--provenance=false',
        '--metadata-file',
        '/t/meta.json',
        '--load',
        './agent-service'
      ]
    ]
  ])('%s', (_name, change, command, args) => {
    expect(buildCommand({ ...base, ...change })).toEqual({ command, args });
  });

  it('never puts a password on the command line: auth travels in the environment', () => {
    const all = [
      buildCommand({ ...base, builder: 'docker' }),
      buildCommand(base),
      pushCommand({
        builder: 'buildah',
        imageId: 'sha256:1',
        reference: REF,
        insecure: false,
        digestFile: '/d'
      })
    ];
    for (const { args } of all) expect(args.join(' ')).not.toMatch(/pass|creds|authfile/i);
  });
});

describe('pushCommand', () => {
  it.each([
    [false, ['push', '--digestfile', '/d', 'sha256:abc', `docker://${REF}`]],
    [true, ['push', '--digestfile', '/d', '--tls-verify=false', 'sha256:abc', `docker://${REF}`]]
  ])('insecure=%s', (insecure, args) => {
    expect(
      pushCommand({ builder: 'buildah', imageId: 'sha256:abc', reference: REF, insecure, digestFile: '/d' })
    ).toEqual({ command: 'buildah', args });
  });
});

describe('unsupportedOptions and platforms', () => {
  it('warns about gha caches and provenance with buildah, not with docker', () => {
    const request = { ...base, cacheFrom: ['type=gha'], provenance: true };
    expect(unsupportedOptions(request)).toEqual([
      'buildah only uses registry caches; ignoring type=gha',
      'buildah does not write provenance attestations; "provenance" is ignored'
    ]);
    expect(unsupportedOptions({ ...request, builder: 'docker' })).toEqual([]);
  });
  it('refuses several platforms with buildah', () => {
    expect(() => checkPlatforms('buildah', ['linux/amd64', 'linux/arm64'])).toThrow(/use builder: docker/);
    expect(() => checkPlatforms('docker', ['linux/amd64', 'linux/arm64'])).not.toThrow();
  });
});

/** A machine described by which commands answer. */
function machine(answers: Record<string, number | null>): CommandRunner & { tried: string[] } {
  const tried: string[] = [];
  return {
    tried,
    async run(command, args): Promise<CommandResult> {
      const key = `${command} ${args[0]}`;
      tried.push(key);
      const exitCode = key in answers ? answers[key] : null;
      return {
        exitCode,
        stdout: '',
        stderr: '',
        output: '',
        startError: exitCode === null ? 'ENOENT' : undefined
      };
    }
  };
}

describe('selectBuilder', () => {
  it.each([
    [
      'docker with an engine and buildx',
      { 'docker version': 0, 'docker buildx': 0, 'buildah --version': 0 },
      'docker'
    ],
    [
      'docker CLI without engine falls back to buildah (this machine)',
      { 'docker version': 1, 'buildah --version': 0 },
      'buildah'
    ],
    [
      'docker without buildx falls back to podman',
      { 'docker version': 0, 'docker buildx': 1, 'podman --version': 0 },
      'podman'
    ],
    ['only podman', { 'podman --version': 0 }, 'podman']
  ])('auto: %s', async (_name, answers, expected) => {
    expect(await selectBuilder(machine(answers), 'auto')).toBe(expected);
  });

  it('no builder: says which were tried, why, and how to install one', async () => {
    await expect(selectBuilder(machine({ 'docker version': 1 }), 'auto')).rejects.toThrow(
      /No image builder available \(tried docker, buildah, podman — docker: the docker CLI is installed but no Docker engine answers; buildah: buildah is not installed; podman: podman is not installed\)\. Install one: .*apt-get install -y buildah/
    );
  });

  it('a named builder must be there', async () => {
    await expect(selectBuilder(machine({ 'buildah --version': 0 }), 'podman')).rejects.toThrow(
      /Input "builder" is podman, but it is not available \(podman: podman is not installed\)/
    );
    expect(await selectBuilder(machine({ 'buildah --version': 0 }), 'buildah')).toBe('buildah');
  });
});
