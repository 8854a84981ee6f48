import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { leaksOf, runActionAsRunner } from '@deploy-suite/testing';

/**
 * Runner-contract tests of the committed bundle (dist/deploy-beanstalk/index.js, run as the runner runs it). These cover
 * what fails before any AWS call; the deploy itself is contract-tested against the simulator in
 * contract-sim.test.ts.
 */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(actionDir, '__tests__/fixtures');
const SECRET = 'sk-live-contract-0123456789';
const env = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  // nothing listens here: a test that reached AWS would fail with a connection error, not the expected message
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  GITHUB_SHA: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_REPOSITORY: 'chatrelay/chatrelay'
};

describe('deploy-beanstalk dist/deploy-beanstalk/index.js as the runner runs it (run `npm run build` first)', () => {
  it('fails with a clear message and status=failed when no bundle source is given', async () => {
    const result = await runActionAsRunner({
      actionDir,
      inputs: { 'application-name': 'ChatRelay', 'environment-name': 'chatrelay-prod' },
      env,
      workspace: fixtures
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/No bundle to deploy: set one of the inputs "bundle"/);
    expect(result.outputs.status).toBe('failed');
  });

  it('refuses an unknown container, listing the ones in Dockerrun.aws.json, and masks variable values', async () => {
    const result = await runActionAsRunner({
      actionDir,
      inputs: {
        'application-name': 'ChatRelay',
        'environment-name': 'chatrelay-prod',
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        images: 'web=123456789012.dkr.ecr.us-east-1.amazonaws.com/chatrelay/main-app:1.5.0',
        'environment-variables': `NODE_ENV=production\nOPENAI_API_KEY=${SECRET}`
      },
      env,
      workspace: fixtures
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /Input "images" line 1 names "web", which is not a container in .*; the containers are: main-app, agent-service, mcp-gateway/
    );
    expect(result.masks).toContain(SECRET);
    expect(result.masks).not.toContain('production');
    expect(leaksOf(result.rawLog, SECRET)).toEqual([]);
    expect(result.outputs).toMatchObject({ status: 'failed', 'version-label': 'a1b2c3d-9876543210-1' });
  });

  it('never quotes a malformed environment-variables line, and still reports status and a summary', async () => {
    const planted = 'planted-session-secret-contract-16';
    const result = await runActionAsRunner({
      actionDir,
      plantedSecrets: [planted],
      inputs: {
        'application-name': 'ChatRelay',
        'environment-name': 'chatrelay-prod',
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        'environment-variables': `NODE_ENV=production\nSESSION_SECRET ${planted}`
      },
      env,
      workspace: fixtures
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/^Input "environment-variables" line 2 must look like NAME=value/);
    expect(result.outputs.status).toBe('failed');
    expect(result.summary).toMatch(/### deploy-beanstalk: failed[\s\S]*Nothing was changed/);
  });

  it('rejects an unknown health colour before any AWS call', async () => {
    const result = await runActionAsRunner({
      actionDir,
      inputs: {
        'application-name': 'ChatRelay',
        'environment-name': 'chatrelay-prod',
        compose: 'chatrelay-compose/docker-compose.yml',
        'accepted-health': 'Green,Amber'
      },
      env,
      workspace: fixtures
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/Input "accepted-health" names an unknown health colour "Amber"/);
  });
});
