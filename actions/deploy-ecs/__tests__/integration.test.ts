import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ListTagsForResourceCommand } from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { primaryDeployment as primaryOf } from '@deploy-suite/testing';
import {
  AI_ML,
  BACKEND,
  aiMlImage,
  aiMlSeed,
  backendImage,
  backendSeed,
  describeService,
  deployOnSim,
  frozenSim,
  sdkClient,
  seedServices
} from '@deploy-suite/testing/worlds/deploy-ecs';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

describe('deploy-ecs on the simulator', () => {
  it('deploys a new image, waits until PRIMARY+COMPLETED, and records the revision as known-good', async () => {
    const before = await seedServices(sim, [backendSeed]);
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`
    });
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'deployed' });
    const [backend] = result.services;
    expect(backend).toMatchObject({ result: 'deployed', previousTaskDefinitionArn: before[BACKEND] });
    expect(backend.taskDefinitionArn).toMatch(/task-definition\/docuthinker-backend:2$/);
    const described = await describeService(sim, BACKEND);
    expect(primaryOf(described)).toMatchObject({
      id: backend.deploymentId,
      taskDefinition: backend.taskDefinitionArn,
      rolloutState: 'COMPLETED'
    });
    const tags = await sdkClient(sim).send(
      new ListTagsForResourceCommand({ resourceArn: described.serviceArn })
    );
    expect(tags.tags).toEqual(
      expect.arrayContaining([{ key: 'deploy-suite:last-known-good', value: backend.taskDefinitionArn }])
    );
    const tdTags = await sdkClient(sim).send(
      new ListTagsForResourceCommand({ resourceArn: backend.taskDefinitionArn })
    );
    expect(tdTags.tags?.map(tag => tag.key)).toContain('deploy-suite:deployed-ok');
    expect(logger.text()).toMatch(/~ backend image: .*docuthinker-backend:v1 -> .*docuthinker-backend:v2/);
    expect(logger.text()).toMatch(/backend-service: 2\/2 running, 0 pending, rollout COMPLETED/);
    // Secrets, logConfiguration and the X-Ray sidecar were carried over untouched.
    const registered = await sdkClient(sim).send(
      new (await import('@aws-sdk/client-ecs')).DescribeTaskDefinitionCommand({
        taskDefinition: backend.taskDefinitionArn
      })
    );
    const containers = registered.taskDefinition!.containerDefinitions!;
    expect(containers.map(container => container.name)).toEqual(['backend', 'xray-daemon']);
    expect(containers[0].secrets).toEqual([
      {
        name: 'OPENAI_API_KEY',
        valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docuthinker/openai'
      }
    ]);
    expect(containers[0].logConfiguration?.logDriver).toBe('awslogs');
  });

  it('record-known-good: false deploys without touching the known-good record (the pipeline records it once verified)', async () => {
    await seedServices(sim, [backendSeed]);
    const { result } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`,
      'record-known-good': 'false'
    });
    expect(result.status).toBe('deployed');
    const described = await describeService(sim, BACKEND);
    const tags = await sdkClient(sim).send(
      new ListTagsForResourceCommand({ resourceArn: described.serviceArn })
    );
    expect(tags.tags?.map(tag => tag.key) ?? []).not.toContain('deploy-suite:last-known-good');
  });

  it('detects a crash loop from the first stopped task and rolls back before the circuit breaker trips', async () => {
    const before = await seedServices(sim, [{ ...backendSeed, desiredCount: 10, maximumPercent: 110 }]);
    sim.control.images({ image: backendImage('v2'), behavior: 'crash' });
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`
    });
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/Essential container in task exited.*backend exit 1/);
    expect(result.services[0]).toMatchObject({
      result: 'rolled-back',
      previousTaskDefinitionArn: before[BACKEND]
    });
    const described = await describeService(sim, BACKEND);
    expect(primaryOf(described)).toMatchObject({
      taskDefinition: before[BACKEND],
      rolloutState: 'COMPLETED'
    });
    expect(described.deployments).toHaveLength(1);
    // Our rollback came first: ECS never had to start its own.
    expect(logger.text()).not.toMatch(/circuit breaker is already rolling back/);
  });

  it('reports a circuit-breaker rollback as a failure (rolled-back), waiting for ECS instead of fighting it', async () => {
    const before = await seedServices(sim, [backendSeed]);
    sim.control.images({ image: backendImage('v2'), behavior: 'pull-error' });
    // Without task reads (a fake that lists no stopped tasks) only the circuit breaker can end the rollout.
    const { simApi } = await import('@deploy-suite/testing/worlds/deploy-ecs');
    const real = simApi(sim);
    const api = { ...real, listTasks: async () => ({ taskArns: [] }) };
    const { result, logger } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { api }
    );
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/circuit breaker/);
    expect(logger.text()).toMatch(
      /ECS circuit breaker is already rolling back to .*docuthinker-backend:1; waiting for it/
    );
    const described = await describeService(sim, BACKEND);
    expect(primaryOf(described)).toMatchObject({
      taskDefinition: before[BACKEND],
      rolloutState: 'COMPLETED'
    });
    const calls = sim.control.calls();
    // One UpdateService: ours. The rollback was ECS's own.
    expect(
      Object.entries(calls)
        .filter(([name]) => name.includes('UpdateService'))
        .map(([, count]) => count)
    ).toEqual([1]);
  });

  it('fails fast on an image pull error and names CannotPullContainerError', async () => {
    await seedServices(sim, [backendSeed]);
    sim.control.images({ image: backendImage('v404'), behavior: 'pull-error' });
    const { result } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v404')}`
    });
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/CannotPullContainerError/);
  });

  it('stops at the deadline, says where things stood, and rolls back', async () => {
    const before = await seedServices(sim, [backendSeed]);
    const { result, logger } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { waitMs: 20_000 }
    );
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'rolled-back' });
    expect(result.reason).toMatch(
      /Timed out after 20s waiting for deployment of backend-service; last seen: backend-service: 0\/2 running/
    );
    expect(primaryOf(await describeService(sim, BACKEND))).toMatchObject({
      taskDefinition: before[BACKEND],
      rolloutState: 'COMPLETED'
    });
  });

  it('rides out a throttling storm and still deploys', async () => {
    await seedServices(sim, [backendSeed]);
    // Every operation the deploy uses is refused: throttled, or 503. The SDK's adaptive retries (and its
    // client-side rate limiter, which waits in real time) absorb them; kept short so the test stays fast.
    for (const operation of [
      'DescribeServices',
      'DescribeTaskDefinition',
      'RegisterTaskDefinition',
      'UpdateService'
    ]) {
      sim.control.faults({ operation: `ECS.${operation}`, throttle: 1, times: 1 });
    }
    sim.control.faults({ operation: 'ECS.ListServiceDeployments', throttle: 1, times: 1 });
    sim.control.faults({ operation: 'ECS.DescribeServiceDeployments', error5xx: 1, times: 1 });
    const { result } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`,
      'poll-interval': '30s'
    });
    expect(result.status).toBe('deployed');
    // The storm really hit: every rule used up its throttled calls.
    expect(sim.control.faultRules()).toEqual([]);
  });

  it('a throttling storm before the first change fails as AWS refusing, saying nothing was changed', async () => {
    await seedServices(sim, [backendSeed]);
    const { simApi } = await import('@deploy-suite/testing/worlds/deploy-ecs');
    const real = simApi(sim);
    const api = {
      ...real,
      describeServices: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
    };
    const attempt = deployOnSim(sim, { service: BACKEND, images: `backend=${backendImage('v2')}` }, { api });
    await expect(attempt).rejects.toMatchObject({
      kind: 'aws',
      message: 'DescribeServices in cluster "docuthinker-cluster" failed: Rate exceeded; nothing was changed'
    });
  });

  it('rides out a DescribeServices throttling storm longer than the SDK retries: the watch backs off until it deploys', async () => {
    await seedServices(sim, [backendSeed]);
    const { simApi } = await import('@deploy-suite/testing/worlds/deploy-ecs');
    const real = simApi(sim);
    let updated = false;
    let refused = 0;
    const api = {
      ...real,
      updateService: async (...args: Parameters<typeof real.updateService>) => {
        updated = true;
        return real.updateService(...args);
      },
      // what the SDK hands back when its own retries are spent: ThrottlingException, "Rate exceeded"
      describeServices: async (...args: Parameters<typeof real.describeServices>) => {
        if (updated && refused < 6) {
          refused++;
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 }
          });
        }
        return real.describeServices(...args);
      }
    };
    const { result, logger } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { api }
    );
    expect(refused).toBe(6);
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'deployed' });
    expect(logger.text()).toMatch(
      /a describe call failed \(ThrottlingException\); backing off and looking again until the deadline \(\d+\w* elapsed\)/
    );
  });

  it('deploys two services all or nothing: one fails, both end on their previous revisions', async () => {
    const before = await seedServices(sim, [backendSeed, aiMlSeed]);
    sim.control.images({ image: aiMlImage('v2'), behavior: 'unhealthy' });
    const { result } = await deployOnSim(sim, {
      service: `${BACKEND}\n${AI_ML}`,
      images: `backend=${backendImage('v2')}\nai-ml=${aiMlImage('v2')}`
    });
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/ai-ml-service: .*health checks/);
    expect(result.services.map(service => service.result)).toEqual(['rolled-back', 'rolled-back']);
    for (const name of [BACKEND, AI_ML]) {
      expect(primaryOf(await describeService(sim, name))).toMatchObject({
        taskDefinition: before[name],
        rolloutState: 'COMPLETED'
      });
    }
  });

  it('desired-count 0 is warned about and never recorded as known-good', async () => {
    await seedServices(sim, [backendSeed]);
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`,
      'desired-count': '0'
    });
    expect(logger.messages('warning').join('\n')).toMatch(
      /"desired-count" is 0.*not recorded as last known-good/
    );
    const described = await describeService(sim, BACKEND);
    const tags = await sdkClient(sim).send(
      new ListTagsForResourceCommand({ resourceArn: described.serviceArn })
    );
    expect(tags.tags?.map(tag => tag.key) ?? []).not.toContain('deploy-suite:last-known-good');
    expect(result.services[0].taskDefinitionArn).toBeDefined();
  });

  it('dry-run renders and diffs, and changes nothing', async () => {
    await seedServices(sim, [backendSeed]);
    const callsBefore = sim.control.calls();
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`,
      'environment-variables': 'backend.LOG_LEVEL=debug',
      'dry-run': 'true'
    });
    expect(result.status).toBe('planned');
    expect(logger.text()).toMatch(/\+ backend env LOG_LEVEL added/);
    expect(logger.text()).not.toMatch(/LOG_LEVEL.*debug/);
    const after = sim.control.calls();
    const mutating = Object.keys(after).filter(
      name =>
        /RegisterTaskDefinition|UpdateService|TagResource|CreateService|DeregisterTaskDefinition/.test(
          name
        ) && after[name] !== callsBefore[name]
    );
    expect(mutating).toEqual([]);
  });
});
