import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { leaksOf, runActionAsRunner } from '@deploy-suite/testing';
import { knownGoodRecordKey } from '@deploy-suite/aws/beanstalk';
import {
  APPLICATION,
  ENVIRONMENT,
  NEW_LABEL,
  OLD_LABEL,
  environmentOf,
  image,
  s3Text,
  seedChatRelay,
  simEnv
} from '@deploy-suite/testing/worlds/deploy-beanstalk';

/**
 * The committed bundle (dist/deploy-beanstalk/index.js) run as the runner runs it, against the simulator's Elastic
 * Beanstalk and S3: real SDK clients in their own process, real polling (200ms), simulated time running
 * 100x (one poll = 20 simulated seconds). Run `npm run build` first.
 */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = path.join(actionDir, '__tests__/fixtures');
const SECRET = 'sk-live-contract-sim-0123456789';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeScale: 0 });
  await seedChatRelay(sim); // seeded on frozen time, then time runs for the action
  sim.control.setTimeScale(100);
});
afterEach(async () => {
  await sim.close();
});

const runEnv = () => ({
  ...simEnv(sim),
  GITHUB_SHA: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_REPOSITORY: 'chatrelay/chatrelay'
});

describe('deploy-beanstalk dist/deploy-beanstalk/index.js on the simulator', () => {
  it('deploys ChatRelay: outputs, job summary, known-good record; a masked environment value never reaches the log', async () => {
    const result = await runActionAsRunner({
      actionDir,
      workspace,
      env: runEnv(),
      inputs: {
        'application-name': APPLICATION,
        'environment-name': ENVIRONMENT,
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        images: `main-app=${image('main-app', '1.5.0')}\nagent-service=${image('agent-service', '1.5.0')}`,
        'environment-variables': `NODE_ENV=production\nOPENAI_API_KEY=${SECRET}`,
        'poll-interval': '200ms',
        'wait-for-minutes': '5'
      }
    });
    expect({ exitCode: result.exitCode, failure: result.failure }).toEqual({
      exitCode: 0,
      failure: undefined
    });
    expect(result.outputs).toEqual({
      'version-label': NEW_LABEL,
      'previous-version-label': OLD_LABEL,
      'version-created': 'true',
      'environment-url': `http://${ENVIRONMENT}.us-east-1.elasticbeanstalk.com`,
      health: 'Green',
      status: 'deployed'
    });
    expect(result.summary).toContain('### Elastic Beanstalk deploy: chatrelay-prod');
    expect(result.summary).toMatch(
      /\| Environment \| \[chatrelay-prod\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com\/elasticbeanstalk\/.*environmentId=e-[a-z0-9]{10}\) \(application ChatRelay\) \|/
    );
    expect(result.summary).toContain('| Version | `chatrelay-1.4.0` → `a1b2c3d-9876543210-1` (new) |');
    expect(result.summary).toContain('| Result | ✅ deployed |');
    expect(result.summary).toContain('| Health | Green |');
    expect(result.summary).toContain(`| URL | [http://${ENVIRONMENT}.us-east-1.elasticbeanstalk.com]`);
    expect(result.summary).toMatch(/Environment update completed successfully\./);
    expect(result.masks).toContain(SECRET);
    expect(leaksOf(result.rawLog, SECRET)).toEqual([]);
    expect(result.masks).not.toContain('production');
    expect(result.summary).not.toContain(SECRET);
    // no warning that 200ms is too fast: an endpoint override is set
    expect(result.annotations.filter(annotation => annotation.level === 'warning')).toEqual([]);
    expect(result.log).toMatch(/Environment update completed successfully\./);
    // only this deploy's events: the simulator's clock runs ahead of the runner's (as AWS's may), and the
    // environment's launch events from before the deploy are not printed as if they were this deploy's
    expect(result.log).not.toMatch(/Successfully launched environment/);
    expect(await environmentOf(sim)).toMatchObject({ Status: 'Ready', VersionLabel: NEW_LABEL });
    expect(JSON.parse((await s3Text(sim, knownGoodRecordKey(APPLICATION, ENVIRONMENT)))!)).toMatchObject({
      lastKnownGood: NEW_LABEL
    });
  });

  it('rolls a crashing deploy back to the old label and exits non-zero with status rolled-back', async () => {
    sim.control.images({ image: image('agent-service', '1.5.0'), behavior: 'crash' });
    const result = await runActionAsRunner({
      actionDir,
      workspace,
      env: runEnv(),
      inputs: {
        'application-name': APPLICATION,
        'environment-name': ENVIRONMENT,
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        images: `agent-service=${image('agent-service', '1.5.0')}`,
        'poll-interval': '200ms',
        'wait-for-minutes': '5'
      }
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.outputs).toMatchObject({
      status: 'rolled-back',
      'version-label': NEW_LABEL,
      'previous-version-label': OLD_LABEL,
      health: 'Green'
    });
    expect(result.failure).toMatch(
      /Deploy of a1b2c3d-9876543210-1 failed \(Beanstalk reported an error: .*Essential container in task exited.*agent-service.*\); rolled back to chatrelay-1\.4\.0/
    );
    // ERROR events become annotations
    expect(
      result.annotations.some(
        annotation =>
          annotation.level === 'error' && annotation.message.includes('Failed to deploy application.')
      )
    ).toBe(true);
    expect(result.summary).toMatch(/rolled.back/i);
    expect(await environmentOf(sim)).toMatchObject({
      Status: 'Ready',
      Health: 'Green',
      VersionLabel: OLD_LABEL
    });
    expect(await s3Text(sim, knownGoodRecordKey(APPLICATION, ENVIRONMENT))).toBeUndefined();
  });

  it('reports version-created=true for the version it created when Beanstalk then refuses it, with a summary', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { deterministicZip } = await import('../src/zip.js');
    const zipWorkspace = mkdtempSync(path.join(tmpdir(), 'eb-zip-'));
    const invalid = readFileSync(path.join(workspace, 'chatrelay-invalid/Dockerrun.aws.json'));
    writeFileSync(
      path.join(zipWorkspace, 'bundle.zip'),
      deterministicZip([{ path: 'Dockerrun.aws.json', bytes: new Uint8Array(invalid) }])
    );
    const result = await runActionAsRunner({
      actionDir,
      workspace: zipWorkspace,
      env: runEnv(),
      inputs: {
        'application-name': APPLICATION,
        'environment-name': ENVIRONMENT,
        bundle: 'bundle.zip',
        'poll-interval': '200ms',
        'wait-for-minutes': '5'
      }
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/Beanstalk could not process version a1b2c3d-9876543210-1/);
    expect(result.outputs).toMatchObject({
      status: 'failed',
      'version-label': NEW_LABEL,
      'version-created': 'true',
      'previous-version-label': OLD_LABEL
    });
    expect(result.summary).toMatch(/### deploy-beanstalk: failed/);
    expect(result.summary).toMatch(/application version `a1b2c3d-9876543210-1` created from `s3:\/\//);
  });

  it('on SIGINT mid-update aborts the update it started (Beanstalk rolls back), reports cancelled, exits 1', async () => {
    const result = await runActionAsRunner({
      actionDir,
      workspace,
      env: runEnv(),
      plantedSecrets: [SECRET],
      inputs: {
        'application-name': APPLICATION,
        'environment-name': ENVIRONMENT,
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        images: `agent-service=${image('agent-service', '1.5.0')}`,
        'environment-variables': `NODE_ENV=production\nOPENAI_API_KEY=${SECRET}`,
        'poll-interval': '200ms',
        'wait-for-minutes': '5'
      },
      cancelWhen: /Environment update is starting/
    });
    expect(result.signals[0]).toBe('SIGINT');
    expect(result.signals).not.toContain('SIGKILL');
    expect({ exitCode: result.exitCode, log: result.log }).toMatchObject({ exitCode: 1 });
    expect(result.outputs).toMatchObject({
      status: 'cancelled',
      'version-label': NEW_LABEL,
      'version-created': 'true',
      'previous-version-label': OLD_LABEL
    });
    expect(result.failure).toMatch(
      /^Cancelled by SIGINT: chatrelay-prod: update to a1b2c3d-9876543210-1 aborted \(AbortEnvironmentUpdate\): Beanstalk rolls back to chatrelay-1\.4\.0/
    );
    expect(result.summary).toMatch(/### deploy-beanstalk: cancelled \(SIGINT\)/);
    expect(result.summary).toMatch(/abort of the update \(back to chatrelay-1\.4\.0\) started/);
    expect(sim.control.calls()['ElasticBeanstalk.AbortEnvironmentUpdate']).toBe(1);
    expect(result.masks).not.toContain('production');
  });
});
