import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runActionAsRunner, leaksOf, startLocalRegistry, type LocalRegistry } from '@deploy-suite/testing';
import { startSimulator } from '@deploy-suite/sim';
import { realRegistryUnavailable, writeContext } from '@deploy-suite/testing';

/** dist/build-push/index.js run as the runner runs it (rebuild first: `npm run build`). */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHA = '0123456789abcdef0123456789abcdef01234567'; // the harness's GITHUB_SHA

describe('dist against the simulator ECR', () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, timeScale: 0 });
    env = {
      AWS_ENDPOINT_URL: sim.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1'
    };
  });
  afterAll(async () => sim?.close());

  it('promotes staging to production: registry from STS, outputs, the ECR password never in the log, auth removed', async () => {
    const staging = await sim.control.ecrImages({
      repository: 'docuthinker-backend',
      tags: [SHA, 'staging']
    });
    const result = await runActionAsRunner({
      actionDir,
      inputs: { repository: 'docuthinker-backend', 'source-tag': 'staging', tags: 'production\n{short-sha}' },
      env
    });
    expect(result.failure).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const uri = '123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend';
    expect(JSON.parse(result.outputs.images)).toEqual({
      'docuthinker-backend': {
        uri,
        digest: staging.digest,
        tags: ['production', '0123456'],
        image: `${uri}@${staging.digest}`
      }
    });
    expect(result.outputs).toMatchObject({
      image: `${uri}@${staging.digest}`,
      digest: staging.digest,
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com'
    });
    expect(result.summary).toContain('promoted from staging');

    // the token and the password were masked, and neither appears anywhere else in main's or post's raw log
    expect(result.masks.length).toBeGreaterThanOrEqual(2);
    const password =
      result.masks.find(mask => !Buffer.from(mask, 'base64').toString().startsWith('AWS:')) ?? '';
    expect(Buffer.from(result.masks[0], 'base64').toString()).toBe(`AWS:${password}`);
    for (const secret of result.masks) {
      expect(leaksOf(result.rawLog, secret)).toEqual([]);
      expect(leaksOf(result.post?.rawLog ?? '', secret)).toEqual([]);
    }
    // the job's auth folder was under RUNNER_TEMP and is gone; the post step ran cleanly
    expect(result.state['auth-dir'].startsWith(result.runnerTemp)).toBe(true);
    expect(existsSync(result.state['auth-dir'])).toBe(false);
    expect(result.post?.exitCode).toBe(0);
  });

  it('bad input fails before any AWS call, naming the input', async () => {
    const before = JSON.stringify(sim.control.calls());
    const result = await runActionAsRunner({
      actionDir,
      inputs: { repository: 'docuthinker-backend', tags: '{commit}' },
      env
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/Input "tags" line 1 uses unknown token \{commit\}/);
    expect(JSON.stringify(sim.control.calls())).toBe(before);
  });

  it('a missing source tag fails with a clear message', async () => {
    await sim.control.ecrImages({ repository: 'docuthinker-ai-ml', tags: ['staging'] });
    const result = await runActionAsRunner({
      actionDir,
      inputs: { repository: 'docuthinker-ai-ml', 'source-tag': 'qa', tags: 'production' },
      env
    });
    expect(result.failure).toBe(
      'No image tagged "qa" in 123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-ai-ml to promote ("source-tag")'
    );
  });
});

const unavailable = realRegistryUnavailable();
(unavailable ? describe.skip : describe)('dist with buildah and a local registry', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startLocalRegistry();
  });
  afterAll(async () => registry?.stop());

  it('builds the ChatRelay images and sets the outputs from the registry digests', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'chatrelay-'));
    writeContext(workspace, '.', 'main-app', '1.4.0');
    writeContext(workspace, 'agent-service', 'agent-service');
    const result = await runActionAsRunner({
      actionDir,
      workspace,
      inputs: {
        registry: registry.host,
        images:
          '- repository: chatrelay/main-app\n- repository: chatrelay/agent-service\n  context: ./agent-service',
        tags: '{version}\nlatest'
      },
      env: registry.buildEnv
    });
    expect(result.failure).toBeUndefined();
    const images = JSON.parse(result.outputs.images) as Record<
      string,
      { digest: string; tags: string[]; image: string }
    >;
    for (const [repository, image] of Object.entries(images)) {
      expect(image.tags).toEqual(['1.4.0', 'latest']);
      const head = await fetch(`${registry.url}/v2/${repository}/manifests/latest`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' }
      });
      expect(head.headers.get('docker-content-digest')).toBe(image.digest);
      expect(image.image).toBe(`${registry.host}/${repository}@${image.digest}`);
    }
    expect(result.log).toContain('::group::Build');
    expect(result.outputs.registry).toBe(registry.host);
  });
});
