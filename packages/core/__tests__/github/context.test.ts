import { describe, expect, it } from '@jest/globals';
import {
  deploymentEnvironment,
  pullRequestNumber,
  readEventPayload,
  repositoryOf,
  workflowRunUrl
} from '../../src/github/context.js';

describe('pullRequestNumber', () => {
  it.each([
    ['pull_request event', { number: 42, pull_request: { number: 42 } }, 'refs/pull/42/merge', 42],
    ['comment on a pull request', { issue: { number: 7, pull_request: { url: 'x' } } }, 'refs/heads/main', 7],
    ['comment on a plain issue', { issue: { number: 7 } }, 'refs/heads/main', undefined],
    [
      'workflow_run from a pull request',
      { workflow_run: { pull_requests: [{ number: 9 }] } },
      'refs/heads/main',
      9
    ],
    ['only the ref', {}, 'refs/pull/15/merge', 15],
    ['a push', { ref: 'refs/heads/main' }, 'refs/heads/main', undefined]
  ])('%s', (_, payload, ref, expected) => {
    expect(pullRequestNumber(payload, ref)).toBe(expected);
  });
});

describe('readEventPayload', () => {
  it('reads GITHUB_EVENT_PATH, and is empty when missing or unreadable', () => {
    const files: Record<string, string> = { '/ev.json': '{"pull_request":{"number":3}}', '/bad.json': '{' };
    const read = (path: string): string => files[path];
    expect(readEventPayload({ GITHUB_EVENT_PATH: '/ev.json' }, read)).toEqual({
      pull_request: { number: 3 }
    });
    expect(readEventPayload({ GITHUB_EVENT_PATH: '/bad.json' }, read)).toEqual({});
    expect(readEventPayload({}, read)).toEqual({});
  });
});

describe('deploymentEnvironment', () => {
  it('names the environment of deployment events only', () => {
    expect(deploymentEnvironment({ deployment: { environment: 'chatrelay-prod' } })).toBe('chatrelay-prod');
    expect(deploymentEnvironment({ deployment_status: { environment: 'staging' } })).toBe('staging');
    expect(deploymentEnvironment({ pull_request: { number: 1 } })).toBeUndefined();
  });
});

describe('repositoryOf and workflowRunUrl', () => {
  it('build the run link, with the attempt after the first', () => {
    const env = {
      GITHUB_REPOSITORY: 'octo-org/tria-aibpo',
      GITHUB_RUN_ID: '1001',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_SERVER_URL: 'https://github.com'
    };
    expect(repositoryOf(env)).toEqual({ owner: 'octo-org', repo: 'tria-aibpo' });
    expect(workflowRunUrl(env)).toBe('https://github.com/octo-org/tria-aibpo/actions/runs/1001/attempts/2');
    expect(workflowRunUrl({ ...env, GITHUB_RUN_ATTEMPT: '1' })).toBe(
      'https://github.com/octo-org/tria-aibpo/actions/runs/1001'
    );
    expect(repositoryOf({})).toBeUndefined();
  });
});
