/**
 * One-off tasks (RunTask): a database migration, a batch job. They follow the same lifecycle as
 * service tasks (world.runLifecycle): PROVISIONING -> PENDING -> RUNNING, then whatever their images'
 * rules say - `exit` (EssentialContainerExited with the rule's exit code after `runSeconds`), `crash`,
 * `pull-error` (CannotPullContainerError, TaskFailedToStart) - and nobody replaces them when they stop.
 * Image rules are matched with each container's command after `overrides.containerOverrides`, so a
 * rule scoped to the migration command leaves the same image healthy in the service.
 */
import {
  clientError,
  invalidParameter,
  int,
  str,
  tagsOf,
  type Arns,
  type Cluster,
  type EcsState,
  type Json,
  type Tag,
  type Task
} from './model.js';
import { containersOf, resolve } from './task-definitions.js';
import { TIMING, taskOutcome, type EcsWorld } from './world.js';
import type { SimContext } from '../core/service.js';

const LAUNCH_TYPES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'];
/** the capacity providers every simulated cluster has (DescribeClusters `capacityProviders`) */
const CAPACITY_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];

export class OneOffTasks {
  constructor(
    private readonly ctx: SimContext,
    private readonly state: EcsState,
    private readonly world: EcsWorld,
    private readonly arns: () => Arns
  ) {}

  /** RunTask: validates as ECS does, then launches `count` tasks; returns them (views are built by the caller). */
  run(cluster: Cluster, params: Json): Task[] {
    const td = this.taskDefinition(params.taskDefinition);
    const count = int(params, 'count') ?? 1;
    if (count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.');
    const launch = this.launchOf(params, td.compatibilities);
    const networkMode =
      (td.body.networkMode as string | undefined) ?? (launch.launchType === 'FARGATE' ? 'awsvpc' : 'bridge');
    if (networkMode === 'awsvpc') checkNetwork(params.networkConfiguration);
    const startedBy = str(params, 'startedBy');
    if (startedBy !== undefined && (startedBy.length > 128 || !/^[A-Za-z0-9_/-]*$/.test(startedBy)))
      throw invalidParameter(
        'startedBy: up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and underscores (_) are allowed.'
      );
    const propagateTags = str(params, 'propagateTags') ?? 'NONE';
    if (!['TASK_DEFINITION', 'NONE'].includes(propagateTags))
      throw invalidParameter(
        `propagateTags must be TASK_DEFINITION or NONE for RunTask, got ${propagateTags}.`
      );
    const overrides = (params.overrides ?? {}) as Json;
    const containerOverrides = (overrides.containerOverrides ?? []) as Json[];
    if (!Array.isArray(containerOverrides)) throw invalidParameter('containerOverrides must be a list.');
    const definitions = containersOf(td);
    for (const o of containerOverrides) {
      if (!definitions.some(c => c.name === o?.name))
        throw invalidParameter(
          `Override for container named ${String(o?.name)} is not a container in the TaskDefinition.`
        );
      if (
        o.command !== undefined &&
        (!Array.isArray(o.command) || o.command.some(a => typeof a !== 'string'))
      )
        throw invalidParameter('containerOverrides.command must be a list of strings.');
    }
    let tags: Tag[] = tagsOf(params.tags);
    if (propagateTags === 'TASK_DEFINITION')
      tags = [...td.tags.filter(t => !tags.some(x => x.key === t.key)), ...tags];
    if (params.enableECSManagedTags === true)
      tags = [...tags, { key: 'aws:ecs:clusterName', value: cluster.name }];

    // the containers as they start: the task definition's, with the overridden commands
    const started = definitions.map(c => {
      const o = containerOverrides.find(x => x.name === c.name);
      return o?.command ? { ...c, command: o.command } : c;
    });
    const tasks: Task[] = [];
    for (let i = 0; i < count; i++) {
      const task = this.newTask(cluster, td.arn, td.body, started, params, launch, startedBy, tags);
      this.state.tasks.set(task.arn, task);
      this.world.runLifecycle(task, i * TIMING.launchStagger);
      tasks.push(task);
    }
    return tasks;
  }

  private taskDefinition(reference: unknown) {
    if (typeof reference !== 'string' || reference === '')
      throw invalidParameter('taskDefinition can not be blank.');
    const td = resolve(this.state, reference);
    if (!td) throw clientError('TaskDefinition not found.');
    if (td.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
    return td;
  }

  private launchOf(
    params: Json,
    compatibilities: string[]
  ): { launchType: string; capacityProvider?: string } {
    const launchType = str(params, 'launchType');
    const strategy = params.capacityProviderStrategy as Json[] | undefined;
    if (launchType !== undefined && strategy !== undefined && strategy.length > 0) {
      throw invalidParameter(
        'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.'
      );
    }
    if (strategy !== undefined && strategy.length > 0) {
      if (!Array.isArray(strategy)) throw invalidParameter('capacityProviderStrategy must be a list.');
      for (const item of strategy) {
        if (!CAPACITY_PROVIDERS.includes(String(item?.capacityProvider)))
          throw invalidParameter(
            'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.'
          );
      }
      if (!compatibilities.includes('FARGATE'))
        throw invalidParameter('Task definition does not support launch_type FARGATE.');
      // the provider with a base runs first, else the one with the highest weight
      const first =
        strategy.find(s => Number(s.base ?? 0) > 0) ??
        [...strategy].sort((a, b) => Number(b.weight ?? 0) - Number(a.weight ?? 0))[0];
      return { launchType: 'FARGATE', capacityProvider: String(first.capacityProvider) };
    }
    const type = launchType ?? 'EC2';
    if (!LAUNCH_TYPES.includes(type))
      throw invalidParameter(`launchType must be one of ${LAUNCH_TYPES.join(', ')}, got ${type}.`);
    if (type === 'FARGATE' && !compatibilities.includes('FARGATE'))
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    return { launchType: type };
  }

  private newTask(
    cluster: Cluster,
    taskDefinitionArn: string,
    body: Json,
    containers: Json[],
    params: Json,
    launch: { launchType: string; capacityProvider?: string },
    startedBy: string | undefined,
    tags: Tag[]
  ): Task {
    const id = this.ctx.random.hex(32);
    const arns = this.arns();
    const outcome = taskOutcome(this.ctx, containers);
    const overrides = (params.overrides ?? {}) as Json;
    const family = taskDefinitionArn.replace(/^.*:task-definition\//, '').split(':')[0];
    return {
      id,
      arn: arns.task(cluster.name, id),
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      startedBy,
      group: str(params, 'group') ?? `family:${family}`,
      taskDefinitionArn,
      launchType: launch.launchType,
      capacityProviderName: launch.capacityProvider,
      cpu: ((overrides.cpu as string | undefined) ?? body.cpu) as string | undefined,
      memory: ((overrides.memory as string | undefined) ?? body.memory) as string | undefined,
      behavior: outcome.behavior,
      exit: outcome.exit,
      appVersion: outcome.version,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      containers: containers.map(c => ({
        name: String(c.name),
        image: String(c.image),
        essential: c.essential !== false,
        lastStatus: 'PENDING',
        healthStatus: 'UNKNOWN',
        runtimeId: `${id}-${this.ctx.random.digits(10)}`,
        containerArn: arns.container(cluster.name, this.ctx.random.uuid())
      })),
      overrides: {
        containerOverrides: ((overrides.containerOverrides ?? []) as Json[]).length
          ? overrides.containerOverrides
          : containers.map(c => ({ name: c.name })),
        ...Object.fromEntries(Object.entries(overrides).filter(([k]) => k !== 'containerOverrides')),
        inferenceAcceleratorOverrides: []
      },
      createdAt: this.ctx.clock.nowMs(),
      version: 1,
      tags
    };
  }
}

/** awsvpc needs `networkConfiguration.awsvpcConfiguration` with subnets, as ECS checks. */
function checkNetwork(value: unknown): void {
  const vpc = (value as Json | undefined)?.awsvpcConfiguration as Json | undefined;
  if (!vpc)
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  const subnets = vpc.subnets;
  if (!Array.isArray(subnets) || subnets.length === 0) throw invalidParameter('subnets can not be empty.');
  if (subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.');
  const groups = vpc.securityGroups;
  if (groups !== undefined && (!Array.isArray(groups) || groups.length > 5))
    throw invalidParameter('securityGroups can have at most 5 items.');
  const ip = vpc.assignPublicIp;
  if (ip !== undefined && ip !== 'ENABLED' && ip !== 'DISABLED')
    throw invalidParameter(`assignPublicIp must be ENABLED or DISABLED, got ${String(ip)}.`);
}
