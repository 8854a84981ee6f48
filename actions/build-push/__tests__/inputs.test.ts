import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Inputs } from '@deploy-suite/core';
import { MemoryLogger, objectInputReader } from '@deploy-suite/testing';
import { diskFiles, readBuildPushInputs, type FileAccess } from '../src/inputs.js';
import { maskBuildArgs, printableCommand } from '../src/build-push.js';
import type { GitContext } from '../src/git-context.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const git: GitContext = { sha: SHA, branch: 'main', defaultBranch: 'main', isDefaultBranch: true };

/** The ChatRelay checkout: three contexts, package.json 1.4.0 at the root. */
function files(entries: Record<string, string>): FileAccess {
  const dirs = new Set<string>();
  for (const file of Object.keys(entries)) {
    for (let dir = file; dir.includes('/');) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      if (dir) dirs.add(dir);
    }
  }
  return {
    isDirectory: file => dirs.has(file),
    isFile: file => file in entries,
    readText: file => entries[file]
  };
}
const chatRelay = files({
  '/ws/Dockerfile': 'FROM node:20',
  '/ws/package.json': JSON.stringify({ name: 'chatrelay', version: '1.4.0' }),
  '/ws/agent-service/Dockerfile': 'FROM python:3.12',
  '/ws/mcp/Dockerfile': 'FROM docker:dind'
});

function settings(values: Record<string, string>, access = chatRelay) {
  return readBuildPushInputs(new Inputs(objectInputReader(values)), { git, files: access, workspace: '/ws' });
}

const CHATRELAY_IMAGES = `
- repository: chatrelay/main-app
  context: .
- repository: chatrelay/agent-service
  context: ./agent-service
  dockerfile: agent-service/Dockerfile
- repository: chatrelay/mcp-gateway
  context: ./mcp
  build-args:
    NODE_ENV: production
`;

describe('readBuildPushInputs', () => {
  it('reads the ChatRelay images list with the package.json version', async () => {
    const result = await settings({ images: CHATRELAY_IMAGES, tags: '{version}\nlatest' });
    expect(
      result.images.map(image => [image.repository, image.dockerfile, image.tags, image.version])
    ).toEqual([
      ['chatrelay/main-app', 'Dockerfile', ['1.4.0', 'latest'], '1.4.0'],
      ['chatrelay/agent-service', 'agent-service/Dockerfile', ['1.4.0', 'latest'], '1.4.0'],
      ['chatrelay/mcp-gateway', 'mcp/Dockerfile', ['1.4.0', 'latest'], '1.4.0']
    ]);
    expect(result.images[2].buildArgs).toEqual(['NODE_ENV=production']);
    expect(result).toMatchObject({
      builder: 'auto',
      push: true,
      skipExisting: true,
      provenance: false,
      maxParallel: 2
    });
  });

  it('reads one image with defaults: tag {sha}, context ., Dockerfile in the context', async () => {
    const result = await settings({ repository: 'docuthinker-backend', 'build-args': 'A=1\nB=x=y' });
    expect(result.images).toEqual([
      expect.objectContaining({
        repository: 'docuthinker-backend',
        context: '.',
        dockerfile: 'Dockerfile',
        tags: [SHA],
        commitTag: SHA,
        buildArgs: ['A=1', 'B=x=y']
      })
    ]);
    expect(result.registry).toBeUndefined();
  });

  it('the version input wins over package.json', async () => {
    expect(
      (await settings({ repository: 'chatrelay/main-app', tags: '{version}', version: '1.5.0-rc.1' }))
        .images[0].tags
    ).toEqual(['1.5.0-rc.1']);
  });

  it('scan-fail-on and scan-timeout: defaults none and 10m; severities in any case', async () => {
    expect(await settings({ repository: 'docuthinker-backend' })).toMatchObject({
      scanFailOn: 'none',
      scanTimeoutMs: 600_000
    });
    expect(
      await settings({
        repository: 'docuthinker-backend',
        tags: '{sha}\nlatest',
        'scan-fail-on': 'high',
        'scan-timeout': '90s'
      })
    ).toMatchObject({ scanFailOn: 'HIGH', scanTimeoutMs: 90_000 });
  });

  it.each([
    [{ 'scan-fail-on': 'SEVERE' }, /Input "scan-fail-on" must be one of CRITICAL, HIGH, MEDIUM, LOW, none/],
    [{ 'scan-timeout': 'soon' }, /Input "scan-timeout" must be a duration/],
    [{ 'scan-timeout': '2h' }, /Input "scan-timeout" must be a duration from 0ms to 1h/],
    [
      { 'scan-fail-on': 'HIGH', registry: 'ghcr.io/docuthinker' },
      /"scan-fail-on: HIGH" reads ECR image scans, but "registry" ghcr.io is not ECR/
    ],
    [{ 'scan-fail-on': 'HIGH', push: 'false' }, /"push: false" pushes none/],
    [
      { 'scan-fail-on': 'CRITICAL', tags: 'latest\nstaging' },
      /every tag of docuthinker-backend \(latest, staging\) moves .* such as \{sha\}/
    ]
  ] as Array<[Record<string, string>, RegExp]>)('refuses %j', async (values, message) => {
    await expect(settings({ repository: 'docuthinker-backend', ...values })).rejects.toThrow(message);
  });

  it('scan-fail-on with promotion needs no pinned tag: every promoted tag waits for the check', async () => {
    const result = await settings(
      {
        repository: 'docuthinker-backend',
        'source-tag': 'staging',
        tags: 'production',
        'scan-fail-on': 'HIGH'
      },
      files({})
    );
    expect(result.images[0]).toMatchObject({ sourceTag: 'staging', tags: ['production'] });
  });

  it('promote mode renders source-tag and needs no context', async () => {
    const result = await settings(
      { repository: 'docuthinker-ai-ml', context: 'gone', 'source-tag': '{sha}', tags: 'production' },
      files({})
    );
    expect(result.images[0]).toMatchObject({ sourceTag: SHA, tags: ['production'] });
  });

  const rejections: Array<[string, Record<string, string>, RegExp, FileAccess?]> = [
    ['no image at all', {}, /Input "repository" is required/],
    [
      'both repository and images',
      { repository: 'a', images: '- repository: b' },
      /either "repository".*or "images"/
    ],
    [
      'missing context',
      { repository: 'chatrelay/main-app', context: './web' },
      /build context "\.\/web" is not a directory/
    ],
    [
      'missing Dockerfile',
      { repository: 'chatrelay/main-app', dockerfile: 'docker/Dockerfile.prod' },
      /Dockerfile "docker\/Dockerfile.prod" not found/
    ],
    ['malformed images YAML', { images: '- repository: [a' }, /Input "images" must be valid YAML/],
    ['images not a list', { images: 'repository: a' }, /Input "images" must be a YAML list of objects/],
    [
      'unknown key',
      { images: '- repository: a\n  dockerFile: x' },
      /item 1 has unknown key "dockerFile"; keys are repository, context/
    ],
    ['item without repository', { images: '- context: .' }, /item 1 needs a "repository"/],
    [
      'duplicate repository',
      {
        images:
          '- repository: chatrelay/main-app\n- repository: chatrelay/main-app\n  context: ./agent-service'
      },
      /item 2 repeats repository "chatrelay\/main-app" \(also in Input "images" item 1\)/
    ],
    [
      'repository with host',
      { repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app' },
      /put the registry host in the "registry" input/
    ],
    ['repository with tag', { repository: 'chatrelay/main-app:latest' }, /must not hold a tag/],
    ['upper-case repository', { repository: 'ChatRelay' }, /not a valid repository name/],
    [
      'single-image key with images',
      { images: '- repository: a', context: './web' },
      /"context" applies to a single "repository"/
    ],
    ['unknown token', { repository: 'a', tags: '{sha}\n{git-sha}' }, /line 2 uses unknown token \{git-sha\}/],
    ['invalid tag', { repository: 'a', tags: 'v1/2' }, /not a valid tag/],
    [
      'version missing',
      { repository: 'a', context: 'mcp', tags: '{version}' },
      /there is no version/,
      files({ '/ws/mcp/Dockerfile': 'x' })
    ],
    [
      'bad build-arg',
      { repository: 'a', 'build-args': 'just-a-word' },
      /"build-args" line 1 must look like NAME=value \(the line is not shown/
    ],
    [
      'bad builder',
      { repository: 'a', builder: 'kaniko' },
      /Input "builder" must be one of auto, docker, buildah, podman/
    ],
    ['bad platform', { repository: 'a', platforms: 'amd64' }, /Input "platforms" entry "amd64"/],
    [
      'parallel out of range',
      { repository: 'a', 'max-parallel': '0' },
      /Input "max-parallel" must be a whole number from 1 to 16/
    ],
    [
      'lifecycle not a number',
      { repository: 'a', 'lifecycle-keep-last': 'ten' },
      /Input "lifecycle-keep-last"/
    ],
    [
      'promote without push',
      { repository: 'a', 'source-tag': '{sha}', push: 'false' },
      /"push: false" forbids/
    ],
    [
      'source-repository without source-tag',
      { repository: 'tria-aibpo-production', 'source-repository': 'tria-aibpo-staging' },
      /Input "source-repository" names where "source-tag" is found: give "source-tag" too/
    ],
    [
      'source-repository with a host',
      {
        repository: 'b',
        'source-tag': '{sha}',
        'source-repository': '123456789012.dkr.ecr.us-east-1.amazonaws.com/a'
      },
      /Input "source-repository" must be a repository of the same registry/
    ],
    ['bad registry', { repository: 'a', registry: 'my registry' }, /Input "registry" must be a registry host/]
  ];
  // Every row gets four values: a callback taking more arguments than its row would be handed jest's `done`.
  it.each(
    rejections.map(([name, values, message, access]) => [name, values, message, access ?? chatRelay] as const)
  )('rejects %s', async (_name, values, message, access) => {
    await expect(settings(values, access)).rejects.toThrow(message);
  });
});

describe('build contexts and Dockerfiles stay inside the workspace; build-arg values stay secret', () => {
  const world = () => {
    const base = mkdtempSync(path.join(tmpdir(), 'bp-confine-'));
    const workspace = path.join(base, 'workspace');
    const outside = path.join(base, 'outside');
    mkdirSync(path.join(workspace, 'app'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(workspace, 'app/Dockerfile'), 'FROM node:20');
    writeFileSync(path.join(outside, 'Dockerfile'), 'FROM node:20');
    writeFileSync(path.join(outside, 'credentials'), 'planted-outside-secret-14');
    return { workspace, outside };
  };
  const onDisk = (values: Record<string, string>, workspace: string) =>
    readBuildPushInputs(new Inputs(objectInputReader(values)), { git, files: diskFiles, workspace });

  it('refuses a context that climbs out, a context linked outside, and a link inside the context', async () => {
    const { workspace, outside } = world();
    await expect(onDisk({ repository: 'a', context: '../outside' }, workspace)).rejects.toThrow(
      /^Input "context": "\.\.\/outside" is outside the workspace/
    );
    symlinkSync(outside, path.join(workspace, 'linked'));
    await expect(onDisk({ repository: 'a', context: 'linked' }, workspace)).rejects.toThrow(
      /^Input "context": linked is a symbolic link to .*outside, outside the workspace/
    );
    await expect(
      onDisk({ repository: 'a', context: 'app', dockerfile: 'linked/Dockerfile' }, workspace)
    ).rejects.toThrow(/^Input "dockerfile": linked is a symbolic link/);
    symlinkSync(path.join(outside, 'credentials'), path.join(workspace, 'app/.npmrc'));
    await expect(onDisk({ repository: 'a', context: 'app' }, workspace)).rejects.toThrow(
      /^Input "context": app\/\.npmrc is a symbolic link to .*credentials, outside the workspace/
    );
  });

  it('masks build-arg values worth masking and never prints any build-arg value on the command line', async () => {
    const { workspace } = world();
    const token = 'planted-npm-token-0015';
    const parsed = await onDisk(
      { repository: 'a', context: 'app', 'build-args': `NPM_TOKEN=${token}\nNODE_ENV=production` },
      workspace
    );
    const logger = new MemoryLogger();
    maskBuildArgs(parsed, logger);
    expect(logger.masked).toEqual([token]);
    const line = printableCommand('buildah', [
      'bud',
      '--build-arg',
      `NPM_TOKEN=${token}`,
      '--build-arg',
      'NODE_ENV=production',
      '.'
    ]);
    expect(line).toBe('buildah bud --build-arg NPM_TOKEN=*** --build-arg NODE_ENV=*** .');
  });
});
