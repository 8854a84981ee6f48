import { describe, expect, it } from '@jest/globals';
import { planImages } from '../src/examples/run-example.js';

/**
 * Which path a rehearsal takes for its images. The local registry it starts for real builds, and the tool
 * detection, are tested with them in packages/testing/__tests__/local-registry.test.ts.
 */

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
});
