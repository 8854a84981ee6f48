/**
 * Task sets of services with `deploymentController: {type: CODE_DEPLOY}`. Such a service has no
 * `deployments`; it runs one PRIMARY task set (created with the service, behind the load balancer's
 * target group) and, during a CodeDeploy deployment, a replacement task set behind the other target
 * group of the deployment group's pair. CodeDeploy (src/codedeploy) creates the replacement, moves
 * production/test traffic between them, promotes it and drains the original; this scheduler keeps each
 * task set's tasks at `computedDesiredCount` (desiredCount x scale), replaces tasks that fail, counts
 * them, and reports `stabilityStatus`. The workload health endpoint answers from the task sets the
 * production listener (or, on `/test/health`, the test listener) routes to, by traffic weight.
 */
import { createHash } from 'node:crypto';
import type { SimContext } from '../core/service.js';
import {
  invalidParameter,
  ts,
  type Arns,
  type EcsService,
  type EcsState,
  type Json,
  type Task,
  type TaskSet
} from './model.js';
import { containersOf, resolve } from './task-definitions.js';
import { TIMING, isHealthy, taskOutcome, type EcsWorld } from './world.js';

const MAX_EVENTS = 100;
const USE_CODEDEPLOY = 'Use AWS CodeDeploy to trigger a new deployment.';

export interface ReplacementSpec {
  taskDefinition: string;
  loadBalancers: Json[];
  networkConfiguration?: unknown;
  platformVersion?: string;
  /** the CodeDeploy deployment id (TaskSet `externalId`) */
  externalId: string;
}

export interface TaskSetProgress {
  desired: number;
  running: number;
  pending: number;
  stable: boolean;
  failedTasks: number;
  /** the stoppedReason of the latest failed task, for CodeDeploy's error message */
  lastFailure?: string;
}

export function isCodeDeployController(value: unknown): boolean {
  return (value as { type?: unknown } | undefined)?.type === 'CODE_DEPLOY';
}

/** The name part of `arn:aws:elasticloadbalancing:...:targetgroup/<name>/<id>`. */
export function targetGroupNameOf(arn: unknown): string | undefined {
  return typeof arn === 'string' ? /:targetgroup\/([^/]+)\//.exec(arn)?.[1] : undefined;
}

/** A stable ARN for a target group known only by name (CodeDeploy's pairs name target groups). */
export function targetGroupArnFor(region: string, account: string, name: string): string {
  const id = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${name}/${id}`;
}

export class TaskSets {
  /** task ARNs already counted as failures / stopped by scale-in (not failures) */
  private counted = new Set<string>();
  private scaledIn = new Set<string>();
  private healthCursor = new Map<string, number>();

  constructor(
    private readonly ctx: SimContext,
    private readonly state: EcsState,
    private readonly world: EcsWorld,
    private readonly arns: () => Arns
  ) {
    world.reconcileHooks.push(service => this.reconcile(service));
  }

  private now(): number {
    return this.ctx.clock.nowMs();
  }

  /** CreateService with CODE_DEPLOY: a load balancer target group is required. */
  checkCreate(params: Json): void {
    const lbs = params.loadBalancers;
    if (
      !Array.isArray(lbs) ||
      lbs.length === 0 ||
      !lbs.some(lb => targetGroupNameOf((lb as Json)?.targetGroupArn))
    ) {
      throw invalidParameter(
        'A service with a CODE_DEPLOY deployment controller requires loadBalancers with a targetGroupArn (an Application or Network Load Balancer target group).'
      );
    }
  }

  /** The PRIMARY task set a CODE_DEPLOY service starts with. */
  createPrimary(service: EcsService, taskDefinition: string): TaskSet {
    service.taskSets = [];
    const set = this.add(service, {
      taskDefinition,
      loadBalancers: (service.passthrough.loadBalancers as Json[]) ?? [],
      networkConfiguration: service.passthrough.networkConfiguration,
      platformVersion: service.platformVersion,
      externalId: ''
    });
    set.status = 'PRIMARY';
    set.trafficWeight = 100;
    set.testTraffic = true;
    set.externalId = undefined;
    return set;
  }

  /** UpdateService on a CODE_DEPLOY service: what ECS refuses, in its words. */
  checkUpdate(params: Json): void {
    if (params.taskDefinition !== undefined)
      throw invalidParameter(
        `Unable to update task definition on services with a CODE_DEPLOY deployment controller. ${USE_CODEDEPLOY}`
      );
    if (params.networkConfiguration !== undefined || params.platformVersion !== undefined)
      throw invalidParameter(
        `Unable to update network parameters on services with a CODE_DEPLOY deployment controller. ${USE_CODEDEPLOY}`
      );
    if (params.loadBalancers !== undefined)
      throw invalidParameter(
        `Unable to update load balancers on services with a CODE_DEPLOY deployment controller. ${USE_CODEDEPLOY}`
      );
    if (params.forceNewDeployment === true)
      throw invalidParameter(
        `Unable to force a new deployment on services with a CODE_DEPLOY deployment controller. ${USE_CODEDEPLOY}`
      );
  }

  // ---- what CodeDeploy drives ----

  findService(clusterName: string, serviceName: string): EcsService | undefined {
    return this.state.services.get(`${clusterName}/${serviceName}`);
  }

  /** The replacement (green) task set: ACTIVE, scale 100 %, no production traffic yet. */
  createReplacement(service: EcsService, spec: ReplacementSpec): TaskSet {
    return this.add(service, spec);
  }

  progress(set: TaskSet): TaskSetProgress {
    const tasks = this.tasksOf(set);
    const live = tasks.filter(t => t.desiredStatus === 'RUNNING');
    const failures = tasks
      .filter(t => this.counted.has(t.arn))
      .sort((a, b) => (b.stoppingAt ?? 0) - (a.stoppingAt ?? 0));
    return {
      desired: this.desiredOf(this.serviceOfSet(set), set),
      running: live.filter(t => t.lastStatus === 'RUNNING').length,
      pending: live.filter(t => t.lastStatus !== 'RUNNING').length,
      stable: set.stabilityStatus === 'STEADY_STATE',
      failedTasks: set.failedTasks,
      lastFailure: failures[0]?.stoppedReason
    };
  }

  /** Production traffic: `weight` percent to `set`, the rest to the other live task sets. */
  shiftTraffic(service: EcsService, set: TaskSet, weight: number): void {
    for (const s of service.taskSets ?? []) {
      if (s.status === 'DRAINING') continue;
      s.trafficWeight = s === set ? weight : 100 - weight;
      s.updatedAt = this.now();
    }
  }

  /** The test listener routes to `set` only. */
  routeTestTraffic(service: EcsService, set: TaskSet): void {
    for (const s of service.taskSets ?? []) s.testTraffic = s === set;
  }

  /** `set` becomes PRIMARY (the service's task definition); the others ACTIVE. */
  promote(service: EcsService, set: TaskSet): void {
    for (const s of service.taskSets ?? []) {
      if (s.status === 'DRAINING') continue;
      s.status = s === set ? 'PRIMARY' : 'ACTIVE';
      s.updatedAt = this.now();
    }
  }

  /** Deletes a task set: DRAINING, its tasks stop, then it disappears. */
  drain(service: EcsService, set: TaskSet): void {
    // the test listener keeps a target: without a test route it still pointed at the drained set
    const primary = service.taskSets?.find(s => s.status === 'PRIMARY' && s !== set);
    if (set.testTraffic && primary) primary.testTraffic = true;
    set.status = 'DRAINING';
    set.trafficWeight = 0;
    set.testTraffic = false;
    set.scale = 0;
    set.updatedAt = this.now();
    this.world.scheduleReconcile(service);
  }

  // ---- the scheduler ----

  private add(service: EcsService, spec: ReplacementSpec): TaskSet {
    const id = this.world.newDeploymentId();
    const now = this.now();
    const set: TaskSet = {
      id,
      arn: `${service.arn.replace(':service/', ':task-set/')}/${id}`,
      status: 'ACTIVE',
      taskDefinition: spec.taskDefinition,
      launchType: service.launchType,
      platformVersion: spec.platformVersion ?? service.platformVersion,
      networkConfiguration: spec.networkConfiguration ?? service.passthrough.networkConfiguration,
      loadBalancers: spec.loadBalancers,
      scale: 100,
      stabilityStatus: 'STABILIZING',
      stabilityStatusAt: now,
      createdAt: now,
      updatedAt: now,
      startedBy: spec.externalId ? 'CodeDeploy' : undefined,
      externalId: spec.externalId || undefined,
      trafficWeight: 0,
      testTraffic: false,
      failedTasks: 0
    };
    (service.taskSets ??= []).push(set);
    service.steady = false;
    this.world.scheduleReconcile(service);
    return set;
  }

  private serviceOfSet(set: TaskSet): EcsService {
    return [...this.state.services.values()].find(s => s.taskSets?.includes(set))!;
  }

  private desiredOf(service: EcsService | undefined, set: TaskSet): number {
    if (!service || set.status === 'DRAINING') return 0;
    return Math.ceil((service.desiredCount * set.scale) / 100);
  }

  tasksOf(set: TaskSet): Task[] {
    return [...this.state.tasks.values()].filter(t => t.taskSetId === set.id);
  }

  private reconcile(service: EcsService): void {
    if (!service.taskSets) return;
    const started: Task[] = [];
    for (const set of [...service.taskSets]) {
      const tasks = this.tasksOf(set);
      for (const t of tasks) {
        if (t.desiredStatus !== 'STOPPED' || this.counted.has(t.arn) || this.scaledIn.has(t.arn)) continue;
        if (t.stopCode === 'UserInitiated') continue;
        this.counted.add(t.arn);
        set.failedTasks += 1;
        set.updatedAt = this.now();
      }
      const live = tasks.filter(t => t.desiredStatus === 'RUNNING');
      const desired = this.desiredOf(service, set);
      if (live.length > desired) {
        const extra = [...live].sort((a, b) => Number(isHealthy(a)) - Number(isHealthy(b)));
        for (const t of extra.slice(0, live.length - desired)) {
          this.scaledIn.add(t.arn);
          this.world.beginStop(
            t,
            `Scaling activity initiated by (deployment ${set.id})`,
            'ServiceSchedulerInitiated'
          );
        }
      }
      const launched: Task[] = [];
      for (let i = live.length; i < desired; i++) launched.push(this.launch(service, set, launched.length));
      if (launched.length > 0) {
        this.event(
          service,
          set,
          `has started ${launched.length} tasks: ${launched.map(t => `(task ${t.id})`).join(' ')}.`
        );
        started.push(...launched);
      }
      const now = this.tasksOf(set).filter(t => t.desiredStatus === 'RUNNING');
      const stable = now.length === desired && now.every(isHealthy);
      const status = stable ? 'STEADY_STATE' : 'STABILIZING';
      if (status !== set.stabilityStatus) {
        set.stabilityStatus = status;
        set.stabilityStatusAt = this.now();
      }
      if (set.status === 'DRAINING' && tasks.every(t => t.lastStatus === 'STOPPED')) {
        service.taskSets = service.taskSets.filter(s => s !== set);
      }
    }
    if (started.length > 0) service.steady = false;
    const steady = service.taskSets.every(
      s => s.stabilityStatus === 'STEADY_STATE' && s.status !== 'DRAINING'
    );
    if (steady && !service.steady) {
      service.steady = true;
      this.world.event(service, 'has reached a steady state.');
    }
  }

  private launch(service: EcsService, set: TaskSet, order: number): Task {
    const td = resolve(this.state, set.taskDefinition)!;
    const id = this.ctx.random.hex(32);
    const arns = this.arns();
    const definitions = containersOf(td);
    const outcome = taskOutcome(this.ctx, definitions);
    const task: Task = {
      id,
      arn: arns.task(service.clusterName, id),
      clusterArn: service.clusterArn,
      clusterName: service.clusterName,
      serviceName: service.name,
      taskSetId: set.id,
      startedBy: set.id,
      group: `service:${service.name}`,
      taskDefinitionArn: td.arn,
      launchType: set.launchType,
      cpu: td.body.cpu as string | undefined,
      memory: td.body.memory as string | undefined,
      behavior: outcome.behavior,
      exit: outcome.exit,
      appVersion: outcome.version,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      containers: definitions.map(c => ({
        name: String(c.name),
        image: String(c.image),
        essential: c.essential !== false,
        lastStatus: 'PENDING',
        healthStatus: 'UNKNOWN',
        runtimeId: `${id}-${this.ctx.random.digits(10)}`,
        containerArn: arns.container(service.clusterName, this.ctx.random.uuid())
      })),
      createdAt: this.now(),
      version: 1,
      tags: []
    };
    this.state.tasks.set(task.arn, task);
    this.world.runLifecycle(task, order * TIMING.launchStagger);
    return task;
  }

  /** ECS's task set events read "(service s, taskSet ecs-svc/...) ...". */
  private event(service: EcsService, set: TaskSet, message: string): void {
    service.events.unshift({
      id: this.ctx.random.uuid(),
      createdAt: this.now(),
      message: `(service ${service.name}, taskSet ${set.id}) ${message}`
    });
    if (service.events.length > MAX_EVENTS) service.events.length = MAX_EVENTS;
  }

  // ---- views and health ----

  view(service: EcsService, set: TaskSet): Json {
    const live = this.tasksOf(set).filter(t => t.desiredStatus === 'RUNNING');
    return {
      id: set.id,
      taskSetArn: set.arn,
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      ...(set.startedBy ? { startedBy: set.startedBy } : {}),
      ...(set.externalId ? { externalId: set.externalId } : {}),
      status: set.status,
      taskDefinition: set.taskDefinition,
      computedDesiredCount: this.desiredOf(service, set),
      pendingCount: live.filter(t => t.lastStatus !== 'RUNNING').length,
      runningCount: live.filter(t => t.lastStatus === 'RUNNING').length,
      createdAt: ts(set.createdAt),
      updatedAt: ts(set.updatedAt),
      launchType: set.launchType,
      ...(set.platformVersion ? { platformVersion: set.platformVersion, platformFamily: 'Linux' } : {}),
      ...(set.networkConfiguration ? { networkConfiguration: set.networkConfiguration } : {}),
      loadBalancers: set.loadBalancers,
      serviceRegistries: [],
      scale: { value: set.scale, unit: 'PERCENT' },
      stabilityStatus: set.stabilityStatus,
      stabilityStatusAt: ts(set.stabilityStatusAt),
      tags: []
    };
  }

  /**
   * The task that answers one request through the production (or test) listener: a task set picked by
   * traffic weight (spread evenly over requests), then one of its healthy tasks, round robin.
   */
  serving(service: EcsService, listener: 'prod' | 'test'): Task | undefined {
    const cursor = this.healthCursor.get(service.arn) ?? 0;
    this.healthCursor.set(service.arn, cursor + 1);
    const sets = (service.taskSets ?? []).filter(s =>
      listener === 'test' ? s.testTraffic : s.trafficWeight > 0
    );
    const ordered = [...sets].sort((a, b) => a.createdAt - b.createdAt);
    // 37 is coprime with 100, so consecutive requests walk every percentile once per 100 requests
    const point = (cursor * 37) % 100;
    let acc = 0;
    let chosen = listener === 'test' ? ordered[0] : undefined;
    for (const s of listener === 'prod' ? ordered : []) {
      acc += s.trafficWeight;
      if (point < acc) {
        chosen = s;
        break;
      }
    }
    const pick = (set: TaskSet | undefined) => {
      const healthy = set
        ? this.tasksOf(set)
            .filter(isHealthy)
            .sort((a, b) => a.createdAt - b.createdAt)
        : [];
      return healthy.length > 0 ? healthy[cursor % healthy.length] : undefined;
    };
    return pick(chosen) ?? ordered.map(pick).find(t => t !== undefined);
  }

  reset(): void {
    this.counted.clear();
    this.scaledIn.clear();
    this.healthCursor.clear();
  }
}
