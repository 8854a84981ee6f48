import { describe, expect, it } from '@jest/globals';
import type { DeploymentInfo, DeploymentTarget, LifecycleEvent } from '@aws-sdk/client-codedeploy';
import { FakeClock, MemoryLogger } from '@deploy-suite/testing';
import type { EcsApi } from '../../src/ecs/index.js';
import {
  codeDeployDeadlineMs,
  describeDeploymentFailure,
  groupSettings,
  watchCodeDeployment,
  type CodeDeployApi
} from '../../src/codedeploy/index.js';

/** GetDeployment / GetDeploymentTarget answers shaped like CodeDeploy's, with DocuThinker's names. */
const CLUSTER = 'docuthinker-cluster';
const SERVICE = 'backend-service';
const OLD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:6';
const NEW = 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:7';
const ID = 'd-7QJ3KX1AB';
const at = (second: number): Date => new Date(Date.UTC(2026, 11, 2, 14, 0, second));
const NAMES = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic'
];

/** The ECS target with the first `done` events Succeeded, then `current` (if any), the rest Pending. */
function target(
  done: number,
  current?: LifecycleEvent['status'],
  diagnostics?: LifecycleEvent['diagnostics']
): DeploymentTarget {
  return {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: ID,
      targetId: `${CLUSTER}:${SERVICE}`,
      lifecycleEvents: NAMES.map((name, index) => ({
        lifecycleEventName: name,
        status: index < done ? 'Succeeded' : index === done && current ? current : 'Pending',
        ...(index < done ? { startTime: at(index * 2), endTime: at(index * 2 + 1) } : {}),
        ...(index === done && diagnostics ? { diagnostics } : {})
      })),
      taskSetsInfo: [
        {
          identifer: 'ecs-svc/1111111111111111111',
          taskSetLabel: 'Blue',
          trafficWeight: 100,
          desiredCount: 2,
          runningCount: 2
        },
        {
          identifer: 'ecs-svc/2222222222222222222',
          taskSetLabel: 'Green',
          trafficWeight: 0,
          desiredCount: 2,
          runningCount: 1
        }
      ]
    }
  };
}

/** A CodeDeploy whose GetDeployment answers `script` one look at a time (the last one repeats). */
function scripted(script: Array<{ info: DeploymentInfo; target?: DeploymentTarget }>) {
  let look = -1;
  const continued: string[] = [];
  const api: CodeDeployApi = {
    getDeploymentGroup: async () => ({}),
    createDeployment: async () => ({ deploymentId: ID }),
    getDeployment: async () => {
      look = Math.min(look + 1, script.length - 1);
      return { deploymentInfo: { deploymentId: ID, ...script[look].info } };
    },
    listDeploymentTargets: async () => ({ targetIds: [`${CLUSTER}:${SERVICE}`] }),
    getDeploymentTarget: async () => ({ deploymentTarget: script[look].target }),
    stopDeployment: async () => ({ status: 'Succeeded' }),
    continueDeployment: async input => {
      continued.push(`${input.deploymentId}#${input.deploymentWaitType}`);
      return {};
    }
  };
  return { api, continued };
}

function ecsRunning(taskDefinition: string): EcsApi {
  return {
    describeServices: async () => ({
      services: [
        {
          serviceName: SERVICE,
          taskDefinition,
          taskSets: [
            { status: 'PRIMARY', taskDefinition },
            { status: 'DRAINING', taskDefinition: OLD }
          ]
        }
      ]
    }),
    listTasks: async () => ({ taskArns: [] }),
    describeTasks: async () => ({ tasks: [] })
  } as unknown as EcsApi;
}

const options = (logger: MemoryLogger, timeoutMs = 600_000) => ({
  cluster: CLUSTER,
  service: SERVICE,
  taskDefinitionArn: NEW,
  timeoutMs,
  intervalMs: 10_000,
  clock: new FakeClock(Date.UTC(2026, 11, 2, 14)),
  logger,
  what: 'deployment'
});

describe('watchCodeDeployment', () => {
  it('is deployed when CodeDeploy says Succeeded and the PRIMARY task set runs the revision; prints each event once', async () => {
    const { api } = scripted([
      { info: { status: 'Created' } },
      { info: { status: 'InProgress' }, target: target(1, 'InProgress') },
      { info: { status: 'InProgress' }, target: target(1, 'InProgress') },
      { info: { status: 'InProgress', instanceTerminationWaitTimeStarted: true }, target: target(8) },
      { info: { status: 'Succeeded', instanceTerminationWaitTimeStarted: true }, target: target(8) }
    ]);
    const logger = new MemoryLogger();
    const outcome = await watchCodeDeployment(api, ecsRunning(NEW), ID, options(logger));
    expect(outcome).toMatchObject({ state: 'deployed', status: 'Succeeded', deploymentId: ID });
    expect(outcome.lifecycleEvents).toEqual(NAMES.map(name => `${name} Succeeded (1s)`));
    const text = logger.text();
    expect(text.match(/BeforeInstall Succeeded/g)).toHaveLength(1);
    expect(text.match(/Install InProgress/g)).toHaveLength(1);
    expect(text).toMatch(/InProgress, Install; Blue 100% \(2\/2 running\), Green 0% \(1\/2 running\)/);
    expect(text).toMatch(/termination wait of the original task set started/);
  });

  it('fails when CodeDeploy says Succeeded but the PRIMARY task set runs another revision', async () => {
    const { api } = scripted([{ info: { status: 'Succeeded' }, target: target(8) }]);
    const outcome = await watchCodeDeployment(api, ecsRunning(OLD), ID, options(new MemoryLogger()));
    expect(outcome).toMatchObject({
      state: 'failed',
      reason: `CodeDeploy reports ${ID} Succeeded, but the PRIMARY task set of ${SERVICE} runs ${OLD}, not ${NEW}`
    });
  });

  it('fails with CodeDeploy error information, the failed event and the rollback deployment', async () => {
    const { api } = scripted([
      {
        info: {
          status: 'Failed',
          errorInformation: {
            code: 'ECS_UPDATE_ERROR',
            message: 'The ECS service cannot reach a steady state.'
          },
          rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1' }
        },
        target: target(1, 'Failed', {
          errorCode: 'UnknownError',
          message: 'Health checks failed on https://user:pw@example.com/health?token=abc',
          logTail: 'DATABASE_PASSWORD=hunter2'
        })
      }
    ]);
    const logger = new MemoryLogger();
    const outcome = await watchCodeDeployment(api, ecsRunning(OLD), ID, options(logger));
    expect(outcome).toMatchObject({ state: 'failed', status: 'Failed', rollbackDeploymentId: 'd-ROLLBACK1' });
    expect(outcome.reason).toBe(
      `CodeDeploy deployment ${ID} Failed; ECS_UPDATE_ERROR: The ECS service cannot reach a steady state.; ` +
        'lifecycle event Install Failed: UnknownError: Health checks failed on https://example.com/health?token=***; ' +
        'CodeDeploy rolls back with deployment d-ROLLBACK1'
    );
    // the hook's log tail and URL credentials reach no log line
    expect(logger.text()).not.toMatch(/hunter2|user:pw|token=abc/);
  });

  it('continues a deployment waiting in Ready with on-pause continue, and stops watching it with on-pause stop', async () => {
    const ready = { info: { status: 'Ready' as const }, target: target(5) };
    const continuing = scripted([ready, { info: { status: 'Succeeded' }, target: target(8) }]);
    const deployed = await watchCodeDeployment(continuing.api, ecsRunning(NEW), ID, {
      ...options(new MemoryLogger()),
      onReady: 'continue'
    });
    expect(deployed.state).toBe('deployed');
    expect(continuing.continued).toEqual([`${ID}#READY_WAIT`]);
    const stopping = scripted([ready]);
    const paused = await watchCodeDeployment(stopping.api, ecsRunning(OLD), ID, {
      ...options(new MemoryLogger()),
      onReady: 'stop'
    });
    expect(paused).toMatchObject({ state: 'paused', status: 'Ready' });
    expect(paused.reason).toContain(`--deployment-id ${ID} --deployment-wait-type READY_WAIT`);
    expect(stopping.continued).toEqual([]);
  });

  it('times out at the deadline with the last progress line', async () => {
    const { api } = scripted([{ info: { status: 'InProgress' }, target: target(1, 'InProgress') }]);
    const outcome = await watchCodeDeployment(api, ecsRunning(OLD), ID, options(new MemoryLogger(), 60_000));
    expect(outcome.state).toBe('timed-out');
    expect(outcome.reason).toMatch(
      /^Timed out after .* waiting for CodeDeploy deployment d-7QJ3KX1AB of backend-service; last seen: d-7QJ3KX1AB InProgress, Install/
    );
  });
});

describe('deployment group settings and the deadline', () => {
  it('adds the ready and termination waits to the step wait, as AED does, capped at 6 hours', () => {
    const settings = groupSettings(
      {
        deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 }
        },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] }
      },
      'docuthinker-app',
      'docuthinker-dg'
    );
    expect(settings).toEqual({
      application: 'docuthinker-app',
      group: 'docuthinker-dg',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      readyWaitMinutes: 30,
      readyWaitStops: true,
      terminationWaitMinutes: 5,
      autoRollbackOnFailure: true
    });
    expect(codeDeployDeadlineMs(30 * 60_000, settings)).toBe(65 * 60_000);
    expect(codeDeployDeadlineMs(340 * 60_000, settings)).toBe(360 * 60_000);
    // KEEP_ALIVE never terminates the original: no termination wait to count
    const keep = groupSettings(
      {
        blueGreenDeploymentConfiguration: {
          terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' }
        }
      },
      'a',
      'g'
    );
    expect(keep).toMatchObject({
      readyWaitMinutes: 0,
      terminationWaitMinutes: 0,
      autoRollbackOnFailure: false
    });
  });

  it('describes a stopped deployment without error information by its status', () => {
    expect(describeDeploymentFailure({ deploymentId: ID, status: 'Stopped' }, [])).toBe(
      `CodeDeploy deployment ${ID} Stopped`
    );
  });
});
