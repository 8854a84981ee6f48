import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeServiceDeploymentsCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ServiceDeployment
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import { seedEcsServices, primaryDeployment as primaryOf } from '@deploy-suite/testing';
import type { EcsApi } from '@deploy-suite/aws/ecs';
import {
  BACKEND,
  CLUSTER,
  backendImage,
  deployOnSim,
  describeService,
  frozenSim,
  sdkClient,
  simApi,
  taskDefinition
} from '@deploy-suite/testing/worlds/deploy-ecs';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

const BREAKER = { enable: true, rollback: true };
const STRATEGIES: Record<string, DeploymentConfiguration> = {
  ROLLING: { deploymentCircuitBreaker: BREAKER },
  BLUE_GREEN: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 2, deploymentCircuitBreaker: BREAKER },
  LINEAR: {
    strategy: 'LINEAR',
    bakeTimeInMinutes: 1,
    linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 },
    deploymentCircuitBreaker: BREAKER
  },
  CANARY: {
    strategy: 'CANARY',
    bakeTimeInMinutes: 1,
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
    deploymentCircuitBreaker: BREAKER
  }
};

/** DocuThinker's backend service (seed 001) on the given deployment configuration; returns its revision. */
async function seedBackend(deploymentConfiguration: DeploymentConfiguration): Promise<string> {
  const arns = await seedEcsServices(sim, CLUSTER, [
    {
      name: BACKEND,
      taskDefinition: taskDefinition('docuthinker-backend', 'backend', backendImage('v1'), 5000),
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, ...deploymentConfiguration }
    }
  ]);
  return arns[BACKEND];
}

async function serviceDeployment(arn: string): Promise<ServiceDeployment> {
  const output = await sdkClient(sim).send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })
  );
  return output.serviceDeployments![0];
}

/** The action's EcsApi, with a hook on each DescribeServiceDeployments (to act mid-rollout) and the calls it made. */
function watchedApi(onDescribe?: (count: number) => Promise<void> | void): {
  api: EcsApi;
  stopped: string[];
  continued: string[];
} {
  const real = simApi(sim);
  const stopped: string[] = [];
  const continued: string[] = [];
  let count = 0;
  const api: EcsApi = {
    ...real,
    describeServiceDeployments: async input => {
      count++;
      await onDescribe?.(count);
      return real.describeServiceDeployments(input);
    },
    stopServiceDeployment: async input => {
      stopped.push(input.serviceDeploymentArn!);
      return real.stopServiceDeployment(input);
    },
    continueServiceDeployment: async input => {
      continued.push(`${input.serviceDeploymentArn}#${input.action ?? 'CONTINUE'}`);
      return real.continueServiceDeployment(input);
    }
  };
  return { api, stopped, continued };
}

describe.each(Object.keys(STRATEGIES))('deploy-ecs with strategy %s on the simulator', strategy => {
  it('deploys a good image, and only once ECS says SUCCESSFUL (after the bake time)', async () => {
    const config = STRATEGIES[strategy];
    await seedBackend(config);
    const startedAt = sim.control.now();
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`
    });
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'deployed' });
    const [backend] = result.services;
    expect(backend).toMatchObject({ strategy, result: 'deployed' });
    expect(backend.serviceDeploymentArn).toMatch(
      /:service-deployment\/docuthinker-cluster\/backend-service\//
    );
    const deployment = await serviceDeployment(backend.serviceDeploymentArn!);
    expect(deployment.status).toBe('SUCCESSFUL');
    // Reported no earlier than ECS finished, which is after the bake.
    expect(sim.control.now()).toBeGreaterThanOrEqual(deployment.finishedAt!.getTime() / 1000);
    const bakeSeconds = (config.bakeTimeInMinutes ?? 0) * 60;
    expect(deployment.finishedAt!.getTime() / 1000 - startedAt).toBeGreaterThanOrEqual(bakeSeconds);
    expect(logger.text()).toMatch(
      new RegExp(`^backend-service: ${strategy}.*circuit breaker on\\+rollback$`, 'm')
    );
    if (strategy !== 'ROLLING') expect(logger.text()).toMatch(/stage BAKE_TIME/);
    expect(primaryOf(await describeService(sim, BACKEND))).toMatchObject({
      taskDefinition: backend.taskDefinitionArn,
      rolloutState: 'COMPLETED'
    });
  });

  it('rolls a crash-looping image back natively, and the service ends on the revision it ran', async () => {
    const before = await seedBackend(STRATEGIES[strategy]);
    sim.control.images({ image: backendImage('v2'), behavior: 'crash' });
    const { api, stopped } = watchedApi();
    const { result, logger } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { api }
    );
    expect({ status: result.status, log: logger.text() }).toMatchObject({ status: 'rolled-back' });
    const [backend] = result.services;
    expect(backend.result).toBe('rolled-back');
    expect((await serviceDeployment(backend.serviceDeploymentArn!)).status).toBe('ROLLBACK_SUCCESSFUL');
    // Natively: one UpdateService (ours), and only our own deployment was ever stopped.
    expect(sim.control.calls()['ECS.UpdateService']).toBe(1);
    expect(stopped.every(arn => arn === backend.serviceDeploymentArn)).toBe(true);
    expect(primaryOf(await describeService(sim, BACKEND))).toMatchObject({
      taskDefinition: before,
      rolloutState: 'COMPLETED'
    });
  });
});

describe('deploy-ecs: alarms, hooks, busy services, overlapping runs', () => {
  it('fails and rolls back when a deployment alarm goes to ALARM mid-rollout, naming the alarm', async () => {
    const before = await seedBackend({
      ...STRATEGIES.BLUE_GREEN,
      alarms: { enable: true, rollback: true, alarmNames: ['docuthinker-backend-5xx'] }
    });
    const { api, stopped } = watchedApi(count => {
      if (count === 4) sim.control.alarm({ name: 'docuthinker-backend-5xx', state: 'ALARM' });
    });
    const { result } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { api }
    );
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/docuthinker-backend-5xx/);
    expect(stopped).toEqual([]); // ECS rolled it back itself: nothing stacked on it
    expect(primaryOf(await describeService(sim, BACKEND))).toMatchObject({ taskDefinition: before });
  });

  const PAUSED: DeploymentConfiguration = {
    ...STRATEGIES.BLUE_GREEN,
    lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }]
  };

  /** The hook is added after the seed settled: the service's first deployment would wait at it too. */
  async function seedPaused(): Promise<string> {
    const before = await seedBackend(STRATEGIES.BLUE_GREEN);
    await sdkClient(sim).send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, deploymentConfiguration: PAUSED })
    );
    return before;
  }

  it('on-pause: continue answers the PAUSE hook and deploys', async () => {
    await seedPaused();
    const { api, continued } = watchedApi();
    const { result } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}`, 'on-pause': 'continue' },
      { api }
    );
    expect(result.status).toBe('deployed');
    expect(continued).toEqual([`${result.services[0].serviceDeploymentArn}#CONTINUE`]);
  });

  it('on-pause: stop ends the step paused, with the hook id and the deployment ARN, changing nothing more', async () => {
    await seedPaused();
    const { result } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`,
      'on-pause': 'stop'
    });
    expect(result.status).toBe('paused');
    const [backend] = result.services;
    expect(backend).toMatchObject({ result: 'paused', hookId: expect.any(String) });
    const deployment = await serviceDeployment(backend.serviceDeploymentArn!);
    expect(deployment.status).toBe('IN_PROGRESS');
    expect(deployment.lifecycleHookDetails?.[0]).toMatchObject({
      hookId: backend.hookId,
      status: 'AWAITING_ACTION'
    });
  });

  it('on-pause: wait keeps waiting; at the deadline the paused deployment is rolled back by its hook', async () => {
    const before = await seedPaused();
    const { api, continued } = watchedApi();
    const { result, logger } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { api, waitMs: 3 * 60_000 }
    );
    expect(logger.text()).toMatch(/waiting at PAUSE lifecycle hook .* \(on-pause: wait\)/);
    expect(result.status).toBe('rolled-back');
    expect(continued).toEqual([`${result.services[0].serviceDeploymentArn}#ROLLBACK`]);
    expect(primaryOf(await describeService(sim, BACKEND))).toMatchObject({ taskDefinition: before });
  });

  async function startOthersDeployment(): Promise<void> {
    await sdkClient(sim).send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, forceNewDeployment: true })
    );
  }

  it('if-busy: fail refuses at once while another deployment runs, registering and updating nothing', async () => {
    await seedBackend(STRATEGIES.BLUE_GREEN);
    await startOthersDeployment();
    await expect(
      deployOnSim(sim, { service: BACKEND, images: `backend=${backendImage('v2')}`, 'if-busy': 'fail' })
    ).rejects.toThrow(
      /Another deployment is in progress, and if-busy is "fail": backend-service: .*IN_PROGRESS.*Nothing was changed/
    );
    expect(sim.control.calls()['ECS.UpdateService']).toBe(1); // the other actor's only
    expect(sim.control.calls()['ECS.RegisterTaskDefinition']).toBe(1); // the seed's only
  });

  it('if-busy: wait waits for the other deployment to end, then deploys', async () => {
    await seedBackend(STRATEGIES.BLUE_GREEN);
    await startOthersDeployment();
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`
    });
    expect(logger.text()).toMatch(/Waiting for deployments this step did not start to end \(if-busy: wait/);
    expect(logger.text()).toMatch(/No other deployment in progress now/);
    expect(result.status).toBe('deployed');
  });

  it('ends superseded, rolling nothing back, when another actor deploys over it while it watches', async () => {
    await seedBackend(STRATEGIES.BLUE_GREEN);
    const { api, stopped, continued } = watchedApi(async count => {
      if (count === 3) await startOthersDeployment();
    });
    const { result } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { api }
    );
    expect(result.status).toBe('superseded');
    expect(result.reason).toMatch(
      /superseded by arn:aws:ecs:.*:service-deployment\/.*; nothing was rolled back/
    );
    expect(result.services[0].result).toBe('superseded');
    expect([...stopped, ...continued]).toEqual([]);
    expect(sim.control.calls()['ECS.UpdateService']).toBe(2); // ours and theirs, no rollback
  });

  it('falls back to the rolling view, saying so, when the account has no service-deployment API', async () => {
    await seedBackend(STRATEGIES.ROLLING);
    sim.control.deny({ action: 'ecs:DescribeServiceDeployments' });
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`
    });
    expect(result.status).toBe('deployed');
    expect(logger.text()).toMatch(/watching the rolling deployment ids instead/);
  });

  describe.each([
    ['good then bad', 'healthy', 'crash'],
    ['bad then good', 'crash', 'healthy']
  ] as const)('two runs a second apart (%s)', (_name, first, second) => {
    it('the service ends on a revision a run reported deployed (or the original), and no run rolls back another run', async () => {
      const original = await seedBackend(STRATEGIES.BLUE_GREEN);
      sim.control.images({ image: backendImage('v2'), behavior: first });
      sim.control.images({ image: backendImage('v3'), behavior: second });
      const runA = watchedApi();
      const runB = watchedApi();
      let updated: () => void = () => undefined;
      const aUpdated = new Promise<void>(resolve => (updated = resolve));
      const apiA: EcsApi = {
        ...runA.api,
        updateService: async input => {
          const output = await runA.api.updateService(input);
          updated();
          return output;
        }
      };
      const a = deployOnSim(
        sim,
        { service: BACKEND, images: `backend=${backendImage('v2')}` },
        { api: apiA }
      );
      await aUpdated;
      sim.control.advance(1);
      const b = deployOnSim(
        sim,
        { service: BACKEND, images: `backend=${backendImage('v3')}` },
        { api: runB.api }
      );
      const [resultA, resultB] = await Promise.all([a, b]);
      // The second run found the first one's deployment in progress and waited for it (if-busy: wait).
      expect(resultB.logger.text()).toMatch(/Waiting for deployments this step did not start to end/);
      expect({ status: resultA.result.status, log: resultA.logger.text() }).toMatchObject({
        status: first === 'healthy' ? 'deployed' : 'rolled-back'
      });
      expect({ status: resultB.result.status, log: resultB.logger.text() }).toMatchObject({
        status: second === 'healthy' ? 'deployed' : 'rolled-back'
      });
      const deployed = [resultA.result, resultB.result]
        .filter(run => run.status === 'deployed')
        .map(run => run.services[0].taskDefinitionArn);
      const final = primaryOf(await describeService(sim, BACKEND))!.taskDefinition!;
      expect([...deployed, original]).toContain(final);
      for (const [run, calls] of [
        [resultA.result, runA],
        [resultB.result, runB]
      ] as const) {
        const own = run.services[0].serviceDeploymentArn;
        for (const arn of [...calls.stopped, ...calls.continued.map(entry => entry.split('#')[0])]) {
          expect(arn).toBe(own);
        }
      }
    });
  });
});
