import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import {
  FakeClock,
  MemoryLogger,
  objectInputReader,
  FakeBeanstalk,
  FakeBundleStore
} from '@deploy-suite/testing';
import { Inputs } from '@deploy-suite/core';
import { knownGoodRecordKey, readKnownGoodRecord } from '@deploy-suite/aws/beanstalk';
import { buildBundle, type BuiltBundle } from '../src/bundle.js';
import { readDeployBeanstalkInputs, type DeployBeanstalkInputs } from '../src/inputs.js';
import { deployBeanstalk } from '../src/deploy.js';
import { bundleKey } from '../src/label.js';
import { renderSummary } from '../src/summary.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const T0 = Date.parse('2025-03-01T12:00:00Z');
const BUCKET = 'elasticbeanstalk-us-east-1-123456789012';
const MUTATING = ['CreateApplicationVersion', 'UpdateEnvironment', 'CreateStorageLocation'];
const SECRET = 'sk-live-0123456789abcdef';

async function setUp(inputs: Record<string, string> = {}, attempt = 1) {
  const clock = new FakeClock(T0);
  const store = new FakeBundleStore();
  const api = new FakeBeanstalk(clock, store)
    .addEnvironment({ application: 'ChatRelay', name: 'chatrelay-prod', versionLabel: 'chatrelay-1.4.0' })
    .addVersion({ application: 'ChatRelay', label: 'chatrelay-1.4.0' });
  const logger = new MemoryLogger();
  const config: DeployBeanstalkInputs = readDeployBeanstalkInputs(
    new Inputs(
      objectInputReader({
        'application-name': 'ChatRelay',
        'environment-name': 'chatrelay-prod',
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        images: 'main-app=123456789012.dkr.ecr.us-east-1.amazonaws.com/chatrelay/main-app:1.5.0',
        'environment-variables': `NODE_ENV=production\nOPENAI_API_KEY=${SECRET}`,
        ...inputs
      })
    ),
    {
      sha: 'a1b2c3d4e5f60718293a',
      runId: '9876543210',
      runAttempt: attempt,
      repository: 'chatrelay/chatrelay',
      workspace: fixtures
    }
  );
  const bundle: BuiltBundle = await buildBundle(config.bundle, config.images);
  const deps = { api, store, logger, clock, random: () => 0 };
  return { clock, store, api, logger, config, bundle, deps };
}

describe('deployBeanstalk over in-memory Beanstalk and S3', () => {
  it('deploys the ChatRelay bundle: upload, version, update with environment properties, Ready + Green, record', async () => {
    const { api, store, logger, config, bundle, deps } = await setUp();
    const result = await deployBeanstalk(config, bundle, deps);
    expect(result).toMatchObject({
      status: 'deployed',
      versionLabel: 'a1b2c3d-9876543210-1',
      previousVersionLabel: 'chatrelay-1.4.0',
      versionCreated: true,
      health: 'Green',
      environmentUrl: 'http://chatrelay-prod.us-east-1.elasticbeanstalk.com',
      bucket: BUCKET,
      bundleKey: bundleKey('ChatRelay', bundle.sha256)
    });
    expect(store.has(BUCKET, bundleKey('ChatRelay', bundle.sha256))).toBe(true);
    expect(api.optionSettingsOf('chatrelay-prod')).toEqual({
      NODE_ENV: 'production',
      OPENAI_API_KEY: SECRET
    });
    expect(logger.masked).toContain(SECRET);
    expect(logger.text()).not.toContain(SECRET);
    const record = await readKnownGoodRecord(store, BUCKET, 'ChatRelay', 'chatrelay-prod');
    expect(record?.lastKnownGood).toBe('a1b2c3d-9876543210-1');
    expect(record?.history[0]).toMatchObject({ label: 'a1b2c3d-9876543210-1', sha: 'a1b2c3d4e5f60718293a' });
    expect(Date.parse(record!.history[0].at)).toBeGreaterThan(T0 + 60_000); // after the 60 s update
    // the order that matters: processed before the environment is touched
    const operations = api.calls.map(call => call.operation);
    expect(operations.indexOf('CreateApplicationVersion')).toBeLessThan(
      operations.indexOf('UpdateEnvironment')
    );
    const summary = renderSummary(config, result, 'us-east-1');
    expect(summary).toContain('`chatrelay-1.4.0` → `a1b2c3d-9876543210-1` (new)');
    expect(summary).toContain('✅ deployed');
    expect(summary).toContain('Environment update completed successfully.');
  });

  it('rolls back when an ERROR event follows the update and ends Ready on the old label', async () => {
    const { api, store, logger, config, bundle, deps } = await setUp();
    api.onDeploy('a1b2c3d-9876543210-1', { kind: 'crash', errorAtMs: 40_000, updatingMs: 600_000 });
    const result = await deployBeanstalk(config, bundle, deps);
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/Beanstalk reported an error: .*container main-app exited with code 1/);
    expect(result.rollback).toEqual({ to: 'chatrelay-1.4.0', ok: true });
    const environment = await api.describeEnvironment('ChatRelay', 'chatrelay-prod');
    expect(environment).toMatchObject({ Status: 'Ready', VersionLabel: 'chatrelay-1.4.0', Health: 'Green' });
    // the failed version is kept (never deleted) and not recorded as known good
    expect(await api.describeApplicationVersions('ChatRelay', ['a1b2c3d-9876543210-1'])).toHaveLength(1);
    expect(store.text(BUCKET, knownGoodRecordKey('ChatRelay', 'chatrelay-prod'))).toBeUndefined();
    expect(logger.messages('error').join('\n')).toMatch(/Failed to deploy application\./);
    expect(renderSummary(config, result, 'us-east-1')).toContain('to `chatrelay-1.4.0`: Ready and healthy');
  });

  it('does not roll back when rollback-on-failure is false', async () => {
    const { api, config, bundle, deps } = await setUp({ 'rollback-on-failure': 'false' });
    api.onDeploy('a1b2c3d-9876543210-1', { kind: 'crash' });
    const result = await deployBeanstalk(config, bundle, deps);
    expect(result).toMatchObject({ status: 'failed', rollback: { skipped: 'rollback-on-failure is false' } });
    expect(api.count('UpdateEnvironment')).toBe(1);
  });

  it('reports failed when the rollback fails too', async () => {
    const { api, config, bundle, deps } = await setUp();
    api.onDeploy('a1b2c3d-9876543210-1', { kind: 'crash' }).onDeploy('chatrelay-1.4.0', { kind: 'red' });
    const result = await deployBeanstalk(config, bundle, deps);
    expect(result).toMatchObject({ status: 'failed', rollback: { to: 'chatrelay-1.4.0', ok: false } });
  });

  it('waits for an environment busy with another update, then deploys', async () => {
    const { api, logger, config, bundle, deps } = await setUp();
    api.busy('chatrelay-prod', 5 * 60_000);
    const result = await deployBeanstalk(config, bundle, deps);
    expect(result.status).toBe('deployed');
    expect(api.calls.find(call => call.operation === 'UpdateEnvironment')!.at).toBeGreaterThanOrEqual(
      T0 + 5 * 60_000
    );
    expect(logger.text()).toMatch(/is Updating \(another update is running\); waiting for Ready first/);
  });

  it('reuses the version on a re-run with the same bundle: nothing uploaded or created again', async () => {
    const first = await setUp();
    await deployBeanstalk(first.config, first.bundle, first.deps);
    // attempt 2 of the same run, same files
    const rerun = await setUp({}, 2);
    const { api, store, deps } = {
      ...rerun,
      api: first.api,
      store: first.store,
      deps: { ...rerun.deps, api: first.api, store: first.store, clock: first.clock }
    };
    const uploads = store.calls.filter(call => call.operation === 'Upload').length;
    const creates = api.count('CreateApplicationVersion');
    const result = await deployBeanstalk(rerun.config, rerun.bundle, deps);
    expect(result).toMatchObject({
      status: 'deployed',
      versionLabel: 'a1b2c3d-9876543210-1',
      versionCreated: false
    });
    expect(store.calls.filter(call => call.operation === 'Upload').length).toBe(uploads);
    expect(api.count('CreateApplicationVersion')).toBe(creates);
  });

  it('reuses an explicit label that exists with the same bundle, refuses one with another bundle', async () => {
    const { api, config, bundle, deps } = await setUp({ 'version-label': 'chatrelay-1.5.0' });
    api.addVersion({
      application: 'ChatRelay',
      label: 'chatrelay-1.5.0',
      bucket: BUCKET,
      key: bundleKey('ChatRelay', bundle.sha256)
    });
    expect(await deployBeanstalk(config, bundle, deps)).toMatchObject({
      status: 'deployed',
      versionCreated: false
    });

    const other = await setUp({ 'version-label': 'chatrelay-1.4.0' });
    await expect(deployBeanstalk(other.config, other.bundle, other.deps)).rejects.toThrow(
      /Version "chatrelay-1.4.0" already exists in application ChatRelay with a different bundle/
    );
    expect(other.api.calls.filter(call => call.operation === 'UpdateEnvironment')).toHaveLength(0);
  });

  it("fails with AWS's reason when processing fails, before touching the environment", async () => {
    const { api, config, bundle, deps } = await setUp();
    api.onProcess('a1b2c3d-9876543210-1', {
      status: 'Failed',
      afterMs: 20_000,
      reason: 'Dockerrun.aws.json: container main-app is missing the required "memory" or "memoryReservation"'
    });
    await expect(deployBeanstalk(config, bundle, deps)).rejects.toThrow(
      /Beanstalk could not process version a1b2c3d-9876543210-1: Failed to process application version .*memory.*The environment was not changed\./
    );
    expect(api.count('UpdateEnvironment')).toBe(0);
  });

  it('fails before any change when the application or environment does not exist', async () => {
    const app = await setUp({ 'application-name': 'ChatRelayy' });
    await expect(deployBeanstalk(app.config, app.bundle, app.deps)).rejects.toThrow(
      /^Input "application-name": application "ChatRelayy" was not found .*check "application-name"/
    );
    const env = await setUp({ 'environment-name': 'chatrelay-staging' });
    await expect(deployBeanstalk(env.config, env.bundle, env.deps)).rejects.toThrow(
      /^Input "environment-name": environment "chatrelay-staging" of ChatRelay was not found .*check "environment-name"/
    );
    for (const { api, store } of [app, env]) {
      expect(api.calls.filter(call => MUTATING.includes(call.operation))).toHaveLength(0);
      expect(store.calls.filter(call => call.operation === 'Upload')).toHaveLength(0);
    }
  });

  it('accepts Yellow when asked, and keeps waiting for Green (to the deadline) when not', async () => {
    const yellow = await setUp({ 'accepted-health': 'Green,Yellow' });
    yellow.api.onDeploy('a1b2c3d-9876543210-1', { kind: 'healthy', finalHealth: 'Yellow' });
    expect(await deployBeanstalk(yellow.config, yellow.bundle, yellow.deps)).toMatchObject({
      status: 'deployed',
      health: 'Yellow'
    });

    const green = await setUp({ 'wait-for-minutes': '5', 'rollback-on-failure': 'false' });
    green.api.onDeploy('a1b2c3d-9876543210-1', { kind: 'healthy', finalHealth: 'Yellow' });
    const result = await deployBeanstalk(green.config, green.bundle, green.deps);
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(
      /Timed out after 4m\d\ds waiting for chatrelay-prod to be Ready .*health Yellow.*waiting for health Green/
    );
  });

  it('uses the given bucket instead of the storage location', async () => {
    const { api, store, config, bundle, deps } = await setUp({ bucket: 'chatrelay-deploy-bundles' });
    await deployBeanstalk(config, bundle, deps);
    expect(api.count('CreateStorageLocation')).toBe(0);
    expect(store.has('chatrelay-deploy-bundles', bundleKey('ChatRelay', bundle.sha256))).toBe(true);
    expect(
      store.text('chatrelay-deploy-bundles', knownGoodRecordKey('ChatRelay', 'chatrelay-prod'))
    ).toContain('lastKnownGood');
  });
});
