import { afterEach, beforeEach, describe as group, expect, it } from '@jest/globals';
import { BatchDeleteImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand
} from '@aws-sdk/client-ecs';
import type { RunningSimulator } from '@deploy-suite/sim';
import {
  AI_ML,
  BACKEND,
  CLUSTER,
  aiMl,
  backend,
  backendImage,
  deploy,
  describe,
  ecsClient,
  frozenSim,
  primaryOf,
  pushImage,
  rollbackOnSim,
  credentials,
  seed,
  taskDefinition
} from '@deploy-suite/testing/worlds/rollback';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

const MUTATING =
  /^ECS\.(UpdateService|RegisterTaskDefinition|DeregisterTaskDefinition|TagResource|UntagResource|CreateService|DeleteService|StopTask)$/;

function mutatingCalls(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after).filter(key => MUTATING.test(key) && (after[key] ?? 0) > (before[key] ?? 0));
}

async function tagsOf(resourceArn: string): Promise<Record<string, string>> {
  const output = await ecsClient(sim).send(new ListTagsForResourceCommand({ resourceArn }));
  return Object.fromEntries((output.tags ?? []).map(tag => [tag.key!, tag.value!]));
}

group('rollback of ECS services on the simulator', () => {
  it('goes back to the last known-good revision after two good deploys and one bad, and records it', async () => {
    await seed(sim, [backend]);
    await deploy(sim, backend, 'v2');
    const good = await deploy(sim, backend, 'v3');
    sim.control.images({ image: backendImage('v4'), behavior: 'crash' });
    const bad = await deploy(sim, backend, 'v4');
    expect(primaryOf(await describe(sim, BACKEND))).toMatchObject({
      taskDefinition: bad,
      rolloutState: 'IN_PROGRESS'
    });

    const { result, logger } = await rollbackOnSim(sim, {
      service: BACKEND,
      reason: 'v4 crash-loops: Essential container in task exited'
    });

    expect(result.status).toBe('rolled-back');
    expect(result.services).toEqual([
      expect.objectContaining({
        service: BACKEND,
        from: bad,
        to: good,
        source: 'known-good-record',
        result: 'rolled-back'
      })
    ]);
    const after = await describe(sim, BACKEND);
    expect(primaryOf(after)).toMatchObject({ taskDefinition: good, rolloutState: 'COMPLETED' });
    expect(after.deployments).toHaveLength(1);
    expect(logger.text()).toMatch(
      /backend-service: target docuthinker-backend:3 from the known-good record: deploy-suite recorded it as last known-good at .*deploy-suite:last-known-good/
    );
    const tags = await tagsOf(after.serviceArn!);
    expect(tags).toMatchObject({
      'deploy-suite:last-known-good': good,
      'deploy-suite:last-rollback-from': bad,
      'deploy-suite:last-rollback-by': 'octocat',
      'deploy-suite:last-rollback-reason': 'v4 crash-loops: Essential container in task exited'
    });
    // Nothing was deregistered on the way.
    expect(sim.control.calls()['ECS.DeregisterTaskDefinition'] ?? 0).toBe(0);
  });

  it('without a record falls back to ECS deployment history: the last SUCCESSFUL deployment on another revision', async () => {
    const [v1] = Object.values(await seed(sim, [backend]));
    const v2 = await deploy(sim, backend, 'v2', { record: false });
    // v3 is registered but never ran: "the previous revision" of v4 would be v3, which never worked.
    await ecsClient(sim).send(new RegisterTaskDefinitionCommand(taskDefinition(backend, 'v3')));
    sim.control.images({ image: backendImage('v4'), behavior: 'crash' });
    const bad = await deploy(sim, backend, 'v4', { record: false });

    const { result, logger } = await rollbackOnSim(sim, { service: BACKEND });

    expect(result.services[0]).toMatchObject({
      from: bad,
      to: v2,
      source: 'deployment-history',
      result: 'rolled-back'
    });
    expect(v1).toMatch(/docuthinker-backend:1$/);
    expect(logger.text()).toMatch(
      /target docuthinker-backend:2 from ECS's deployment history: it is what the last SUCCESSFUL ECS deployment on another revision put in place .*; the service has no known-good record/
    );
    // One read of the history, and one look for deployments in progress before the update (if-busy).
    expect(sim.control.calls()['ECS.ListServiceDeployments']).toBe(2);
    expect(sim.control.calls()['ECS.ListTaskDefinitions'] ?? 0).toBe(0);
  });

  it('skips an INACTIVE revision from the history and goes to the next SUCCESSFUL one', async () => {
    const { [BACKEND]: v1 } = await seed(sim, [backend]);
    const v2 = await deploy(sim, backend, 'v2', { record: false });
    const v3 = await deploy(sim, backend, 'v3', { record: false });
    await ecsClient(sim).send(new DeregisterTaskDefinitionCommand({ taskDefinition: v2 }));

    const { result, logger } = await rollbackOnSim(sim, { service: BACKEND, to: 'previous' });

    expect(result.services[0]).toMatchObject({
      from: v3,
      to: v1,
      source: 'deployment-history',
      result: 'rolled-back'
    });
    expect(logger.text()).toMatch(
      /docuthinker-backend:2 from ECS's deployment history is INACTIVE \(deregistered\); trying the next source/
    );
  });

  it('falls back to the previous ACTIVE revision when the history has no other revision, and says so', async () => {
    const client = ecsClient(sim);
    await client.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    const arns: string[] = [];
    for (const tag of ['v1', 'v2', 'v3']) {
      await pushImage(sim, backend, tag);
      const registered = await client.send(new RegisterTaskDefinitionCommand(taskDefinition(backend, tag)));
      arns.push(registered.taskDefinition!.taskDefinitionArn!);
    }
    await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arns[1] }));
    // The service was created straight on v3: ECS's history knows only v3.
    await client.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: BACKEND,
        taskDefinition: arns[2],
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0abc'] } }
      })
    );
    sim.control.advance(600);

    const { result, logger } = await rollbackOnSim(sim, { service: BACKEND });

    expect(result.services[0]).toMatchObject({
      from: arns[2],
      to: arns[0],
      source: 'previous-revision',
      result: 'rolled-back'
    });
    expect(logger.text()).toMatch(
      /target docuthinker-backend:1 from the previous ACTIVE revision: it is the newest ACTIVE revision before docuthinker-backend:3 \(nothing proves it ever ran well\); the service has no known-good record .*; every SUCCESSFUL deployment ECS lists ran the current revision docuthinker-backend:3/
    );
    expect(primaryOf(await describe(sim, BACKEND))).toMatchObject({
      taskDefinition: arns[0],
      rolloutState: 'COMPLETED'
    });
  });

  it('uses an explicit family:revision (Tria-style "revision N") and reports already-there for the current one', async () => {
    const { [BACKEND]: v1 } = await seed(sim, [backend]);
    const v2 = await deploy(sim, backend, 'v2');

    const explicit = await rollbackOnSim(sim, { service: BACKEND, to: 'docuthinker-backend:1' });
    expect(explicit.result.services[0]).toMatchObject({
      from: v2,
      to: v1,
      source: 'explicit',
      result: 'rolled-back'
    });
    expect(primaryOf(await describe(sim, BACKEND))).toMatchObject({
      taskDefinition: v1,
      rolloutState: 'COMPLETED'
    });

    const before = sim.control.calls();
    const again = await rollbackOnSim(sim, { service: BACKEND, to: v1 });
    expect(again.result).toMatchObject({ status: 'already-there' });
    expect(again.result.services[0]).toMatchObject({ from: v1, to: v1, result: 'already-there' });
    expect(mutatingCalls(before, sim.control.calls())).toEqual([]);
    expect(again.logger.text()).toMatch(
      /backend-service: already runs docuthinker-backend:1; nothing to change/
    );
  });

  it('dry-run prints the plan and makes no mutating call', async () => {
    await seed(sim, [backend]);
    const good = await deploy(sim, backend, 'v2');
    const bad = await deploy(sim, backend, 'v3', { record: false });
    const before = sim.control.calls();

    const { result, logger } = await rollbackOnSim(sim, { service: BACKEND, 'dry-run': 'true' });

    expect(result.status).toBe('planned');
    expect(result.services[0]).toMatchObject({ from: bad, to: good, result: 'planned' });
    expect(mutatingCalls(before, sim.control.calls())).toEqual([]);
    expect(primaryOf(await describe(sim, BACKEND))?.taskDefinition).toBe(bad);
    expect(logger.text()).toMatch(
      /backend-service: docuthinker-backend:3 -> docuthinker-backend:2\n[^]*dry-run: nothing updated/
    );
  });

  it('refuses, before any change, a target whose image was deleted from ECR; force skips the check', async () => {
    await seed(sim, [backend]);
    await deploy(sim, backend, 'v2');
    const bad = await deploy(sim, backend, 'v3', { record: false });
    // What a lifecycle policy does to old tags.
    const ecr = new ECRClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials });
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'docuthinker-backend', imageIds: [{ imageTag: 'v2' }] })
    );
    const before = sim.control.calls();

    await expect(rollbackOnSim(sim, { service: BACKEND })).rejects.toThrow(
      /Rollback refused before any change:\n {2}- backend-service: image 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/docuthinker-backend:v2 of container backend in docuthinker-backend:2 no longer exists in ECR \(.*imageTag.*v2.*\)/
    );
    expect(mutatingCalls(before, sim.control.calls())).toEqual([]);
    expect(sim.control.calls()['ECR.DescribeImages']).toBe((before['ECR.DescribeImages'] ?? 0) + 1);
    expect(primaryOf(await describe(sim, BACKEND))?.taskDefinition).toBe(bad);

    // force skips the image check (the image is pushed again by hand here, so the rollback can run).
    await pushImage(sim, backend, 'v2');
    const described = before['ECR.DescribeImages'] ?? 0;
    const forced = await rollbackOnSim(sim, { service: BACKEND, force: 'true' });
    expect(forced.result.services[0]).toMatchObject({ result: 'rolled-back' });
    expect(sim.control.calls()['ECR.DescribeImages']).toBe(described + 1);
    expect(forced.logger.text()).toMatch(
      /\[warning\] backend-service: force: the images of docuthinker-backend:2 are not checked/
    );
  });

  it('refuses an explicit target that was deregistered; a deregistered record falls through to the history', async () => {
    const { [BACKEND]: v1 } = await seed(sim, [backend]);
    const good = await deploy(sim, backend, 'v2');
    await deploy(sim, backend, 'v3', { record: false });
    await ecsClient(sim).send(new DeregisterTaskDefinitionCommand({ taskDefinition: good }));
    const before = sim.control.calls();
    await expect(rollbackOnSim(sim, { service: BACKEND, to: 'docuthinker-backend:2' })).rejects.toThrow(
      /backend-service: the target docuthinker-backend:2 is INACTIVE \(deregistered\); ECS starts no new tasks from it/
    );
    expect(mutatingCalls(before, sim.control.calls())).toEqual([]);

    const { result, logger } = await rollbackOnSim(sim, { service: BACKEND });
    expect(result.services[0]).toMatchObject({ to: v1, source: 'deployment-history', result: 'rolled-back' });
    expect(logger.text()).toMatch(
      /the recorded known-good docuthinker-backend:2 is INACTIVE \(deregistered\)/
    );
  });

  it('rolls two services back together and reports each', async () => {
    await seed(sim, [backend, aiMl]);
    const backendGood = await deploy(sim, backend, 'v2');
    const aiMlGood = await deploy(sim, aiMl, 'v2');
    const backendBad = await deploy(sim, backend, 'v3', { record: false });

    const { result } = await rollbackOnSim(sim, { service: `${BACKEND}\n${AI_ML}` });

    expect(result.status).toBe('rolled-back');
    expect(result.services).toEqual([
      expect.objectContaining({ service: BACKEND, from: backendBad, to: backendGood, result: 'rolled-back' }),
      expect.objectContaining({ service: AI_ML, from: aiMlGood, to: aiMlGood, result: 'already-there' })
    ]);
    expect(primaryOf(await describe(sim, BACKEND))).toMatchObject({
      taskDefinition: backendGood,
      rolloutState: 'COMPLETED'
    });
    expect(sim.control.calls()['ECS.UpdateService']).toBe(3 + 1); // 3 deploys + 1 rollback
  });
});

group('bad input against the simulator', () => {
  it('a service that does not exist is an input error before any change', async () => {
    await seed(sim, [backend]);
    await expect(rollbackOnSim(sim, { service: `${BACKEND}\nbackend-servic` })).rejects.toThrow(
      /^Input "service": "backend-servic" not found in cluster "docuthinker-cluster"/
    );
  });

  it('a revision of another family is an input error', async () => {
    await seed(sim, [backend, aiMl]);
    await expect(rollbackOnSim(sim, { service: BACKEND, to: 'docuthinker-ai-ml:1' })).rejects.toThrow(
      /^Input "to" names docuthinker-ai-ml:1, a revision of family docuthinker-ai-ml, but backend-service runs family docuthinker-backend/
    );
  });

  it('a revision that does not exist is an input error', async () => {
    await seed(sim, [backend]);
    await expect(rollbackOnSim(sim, { service: BACKEND, to: 'docuthinker-backend:9' })).rejects.toThrow(
      /^Input "to": task definition docuthinker-backend:9 does not exist/
    );
  });

  it('an unknown cluster is an input error', async () => {
    await seed(sim, [backend]);
    await expect(
      rollbackOnSim(sim, { service: BACKEND, cluster: 'tria-aibpo-staging-cluster' })
    ).rejects.toThrow(/^Input "(cluster|service)"/);
  });
});
