import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Service
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '../src/index.js';
import {
  AI_ML,
  BACKEND,
  CLUSTER,
  backendImage,
  backendTaskDefinition,
  ecsClient,
  fargateNetwork,
  frozenSim
} from './helpers.js';

let sim: RunningSimulator;
let ecs: ECSClient;

beforeEach(async () => {
  sim = await frozenSim();
  ecs = ecsClient(sim);
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
});
afterEach(async () => {
  ecs.destroy();
  await sim.close();
});

async function register(tag: string): Promise<string> {
  const out = await ecs.send(new RegisterTaskDefinitionCommand(backendTaskDefinition(tag)));
  return out.taskDefinition!.taskDefinitionArn!;
}

async function createBackend(taskDefinition: string, desiredCount = 2, rollback = true): Promise<void> {
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: BACKEND,
      taskDefinition,
      desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: fargateNetwork,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback },
        minimumHealthyPercent: 100,
        maximumPercent: 200
      }
    })
  );
}

async function describe1(name = BACKEND): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }));
  return out.services![0];
}

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.endpoint}/_app/${CLUSTER}/${BACKEND}/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const simSeconds = (date: Date | undefined) => date!.getTime() / 1000;

describe('clusters', () => {
  it('creates idempotently and describes with MISSING failures', async () => {
    const again = await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    expect(again.cluster).toMatchObject({
      clusterName: CLUSTER,
      clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`,
      status: 'ACTIVE'
    });
    const out = await ecs.send(
      new DescribeClustersCommand({ clusters: [CLUSTER, 'tria-aibpo-staging-cluster'] })
    );
    expect(out.clusters!.map(c => c.clusterName)).toEqual([CLUSTER]);
    expect(out.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/tria-aibpo-staging-cluster', reason: 'MISSING' }
    ]);
  });
});

describe('task definitions', () => {
  it('registers revisions with the read-only fields AWS adds', async () => {
    const first = await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...backendTaskDefinition('a1'),
        tags: [{ key: 'team', value: 'docs' }]
      })
    );
    const td = first.taskDefinition!;
    expect(td).toMatchObject({
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:1',
      family: 'docuthinker-backend',
      revision: 1,
      status: 'ACTIVE',
      compatibilities: ['EC2', 'FARGATE'],
      registeredBy: 'arn:aws:iam::123456789012:user/deploy-suite-sim',
      cpu: '512',
      memory: '1024'
    });
    expect(td.registeredAt).toBeInstanceOf(Date);
    expect(td.requiresAttributes!.map(a => a.name)).toEqual(
      expect.arrayContaining([
        'com.amazonaws.ecs.capability.logging-driver.awslogs',
        'ecs.capability.secrets.asm.environment-variables',
        'ecs.capability.execution-role-ecr-pull'
      ])
    );
    expect(first.tags).toEqual([{ key: 'team', value: 'docs' }]);
    await register('a2');

    const byFamily = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'docuthinker-backend' })
    );
    expect(byFamily.taskDefinition!.revision).toBe(2);
    const byRevision = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'docuthinker-backend:1', include: ['TAGS'] })
    );
    expect(byRevision.taskDefinition!.containerDefinitions![0].image).toBe(backendImage('a1'));
    expect(byRevision.tags).toEqual([{ key: 'team', value: 'docs' }]);
    const byArn = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: td.taskDefinitionArn }));
    expect(byArn.taskDefinition!.revision).toBe(1);
    expect(byArn.tags).toBeUndefined();

    // a describe-task-definition dump registers as is once the read-only fields are gone (AWS ignores them)
    const { taskDefinition } = byArn;
    const again = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition as never));
    expect(again.taskDefinition!.revision).toBe(3);
  });

  it('lists by family, status and sort, and deregisters to INACTIVE', async () => {
    await register('a1');
    await register('a2');
    const deregistered = await ecs.send(
      new DeregisterTaskDefinitionCommand({ taskDefinition: 'docuthinker-backend:1' })
    );
    expect(deregistered.taskDefinition).toMatchObject({ status: 'INACTIVE', revision: 1 });
    expect(deregistered.taskDefinition!.deregisteredAt).toBeInstanceOf(Date);
    const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'docuthinker-backend' }));
    expect(active.taskDefinitionArns).toEqual([expect.stringMatching(/docuthinker-backend:2$/)]);
    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }));
    expect(inactive.taskDefinitionArns).toEqual([expect.stringMatching(/docuthinker-backend:1$/)]);
    await register('a3');
    const desc = await ecs.send(new ListTaskDefinitionsCommand({ sort: 'DESC' }));
    expect(desc.taskDefinitionArns!.map(a => a.split(':').pop())).toEqual(['3', '2']);
    // an INACTIVE revision can still be described, as on AWS
    const old = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'docuthinker-backend:1' })
    );
    expect(old.taskDefinition!.status).toBe('INACTIVE');
  });

  const invalid: [string, Record<string, unknown>, string, RegExp][] = [
    ['no family', { family: undefined }, 'ClientException', /Family/],
    ['bad family', { family: 'docuthinker backend' }, 'ClientException', /invalid characters/],
    [
      'no containers',
      { containerDefinitions: undefined },
      'ClientException',
      /Container list cannot be empty/
    ],
    [
      'bad Fargate size',
      { cpu: '256', memory: '4096' },
      'ClientException',
      /No Fargate configuration exists for given values: 256 CPU, 4096 memory/
    ],
    ['Fargate without task cpu', { cpu: undefined }, 'ClientException', /'cpu' be defined at the task level/],
    ['Fargate bridge mode', { networkMode: 'bridge' }, 'ClientException', /awsvpc/],
    [
      'secrets without execution role',
      { executionRoleArn: undefined },
      'ClientException',
      /executionRoleArn|execution role/
    ]
  ];
  it.each(invalid)('refuses %s with %s', async (_name, change, code, message) => {
    const input = { ...backendTaskDefinition('x'), ...change };
    const error = await ecs.send(new RegisterTaskDefinitionCommand(input as never)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe(code);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a container number sent as a string, like the JSON deserializer of AWS', async () => {
    const input = backendTaskDefinition('x');
    (input.containerDefinitions![1] as Record<string, unknown>).memoryReservation = '32';
    const error = (await ecs.send(new RegisterTaskDefinitionCommand(input)).catch((e: Error) => e)) as Error;
    expect(error.name).toBe('SerializationException');
  });

  it('answers an unknown task definition with ClientException', async () => {
    const error = (await ecs
      .send(new DescribeTaskDefinitionCommand({ taskDefinition: 'docuthinker-backend:99' }))
      .catch((e: Error) => e)) as Error;
    expect(error.name).toBe('ClientException');
    expect(error.message).toBe('Unable to describe task definition.');
  });
});

describe('services and a healthy rolling deployment', () => {
  it("answers an image rule's extra health fields (Eloquent's database and vector_db checks)", async () => {
    const td1 = await register('1.0.0');
    sim.control.images({
      image: backendImage('1.0.0'),
      behavior: 'healthy',
      version: '1.0.0',
      health: { database: 'connected', vector_db: 'connected', status: 'ignored' }
    });
    await createBackend(td1);
    sim.control.advance(60);
    expect(await health()).toEqual({
      status: 200,
      body: { database: 'connected', vector_db: 'connected', status: 'healthy', version: '1.0.0' }
    });
  });

  it('rolls out, completes, prints AWS events and follows the new version on the health endpoint', async () => {
    const td1 = await register('5f2c9e1');
    await createBackend(td1);
    let svc = await describe1();
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments![0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      pendingCount: 2
    });
    expect((await health()).status).toBe(503);

    sim.control.advance(60);
    svc = await describe1();
    expect(svc).toMatchObject({ runningCount: 2, pendingCount: 0, taskDefinition: td1 });
    expect(svc.deployments![0]).toMatchObject({ rolloutState: 'COMPLETED', runningCount: 2 });
    expect(svc.events!.map(e => e.message)).toEqual([
      `(service ${BACKEND}) has reached a steady state.`,
      `(service ${BACKEND}) (deployment ${svc.deployments![0].id}) deployment completed.`,
      expect.stringMatching(
        new RegExp(
          `^\\(service ${BACKEND}\\) has started 2 tasks: \\(task [0-9a-f]{32}\\) \\(task [0-9a-f]{32}\\)\\.$`
        )
      )
    ]);
    expect(await health()).toEqual({ status: 200, body: { status: 'healthy', version: '5f2c9e1' } });

    const td2 = await register('8d41b07');
    const updated = await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, taskDefinition: td2 })
    );
    const newId = updated.service!.deployments![0].id!;
    expect(newId).toMatch(/^ecs-svc\/\d{19}$/);
    expect(updated.service!.deployments!.map(d => [d.status, d.taskDefinition])).toEqual([
      ['PRIMARY', td2],
      ['ACTIVE', td1]
    ]);

    // the first new task is healthy at +35 s, the second at +37 s: in between one old task still serves
    sim.control.advance(36);
    const versions = new Set<unknown>();
    for (let i = 0; i < 6; i++) versions.add((await health()).body.version);
    expect(versions).toEqual(new Set(['5f2c9e1', '8d41b07']));

    sim.control.advance(30);
    svc = await describe1();
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments![0]).toMatchObject({
      id: newId,
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      taskDefinition: td2
    });
    expect(svc.events![0].message).toBe(`(service ${BACKEND}) has reached a steady state.`);
    expect(svc.events!.filter(e => /has stopped 1 running tasks/.test(e.message!))).toHaveLength(2);
    expect((await health()).body).toEqual({ status: 'healthy', version: '8d41b07' });

    // stopped old tasks keep their reason and exit code
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND, desiredStatus: 'STOPPED' })
    );
    const tasks = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: stopped.taskArns! }));
    expect(tasks.tasks!.map(t => t.stoppedReason)).toEqual([
      `Scaling activity initiated by (deployment ${newId})`,
      `Scaling activity initiated by (deployment ${newId})`
    ]);
    expect(tasks.tasks![0]).toMatchObject({
      lastStatus: 'STOPPED',
      taskDefinitionArn: td1,
      startedBy: svc.events && expect.any(String)
    });
  });

  it('validates CreateService / UpdateService / DescribeServices like ECS', async () => {
    const td1 = await register('a1');
    await createBackend(td1);
    const names = (e: unknown) => (e as Error).name;
    await expect(createBackend(td1)).rejects.toHaveProperty('name', 'InvalidParameterException');
    expect(
      names(
        await ecs
          .send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'nope', desiredCount: 1 }))
          .catch(e => e)
      )
    ).toBe('ServiceNotFoundException');
    expect(
      names(
        await ecs
          .send(new UpdateServiceCommand({ cluster: 'nope', service: BACKEND, desiredCount: 1 }))
          .catch(e => e)
      )
    ).toBe('ClusterNotFoundException');
    const out = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [BACKEND, AI_ML] }));
    expect(out.services!.map(s => s.serviceName)).toEqual([BACKEND]);
    expect(out.failures).toEqual([
      { arn: `arn:aws:ecs:us-east-1:123456789012:service/${CLUSTER}/${AI_ML}`, reason: 'MISSING' }
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => `svc-${i}`);
    expect(
      names(await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: eleven })).catch(e => e))
    ).toBe('InvalidParameterException');
    const listed = await ecs.send(new ListServicesCommand({ cluster: CLUSTER }));
    expect(listed.serviceArns).toEqual([`arn:aws:ecs:us-east-1:123456789012:service/${CLUSTER}/${BACKEND}`]);
    // desiredCount alone does not create a deployment; forceNewDeployment does
    const scaled = await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, desiredCount: 3 })
    );
    expect(scaled.service!.deployments).toHaveLength(1);
    const forced = await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, forceNewDeployment: true })
    );
    expect(forced.service!.deployments).toHaveLength(2);
  });
});

describe('failing images', () => {
  it('crash loop trips the circuit breaker at AWS threshold and rolls back to the last completed deployment', async () => {
    const good = await register('5f2c9e1');
    await createBackend(good, 2);
    sim.control.advance(60);
    const completedId = (await describe1()).deployments![0].id!;

    sim.control.images({ image: backendImage('deadbee'), behavior: 'crash' });
    const bad = await register('deadbee');
    const update = await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, taskDefinition: bad })
    );
    const failedId = update.service!.deployments![0].id!;
    const updateAt = sim.control.now();

    // first crashes: tasks RUNNING at +25 s (+27 s for the second) exit 5 s later with code 1
    sim.control.advance(33);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND, desiredStatus: 'STOPPED' })
    );
    const crashed = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: stopped.taskArns! })))
      .tasks!;
    expect(crashed).toHaveLength(2);
    expect(crashed[0]).toMatchObject({
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
      startedBy: failedId,
      taskDefinitionArn: bad
    });
    expect(crashed[0].containers!.find(c => c.name === 'backend')).toMatchObject({
      exitCode: 1,
      lastStatus: 'STOPPED'
    });
    let svc = await describe1();
    expect(svc.deployments![0]).toMatchObject({ id: failedId, failedTasks: 2, rolloutState: 'IN_PROGRESS' });
    expect((await health()).body.version).toBe('5f2c9e1'); // old tasks keep serving (minimumHealthyPercent 100)

    // second round: threshold min(200, max(3, ceil(0.5 x 2))) = 3 is reached at +60 s
    sim.control.advance(28);
    svc = await describe1();
    const [primary, failed] = svc.deployments!;
    expect(failed).toMatchObject({
      id: failedId,
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      taskDefinition: bad
    });
    expect(failed.failedTasks).toBeGreaterThanOrEqual(3);
    expect(primary).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${completedId}.`,
      taskDefinition: good
    });
    expect(primary.id).not.toBe(failedId);
    const messages = svc.events!.map(e => e.message);
    expect(messages.filter(m => /rolling back|deployment failed/.test(m!))).toEqual([
      `(service ${BACKEND}) rolling back to deployment ${completedId}.`,
      `(service ${BACKEND}) (deployment ${failedId}) deployment failed: tasks failed to start.`
    ]);
    const failedAt = svc.events!.find(e => /deployment failed/.test(e.message!))!.createdAt;
    expect(simSeconds(failedAt) - updateAt).toBe(60); // two crash cycles of 30 simulated seconds

    sim.control.advance(30);
    svc = await describe1();
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments![0]).toMatchObject({
      id: primary.id,
      rolloutState: 'COMPLETED',
      taskDefinition: good
    });
    expect(svc.taskDefinition).toBe(good);
    expect((await health()).body.version).toBe('5f2c9e1');

    // deployment history: the failed update rolled back successfully
    const history = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: BACKEND }));
    expect(history.serviceDeployments!.map(d => d.status)).toEqual(['ROLLBACK_SUCCESSFUL', 'SUCCESSFUL']);
    const [rolledBack, initial] = history.serviceDeployments!;
    const detail = await ecs.send(
      new DescribeServiceDeploymentsCommand({
        serviceDeploymentArns: [rolledBack.serviceDeploymentArn!, 'arn:nope']
      })
    );
    expect(detail.failures).toEqual([{ arn: 'arn:nope', reason: 'MISSING' }]);
    const sd = detail.serviceDeployments![0];
    expect(sd).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      deploymentCircuitBreaker: { status: 'TRIGGERED', threshold: 3 },
      rollback: { serviceRevisionArn: initial.targetServiceRevisionArn }
    });
    expect(sd.sourceServiceRevisions!.map(r => r.arn)).toEqual([initial.targetServiceRevisionArn]);
    const revisions = await ecs.send(
      new DescribeServiceRevisionsCommand({
        serviceRevisionArns: [sd.targetServiceRevision!.arn!, initial.targetServiceRevisionArn!]
      })
    );
    expect(revisions.serviceRevisions!.map(r => r.taskDefinition)).toEqual([bad, good]);
    const ok = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: BACKEND, status: ['SUCCESSFUL'] })
    );
    expect(ok.serviceDeployments).toHaveLength(1);
  });

  it('without rollback the deployment is FAILED and left there, old tasks still serving', async () => {
    const good = await register('good');
    await createBackend(good, 2, false);
    sim.control.advance(60);
    sim.control.images({ image: backendImage('bad'), behavior: 'crash' });
    const bad = await register('bad');
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, taskDefinition: bad }));
    sim.control.advance(300);
    const svc = await describe1();
    expect(svc.deployments!.map(d => [d.status, d.rolloutState, d.taskDefinition])).toEqual([
      ['PRIMARY', 'FAILED', bad],
      ['ACTIVE', 'COMPLETED', good]
    ]);
    expect(svc.deployments![0].rolloutStateReason).toBe(
      'ECS deployment circuit breaker: tasks failed to start.'
    );
    expect(svc.runningCount).toBe(2);
    expect((await health()).body.version).toBe('good');
  });

  it('pull-error stops tasks before they run with CannotPullContainerError', async () => {
    const good = await register('good');
    await createBackend(good, 1);
    sim.control.advance(60);
    sim.control.images({ image: backendImage('missing'), behavior: 'pull-error' });
    await ecs.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: BACKEND,
        taskDefinition: await register('missing')
      })
    );
    sim.control.advance(26);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND, desiredStatus: 'STOPPED' })
    );
    const [task] = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: stopped.taskArns! })))
      .tasks!;
    expect(task.stoppedReason).toMatch(/^CannotPullContainerError: .*docuthinker-backend:missing/);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.startedAt).toBeUndefined();
    expect(task.containers!.find(c => c.name === 'backend')!.reason).toMatch(/^CannotPullContainerError/);
    sim.control.advance(120);
    const svc = await describe1();
    expect(svc.deployments!.map(d => [d.rolloutState, d.taskDefinition])).toEqual([['COMPLETED', good]]);
    const history = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: BACKEND }));
    expect(history.serviceDeployments![0].status).toBe('ROLLBACK_SUCCESSFUL');
  });

  it('unhealthy tasks fail their container health checks and are replaced', async () => {
    const good = await register('good');
    await createBackend(good, 1);
    sim.control.advance(60);
    sim.control.images({ image: backendImage('sick'), behavior: 'unhealthy' });
    await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, taskDefinition: await register('sick') })
    );
    sim.control.advance(56);
    const svc = await describe1();
    expect(svc.events!.slice(0, 3).map(e => e.message)).toEqual([
      expect.stringMatching(/has started 1 tasks/),
      expect.stringMatching(/has stopped 1 running tasks/),
      expect.stringMatching(/\(task [0-9a-f]{32}\) failed container health checks\./)
    ]);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND, desiredStatus: 'STOPPED' })
    );
    const [task] = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: stopped.taskArns! })))
      .tasks!;
    expect(task).toMatchObject({
      stoppedReason: 'Task failed container health checks',
      healthStatus: 'UNHEALTHY'
    });
    expect(svc.deployments![0].failedTasks).toBe(1);
    const running = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND }));
    expect(running.taskArns!.length).toBe(2); // the old healthy one and a replacement
  });
});

describe('tasks and tags', () => {
  it('StopTask stops with the user reason and the scheduler replaces the task', async () => {
    await createBackend(await register('a1'), 1);
    sim.control.advance(60);
    const [arn] = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND })))
      .taskArns!;
    const out = await ecs.send(
      new StopTaskCommand({ cluster: CLUSTER, task: arn.split('/').pop(), reason: 'rotating' })
    );
    expect(out.task).toMatchObject({
      desiredStatus: 'STOPPED',
      stoppedReason: 'rotating',
      stopCode: 'UserInitiated'
    });
    sim.control.advance(10);
    const now = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: BACKEND }))).taskArns!;
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(arn);
    const missing = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: ['0123'] }));
    expect(missing.failures![0].reason).toBe('MISSING');
    const err = (await ecs
      .send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'nope' }))
      .catch(e => e)) as Error;
    expect(err.name).toBe('ServiceNotFoundException');
  });

  it('tags services and task definitions (the known-good record)', async () => {
    const td = await register('a1');
    await createBackend(td, 1);
    const serviceArn = (await describe1()).serviceArn!;
    await ecs.send(
      new TagResourceCommand({
        resourceArn: serviceArn,
        tags: [
          { key: 'deploy-suite:last-known-good', value: td },
          { key: 'deploy-suite:last-known-good-at', value: '2026-01-01T00:00:00Z' }
        ]
      })
    );
    await ecs.send(
      new TagResourceCommand({ resourceArn: td, tags: [{ key: 'deploy-suite:deployed-ok', value: 'yes' }] })
    );
    await ecs.send(
      new UntagResourceCommand({ resourceArn: serviceArn, tagKeys: ['deploy-suite:last-known-good-at'] })
    );
    expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }))).tags).toEqual([
      { key: 'deploy-suite:last-known-good', value: td }
    ]);
    expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn: td }))).tags).toEqual([
      { key: 'deploy-suite:deployed-ok', value: 'yes' }
    ]);
    const withTags = await ecs.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: [BACKEND], include: ['TAGS'] })
    );
    expect(withTags.services![0].tags).toHaveLength(1);
    const err = (await ecs
      .send(
        new ListTagsForResourceCommand({
          resourceArn: `arn:aws:ecs:us-east-1:123456789012:service/${CLUSTER}/${AI_ML}`
        })
      )
      .catch(e => e)) as Error;
    expect(err.name).toBe('ResourceNotFoundException');
  });
});

describe('faults through the real SDK', () => {
  it('throttles UpdateService with ThrottlingException; the SDK retries and succeeds; calls counts every try', async () => {
    await createBackend(await register('a1'), 1);
    sim.control.faults({ operation: 'ECS.UpdateService', throttle: 1, times: 2 });
    const out = await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: BACKEND, desiredCount: 2 })
    );
    expect(out.$metadata.attempts).toBe(3);
    expect(sim.control.calls()['ECS.UpdateService']).toBe(3);
  });

  it('returns the throttling shape the SDK names ThrottlingException when retries run out', async () => {
    sim.control.faults({ operation: 'ECS.DescribeClusters', throttle: 1 });
    const err = (await ecsClient(sim, 1)
      .send(new DescribeClustersCommand({ clusters: [CLUSTER] }))
      .catch(e => e)) as Error & { $metadata: { httpStatusCode: number } };
    expect(err.name).toBe('ThrottlingException');
    expect(err.message).toBe('Rate exceeded');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('retries 5xx and clears faults', async () => {
    sim.control.faults({ operation: '*', error5xx: 1, times: 1 });
    const out = await ecs.send(new ListServicesCommand({ cluster: CLUSTER }));
    expect(out.$metadata.attempts).toBe(2);
    sim.control.faults({ operation: 'ECS.ListServices', error5xx: 1 });
    const err = (await ecsClient(sim, 1)
      .send(new ListServicesCommand({ cluster: CLUSTER }))
      .catch(e => e)) as Error & {
      $metadata: { httpStatusCode: number };
    };
    expect(err.$metadata.httpStatusCode).toBe(503);
    sim.control.clearFaults();
    await expect(ecs.send(new ListServicesCommand({ cluster: CLUSTER }))).resolves.toBeDefined();
  });
});
