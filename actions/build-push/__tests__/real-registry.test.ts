import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Inputs } from '@deploy-suite/core';
import {
  MemoryLogger,
  objectInputReader,
  startLocalRegistry,
  type LocalRegistry
} from '@deploy-suite/testing';
import { buildAndPush, type BuildPushDeps } from '../src/build-push.js';
import { spawnRunner } from '../src/commands.js';
import { diskFiles, readBuildPushInputs } from '../src/inputs.js';
import { realRegistryUnavailable, writeContext } from '@deploy-suite/testing';

/**
 * Real builds and pushes: buildah (vfs storage, chroot isolation) builds FROM-scratch images and pushes them to
 * Debian's docker-registry on loopback. Skips with the install command when the tools are missing; under
 * CI=true a missing tool fails the suite.
 */
const unavailable = realRegistryUnavailable();
if (unavailable) console.warn(`Skipping real build/push tests: ${unavailable}`);
const suite = unavailable ? describe.skip : describe;

const SHA = '4f2b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b';
const IMAGES = `
- repository: chatrelay/main-app
  context: .
- repository: chatrelay/agent-service
  context: ./agent-service
`;

suite('buildah + docker-registry', () => {
  let registry: LocalRegistry;
  let workspace: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    registry = await startLocalRegistry();
    Object.assign(process.env, registry.buildEnv);
    workspace = mkdtempSync(path.join(tmpdir(), 'chatrelay-'));
    writeContext(workspace, '.', 'main-app', '1.4.0');
    writeContext(workspace, 'agent-service', 'agent-service');
    writeContext(workspace, 'broken', 'broken');
  });
  afterAll(async () => {
    process.env = savedEnv;
    await registry?.stop();
  });

  async function run(values: Record<string, string>, sha = SHA) {
    const logger = new MemoryLogger();
    const settings = await readBuildPushInputs(
      new Inputs(objectInputReader({ registry: registry.host, builder: 'buildah', ...values })),
      {
        git: { sha, branch: 'main', defaultBranch: 'main', isDefaultBranch: true },
        files: diskFiles,
        workspace
      }
    );
    const deps: BuildPushDeps = {
      runner: spawnRunner,
      logger,
      defaultRegistry: async () => {
        throw new Error('a plain registry never asks for the ECR default');
      },
      ecrApi: () => {
        throw new Error('a plain registry makes no ECR call');
      },
      workspace,
      runnerTemp: mkdtempSync(path.join(tmpdir(), 'runner-temp-')),
      env: process.env
    };
    return { logger, result: buildAndPush(settings, deps) };
  }

  async function registryTags(repository: string): Promise<string[]> {
    const body = (await (await fetch(`${registry.url}/v2/${repository}/tags/list`)).json()) as {
      tags: string[];
    };
    return [...body.tags].sort();
  }
  async function registryDigest(repository: string, tag: string): Promise<string | null> {
    const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: {
        accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
      }
    });
    return response.headers.get('docker-content-digest');
  }

  it('builds two images in parallel, pushes several tags each, and reports the registry digests', async () => {
    const { result, logger } = await run({ images: IMAGES, tags: '{sha}\n{version}\nlatest' });
    const outcome = await result;
    expect(outcome.builder).toBe('buildah');
    expect(outcome.images.map(image => image.repository)).toEqual([
      'chatrelay/main-app',
      'chatrelay/agent-service'
    ]);
    for (const image of outcome.images) {
      expect(image.tags).toEqual([SHA, '1.4.0', 'latest']);
      expect(await registryTags(image.repository)).toEqual([SHA, '1.4.0', 'latest'].sort());
      for (const tag of image.tags) expect(await registryDigest(image.repository, tag)).toBe(image.digest);
      expect(image.image).toBe(`${registry.host}/${image.repository}@${image.digest}`);
    }
    expect(outcome.images[0].digest).not.toBe(outcome.images[1].digest);
    expect(logger.messages('group')).toEqual(
      expect.arrayContaining([`Build ${registry.host}/chatrelay/main-app (${SHA}, 1.4.0, latest)`])
    );
  });

  it('skip-existing: the same commit again builds nothing and adds a new tag to the same manifest', async () => {
    const before = await registryDigest('chatrelay/main-app', SHA);
    const outcome = await (
      await run({ repository: 'chatrelay/main-app', tags: '{sha}\nrelease-{short-sha}' })
    ).result;
    expect(outcome.builder).toBeUndefined();
    expect(outcome.images[0]).toMatchObject({
      action: 'existing',
      digest: before,
      addedTags: [`release-${SHA.slice(0, 7)}`]
    });
    expect(await registryDigest('chatrelay/main-app', `release-${SHA.slice(0, 7)}`)).toBe(before);
  });

  it('promote: source-tag gets new tags through the registry API, no build', async () => {
    const staging = await registryDigest('chatrelay/agent-service', '1.4.0');
    const outcome = await (
      await run({ repository: 'chatrelay/agent-service', 'source-tag': '{version}', tags: 'production' })
    ).result;
    expect(outcome.images[0]).toMatchObject({
      action: 'promoted',
      digest: staging,
      addedTags: ['production']
    });
    expect(await registryDigest('chatrelay/agent-service', 'production')).toBe(staging);
  });

  it('a failed build fails with buildah last lines and pushes nothing, not even the image that built', async () => {
    const sha = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      path.join(workspace, 'broken', 'Dockerfile'),
      'FROM scratch\nCOPY missing.txt /missing.txt\n'
    );
    const images = `${IMAGES}- repository: chatrelay/mcp-gateway\n  context: ./broken\n`;
    await expect((await run({ images, tags: '{sha}' }, sha)).result).rejects.toThrow(
      /Building 127\.0\.0\.1:\d+\/chatrelay\/mcp-gateway \(broken\/Dockerfile\) failed with buildah \(exit \d+\):\n[\s\S]*missing\.txt[\s\S]*Nothing was pushed\./
    );
    for (const repository of ['chatrelay/main-app', 'chatrelay/agent-service']) {
      expect(await registryTags(repository)).not.toContain(sha);
    }
  });
});
