import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AwsContext } from '@deploy-suite/aws';
import { MemoryLogger, simClock } from '@deploy-suite/testing';
import { startSimulator } from '@deploy-suite/sim';
import { buildAndPush } from '../src/build-push.js';
import { createEcrApi, type EcrApi } from '@deploy-suite/aws/ecr';
import { ecrRegistry } from '../src/registry.js';
import type { CommandResult, CommandRunner } from '../src/commands.js';
import type { ImageSpec, BuildPushInputs } from '../src/inputs.js';

/** ECR paths through the real AWS SDK against the simulator's ECR API (JSON 1.1). */
type Sim = Awaited<ReturnType<typeof startSimulator>>;
let sim: Sim;
let ecr: EcrApi;
const SHA = '0123456789abcdef0123456789abcdef01234567';
const REGISTRY = ecrRegistry('123456789012', 'us-east-1');
const ACCOUNT = '123456789012';
const MANIFEST = (name: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    annotations: { built: name }
  });

beforeAll(async () => {
  sim = await startSimulator({ port: 0, timeScale: 0 });
  const env = { AWS_ENDPOINT_URL: sim.endpoint, AWS_REGION: 'us-east-1' };
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  ecr = createEcrApi(new AwsContext({ action: 'build-push', env, maxAttempts: 2 }));
});
afterAll(async () => sim?.close());
beforeEach(() => sim.control.reset());

/** A buildah whose pushes land in the simulated ECR (the same manifest for every tag, as a real push does). */
const simBuildah: CommandRunner = {
  async run(_command, args): Promise<CommandResult> {
    const ok: CommandResult = { exitCode: 0, stdout: '', stderr: '', output: '' };
    if (args[0] === 'build') writeFileSync(args[args.indexOf('--iidfile') + 1], 'sha256:local');
    if (args[0] === 'push') {
      const reference = args[args.length - 1].replace('docker://', '');
      const [repository, tag] = reference.split('/').slice(1).join('/').split(':');
      const image = await sim.control.ecrImages({ repository, tag, manifest: MANIFEST(repository) });
      writeFileSync(args[args.indexOf('--digestfile') + 1], image.digest);
    }
    return ok;
  }
};

function image(repository: string, tags = [SHA, 'latest'], sourceTag?: string): ImageSpec {
  return {
    repository,
    context: '.',
    dockerfile: 'Dockerfile',
    buildArgs: [],
    tags,
    commitTag: SHA,
    sourceTag
  };
}
function settings(images: ImageSpec[], change: Partial<BuildPushInputs> = {}): BuildPushInputs {
  return {
    images,
    builder: 'buildah',
    platforms: [],
    cacheFrom: [],
    cacheTo: [],
    provenance: false,
    push: true,
    createRepository: false,
    skipExisting: true,
    maxParallel: 2,
    scanFailOn: 'none',
    scanTimeoutMs: 600_000,
    notes: [],
    ...change
  };
}
function deps(logger = new MemoryLogger()) {
  return {
    runner: simBuildah,
    logger,
    defaultRegistry: async () => REGISTRY,
    ecrApi: () => ecr,
    workspace: '/ws',
    runnerTemp: mkdtempSync(path.join(tmpdir(), 'runner-temp-')),
    env: { HOME: mkdtempSync(path.join(tmpdir(), 'home-')) },
    clock: simClock(sim)
  };
}

async function sdk() {
  const { ECRClient } = await import('@aws-sdk/client-ecr');
  return new ECRClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  });
}

describe('ECR on the simulator', () => {
  it('login masks the token and the password the simulator issued', async () => {
    const logger = new MemoryLogger();
    await buildAndPush(settings([image('docuthinker-backend')], { createRepository: true }), deps(logger));
    const [token, password] = logger.masked;
    expect(Buffer.from(token, 'base64').toString()).toBe(`AWS:${password}`);
  });

  it('create-repository with scan on push and AES256, and the keep-last lifecycle policy', async () => {
    const result = await buildAndPush(
      settings([image('docuthinker-backend'), image('docuthinker-ai-ml')], {
        createRepository: true,
        lifecycleKeepLast: 10
      }),
      deps()
    );
    expect(result.createdRepositories).toEqual(['docuthinker-backend', 'docuthinker-ai-ml']);
    const { DescribeRepositoriesCommand, GetLifecyclePolicyCommand } = await import('@aws-sdk/client-ecr');
    const client = await sdk();
    const described = await client.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['docuthinker-backend', 'docuthinker-ai-ml'] })
    );
    for (const repository of described.repositories ?? []) {
      expect(repository.imageScanningConfiguration?.scanOnPush).toBe(true);
      expect(repository.encryptionConfiguration?.encryptionType).toBe('AES256');
      const policy = await client.send(
        new GetLifecyclePolicyCommand({ repositoryName: repository.repositoryName })
      );
      expect(JSON.parse(policy.lifecyclePolicyText ?? '{}').rules[0].selection).toEqual({
        tagStatus: 'any',
        countType: 'imageCountMoreThan',
        countNumber: 10
      });
    }
    for (const built of result.images) {
      expect(built.digest).toBe(await ecr.describeDigest(ACCOUNT, built.repository, 'latest'));
    }
  });

  it('skip-existing on ECR: reuses the commit image and adds the missing tag with PutImage', async () => {
    const seeded = await sim.control.ecrImages({ repository: 'docuthinker-backend', tags: [SHA] });
    const result = await buildAndPush(settings([image('docuthinker-backend')]), deps());
    expect(result.images[0]).toMatchObject({
      action: 'existing',
      digest: seeded.digest,
      addedTags: ['latest']
    });
    expect(await ecr.describeDigest(ACCOUNT, 'docuthinker-backend', 'latest')).toBe(seeded.digest);
    expect(sim.control.calls()['ECR.PutImage']).toBe(1);
  });

  it('promote by BatchGetImage + PutImage', async () => {
    const staging = await sim.control.ecrImages({ repository: 'docuthinker-ai-ml', tags: [SHA, 'staging'] });
    const result = await buildAndPush(
      settings([image('docuthinker-ai-ml', ['production'], 'staging')], { sourceTag: 'staging' }),
      deps()
    );
    expect(result.images[0]).toMatchObject({
      action: 'promoted',
      digest: staging.digest,
      addedTags: ['production']
    });
    expect(await ecr.describeDigest(ACCOUNT, 'docuthinker-ai-ml', 'production')).toBe(staging.digest);
  });

  it('promote into another repository of the same registry (Tria staging -> production): PutImage of the same manifest', async () => {
    const staging = await sim.control.ecrImages({ repository: 'tria-aibpo-staging', tags: [SHA] });
    await sim.control.ecrImages({ repository: 'tria-aibpo-production', tags: ['baseline'] });
    const spec = {
      ...image('tria-aibpo-production', [SHA, 'production'], SHA),
      sourceRepository: 'tria-aibpo-staging'
    };
    const result = await buildAndPush(settings([spec], { sourceTag: SHA }), deps());
    expect(result.images[0]).toMatchObject({
      action: 'promoted',
      digest: staging.digest,
      addedTags: [SHA, 'production'],
      image: `${REGISTRY.host}/tria-aibpo-production@${staging.digest}`
    });
    expect(await ecr.describeDigest(ACCOUNT, 'tria-aibpo-production', 'production')).toBe(staging.digest);
    expect(await ecr.describeDigest(ACCOUNT, 'tria-aibpo-staging', 'production')).toBeUndefined();
  });

  it('immutable tags: a conflicting tag is refused before any PutImage, with a clear message', async () => {
    await sim.control.ecrImages({ repository: 'docuthinker-backend', tags: ['production'] });
    await sim.control.ecrImages({ repository: 'docuthinker-backend', tags: ['staging'] });
    const { PutImageTagMutabilityCommand } = await import('@aws-sdk/client-ecr');
    await (
      await sdk()
    ).send(
      new PutImageTagMutabilityCommand({
        repositoryName: 'docuthinker-backend',
        imageTagMutability: 'IMMUTABLE'
      })
    );
    const before = sim.control.calls()['ECR.PutImage'] ?? 0;
    await expect(
      buildAndPush(
        settings([image('docuthinker-backend', ['v2.1', 'production'], 'staging')], { sourceTag: 'staging' }),
        deps()
      )
    ).rejects.toThrow(
      /Tag "production" already names another image in docuthinker-backend and the repository's tags are immutable/
    );
    expect(sim.control.calls()['ECR.PutImage'] ?? 0).toBe(before);
  });

  it('immutable tags: PutImage own refusal (ImageTagAlreadyExistsException) reads as the same clear error', async () => {
    const staging = await sim.control.ecrImages({ repository: 'docuthinker-backend', tags: ['staging'] });
    await sim.control.ecrImages({ repository: 'docuthinker-backend', tags: ['production'] });
    const { PutImageTagMutabilityCommand } = await import('@aws-sdk/client-ecr');
    await (
      await sdk()
    ).send(
      new PutImageTagMutabilityCommand({
        repositoryName: 'docuthinker-backend',
        imageTagMutability: 'IMMUTABLE'
      })
    );
    const manifest = await ecr.getManifest(ACCOUNT, 'docuthinker-backend', 'staging');
    expect(manifest?.digest).toBe(staging.digest);
    await expect(ecr.putImage(ACCOUNT, 'docuthinker-backend', 'production', manifest!)).rejects.toThrow(
      /immutable/
    );
    expect(await ecr.putImage(ACCOUNT, 'docuthinker-backend', 'staging', manifest!)).toBe('already-tagged');
  });
});
