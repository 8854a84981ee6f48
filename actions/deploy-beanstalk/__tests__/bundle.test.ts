import { mkdtempSync, writeFileSync, mkdirSync, cpSync, chmodSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { unzipSync } from 'fflate';
import { parse as parseYaml } from 'yaml';
import { buildBundle } from '../src/bundle.js';
import type { ImageOverride } from '../src/inputs.js';
import { deterministicZip, sha256Hex } from '../src/zip.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

function copyFixture(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'eb-bundle-'));
  cpSync(path.join(fixtures, name), dir, { recursive: true });
  return dir;
}

function unzipText(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(
    Object.entries(unzipSync(bytes)).map(([name, data]) => [name, new TextDecoder().decode(data)])
  );
}

const images = (lines: Array<[string, string]>): ImageOverride[] =>
  lines.map(([name, image], index) => ({ name, image, line: index + 1 }));

describe('deterministicZip', () => {
  it('gives the same bytes for the same files whatever the order and time', () => {
    const a = deterministicZip([
      { path: 'b.txt', bytes: new TextEncoder().encode('b') },
      { path: 'a.txt', bytes: new TextEncoder().encode('a') }
    ]);
    const b = deterministicZip([
      { path: 'a.txt', bytes: new TextEncoder().encode('a') },
      { path: 'b.txt', bytes: new TextEncoder().encode('b') }
    ]);
    expect(sha256Hex(a)).toBe(sha256Hex(b));
    const c = deterministicZip([{ path: 'a.txt', bytes: new TextEncoder().encode('A') }]);
    expect(sha256Hex(c)).not.toBe(sha256Hex(a));
  });
});

describe('buildBundle', () => {
  it("zips ChatRelay's Dockerrun v2 with .ebextensions and .platform, substituting images", async () => {
    const dir = copyFixture('chatrelay');
    const bundle = await buildBundle(
      { kind: 'dockerrun', path: path.join(dir, 'Dockerrun.aws.json') },
      images([
        ['main-app', `${ECR}/chatrelay/main-app:1.5.0`],
        ['mcp-gateway', `${ECR}/chatrelay/mcp-gateway:1.5.0`]
      ])
    );
    expect(bundle.entries).toEqual([
      '.ebextensions/01-environment.config',
      '.ebextensions/03-efs-mount.config',
      '.platform/hooks/postdeploy/01-health.sh',
      'Dockerrun.aws.json'
    ]);
    const files = unzipText(bundle.bytes);
    const dockerrun = JSON.parse(files['Dockerrun.aws.json']);
    expect(
      dockerrun.containerDefinitions.map((c: { name: string; image: string }) => [c.name, c.image])
    ).toEqual([
      ['main-app', `${ECR}/chatrelay/main-app:1.5.0`],
      ['agent-service', `${ECR}/chatrelay/agent-service:1.4.0`],
      ['mcp-gateway', `${ECR}/chatrelay/mcp-gateway:1.5.0`]
    ]);
    expect(dockerrun.containerDefinitions[0].portMappings).toEqual([{ hostPort: 80, containerPort: 8081 }]);
    expect(files['.ebextensions/03-efs-mount.config']).toContain('mount -t efs');
  });

  it('keeps the hook executable and every file at a fixed time', async () => {
    const dir = copyFixture('chatrelay');
    const bundle = await buildBundle({ kind: 'dockerrun', path: path.join(dir, 'Dockerrun.aws.json') }, []);
    // central directory entries: external attributes hold the Unix mode in the upper 16 bits
    const view = Buffer.from(bundle.bytes);
    const modes: Record<string, number> = {};
    for (let at = view.indexOf('PK\x01\x02'); at >= 0; at = view.indexOf('PK\x01\x02', at + 4)) {
      const nameLength = view.readUInt16LE(at + 28);
      const name = view.toString('utf8', at + 46, at + 46 + nameLength);
      modes[name] = view.readUInt32LE(at + 38) >>> 16;
    }
    expect(modes['.platform/hooks/postdeploy/01-health.sh']).toBe(0o100755);
    expect(modes['Dockerrun.aws.json']).toBe(0o100644);
  });

  it('gives the same bytes (sha256) for the same files, even after their mtimes and modes change', async () => {
    const first = copyFixture('chatrelay');
    const second = copyFixture('chatrelay');
    chmodSync(path.join(second, 'Dockerrun.aws.json'), 0o600);
    writeFileSync(
      path.join(second, '.ebextensions/03-efs-mount.config'),
      readFileSync(path.join(first, '.ebextensions/03-efs-mount.config'))
    );
    const a = await buildBundle({ kind: 'dockerrun', path: path.join(first, 'Dockerrun.aws.json') }, []);
    const b = await buildBundle({ kind: 'dockerrun', path: path.join(second, 'Dockerrun.aws.json') }, []);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.sha256).toBe(b.sha256);
    writeFileSync(path.join(second, '.ebextensions/04-autoscaling.config'), 'option_settings: {}\n');
    const c = await buildBundle({ kind: 'dockerrun', path: path.join(second, 'Dockerrun.aws.json') }, []);
    expect(c.sha256).not.toBe(a.sha256);
  });

  it('zips a compose file as docker-compose.yml, substituting service images and keeping comments', async () => {
    const dir = copyFixture('chatrelay-compose');
    const bundle = await buildBundle(
      { kind: 'compose', path: path.join(dir, 'docker-compose.yml') },
      images([['agent-service', `${ECR}/chatrelay/agent-service:1.5.0`]])
    );
    expect(bundle.entries).toEqual(['.ebextensions/01-environment.config', 'docker-compose.yml']);
    const text = unzipText(bundle.bytes)['docker-compose.yml'];
    expect(text).toContain('# ChatRelay on the Docker platform');
    expect(parseYaml(text).services['agent-service'].image).toBe(`${ECR}/chatrelay/agent-service:1.5.0`);
    expect(parseYaml(text).services['main-app'].image).toBe(`${ECR}/chatrelay/main-app:1.4.0`);
  });

  it('names the containers found when images names an unknown one', async () => {
    const dir = copyFixture('chatrelay');
    await expect(
      buildBundle(
        { kind: 'dockerrun', path: path.join(dir, 'Dockerrun.aws.json') },
        images([['web', 'nginx:1.27']])
      )
    ).rejects.toThrow(
      /Input "images" line 1 names "web", which is not a container in .*Dockerrun.aws.json; the containers are: main-app, agent-service, mcp-gateway/
    );
    const compose = copyFixture('chatrelay-compose');
    await expect(
      buildBundle(
        { kind: 'compose', path: path.join(compose, 'docker-compose.yml') },
        images([['redis', 'redis:7']])
      )
    ).rejects.toThrow(
      /names "redis", which is not a service in .*; the services are: main-app, agent-service, mcp-gateway/
    );
  });

  it.each([
    [
      'malformed JSON',
      'dockerrun',
      'Dockerrun.aws.json',
      '{ "AWSEBDockerrunVersion": 2, ',
      /Input "dockerrun": .* is not valid JSON/
    ],
    [
      'version 1',
      'dockerrun',
      'Dockerrun.aws.json',
      '{"AWSEBDockerrunVersion": "1", "Image": {"Name": "nginx"}}',
      /AWSEBDockerrunVersion "1"; this action builds bundles from version 2/
    ],
    [
      'v2 without containers',
      'dockerrun',
      'Dockerrun.aws.json',
      '{"AWSEBDockerrunVersion": 2, "containerDefinitions": []}',
      /needs a non-empty "containerDefinitions"/
    ],
    [
      'v2 container without a name',
      'dockerrun',
      'Dockerrun.aws.json',
      '{"AWSEBDockerrunVersion": 2, "containerDefinitions": [{"image": "x"}]}',
      /containerDefinitions\[0\] has no "name"/
    ],
    [
      'v3 without compose',
      'dockerrun',
      'Dockerrun.aws.json',
      '{"AWSEBDockerrunVersion": "3"}',
      /version 3, which goes with a docker-compose.yml/
    ],
    [
      'malformed YAML',
      'compose',
      'docker-compose.yml',
      'services:\n  web:\n    image: [unclosed\n',
      /Input "compose": .* is not valid YAML/
    ],
    [
      'compose without services',
      'compose',
      'docker-compose.yml',
      'version: "3.8"\n',
      /needs a "services" mapping/
    ]
  ] as const)('rejects %s', async (_name, kind, file, content, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eb-bad-'));
    writeFileSync(path.join(dir, file), content);
    await expect(buildBundle({ kind, path: path.join(dir, file) }, [])).rejects.toThrow(message);
  });

  it('rejects a missing file, a non-zip bundle, and images for a prebuilt zip', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eb-bad-'));
    await expect(buildBundle({ kind: 'dockerrun', path: path.join(dir, 'nope.json') }, [])).rejects.toThrow(
      /Input "dockerrun": no file at/
    );
    writeFileSync(path.join(dir, 'app.zip'), 'not a zip');
    await expect(buildBundle({ kind: 'bundle', path: path.join(dir, 'app.zip') }, [])).rejects.toThrow(
      /is not a zip file/
    );
    const zip = deterministicZip([{ path: 'Dockerrun.aws.json', bytes: new TextEncoder().encode('{}') }]);
    writeFileSync(path.join(dir, 'good.zip'), zip);
    const used = await buildBundle({ kind: 'bundle', path: path.join(dir, 'good.zip') }, []);
    expect(used.sha256).toBe(sha256Hex(zip));
    await expect(
      buildBundle({ kind: 'bundle', path: path.join(dir, 'good.zip') }, images([['web', 'x']]))
    ).rejects.toThrow(/cannot change a prebuilt zip/);
  });

  it('zips a bundle folder (without .git) and substitutes into its Dockerrun', async () => {
    const dir = copyFixture('chatrelay');
    mkdirSync(path.join(dir, '.git'));
    writeFileSync(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
    const bundle = await buildBundle(
      { kind: 'bundle', path: dir },
      images([['agent-service', `${ECR}/chatrelay/agent-service:2.0.0`]])
    );
    expect(bundle.entries).not.toContain('.git/HEAD');
    expect(bundle.entries).toContain('.platform/hooks/postdeploy/01-health.sh');
    expect(JSON.parse(unzipText(bundle.bytes)['Dockerrun.aws.json']).containerDefinitions[1].image).toBe(
      `${ECR}/chatrelay/agent-service:2.0.0`
    );
  });
});

describe('what Beanstalk would refuse after the upload is refused before it', () => {
  const dockerrun = (containers: unknown[]) =>
    JSON.stringify({ AWSEBDockerrunVersion: 2, containerDefinitions: containers });
  const write = (text: string, name = 'Dockerrun.aws.json'): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eb-rules-'));
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it('a Dockerrun with no essential container, a container without memory, an image with spaces', async () => {
    const file = write(
      dockerrun([
        { name: 'main-app', image: `${ECR}/chatrelay/main-app:1.4.0`, essential: false, memory: 512 },
        { name: 'agent-service', image: `${ECR}/chatrelay/agent-service:1.4.0 latest`, essential: false }
      ])
    );
    await expect(buildBundle({ kind: 'dockerrun', path: file }, [])).rejects.toThrow(
      /would be refused by Beanstalk: the image of container "agent-service" is not an image reference .*; container "agent-service" sets neither "memory" nor "memoryReservation"; no container is essential/
    );
  });

  it('a compose service with only build:, and a compose alias bomb', async () => {
    const buildOnly = write(
      'services:\n  main-app:\n    build: ./main-app\n  agent-service:\n    image: nginx:1.27\n',
      'docker-compose.yml'
    );
    await expect(buildBundle({ kind: 'compose', path: buildOnly }, [])).rejects.toThrow(
      /Input "compose": .* would be refused by Beanstalk: service "main-app" has only "build:" \(context "\.\/main-app"\), which is not in the bundle/
    );
    // the "images" input gives the service its image: then it is fine
    await expect(
      buildBundle(
        { kind: 'compose', path: buildOnly },
        images([['main-app', `${ECR}/chatrelay/main-app:1.5.0`]])
      )
    ).resolves.toMatchObject({ entries: ['docker-compose.yml'] });
    let bomb = 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let previous = 'a';
    for (const name of 'bcdefghi') {
      bomb += `x-${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
      previous = name;
    }
    bomb += 'services:\n  web:\n    image: nginx\n    labels: *i\n';
    await expect(
      buildBundle({ kind: 'compose', path: write(bomb, 'docker-compose.yml') }, [])
    ).rejects.toThrow(/Input "compose": .*docker-compose\.yml expands its YAML aliases beyond 100/);
  });

  it('deep JSON is refused with a message, not a stack overflow', async () => {
    const file = write(
      '{"AWSEBDockerrunVersion": 2, "x": ' + '['.repeat(200_000) + ']'.repeat(200_000) + '}'
    );
    await expect(buildBundle({ kind: 'dockerrun', path: file }, [])).rejects.toThrow(
      /Input "dockerrun": .* nests objects\/lists 200001 levels deep/
    );
  });
});

describe('bundles stay inside the workspace', () => {
  it('refuses a link in .ebextensions or in a bundle folder that leaves the workspace, naming it', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'eb-confine-'));
    const workspace = path.join(base, 'workspace');
    const outside = path.join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'id_rsa'), 'planted-private-key-12');
    cpSync(path.join(fixtures, 'chatrelay'), path.join(workspace, 'chatrelay'), { recursive: true });
    symlinkSync(path.join(outside, 'id_rsa'), path.join(workspace, 'chatrelay/.ebextensions/99-key.config'));
    const file = path.join(workspace, 'chatrelay/Dockerrun.aws.json');
    await expect(buildBundle({ kind: 'dockerrun', path: file, workspace }, [])).rejects.toThrow(
      /Input "dockerrun": chatrelay\/\.ebextensions\/99-key\.config is a symbolic link to .*outside\/id_rsa, outside the workspace/
    );
    await expect(
      buildBundle({ kind: 'bundle', path: path.join(workspace, 'chatrelay'), workspace }, [])
    ).rejects.toThrow(/Input "bundle": chatrelay\/\.ebextensions\/99-key\.config is a symbolic link/);
  });
});
