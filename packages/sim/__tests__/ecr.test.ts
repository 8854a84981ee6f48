import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ListImagesCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand
} from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand
} from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import { startSimulator, type RunningSimulator } from '../src/index.js';
import {
  BACKEND,
  CLUSTER,
  ECR,
  backendTaskDefinition,
  credentials,
  ecsClient,
  fargateNetwork,
  frozenSim
} from './helpers.js';
import { installCommand, missingTools, startLocalRegistry, type LocalRegistry } from '@deploy-suite/testing';

const REPO = 'chatrelay/main-app';
const KEEP_LAST_10 = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep last 10 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
      action: { type: 'expire' }
    }
  ]
});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the call to fail');
}

const client = (sim: RunningSimulator) =>
  new ECRClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });

describe('ECR on the in-memory registry', () => {
  let sim: RunningSimulator;
  let ecr: ECRClient;

  beforeAll(async () => {
    sim = await frozenSim();
    ecr = client(sim);
  });
  afterAll(async () => {
    ecr.destroy();
    await sim.close();
  });
  beforeEach(() => sim.control.reset());

  it('creates repositories with scan-on-push, encryption and tag mutability; refuses duplicates and bad names', async () => {
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: REPO,
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: 'AES256' },
        imageTagMutability: 'IMMUTABLE'
      })
    );
    expect(created.repository).toMatchObject({
      repositoryName: REPO,
      registryId: '123456789012',
      repositoryArn: `arn:aws:ecr:us-east-1:123456789012:repository/${REPO}`,
      repositoryUri: `${ECR}/${REPO}`,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'AES256' }
    });
    expect(created.repository?.createdAt).toBeInstanceOf(Date);
    const kms = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'chatrelay/agent-service',
        encryptionConfiguration: { encryptionType: 'KMS' }
      })
    );
    expect(kms.repository?.encryptionConfiguration?.kmsKey).toMatch(
      /^arn:aws:kms:us-east-1:123456789012:key\//
    );
    expect(kms.repository?.imageTagMutability).toBe('MUTABLE');

    expect(await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: REPO })))).toEqual({
      name: 'RepositoryAlreadyExistsException',
      message: `The repository with name '${REPO}' already exists in the registry with id '123456789012'`
    });
    expect((await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: 'Bad Name' })))).name).toBe(
      'InvalidParameterException'
    );
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [REPO] }));
    expect(described.repositories?.map(r => r.repositoryName)).toEqual([REPO]);
    expect(await errorOf(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })))).toEqual({
      name: 'RepositoryNotFoundException',
      message: "The repository with name 'nope' does not exist in the registry with id '123456789012'"
    });
  });

  it('puts and gets lifecycle policies; deletes repositories (force when not empty)', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    expect((await errorOf(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: REPO })))).name).toBe(
      'LifecyclePolicyNotFoundException'
    );
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: REPO, lifecyclePolicyText: KEEP_LAST_10 })
    );
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: REPO }));
    expect(JSON.parse(policy.lifecyclePolicyText!)).toEqual(JSON.parse(KEEP_LAST_10));
    expect(
      (
        await errorOf(
          ecr.send(new PutLifecyclePolicyCommand({ repositoryName: REPO, lifecyclePolicyText: '{}' }))
        )
      ).name
    ).toBe('InvalidParameterException');

    await sim.control.ecrImages({ repository: REPO, tag: '1.0.0' });
    expect((await errorOf(ecr.send(new DeleteRepositoryCommand({ repositoryName: REPO })))).name).toBe(
      'RepositoryNotEmptyException'
    );
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: REPO, force: true }));
    expect((await errorOf(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [REPO] })))).name).toBe(
      'RepositoryNotFoundException'
    );
  });

  it('gives an authorization token: base64 "AWS:<password>", the registry endpoint and an expiry', async () => {
    const now = sim.control.now();
    const result = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = result.authorizationData![0];
    const [user, password] = Buffer.from(data.authorizationToken!, 'base64').toString('utf8').split(':');
    expect(user).toBe('AWS');
    expect(password.length).toBeGreaterThan(50);
    expect(data.proxyEndpoint).toBe('https://123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(data.expiresAt!.getTime() / 1000).toBe(now + 12 * 3600);
  });

  it('describes, lists and gets seeded images by tag and digest', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    const seeded = await sim.control.ecrImages({ repository: REPO, tags: ['1.0.0', 'latest'] });
    expect(seeded.image).toBe(`${ECR}/${REPO}@${seeded.digest}`);
    const other = await sim.control.ecrImages({ repository: REPO, tag: '0.9.0' });
    expect(other.digest).not.toBe(seeded.digest);

    const byTag = await ecr.send(
      new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageTag: 'latest' }] })
    );
    const detail = byTag.imageDetails![0];
    expect(detail.imageDigest).toBe(seeded.digest);
    expect(detail.imageTags).toEqual(['1.0.0', 'latest']);
    expect(detail.imageManifestMediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(detail.imageSizeInBytes).toBeGreaterThan(0);
    expect(detail.imagePushedAt).toBeInstanceOf(Date);

    const byDigest = await ecr.send(
      new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: other.digest }] })
    );
    expect(byDigest.imageDetails![0].imageTags).toEqual(['0.9.0']);
    expect(
      await errorOf(
        ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageTag: 'nope' }] }))
      )
    ).toEqual({
      name: 'ImageNotFoundException',
      message: `The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name '${REPO}' in the registry with id '123456789012'`
    });
    expect((await ecr.send(new DescribeImagesCommand({ repositoryName: REPO }))).imageDetails).toHaveLength(
      2
    );

    const listed = await ecr.send(new ListImagesCommand({ repositoryName: REPO }));
    expect(listed.imageIds?.map(i => i.imageTag).sort()).toEqual(['0.9.0', '1.0.0', 'latest']);

    const got = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: REPO,
        imageIds: [{ imageTag: '1.0.0' }, { imageTag: 'missing' }]
      })
    );
    expect(got.images).toHaveLength(1);
    const manifest = got.images![0].imageManifest!;
    expect(`sha256:${createHash('sha256').update(manifest).digest('hex')}`).toBe(seeded.digest);
    expect(got.images![0].imageManifestMediaType).toBe(
      'application/vnd.docker.distribution.manifest.v2+json'
    );
    expect(got.failures).toEqual([
      {
        imageId: { imageTag: 'missing' },
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found'
      }
    ]);
  });

  it('PutImage retags a manifest; ImageAlreadyExists for the same tag; immutable repositories refuse moving a tag', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    const v1 = await sim.control.ecrImages({ repository: REPO, tags: ['abc1234', 'latest'] });
    const v2 = await sim.control.ecrImages({ repository: REPO, tag: 'def5678' });
    const manifestOf = async (tag: string) =>
      (await ecr.send(new BatchGetImageCommand({ repositoryName: REPO, imageIds: [{ imageTag: tag }] })))
        .images![0].imageManifest!;

    // promote def5678 to production and move latest onto it (mutable)
    const put = await ecr.send(
      new PutImageCommand({
        repositoryName: REPO,
        imageManifest: await manifestOf('def5678'),
        imageTag: 'production'
      })
    );
    expect(put.image?.imageId).toEqual({ imageDigest: v2.digest, imageTag: 'production' });
    await ecr.send(
      new PutImageCommand({
        repositoryName: REPO,
        imageManifest: await manifestOf('def5678'),
        imageTag: 'latest'
      })
    );
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: REPO }));
    expect(Object.fromEntries(images.imageDetails!.map(d => [d.imageDigest, d.imageTags]))).toEqual({
      [v1.digest]: ['abc1234'],
      [v2.digest]: ['def5678', 'latest', 'production']
    });
    expect(
      (
        await errorOf(
          ecr.send(
            new PutImageCommand({
              repositoryName: REPO,
              imageManifest: await manifestOf('latest'),
              imageTag: 'latest'
            })
          )
        )
      ).name
    ).toBe('ImageAlreadyExistsException');

    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: 'tria/api', imageTagMutability: 'IMMUTABLE' })
    );
    const a = await sim.control.ecrImages({ repository: 'tria/api', tag: '1.1.0' });
    await sim.control.ecrImages({ repository: 'tria/api', tag: '1.2.0' });
    const manifest12 = (
      await ecr.send(
        new BatchGetImageCommand({ repositoryName: 'tria/api', imageIds: [{ imageTag: '1.2.0' }] })
      )
    ).images![0].imageManifest!;
    expect(
      await errorOf(
        ecr.send(
          new PutImageCommand({ repositoryName: 'tria/api', imageManifest: manifest12, imageTag: '1.1.0' })
        )
      )
    ).toEqual({
      name: 'ImageTagAlreadyExistsException',
      message:
        "The image tag '1.1.0' already exists in the 'tria/api' repository and cannot be overwritten because the repository is immutable."
    });
    await ecr.send(
      new PutImageCommand({ repositoryName: 'tria/api', imageManifest: manifest12, imageTag: 'stable' })
    );
    const stillA = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'tria/api', imageIds: [{ imageTag: '1.1.0' }] })
    );
    expect(stillA.imageDetails![0].imageDigest).toBe(a.digest);
  });

  it('BatchDeleteImage removes a tag or a whole image (what a lifecycle policy does)', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    const image = await sim.control.ecrImages({ repository: REPO, tags: ['1.0.0', 'latest'] });
    const untag = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: REPO, imageIds: [{ imageTag: 'latest' }] })
    );
    expect(untag.imageIds).toEqual([{ imageDigest: image.digest, imageTag: 'latest' }]);
    const gone = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: REPO,
        imageIds: [{ imageDigest: image.digest }, { imageTag: 'nope' }]
      })
    );
    expect(gone.imageIds).toEqual([{ imageDigest: image.digest, imageTag: '1.0.0' }]);
    expect(gone.failures?.map(f => f.failureCode)).toEqual(['ImageNotFound']);
    expect((await ecr.send(new DescribeImagesCommand({ repositoryName: REPO }))).imageDetails).toEqual([]);
  });

  it('seeds images over HTTP: POST /_sim/ecr/images', async () => {
    const response = await fetch(`${sim.endpoint}/_sim/ecr/images`, {
      method: 'POST',
      body: JSON.stringify({ repository: 'docuthinker-backend', tag: 'deadbee' })
    });
    expect(response.status).toBe(200);
    const seeded = (await response.json()) as { digest: string; uri: string };
    expect(seeded.uri).toBe(`${ECR}/docuthinker-backend`);
    const listed = await fetch(`${sim.endpoint}/_sim/ecr/images?repository=docuthinker-backend`);
    expect(((await listed.json()) as { images: { imageDigest: string }[] }).images[0].imageDigest).toBe(
      seeded.digest
    );
    const bad = await fetch(`${sim.endpoint}/_sim/ecr/images`, {
      method: 'POST',
      body: '{"repository":"Bad Name"}'
    });
    expect(bad.status).toBe(400);
  });

  it('an ECS task whose image is missing from an existing ECR repository stops with CannotPullContainerError', async () => {
    const ecs = ecsClient(sim);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'docuthinker-backend' }));
    await sim.control.ecrImages({ repository: 'docuthinker-backend', tag: 'present' });
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand(backendTaskDefinition('deleted-by-lifecycle'))
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: BACKEND,
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: fargateNetwork
      })
    );
    sim.control.advance(40);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND, desiredStatus: 'STOPPED' })
    );
    const tasks = await ecs.send(
      new DescribeTasksCommand({ cluster: CLUSTER, tasks: stopped.taskArns!.slice(0, 1) })
    );
    expect(tasks.tasks![0].stoppedReason).toMatch(
      /^CannotPullContainerError: .*docuthinker-backend:deleted-by-lifecycle/
    );
    ecs.destroy();
  });
});

/**
 * undefined when docker-registry can run; else why not (the registry-backed tests then skip with the install
 * command). Throws under CI=true: the tests must not skip there.
 */
function registryUnavailable(): string | undefined {
  if (missingTools(['docker-registry']).length === 0) return undefined;
  const message = `docker-registry is not installed: run \`${installCommand(['docker-registry'])}\` (as root) to run the registry-backed ECR tests`;
  if (process.env.CI === 'true')
    throw new Error(`CI=true, so the registry-backed tests must run: ${message}`);
  return message;
}

const unavailable = registryUnavailable();
const registryIt = unavailable ? it.skip : it;
if (unavailable) console.log(`skipping registry-backed ECR tests: ${unavailable}`);

describe('ECR backed by a real OCI registry (docker-registry)', () => {
  let registry: LocalRegistry;
  let sim: RunningSimulator;
  let ecr: ECRClient;

  beforeAll(async () => {
    if (unavailable) return;
    registry = await startLocalRegistry();
    sim = await startSimulator({ port: 0, timeScale: 0, registry: registry.url });
    ecr = client(sim);
  });
  afterAll(async () => {
    if (unavailable) return;
    ecr.destroy();
    await sim.close();
    await registry.stop();
  });

  registryIt(
    'reports the registry manifests and tags, and PutImage really tags in the registry',
    async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
      const seeded = await sim.control.ecrImages({ repository: REPO, tags: ['1.0.0'] });

      const manifestResponse = await fetch(`${registry.url}/v2/${REPO}/manifests/1.0.0`, {
        headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' }
      });
      expect(manifestResponse.status).toBe(200);
      const registryDigest = manifestResponse.headers.get('docker-content-digest');
      const manifest = await manifestResponse.text();
      expect(seeded.digest).toBe(registryDigest);

      const described = await ecr.send(
        new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageTag: '1.0.0' }] })
      );
      expect(described.imageDetails![0]).toMatchObject({ imageDigest: registryDigest, imageTags: ['1.0.0'] });
      const got = await ecr.send(
        new BatchGetImageCommand({ repositoryName: REPO, imageIds: [{ imageTag: '1.0.0' }] })
      );
      expect(got.images![0].imageManifest).toBe(manifest);

      await ecr.send(
        new PutImageCommand({ repositoryName: REPO, imageManifest: manifest, imageTag: 'production' })
      );
      const tags = (await (await fetch(`${registry.url}/v2/${REPO}/tags/list`)).json()) as { tags: string[] };
      expect(tags.tags.sort()).toEqual(['1.0.0', 'production']);
      const listed = await ecr.send(new ListImagesCommand({ repositoryName: REPO }));
      expect(listed.imageIds?.map(i => [i.imageTag, i.imageDigest]).sort()).toEqual([
        ['1.0.0', registryDigest],
        ['production', registryDigest]
      ]);
      expect(
        (
          await errorOf(
            ecr.send(
              new PutImageCommand({ repositoryName: REPO, imageManifest: manifest, imageTag: 'production' })
            )
          )
        ).name
      ).toBe('ImageAlreadyExistsException');
      expect(
        (
          await errorOf(
            ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageTag: 'nope' }] }))
          )
        ).name
      ).toBe('ImageNotFoundException');
    }
  );

  registryIt(
    'adopts a repository the registry already holds (pushed by buildah before CreateRepository)',
    async () => {
      const seededElsewhere = await sim.control.ecrImages({
        repository: 'chatrelay/agent-service',
        tag: 'abc'
      });
      sim.control.reset(); // the simulator forgets the repository; the registry still has it
      const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'chatrelay/agent-service' }));
      expect(images.imageDetails?.map(d => d.imageDigest)).toEqual([seededElsewhere.digest]);
    }
  );
});
