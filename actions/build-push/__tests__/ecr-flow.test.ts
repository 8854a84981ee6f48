import { describe, expect, it, beforeEach } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryLogger, FakeEcr } from '@deploy-suite/testing';
import { buildAndPush, type BuildPushDeps } from '../src/build-push.js';
import { ecrRegistry } from '../src/registry.js';
import type { CommandRunner, CommandResult } from '../src/commands.js';
import type { BuildPushInputs, ImageSpec } from '../src/inputs.js';

/**
 * ECR paths with an in-memory ECR (the EcrApi interface) and a fake buildah that records commands and writes
 * the files buildah writes. The simulator's ECR API was not available when this was written.
 */
const SHA = '0123456789abcdef0123456789abcdef01234567';
const REGISTRY = ecrRegistry('123456789012', 'us-east-1');

function image(repository: string, tags: string[] = [SHA, 'latest']): ImageSpec {
  return {
    repository,
    context: '.',
    dockerfile: 'Dockerfile',
    buildArgs: [],
    tags,
    commitTag: tags.includes(SHA) ? SHA : undefined
  };
}

function settingsFor(images: ImageSpec[], change: Partial<BuildPushInputs> = {}): BuildPushInputs {
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

/** A buildah that "pushes" into the fake ECR, so read-back sees what it pushed. */
class FakeBuildah implements CommandRunner {
  readonly commands: Array<{ args: string[]; env: Record<string, string> }> = [];
  readonly failBuildOf = new Set<string>();
  constructor(private readonly ecr: FakeEcr) {}
  async run(
    command: string,
    args: readonly string[],
    options: { env?: Record<string, string> } = {}
  ): Promise<CommandResult> {
    this.commands.push({ args: [command, ...args], env: options.env ?? {} });
    const ok = (output = ''): CommandResult => ({ exitCode: 0, stdout: output, stderr: '', output });
    if (args[0] === '--version') return ok('buildah version 1.28.2');
    if (args[0] === 'build') {
      const tag = args[args.indexOf('--tag') + 1];
      const repository = tag.split('/').slice(1).join('/').split(':')[0];
      if (this.failBuildOf.has(repository)) {
        const output =
          'STEP 1/2: FROM node:20\nSTEP 2/2: RUN npm ci\nnpm ERR! missing script: build\nError: building at STEP "RUN npm ci": exit status 1';
        return { exitCode: 1, stdout: '', stderr: output, output };
      }
      writeFileSync(args[args.indexOf('--iidfile') + 1], `sha256:id-${repository}`);
      return ok(`STEP 1/1: COPY . /app\nCOMMIT ${tag}`);
    }
    if (args[0] === 'push') {
      const reference = args[args.length - 1].replace('docker://', '');
      const [repoPath, tag] = reference.split('/').slice(1).join('/').split(':');
      const stored = this.ecr.addImage(repoPath, [tag], `built ${repoPath}`);
      writeFileSync(args[args.indexOf('--digestfile') + 1], stored.digest);
      return ok('Writing manifest to image destination');
    }
    return { exitCode: 127, stdout: '', stderr: 'unexpected', output: 'unexpected' };
  }
}

let ecr: FakeEcr;
let runner: FakeBuildah;
let logger: MemoryLogger;
let runnerTemp: string;
let authDirs: string[];

function deps(): BuildPushDeps {
  return {
    runner,
    logger,
    defaultRegistry: async () => REGISTRY,
    ecrApi: () => ecr,
    workspace: '/ws',
    runnerTemp,
    env: { HOME: mkdtempSync(path.join(tmpdir(), 'home-')) },
    onAuthWritten: auth => authDirs.push(auth.dir)
  };
}

beforeEach(() => {
  ecr = new FakeEcr();
  runner = new FakeBuildah(ecr);
  logger = new MemoryLogger();
  runnerTemp = mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
  authDirs = [];
});

describe('ECR login', () => {
  it('masks the password and token, writes them to an auth file of the job under RUNNER_TEMP, given to buildah by env', async () => {
    ecr.addRepository('docuthinker-backend');
    await buildAndPush(settingsFor([image('docuthinker-backend')]), deps());
    expect(logger.masked).toEqual([Buffer.from(`AWS:${ecr.password}`).toString('base64'), ecr.password]);
    expect(authDirs).toHaveLength(1);
    expect(path.dirname(authDirs[0])).toBe(runnerTemp);
    const authFile = path.join(authDirs[0], 'config.json');
    const config = JSON.parse(readFileSync(authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(config.auths[REGISTRY.host].auth, 'base64').toString()).toBe(`AWS:${ecr.password}`);
    for (const { args, env } of runner.commands.filter(command => command.args[1] !== '--version')) {
      expect(env).toEqual({ DOCKER_CONFIG: authDirs[0], REGISTRY_AUTH_FILE: authFile });
      expect(args.join(' ')).not.toContain(ecr.password);
    }
    expect(logger.text()).not.toContain(ecr.password);
  });
});

describe('build and push', () => {
  it('builds DocuThinker images, pushes every tag and reads the digests back from ECR', async () => {
    ecr.addRepository('docuthinker-backend');
    ecr.addRepository('docuthinker-ai-ml');
    const result = await buildAndPush(
      settingsFor([image('docuthinker-backend'), image('docuthinker-ai-ml')]),
      deps()
    );
    for (const built of result.images) {
      const repository = ecr.repositories.get(built.repository)!;
      expect(built.action).toBe('built');
      expect(built.digest).toBe(repository.tags.get(SHA));
      expect(repository.tags.get('latest')).toBe(built.digest);
      expect(built.image).toBe(`${REGISTRY.host}/${built.repository}@${built.digest}`);
    }
    expect(ecr.calls.filter(call => call.startsWith('DescribeImages'))).toHaveLength(4);
  });

  it('a failed build fails with the builder last lines and the image, and nothing is pushed', async () => {
    ecr.addRepository('docuthinker-backend');
    ecr.addRepository('docuthinker-ai-ml');
    runner.failBuildOf.add('docuthinker-ai-ml');
    await expect(
      buildAndPush(settingsFor([image('docuthinker-backend'), image('docuthinker-ai-ml')]), deps())
    ).rejects.toThrow(
      /Building 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/docuthinker-ai-ml \(Dockerfile\) failed with buildah \(exit 1\):\n[\s\S]*npm ERR! missing script: build\nError: building at STEP "RUN npm ci": exit status 1\nNothing was pushed\./
    );
    expect(runner.commands.some(command => command.args[1] === 'push')).toBe(false);
    expect([...ecr.repositories.values()].every(repository => repository.tags.size === 0)).toBe(true);
    // each build had its own log group
    expect(logger.messages('group').filter(title => title.startsWith('Build '))).toHaveLength(2);
  });

  it('a missing repository fails before any build unless create-repository', async () => {
    await expect(buildAndPush(settingsFor([image('docuthinker-backend')]), deps())).rejects.toThrow(
      /ECR repository docuthinker-backend does not exist in 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com: create it \(aws ecr create-repository\) or set create-repository: true/
    );
    expect(runner.commands.filter(command => command.args[1] === 'build')).toHaveLength(0);
  });

  it('create-repository: scan on push, AES256, and the keep-last-10 lifecycle policy', async () => {
    const result = await buildAndPush(
      settingsFor([image('docuthinker-backend'), image('docuthinker-ai-ml')], {
        createRepository: true,
        lifecycleKeepLast: 10
      }),
      deps()
    );
    expect(result.createdRepositories).toEqual(['docuthinker-backend', 'docuthinker-ai-ml']);
    for (const name of result.createdRepositories) {
      const repository = ecr.repositories.get(name)!;
      expect(repository).toMatchObject({ scanOnPush: true, encryptionType: 'AES256' });
      expect(JSON.parse(repository.lifecyclePolicy!)).toEqual({
        rules: [
          {
            rulePriority: 1,
            description: 'Keep the last 10 images (deploy-suite build-push)',
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
            action: { type: 'expire' }
          }
        ]
      });
    }
  });
});

describe('skip-existing', () => {
  it('reuses the image of this commit and adds the missing tags to the same manifest, without a builder', async () => {
    const existing = ecr.addImage('docuthinker-backend', [SHA]);
    const result = await buildAndPush(settingsFor([image('docuthinker-backend')]), deps());
    expect(result.images[0]).toMatchObject({
      action: 'existing',
      digest: existing.digest,
      addedTags: ['latest']
    });
    expect(ecr.repositories.get('docuthinker-backend')!.tags.get('latest')).toBe(existing.digest);
    expect(runner.commands).toHaveLength(0);
    expect(result.builder).toBeUndefined();
  });

  it('is off with skip-existing: false', async () => {
    ecr.addImage('docuthinker-backend', [SHA]);
    const result = await buildAndPush(
      settingsFor([image('docuthinker-backend')], { skipExisting: false }),
      deps()
    );
    expect(result.images[0].action).toBe('built');
  });
});

describe('promote (source-tag)', () => {
  it('adds tags with BatchGetImage + PutImage, no build and no layer moved', async () => {
    const staging = ecr.addImage('docuthinker-backend', [SHA, 'staging']);
    const spec = { ...image('docuthinker-backend', ['production', 'v2.0']), sourceTag: 'staging' };
    const result = await buildAndPush(settingsFor([spec], { sourceTag: 'staging' }), deps());
    expect(result.images[0]).toMatchObject({
      action: 'promoted',
      digest: staging.digest,
      addedTags: ['production', 'v2.0'],
      sourceTag: 'staging'
    });
    expect(ecr.calls).toEqual(
      expect.arrayContaining([
        'BatchGetImage docuthinker-backend:staging',
        'PutImage docuthinker-backend:production'
      ])
    );
    expect(runner.commands).toHaveLength(0);
  });

  it('fails clearly when the source tag does not exist', async () => {
    ecr.addRepository('docuthinker-backend');
    const spec = { ...image('docuthinker-backend', ['production']), sourceTag: 'staging' };
    await expect(buildAndPush(settingsFor([spec], { sourceTag: 'staging' }), deps())).rejects.toThrow(
      'No image tagged "staging" in 123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend to promote ("source-tag")'
    );
  });

  it('immutable repository: a tag already on another image is a clear error before any PutImage', async () => {
    ecr.addRepository('docuthinker-backend', 'IMMUTABLE');
    const staging = ecr.addImage('docuthinker-backend', ['staging'], 'new');
    ecr.addImage('docuthinker-backend', ['production'], 'old');
    const spec = { ...image('docuthinker-backend', ['v2.1', 'production']), sourceTag: 'staging' };
    await expect(buildAndPush(settingsFor([spec], { sourceTag: 'staging' }), deps())).rejects.toThrow(
      /Tag "production" already names another image in docuthinker-backend and the repository's tags are immutable/
    );
    expect(ecr.calls.filter(call => call.startsWith('PutImage'))).toEqual([]);
    expect(ecr.repositories.get('docuthinker-backend')!.tags.get('v2.1')).toBeUndefined();
    expect(staging.digest).toBeDefined();
  });

  it('immutable repository: promoting again to the same tags is a no-op', async () => {
    ecr.addRepository('docuthinker-backend', 'IMMUTABLE');
    ecr.addImage('docuthinker-backend', ['staging', 'production']);
    const spec = { ...image('docuthinker-backend', ['production']), sourceTag: 'staging' };
    const result = await buildAndPush(settingsFor([spec], { sourceTag: 'staging' }), deps());
    expect(result.images[0].addedTags).toEqual([]);
  });
});

describe('auth file lifetime', () => {
  it('the job auth folder is the only thing written under RUNNER_TEMP besides the work folder, which is removed', async () => {
    ecr.addRepository('docuthinker-backend');
    await buildAndPush(settingsFor([image('docuthinker-backend')]), deps());
    const left = readdirSync(runnerTemp);
    expect(left).toEqual([path.basename(authDirs[0])]);
    expect(existsSync(authDirs[0])).toBe(true); // removed by main.ts / the post step, tested in the contract test
  });
});
