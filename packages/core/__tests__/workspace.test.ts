import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  checkFolderConfined,
  readWorkspaceText,
  requireWorkspaceFile,
  resolveInWorkspace
} from '../src/workspace.js';
import { parseJsonDocument, parseYamlDocument } from '../src/documents.js';

function world(): { workspace: string; outside: string } {
  const base = mkdtempSync(path.join(tmpdir(), 'confine-'));
  const workspace = path.join(base, 'workspace');
  const outside = path.join(base, 'outside');
  mkdirSync(path.join(workspace, 'ecs'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'credentials'), 'aws_secret_access_key = planted-outside-secret');
  writeFileSync(path.join(workspace, 'ecs/backend.json'), '{}');
  return { workspace, outside };
}

describe('workspace confinement', () => {
  it('resolves files inside and refuses paths that climb out, naming the input', () => {
    const { workspace } = world();
    expect(requireWorkspaceFile('task-definition', 'ecs/backend.json', workspace).real).toMatch(
      /ecs\/backend\.json$/
    );
    expect(() => resolveInWorkspace('task-definition', '../outside/credentials', workspace)).toThrow(
      /Input "task-definition": "\.\.\/outside\/credentials" is outside the workspace/
    );
    expect(() => resolveInWorkspace('compose', '/etc/passwd', workspace)).toThrow(
      /Input "compose".*outside the workspace/
    );
    expect(resolveInWorkspace('task-definition', 'docuthinker-backend:3', workspace)).toBeUndefined();
  });

  it('refuses a symlink that leaves the workspace, naming the link, and never shows the content', () => {
    const { workspace, outside } = world();
    symlinkSync(path.join(outside, 'credentials'), path.join(workspace, 'ecs/linked.json'));
    symlinkSync(outside, path.join(workspace, 'elsewhere'));
    let message = '';
    try {
      requireWorkspaceFile('task-definition', 'ecs/linked.json', workspace);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /Input "task-definition": ecs\/linked\.json is a symbolic link to .*outside\/credentials, outside the workspace/
    );
    expect(message).not.toContain('planted-outside-secret');
    expect(() => requireWorkspaceFile('dockerrun', 'elsewhere/credentials', workspace)).toThrow(
      /Input "dockerrun": elsewhere is a symbolic link/
    );
  });

  it('walks bundled folders for links that leave the workspace', () => {
    const { workspace, outside } = world();
    mkdirSync(path.join(workspace, 'bundle/.ebextensions'), { recursive: true });
    writeFileSync(path.join(workspace, 'bundle/Dockerrun.aws.json'), '{}');
    symlinkSync(path.join(workspace, 'ecs/backend.json'), path.join(workspace, 'bundle/inside-link.json'));
    checkFolderConfined('bundle', path.join(workspace, 'bundle'), workspace);
    symlinkSync(path.join(outside, 'credentials'), path.join(workspace, 'bundle/.ebextensions/creds.config'));
    expect(() => checkFolderConfined('bundle', path.join(workspace, 'bundle'), workspace)).toThrow(
      /Input "bundle": bundle\/\.ebextensions\/creds\.config is a symbolic link to .*, outside the workspace/
    );
  });

  it('refuses a file over the size limit before reading it', () => {
    const { workspace } = world();
    writeFileSync(path.join(workspace, 'ecs/huge.json'), 'x'.repeat(70_000));
    const file = requireWorkspaceFile('task-definition', 'ecs/huge.json', workspace);
    expect(() => readWorkspaceText('task-definition', file, 64 * 1024)).toThrow(
      'Input "task-definition": ecs/huge.json is 68.4 KiB; at most 64.0 KiB are accepted'
    );
  });
});

describe('document limits', () => {
  it('refuses deep JSON without recursing and never quotes the text', () => {
    expect(() =>
      parseJsonDocument('['.repeat(200_000), { input: 'dockerrun', file: 'Dockerrun.aws.json' })
    ).toThrow(/nests objects\/lists 200000 levels deep/);
    expect(() => parseJsonDocument('{"a": "[[[[", "b": [1]}', { input: 'x', file: 'f' })).not.toThrow();
  });

  it('refuses a YAML alias bomb before anything expands it', () => {
    let text = 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let previous = 'a';
    for (const name of 'bcdefghi') {
      text += `x-${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
      previous = name;
    }
    text += 'services:\n  web:\n    image: nginx\n    labels: *i\n';
    expect(() => parseYamlDocument(text, { input: 'compose', file: 'docker-compose.yml' })).toThrow(
      /Input "compose": docker-compose\.yml expands its YAML aliases beyond 100/
    );
  });

  it('gives YAML syntax errors by line and column, without the source', () => {
    expect(() =>
      parseYamlDocument('services:\n  web: [a, hunter2-secret\n', {
        input: 'compose',
        file: 'docker-compose.yml'
      })
    ).toThrow(/docker-compose\.yml is not valid YAML \(line \d+, column \d+\): [a-z ]+$/);
  });
});
