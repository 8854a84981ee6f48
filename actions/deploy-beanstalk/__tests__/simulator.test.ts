import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeApplicationVersionsCommand,
  DescribeConfigurationSettingsCommand,
  UpdateEnvironmentCommand
} from '@aws-sdk/client-elastic-beanstalk';
import type { RunningSimulator } from '@deploy-suite/sim';
import { ActionError } from '@deploy-suite/core';
import {
  ENVIRONMENT_PROPERTIES_NAMESPACE,
  knownGoodRecordKey,
  parseKnownGoodRecord,
  type BeanstalkApi
} from '@deploy-suite/aws/beanstalk';
import {
  APPLICATION,
  BUCKET,
  ENVIRONMENT,
  NEW_LABEL,
  OLD_LABEL,
  beanstalkClient,
  deployOnSim,
  environmentOf,
  frozenSim,
  image,
  s3Text,
  seedChatRelay,
  simAdapters
} from '@deploy-suite/testing/worlds/deploy-beanstalk';

/**
 * deploy-beanstalk's logic through the real SDK adapters (sdkBeanstalkApi, sdkBundleStore) against the
 * simulator's Elastic Beanstalk and S3, on simulated time: the poll loop's sleeps advance the simulator,
 * so a deploy that takes minutes in AWS runs in milliseconds and the same way every time.
 */
let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
  await seedChatRelay(sim);
});
afterEach(async () => {
  await sim.close();
});

const SECRET = 'sk-live-sim-0123456789abcdef';

/** Calls made between two `control.calls()` snapshots. */
function callsSince(before: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, count] of Object.entries(sim.control.calls())) {
    const made = count - (before[key] ?? 0);
    if (made > 0) delta[key] = made;
  }
  return delta;
}

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.endpoint}/_app/beanstalk/${ENVIRONMENT}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('deploy-beanstalk on the simulator (real SDK adapters, simulated time)', () => {
  it("deploys ChatRelay's three-container Dockerrun v2 bundle to Ready + Green and records it as known-good", async () => {
    const { result, logger } = await deployOnSim(sim, {
      dockerrun: 'chatrelay/Dockerrun.aws.json',
      images: [
        `main-app=${image('main-app', '1.5.0')}`,
        `agent-service=${image('agent-service', '1.5.0')}`,
        `mcp-gateway=${image('mcp-gateway', '1.5.0')}`
      ].join('\n'),
      'environment-variables': `NODE_ENV=production\nPORT=8081\nOPENAI_API_KEY=${SECRET}`
    });
    expect({ status: result.status, reason: result.reason }).toEqual({
      status: 'deployed',
      reason: undefined
    });
    expect(result).toMatchObject({
      versionLabel: NEW_LABEL,
      previousVersionLabel: OLD_LABEL,
      versionCreated: true,
      environmentUrl: `http://${ENVIRONMENT}.us-east-1.elasticbeanstalk.com`,
      health: 'Green',
      bucket: BUCKET
    });
    expect(await environmentOf(sim)).toMatchObject({
      Status: 'Ready',
      Health: 'Green',
      VersionLabel: NEW_LABEL
    });
    // what answers is the new version: main-app (the serving container) runs 1.5.0
    expect(await health()).toEqual({
      status: 200,
      body: { status: 'healthy', version: '1.5.0', versionLabel: NEW_LABEL }
    });

    // the version was processed from the bundle the action uploaded, before the environment changed
    const versions = await beanstalkClient(sim).send(
      new DescribeApplicationVersionsCommand({ ApplicationName: APPLICATION, VersionLabels: [NEW_LABEL] })
    );
    expect(versions.ApplicationVersions?.[0].Status?.toUpperCase()).toBe('PROCESSED');
    expect(versions.ApplicationVersions?.[0]).toMatchObject({
      SourceBundle: { S3Bucket: BUCKET, S3Key: result.bundleKey },
      Description: 'Deployed by deploy-suite from chatrelay/chatrelay@a1b2c3d (run 9876543210, attempt 1)'
    });
    const settings = await beanstalkClient(sim).send(
      new DescribeConfigurationSettingsCommand({ ApplicationName: APPLICATION, EnvironmentName: ENVIRONMENT })
    );
    const properties = Object.fromEntries(
      (settings.ConfigurationSettings?.[0]?.OptionSettings ?? [])
        .filter(setting => setting.Namespace === ENVIRONMENT_PROPERTIES_NAMESPACE)
        .map(setting => [setting.OptionName, setting.Value])
    );
    expect(properties).toEqual({ NODE_ENV: 'production', PORT: '8081', OPENAI_API_KEY: SECRET });
    expect(logger.masked).toContain(SECRET);
    expect(logger.text()).not.toContain(SECRET);

    const record = parseKnownGoodRecord(
      (await s3Text(sim, knownGoodRecordKey(APPLICATION, ENVIRONMENT)))!,
      'the simulator'
    );
    expect(record.lastKnownGood).toBe(NEW_LABEL);
    expect(record.history[0]).toMatchObject({
      label: NEW_LABEL,
      sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
    });
    // stamped with simulated time (the deploy took ~70 simulated seconds after the environment launched)
    expect(Date.parse(record.history[0].at) / 1000).toBeCloseTo(sim.control.now(), -1);

    const text = logger.text();
    expect(text).toMatch(/UpdateEnvironment: chatrelay-prod chatrelay-1\.4\.0 -> a1b2c3d-9876543210-1/);
    expect(text).toMatch(/INFO {2}Environment update completed successfully\./);
    expect(text.match(/Environment update is starting\./g)).toHaveLength(1); // each event printed once
  });

  it('deploys a docker-compose bundle (Docker platform on Amazon Linux 2023)', async () => {
    const { result } = await deployOnSim(sim, {
      compose: 'chatrelay-compose/docker-compose.yml',
      images: `main-app=${image('main-app', '1.5.1')}`,
      'version-label': 'chatrelay-compose-1.5.1'
    });
    expect(result).toMatchObject({
      status: 'deployed',
      versionLabel: 'chatrelay-compose-1.5.1',
      previousVersionLabel: OLD_LABEL,
      health: 'Green'
    });
    expect(await environmentOf(sim)).toMatchObject({
      Status: 'Ready',
      VersionLabel: 'chatrelay-compose-1.5.1'
    });
    expect((await health()).body).toMatchObject({ status: 'healthy', version: '1.5.1' });
  });

  it('reuses the version an earlier attempt of the run created: no second upload or CreateApplicationVersion', async () => {
    const inputs = {
      dockerrun: 'chatrelay/Dockerrun.aws.json',
      images: `main-app=${image('main-app', '1.5.0')}`
    };
    const first = await deployOnSim(sim, inputs);
    expect(first.result).toMatchObject({ status: 'deployed', versionLabel: NEW_LABEL, versionCreated: true });

    const before = sim.control.calls();
    const rerun = await deployOnSim(sim, inputs, { run: { runAttempt: 2 } });
    expect(rerun.result).toMatchObject({
      status: 'deployed',
      versionLabel: NEW_LABEL, // attempt 1's label, not a1b2c3d-9876543210-2
      versionCreated: false,
      previousVersionLabel: NEW_LABEL
    });
    expect(rerun.logger.text()).toMatch(
      /Reusing version a1b2c3d-9876543210-1: an earlier attempt of this run created it|Reusing version a1b2c3d-9876543210-1: an earlier attempt of this run created a1b2c3d-9876543210-1 with the same bundle/
    );
    const made = callsSince(before);
    expect(made['ElasticBeanstalk.CreateApplicationVersion']).toBeUndefined();
    expect(made['S3.PutObject'] ?? 0).toBe(1); // only the known-good record, no bundle
    expect(made['S3.CreateMultipartUpload']).toBeUndefined();
    expect(made['ElasticBeanstalk.UpdateEnvironment']).toBe(1);

    // an explicit label that exists with the same bundle is reused too
    const again = await deployOnSim(sim, { ...inputs, 'version-label': NEW_LABEL });
    expect(again.result).toMatchObject({ status: 'deployed', versionCreated: false });
    expect(sim.control.calls()['ElasticBeanstalk.CreateApplicationVersion']).toBe(2); // seed + first run
  });

  it('refuses an existing label that holds a different bundle, before touching the environment', async () => {
    await deployOnSim(sim, { dockerrun: 'chatrelay/Dockerrun.aws.json', 'version-label': 'chatrelay-1.5.0' });
    const before = sim.control.calls();
    await expect(
      deployOnSim(sim, {
        dockerrun: 'chatrelay/Dockerrun.aws.json',
        images: `main-app=${image('main-app', '1.5.9')}`,
        'version-label': 'chatrelay-1.5.0'
      })
    ).rejects.toThrow(
      /Version "chatrelay-1\.5\.0" already exists in application ChatRelay with a different bundle/
    );
    expect(callsSince(before)['ElasticBeanstalk.UpdateEnvironment']).toBeUndefined();
  });

  it('refuses a Dockerrun Beanstalk would refuse (a container without image) before uploading anything', async () => {
    const before = JSON.stringify(sim.control.calls());
    const failure = deployOnSim(sim, { dockerrun: 'chatrelay-invalid/Dockerrun.aws.json' });
    await expect(failure).rejects.toThrow(ActionError);
    await expect(failure).rejects.toThrow(
      /Input "dockerrun": .*Dockerrun\.aws\.json would be refused by Beanstalk: container "agent-service" has no "image"/
    );
    // refused while building the bundle: not one call reached AWS
    expect(JSON.stringify(sim.control.calls())).toBe(before);
  });

  it('stops at processing when Beanstalk refuses a prebuilt zip, with its reason, and never updates the environment', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { deterministicZip } = await import('../src/zip.js');
    const workspace = mkdtempSync(path.join(tmpdir(), 'eb-zip-'));
    const dockerrun = readFileSync(
      new URL('./fixtures/chatrelay-invalid/Dockerrun.aws.json', import.meta.url)
    );
    writeFileSync(
      path.join(workspace, 'bundle.zip'),
      deterministicZip([{ path: 'Dockerrun.aws.json', bytes: new Uint8Array(dockerrun) }])
    );
    const failure = deployOnSim(sim, { bundle: 'bundle.zip' }, { run: { workspace } });
    await expect(failure).rejects.toThrow(ActionError);
    await expect(failure).rejects.toThrow(
      /Beanstalk could not process version a1b2c3d-9876543210-1: Failed to process application version a1b2c3d-9876543210-1: .*agent-service.*no image.*The environment was not changed\./
    );
    expect(sim.control.calls()['ElasticBeanstalk.UpdateEnvironment']).toBeUndefined();
    expect(await environmentOf(sim)).toMatchObject({
      Status: 'Ready',
      Health: 'Green',
      VersionLabel: OLD_LABEL
    });
  });

  it('detects a crashing image, rolls back to the previous label and ends Ready + Green on it (status rolled-back)', async () => {
    sim.control.images({ image: image('agent-service', '1.5.0'), behavior: 'crash' });
    const { result, logger } = await deployOnSim(sim, {
      dockerrun: 'chatrelay/Dockerrun.aws.json',
      images: `main-app=${image('main-app', '1.5.0')}\nagent-service=${image('agent-service', '1.5.0')}`
    });
    expect(result).toMatchObject({
      status: 'rolled-back',
      versionLabel: NEW_LABEL,
      previousVersionLabel: OLD_LABEL,
      rollback: { to: OLD_LABEL, ok: true },
      health: 'Green'
    });
    expect(result.reason).toMatch(
      /Beanstalk reported an error: \[Instance: i-[0-9a-f]+\] ECS task stopped due to: Essential container in task exited\. \(agent-service: exit code 1\)/
    );
    expect(await environmentOf(sim)).toMatchObject({
      Status: 'Ready',
      Health: 'Green',
      VersionLabel: OLD_LABEL
    });
    expect(await health()).toEqual({
      status: 200,
      body: { status: 'healthy', version: '1.4.0', versionLabel: OLD_LABEL }
    });
    expect(sim.control.calls()['ElasticBeanstalk.UpdateEnvironment']).toBe(2); // the deploy, the rollback
    expect(logger.messages('error').join('\n')).toMatch(/Essential container in task exited/);
    // a failed deploy is not known-good, and no version was deleted
    expect(await s3Text(sim, knownGoodRecordKey(APPLICATION, ENVIRONMENT))).toBeUndefined();
    const versions = await beanstalkClient(sim).send(
      new DescribeApplicationVersionsCommand({ ApplicationName: APPLICATION })
    );
    expect(versions.ApplicationVersions?.map(version => version.VersionLabel).sort()).toEqual(
      [NEW_LABEL, OLD_LABEL].sort()
    );
  });

  it('without rollback-on-failure, reports failed once Beanstalk goes back to the old label (no six-hour wait)', async () => {
    sim.control.images({ image: image('main-app', '1.5.0'), behavior: 'pull-error' });
    const startedAt = sim.control.now();
    const { result } = await deployOnSim(sim, {
      dockerrun: 'chatrelay/Dockerrun.aws.json',
      images: `main-app=${image('main-app', '1.5.0')}`,
      'rollback-on-failure': 'false'
    });
    expect(result).toMatchObject({ status: 'failed', rollback: { skipped: 'rollback-on-failure is false' } });
    expect(result.reason).toMatch(/CannotPullContainerError/);
    expect(sim.control.now() - startedAt).toBeLessThan(120); // failed within simulated minutes, not hours
    expect(sim.control.calls()['ElasticBeanstalk.UpdateEnvironment']).toBe(1);
  });

  it('waits for an environment busy with another update before calling UpdateEnvironment', async () => {
    // someone else's deploy (eb deploy --version chatrelay-1.4.0) has just started
    await beanstalkClient(sim).send(
      new UpdateEnvironmentCommand({ EnvironmentName: ENVIRONMENT, VersionLabel: OLD_LABEL })
    );
    expect(await environmentOf(sim)).toMatchObject({ Status: 'Updating' });
    const { result, logger } = await deployOnSim(sim, {
      dockerrun: 'chatrelay/Dockerrun.aws.json',
      images: `main-app=${image('main-app', '1.5.0')}`
    });
    expect(result).toMatchObject({
      status: 'deployed',
      versionLabel: NEW_LABEL,
      previousVersionLabel: OLD_LABEL
    });
    expect(logger.text()).toMatch(
      /Environment chatrelay-prod is Updating \(another update is running\); waiting for Ready first/
    );
    // ours came only after the other finished: no UpdateEnvironment was refused
    expect(sim.control.calls()['ElasticBeanstalk.UpdateEnvironment']).toBe(2);
  });

  it('calls UpdateEnvironment again when another update slips in between the Ready look and the update', async () => {
    const { api, store } = simAdapters(sim);
    let raced = false;
    const racing: BeanstalkApi = {
      ...api,
      async updateEnvironment(request) {
        if (!raced) {
          raced = true; // a back-to-back push: another workflow's update lands first
          await beanstalkClient(sim).send(
            new UpdateEnvironmentCommand({ EnvironmentName: ENVIRONMENT, VersionLabel: OLD_LABEL })
          );
        }
        return api.updateEnvironment(request);
      }
    };
    const { result, logger } = await deployOnSim(
      sim,
      { dockerrun: 'chatrelay/Dockerrun.aws.json', images: `main-app=${image('main-app', '1.5.0')}` },
      { adapters: { api: racing, store } }
    );
    expect(result).toMatchObject({ status: 'deployed', versionLabel: NEW_LABEL });
    expect(logger.text()).toMatch(/became busy before the update; waiting again/);
    // the other update, our refused one ("invalid state ... Must be Ready"), our accepted one
    expect(sim.control.calls()['ElasticBeanstalk.UpdateEnvironment']).toBe(3);
  });

  it('still deploys when describes are throttled (the SDK retries Beanstalk\'s "Throttling")', async () => {
    // One throttled answer per describe operation: the shipped adaptive retry mode paces the client in
    // real time after a throttle (about 3 s here), so more would only slow the test, not prove more.
    // Throttling that outlasts the SDK's retries is ridden out by the poll loop (watch.test.ts).
    for (const operation of ['ElasticBeanstalk.DescribeEnvironments', 'ElasticBeanstalk.DescribeEvents']) {
      sim.control.faults({ operation, throttle: 1, times: 1 });
    }
    const { result } = await deployOnSim(sim, {
      dockerrun: 'chatrelay/Dockerrun.aws.json',
      images: `main-app=${image('main-app', '1.5.0')}`
    });
    expect(result).toMatchObject({ status: 'deployed', versionLabel: NEW_LABEL, health: 'Green' });
    expect(await environmentOf(sim)).toMatchObject({ Status: 'Ready', VersionLabel: NEW_LABEL });
  });
});
