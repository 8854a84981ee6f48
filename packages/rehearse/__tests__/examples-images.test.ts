import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { missingBuildTools, startLocalRegistry } from '../src/examples/local-registry.js';
import { planImages } from '../src/examples/run-example.js';

/** Which path a rehearsal takes for its images, and the local registry it starts for real builds. */

const all = () => true;
const none = () => false;

describe('planImages', () => {
  it('auto builds for real when buildah and docker-registry are installed', () => {
    const plan = planImages('auto', all);
    expect(plan.mode).toBe('build');
    expect(plan.why).toMatch(/^images: built for real: .*buildah.*IMAGE_REGISTRY/);
  });

  it('auto falls back to seeding the simulated ECR, naming what is missing and how to install it', () => {
    const plan = planImages('auto', command => command === 'docker-registry');
    expect(plan).toEqual({
      mode: 'seed',
      why: expect.stringMatching(
        /^images: buildah not installed \(`apt-get install -y buildah docker-registry` to build for real\): each release’s images are put straight into the simulated ECR/
      )
    });
    expect(planImages('auto', none).why).toMatch(/^images: buildah and docker-registry not installed/);
  });

  it('seed never builds; build refuses to fall back', () => {
    expect(planImages('seed', all)).toMatchObject({
      mode: 'seed',
      why: expect.stringMatching(/seed asked for/)
    });
    expect(() => planImages('build', none)).toThrow(
      'images: build asked for, but buildah and docker-registry not installed'
    );
    expect(() => planImages('docker' as never, all)).toThrow(
      'images must be auto, build, seed (REHEARSE_IMAGES), got "docker"'
    );
  });

  it('missingBuildTools asks for both tools', () => {
    const asked: string[] = [];
    expect(missingBuildTools(command => (asked.push(command), command === 'buildah'))).toEqual([
      'docker-registry'
    ]);
    expect(asked).toEqual(['buildah', 'docker-registry']);
  });
});

const registryMissing = missingBuildTools().includes('docker-registry');
(registryMissing ? describe.skip : describe)('startLocalRegistry', () => {
  it('answers the registry API on loopback, gives buildah its own vfs storage, and cleans up', async () => {
    const registry = await startLocalRegistry();
    try {
      expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(registry.url).toBe(`http://${registry.host}`);
      expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
      expect(registry.buildEnv.BUILDAH_ISOLATION).toBe('chroot');
      expect(existsSync(registry.buildEnv.CONTAINERS_STORAGE_CONF)).toBe(true);
    } finally {
      await registry.stop();
    }
    expect(existsSync(registry.buildEnv.CONTAINERS_STORAGE_CONF)).toBe(false);
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
  });
});
