/**
 * The ECS service scheduler over simulated time: tasks that start, pass or fail health checks and stop
 * with reasons; rolling deployments within minimumHealthyPercent/maximumPercent; the deployment
 * circuit breaker with AWS's threshold and its rollback; service events in AWS's wording.
 *
 * Timings (simulated seconds from launch): PENDING at 10, RUNNING at 25, HEALTHY 10 s after RUNNING.
 * crash: the essential container exits (code 1) 5 s after RUNNING. unhealthy: fails its container
 * health checks 30 s after RUNNING. pull-error: stops at 25 s with CannotPullContainerError. A stopping
 * task is STOPPED 5 s later (DEACTIVATING/STOPPING collapsed into one step). Tasks launched together
 * start 2 s apart, as ECS places them one by one, so old and new versions overlap during a rollout.
 */
import type { ImageBehavior } from '../core/images.js';
import type { SimContext, SimService } from '../core/service.js';
import { alarmsOf, circuitBreakerThreshold, strategyOf } from './deployment-config.js';
import {
  FINAL_STATUSES,
  type Arns,
  type Deployment,
  type EcsService,
  type EcsState,
  type ServiceDeploymentRecord,
  type ServiceRevision,
  type Task,
  type TaskExit
} from './model.js';
import { writeContainerLogs } from './container-logs.js';
import type { DeploymentSignals } from './signals.js';
import { containersOf, resolve } from './task-definitions.js';
import { SHIFT_TIMING, TrafficShifts, type FailureCause, type ShiftHost } from './traffic-shift.js';

export const TIMING = {
  pendingAfter: 10,
  runningAfter: 25,
  healthyAfter: 10,
  crashAfter: 5,
  unhealthyAfter: 30,
  stopTakes: 5,
  launchStagger: 2
};
const MAX_EVENTS = 100;
/** stopped tasks are forgotten after an hour, as ECS does */
const STOPPED_TASK_TTL_MS = 3600_000;

export const CIRCUIT_BREAKER_FAILED = 'ECS deployment circuit breaker: tasks failed to start.';

const CIRCUIT_BREAKER_CAUSE = (rollback: boolean): FailureCause => ({
  rollback,
  by: 'ECS deployment circuit breaker',
  rolloutStateReason: CIRCUIT_BREAKER_FAILED,
  event: 'tasks failed to start.',
  statusReason: CIRCUIT_BREAKER_FAILED,
  rollbackReason: 'Deployment circuit breaker triggered: tasks failed to start.'
});

export class EcsWorld implements ShiftHost {
  readonly shifts: TrafficShifts;

  constructor(
    private readonly ctx: SimContext,
    private readonly state: EcsState,
    private readonly arns: () => Arns,
    private readonly signals: DeploymentSignals
  ) {
    this.shifts = new TrafficShifts(ctx, signals, this);
  }

  private now(): number {
    return this.ctx.clock.nowMs();
  }

  newDeploymentId(): string {
    return `ecs-svc/${this.ctx.random.digits(19)}`;
  }

  event(service: EcsService, message: string): void {
    service.events.unshift({
      id: this.ctx.random.uuid(),
      createdAt: this.now(),
      message: `(service ${service.name}) ${message}`
    });
    if (service.events.length > MAX_EVENTS) service.events.length = MAX_EVENTS;
  }

  revisionFor(service: EcsService, taskDefinitionArn: string): ServiceRevision {
    const td = resolve(this.state, taskDefinitionArn);
    return {
      arn: this.arns().serviceRevision(service.clusterName, service.name, this.ctx.random.digits(19)),
      taskDefinition: taskDefinitionArn,
      launchType: service.launchType,
      platformVersion: service.platformVersion,
      createdAt: this.now(),
      containerImages: td
        ? containersOf(td).map(c => {
            const image = String(c.image);
            const digest = /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];
            return { containerName: String(c.name), image, ...(digest ? { imageDigest: digest } : {}) };
          })
        : [],
      networkConfiguration: service.passthrough.networkConfiguration,
      ...(Array.isArray(service.passthrough.loadBalancers)
        ? { loadBalancers: structuredClone(service.passthrough.loadBalancers) }
        : {}),
      resolvedTargetGroups: this.targetGroupsFor(service)
    };
  }

  /**
   * The target group each load balancer entry registers a new revision's tasks in: the production one
   * for a rolling deployment; under B/G, LINEAR and CANARY the one that is not serving production now
   * (ECS swaps the two when the deployment succeeds).
   */
  private targetGroupsFor(service: EcsService): string[] {
    const lbs = (service.passthrough.loadBalancers ?? []) as {
      targetGroupArn?: string;
      advancedConfiguration?: { alternateTargetGroupArn?: string };
    }[];
    return lbs.map((lb, i) => {
      const production = service.productionTargetGroups?.[i] ?? lb.targetGroupArn ?? '';
      const alternate = lb.advancedConfiguration?.alternateTargetGroupArn;
      if (strategyOf(service.deploymentConfiguration) === 'ROLLING' || !alternate) return production;
      return production === alternate ? (lb.targetGroupArn ?? '') : alternate;
    });
  }

  /**
   * A new PRIMARY deployment of `taskDefinitionArn`; older ones become ACTIVE (and drain, for a rolling
   * deployment). `rollbackOf`: the deployment ECS starts to roll a failed one back; it shares the
   * failed one's service deployment and always rolls.
   */
  startDeployment(
    service: EcsService,
    taskDefinitionArn: string,
    revision?: ServiceRevision,
    rollbackOf?: Deployment
  ): Deployment {
    const now = this.now();
    const id = this.newDeploymentId();
    const target = revision ?? this.revisionFor(service, taskDefinitionArn);
    for (const old of service.deployments) {
      old.status = 'ACTIVE';
      old.updatedAt = now;
      if (!rollbackOf && !FINAL_STATUSES.includes(old.record.status)) {
        old.record.status = 'STOPPED';
        old.record.statusReason = 'Service deployment was superseded by a newer service deployment.';
        old.record.stoppedAt = now;
        old.record.finishedAt = now;
        old.record.updatedAt = now;
        this.shifts.cancel(old);
      }
    }
    const config = service.deploymentConfiguration;
    const breaker = config.deploymentCircuitBreaker;
    const alarms = alarmsOf(config);
    const strategy = rollbackOf ? 'ROLLING' : strategyOf(config);
    const record: ServiceDeploymentRecord = rollbackOf?.record ?? {
      arn: this.arns().serviceDeployment(service.clusterName, service.name, this.ctx.random.alnum(22)),
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      status: 'IN_PROGRESS',
      strategy,
      target,
      deploymentId: id,
      sources: service.deployments.map(d => ({ revision: d.revision, deploymentId: d.id })),
      circuitBreaker: {
        status: breaker.enable ? 'MONITORING' : 'DISABLED',
        failureCount: 0,
        threshold: circuitBreakerThreshold(service.desiredCount, breaker)
      },
      alarms: {
        status: alarms ? 'MONITORING' : 'DISABLED',
        alarmNames: alarms?.names ?? [],
        triggeredAlarmNames: [],
        rollback: alarms?.rollback ?? false
      },
      ignoredAlarms: (alarms?.names ?? []).filter(n => this.signals.alarmState(n) === 'ALARM'),
      hookRuns: [],
      deploymentConfiguration: structuredClone(config)
    };
    const deployment: Deployment = {
      id,
      status: 'PRIMARY',
      taskDefinition: taskDefinitionArn,
      desiredCount: service.desiredCount,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      launchType: service.launchType,
      platformVersion: service.platformVersion,
      networkConfiguration: service.passthrough.networkConfiguration,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${id} in progress.`,
      revision: target,
      record,
      ...(rollbackOf ? { rollbackOf: rollbackOf.id } : {}),
      ...(strategy !== 'ROLLING' ? { shift: { scaleUp: false, cleanUp: false, token: 0 } } : {})
    };
    const olderActive = service.deployments.filter(d =>
      this.tasksOf(d).some(t => t.desiredStatus === 'RUNNING')
    ).length;
    if (!rollbackOf) service.records.push(record);
    service.deployments.unshift(deployment);
    service.steady = false;
    if (deployment.shift) this.shifts.start(service, deployment, olderActive);
    this.scheduleReconcile(service);
    return deployment;
  }

  tasksOf(deployment: Deployment): Task[] {
    return [...this.state.tasks.values()].filter(t => t.deploymentId === deployment.id);
  }

  /** Tasks the scheduler still counts: desired RUNNING. */
  private live(tasks: Task[]): Task[] {
    return tasks.filter(t => t.desiredStatus === 'RUNNING');
  }

  private reconcileQueued = new Set<string>();
  /** extra schedulers run on every pass (task sets of CODE_DEPLOY services, see task-sets.ts) */
  readonly reconcileHooks: ((service: EcsService) => void)[] = [];

  /** Reconciles a service at the current simulated time, once however many changes asked for it. */
  scheduleReconcile(service: EcsService): void {
    if (this.reconcileQueued.has(service.arn)) return;
    this.reconcileQueued.add(service.arn);
    this.ctx.clock.after(0, `reconcile ${service.name}`, () => {
      this.reconcileQueued.delete(service.arn);
      this.reconcile(service);
    });
  }

  reset(): void {
    this.reconcileQueued.clear();
    this.shifts.reset();
  }

  /** One pass of the service scheduler. */
  reconcile(service: EcsService): void {
    if (service.status !== 'ACTIVE') return;
    this.prune();
    for (const hook of this.reconcileHooks) hook(service);
    const primary = service.deployments[0];
    if (!primary) return;
    const desired = service.desiredCount;
    const { maximumPercent, minimumHealthyPercent } = service.deploymentConfiguration;
    const maxTotal = Math.max(desired, Math.floor((desired * maximumPercent) / 100));
    const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    const older = service.deployments.slice(1);
    const stopped: Task[] = [];
    // B/G, LINEAR, CANARY: the blue revision keeps all its tasks until CLEAN_UP, then they all go.
    const shift = primary.shift;
    const holdOlder = shift !== undefined && !shift.cleanUp;
    const cleanUp = shift?.cleanUp === true;

    // Old deployments want no tasks: tasks that are not serving yet go at once.
    for (const d of holdOlder ? [] : older) {
      for (const t of this.live(this.tasksOf(d))) {
        if (cleanUp || !isHealthy(t))
          stopped.push(
            this.beginStop(
              t,
              'Scaling activity initiated by (deployment ' + primary.id + ')',
              'ServiceSchedulerInitiated'
            )
          );
      }
    }
    // The primary never keeps more than desired.
    const primaryLive = this.live(this.tasksOf(primary));
    if (primaryLive.length > desired) {
      const extra = [...primaryLive]
        .sort((a, b) => Number(isHealthy(a)) - Number(isHealthy(b)))
        .slice(0, primaryLive.length - desired);
      for (const t of extra)
        stopped.push(
          this.beginStop(
            t,
            `Scaling activity initiated by (deployment ${primary.id})`,
            'ServiceSchedulerInitiated'
          )
        );
    }
    // Old serving tasks go while enough healthy tasks remain.
    const allLive = () => service.deployments.flatMap(d => this.live(this.tasksOf(d)));
    let healthy = allLive().filter(isHealthy).length;
    for (const d of holdOlder || cleanUp ? [] : [...older].reverse()) {
      for (const t of this.live(this.tasksOf(d))) {
        if (healthy - 1 < minHealthy) break;
        stopped.push(
          this.beginStop(
            t,
            `Scaling activity initiated by (deployment ${primary.id})`,
            'ServiceSchedulerInitiated'
          )
        );
        healthy -= 1;
      }
    }
    if (stopped.length > 0) {
      this.event(
        service,
        `has stopped ${stopped.length} running tasks: ${stopped.map(t => `(task ${t.id})`).join(' ')}.`
      );
    }

    // Launch the primary's missing tasks within maximumPercent (a traffic-shifting deployment scales
    // the green revision to 100% beside the blue one, from SCALE_UP on). A failed deployment (the
    // circuit breaker without rollback, a stopped one) launches nothing more.
    const launching = primary.rolloutState !== 'FAILED' && (!shift || shift.scaleUp);
    const missing = desired - this.live(this.tasksOf(primary)).length;
    const room = shift ? missing : maxTotal - allLive().length;
    const started: Task[] = [];
    if (launching)
      for (let i = 0; i < Math.min(room, missing); i++) started.push(this.launch(service, primary, i));
    if (started.length > 0) {
      this.event(
        service,
        `has started ${started.length} tasks: ${started.map(t => `(task ${t.id})`).join(' ')}.`
      );
    }
    if (stopped.length > 0 || started.length > 0) service.steady = false;
    this.updateCounts(service);
    this.checkCompletion(service);
    this.shifts.poll(service);
  }

  private checkCompletion(service: EcsService): void {
    const primary = service.deployments[0];
    // a traffic-shifting deployment completes only after CLEAN_UP; a stop request holds completion
    if (primary.shift && !primary.shift.cleanUp) return;
    if (primary.rolloutState === 'IN_PROGRESS' && /_REQUESTED$/.test(primary.record.status)) return;
    const desired = service.desiredCount;
    const primaryTasks = this.live(this.tasksOf(primary));
    const othersGone = service.deployments
      .slice(1)
      .every(d => this.tasksOf(d).every(t => t.lastStatus === 'STOPPED'));
    const ready = primaryTasks.length === desired && primaryTasks.every(isHealthy) && othersGone;
    if (!ready) return;
    const now = this.now();
    if (primary.rolloutState === 'IN_PROGRESS') {
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      primary.updatedAt = now;
      const record = primary.record;
      record.status = primary.rollbackOf ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL';
      record.finishedAt = now;
      record.updatedAt = now;
      if (record.circuitBreaker.status === 'MONITORING') record.circuitBreaker.status = 'MONITORING_COMPLETE';
      if (record.alarms.status === 'MONITORING') record.alarms.status = 'MONITORING_COMPLETE';
      if (primary.shift) service.productionTargetGroups = primary.revision.resolvedTargetGroups;
      service.lastCompleted = {
        id: primary.id,
        taskDefinition: primary.taskDefinition,
        revision: primary.revision
      };
      service.deployments = [primary];
      this.event(service, `(deployment ${primary.id}) deployment completed.`);
    } else if (service.deployments.length > 1 && primary.rolloutState === 'COMPLETED') {
      service.deployments = [primary];
    }
    if (!service.steady && primary.rolloutState === 'COMPLETED') {
      service.steady = true;
      this.event(service, 'has reached a steady state.');
    }
  }

  private updateCounts(service: EcsService): void {
    for (const d of service.deployments) d.updatedAt = Math.max(d.updatedAt, d.createdAt);
  }

  /** `order`: the task's place in its launch batch; each one starts LAUNCH_STAGGER s after the previous. */
  private launch(service: EcsService, deployment: Deployment, order: number): Task {
    const td = resolve(this.state, deployment.taskDefinition)!;
    const id = this.ctx.random.hex(32);
    const now = this.now();
    const arns = this.arns();
    const containers = containersOf(td).map(c => ({
      name: String(c.name),
      image: String(c.image),
      essential: c.essential !== false,
      lastStatus: 'PENDING',
      healthStatus: 'UNKNOWN',
      runtimeId: `${id}-${this.ctx.random.digits(10)}`,
      containerArn: arns.container(service.clusterName, this.ctx.random.uuid())
    }));
    const outcome = taskOutcome(this.ctx, containersOf(td));
    const task: Task = {
      id,
      arn: arns.task(service.clusterName, id),
      clusterArn: service.clusterArn,
      clusterName: service.clusterName,
      serviceName: service.name,
      deploymentId: deployment.id,
      startedBy: deployment.id,
      group: `service:${service.name}`,
      taskDefinitionArn: td.arn,
      launchType: service.launchType,
      cpu: td.body.cpu as string | undefined,
      memory: td.body.memory as string | undefined,
      behavior: outcome.behavior,
      exit: outcome.exit,
      appVersion: outcome.version,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      containers,
      createdAt: now,
      version: 1,
      tags: []
    };
    this.state.tasks.set(task.arn, task);
    this.runLifecycle(task, order * TIMING.launchStagger);
    return task;
  }

  /** Schedules what happens to a task, following its image behaviour (also used by run-task.ts, task-sets.ts). */
  runLifecycle(task: Task, delay: number): void {
    const clock = this.ctx.clock;
    const alive = () => task.desiredStatus === 'RUNNING';
    clock.after(delay + TIMING.pendingAfter, `task ${task.id} pending`, () => {
      if (!alive()) return;
      task.lastStatus = 'PENDING';
      task.pullStartedAt = this.now();
      task.version++;
    });
    clock.after(delay + TIMING.runningAfter, `task ${task.id} running`, () => {
      if (!alive()) return;
      if (task.behavior === 'pull-error') {
        const image = task.containers.find(c => c.essential)?.image ?? task.containers[0].image;
        const reason = `CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref ${image}: not found`;
        for (const c of task.containers) {
          c.lastStatus = 'STOPPED';
          if (c.image === image) c.reason = reason;
        }
        this.failTask(task, reason, 'TaskFailedToStart');
        return;
      }
      const now = this.now();
      task.pullStoppedAt = now;
      task.startedAt = now;
      task.lastStatus = 'RUNNING';
      task.version++;
      for (const c of task.containers) c.lastStatus = 'RUNNING';
      writeContainerLogs(this.ctx, this.state, task);
      this.touch(task);
      if (task.behavior === 'crash') {
        clock.after(TIMING.crashAfter, `task ${task.id} crash`, () => {
          if (!alive()) return;
          const app = task.containers.find(c => c.essential)!;
          app.exitCode = 1;
          app.lastStatus = 'STOPPED';
          app.reason = undefined;
          this.failTask(task, 'Essential container in task exited', 'EssentialContainerExited');
        });
      } else if (task.behavior === 'exit' && task.exit) {
        const exit = task.exit;
        clock.after(exit.runSeconds, `task ${task.id} exit`, () => {
          if (!alive()) return;
          const container = task.containers.find(c => c.name === exit.container)!;
          container.exitCode = exit.exitCode;
          container.lastStatus = 'STOPPED';
          this.failTask(task, 'Essential container in task exited', 'EssentialContainerExited');
        });
      } else if (task.behavior === 'unhealthy') {
        clock.after(TIMING.unhealthyAfter, `task ${task.id} unhealthy`, () => {
          if (!alive()) return;
          task.healthStatus = 'UNHEALTHY';
          for (const c of task.containers) c.healthStatus = 'UNHEALTHY';
          const service = this.serviceOf(task);
          if (service) this.event(service, `(task ${task.id}) failed container health checks.`);
          for (const c of task.containers) c.exitCode = 137;
          this.failTask(task, 'Task failed container health checks', 'ServiceSchedulerInitiated');
          if (service) this.event(service, `has stopped 1 running tasks: (task ${task.id}).`);
        });
      } else {
        clock.after(TIMING.healthyAfter, `task ${task.id} healthy`, () => {
          if (!alive()) return;
          task.healthStatus = 'HEALTHY';
          for (const c of task.containers) c.healthStatus = 'HEALTHY';
          task.version++;
          this.touch(task);
        });
      }
    });
  }

  private serviceOf(task: Task): EcsService | undefined {
    return task.serviceName ? this.state.services.get(`${task.clusterName}/${task.serviceName}`) : undefined;
  }

  /** Something changed for a task: let its service's scheduler look again. */
  private touch(task: Task): void {
    const service = this.serviceOf(task);
    if (service) this.scheduleReconcile(service);
  }

  /** Desired STOPPED now, STOPPED a few seconds later. */
  beginStop(task: Task, reason: string, stopCode: string): Task {
    if (task.desiredStatus === 'STOPPED') return task;
    const now = this.now();
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    task.stoppingAt = now;
    if (task.lastStatus !== 'STOPPED')
      task.lastStatus = task.lastStatus === 'RUNNING' ? 'DEACTIVATING' : 'STOPPED';
    task.version++;
    const finish = () => {
      task.lastStatus = 'STOPPED';
      task.stoppedAt = task.stoppedAt ?? this.now();
      task.executionStoppedAt = task.stoppedAt;
      for (const c of task.containers) {
        if (c.lastStatus !== 'STOPPED') {
          c.lastStatus = 'STOPPED';
          if (c.exitCode === undefined && task.startedAt !== undefined) c.exitCode = 0;
        }
      }
      task.version++;
      this.touch(task);
    };
    if (task.lastStatus === 'STOPPED') finish();
    else this.ctx.clock.after(TIMING.stopTakes, `task ${task.id} stopped`, finish);
    this.touch(task);
    return task;
  }

  /** A task of a deployment failed: count it, maybe trip the circuit breaker, then stop it. */
  private failTask(task: Task, reason: string, stopCode: string): void {
    this.beginStop(task, reason, stopCode);
    const service = this.serviceOf(task);
    const deployment = service?.deployments.find(d => d.id === task.deploymentId);
    if (!service || !deployment) return;
    deployment.failedTasks += 1;
    deployment.updatedAt = this.now();
    deployment.record.circuitBreaker.failureCount = deployment.failedTasks;
    deployment.record.updatedAt = this.now();
    this.checkCircuitBreaker(service, deployment);
  }

  private checkCircuitBreaker(service: EcsService, deployment: Deployment): void {
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (!breaker.enable || deployment.rolloutState !== 'IN_PROGRESS' || deployment !== service.deployments[0])
      return;
    const threshold = circuitBreakerThreshold(service.desiredCount, breaker);
    deployment.record.circuitBreaker.threshold = threshold;
    if (deployment.failedTasks < threshold) return;
    deployment.record.circuitBreaker.status = 'TRIGGERED';
    this.failDeployment(service, deployment, CIRCUIT_BREAKER_CAUSE(breaker.rollback));
  }

  /**
   * A deployment failed (circuit breaker, alarm, lifecycle hook, StopServiceDeployment). Rolling: the
   * failed deployment stays (ACTIVE, FAILED) while a new PRIMARY runs the task definition of the last
   * completed deployment, under the same service deployment. B/G, LINEAR, CANARY: traffic goes back
   * and the green revision scales down (traffic-shift.ts). Without rollback: STOPPED, left as it is.
   */
  failDeployment(service: EcsService, deployment: Deployment, cause: FailureCause): void {
    if (deployment.shift) {
      if (deployment.rolloutState === 'IN_PROGRESS')
        this.event(service, `(deployment ${deployment.id}) deployment failed: ${cause.event}`);
      this.shifts.fail(service, deployment, cause);
      if (deployment.record.status === 'ROLLBACK_IN_PROGRESS' && service.lastCompleted)
        this.event(service, `rolling back to deployment ${service.lastCompleted.id}.`);
      return;
    }
    const now = this.now();
    const record = deployment.record;
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = cause.rolloutStateReason;
    deployment.updatedAt = now;
    record.updatedAt = now;
    this.event(service, `(deployment ${deployment.id}) deployment failed: ${cause.event}`);
    const target = service.lastCompleted;
    if (!cause.rollback || !target || deployment.rollbackOf) {
      record.status = cause.rollback || deployment.rollbackOf ? 'ROLLBACK_FAILED' : 'STOPPED';
      record.statusReason = cause.statusReason;
      record.stoppedAt = now;
      record.finishedAt = now;
      service.steady = false;
      this.scheduleReconcile(service);
      return;
    }
    this.event(service, `rolling back to deployment ${target.id}.`);
    record.status = 'ROLLBACK_IN_PROGRESS';
    record.statusReason = cause.statusReason;
    record.rollback = {
      reason: cause.rollbackReason,
      startedAt: now,
      serviceRevisionArn: target.revision.arn
    };
    this.rollBackRolling(service, deployment, cause);
  }

  /** A new PRIMARY on the last completed deployment's task definition, for the failed one's record. */
  private rollBackRolling(service: EcsService, failed: Deployment, cause: FailureCause): Deployment {
    const target = service.lastCompleted!;
    const rollback = this.startDeployment(service, target.taskDefinition, target.revision, failed);
    rollback.rolloutStateReason = `${cause.by}: rolling back to deploymentId ${target.id}.`;
    // Tasks still running the target revision (kept by minimumHealthyPercent) join the rollback.
    for (const d of service.deployments.slice(1)) {
      if (d === failed || d.taskDefinition !== target.taskDefinition) continue;
      for (const t of this.tasksOf(d)) t.deploymentId = rollback.id;
    }
    service.deployments = service.deployments.filter(
      d => d === rollback || d === failed || this.tasksOf(d).length > 0
    );
    return rollback;
  }

  /** ShiftHost: the blue revision is PRIMARY again; the scheduler stops the green tasks. */
  restoreBlue(service: EcsService, failed: Deployment): 'restored' | 'rolling-rollback' | 'impossible' {
    const target = service.lastCompleted;
    if (!target) return 'impossible';
    const blue = service.deployments.find(d => d.id === target.id);
    const now = this.now();
    if (!blue || !this.tasksOf(blue).some(t => t.desiredStatus === 'RUNNING')) {
      this.rollBackRolling(service, failed, {
        ...CIRCUIT_BREAKER_CAUSE(true),
        by: 'ECS deployment rollback'
      });
      return 'rolling-rollback';
    }
    for (const d of service.deployments) {
      d.status = d === blue ? 'PRIMARY' : 'ACTIVE';
      d.updatedAt = now;
    }
    blue.desiredCount = service.desiredCount;
    service.deployments = [blue, ...service.deployments.filter(d => d !== blue)];
    service.steady = false;
    this.scheduleReconcile(service);
    return 'restored';
  }

  /** The deployment a service deployment runs (its rolling-view deployment), while it exists. */
  deploymentOf(service: EcsService, record: ServiceDeploymentRecord): Deployment | undefined {
    return service.deployments.find(d => d.id === record.deploymentId);
  }

  /** A CloudWatch alarm changed state: deployments watching it fail when it goes to ALARM. */
  onAlarm(name: string, state: 'ALARM' | 'OK'): void {
    for (const service of this.state.services.values()) {
      for (const record of service.records) {
        if (record.alarms.status !== 'MONITORING' || !record.alarms.alarmNames.includes(name)) continue;
        if (state === 'OK') {
          record.ignoredAlarms = record.ignoredAlarms.filter(n => n !== name);
          continue;
        }
        if (record.ignoredAlarms.includes(name) || record.status !== 'IN_PROGRESS') continue;
        const deployment = this.deploymentOf(service, record);
        if (!deployment) continue;
        record.alarms.status = 'TRIGGERED';
        record.alarms.triggeredAlarmNames = record.alarms.alarmNames.filter(
          n => this.signals.alarmState(n) === 'ALARM' && !record.ignoredAlarms.includes(n)
        );
        const names = record.alarms.triggeredAlarmNames.join(', ');
        this.failDeployment(service, deployment, {
          rollback: record.alarms.rollback,
          by: 'ECS deployment alarms',
          rolloutStateReason: `ECS deployment failed: alarm(s) ${names} in ALARM state.`,
          event: `alarm(s) ${names} in ALARM state.`,
          statusReason: `Service deployment failed: CloudWatch alarm(s) ${names} went to ALARM.`,
          rollbackReason: `CloudWatch alarm(s) triggered: ${names}.`
        });
      }
    }
  }

  /**
   * StopServiceDeployment on an in-progress deployment: ROLLBACK_REQUESTED (ROLLBACK) or
   * STOP_REQUESTED (ABORT) now; ECS acts on it a few seconds later.
   */
  requestStop(service: EcsService, record: ServiceDeploymentRecord, stopType: 'ROLLBACK' | 'ABORT'): void {
    const now = this.now();
    record.status = stopType === 'ROLLBACK' ? 'ROLLBACK_REQUESTED' : 'STOP_REQUESTED';
    record.updatedAt = now;
    this.ctx.clock.after(SHIFT_TIMING.stopRequest, `stop ${record.arn}`, () => {
      if (!/_REQUESTED$/.test(record.status)) return;
      const deployment = this.deploymentOf(service, record);
      if (!deployment) return;
      const rollback = stopType === 'ROLLBACK';
      this.failDeployment(service, deployment, {
        rollback,
        by: 'StopServiceDeployment',
        rolloutStateReason: `ECS deployment ${deployment.id} stopped by StopServiceDeployment (${stopType}).`,
        event: `stopped by StopServiceDeployment (${stopType}).`,
        statusReason: `Service deployment stopped by StopServiceDeployment (stopType ${stopType}).`,
        rollbackReason: 'Rollback requested by StopServiceDeployment.'
      });
      this.scheduleReconcile(service);
    });
  }

  /** Forgets tasks stopped more than an hour ago. */
  private prune(): void {
    const cutoff = this.now() - STOPPED_TASK_TTL_MS;
    for (const [arn, t] of this.state.tasks)
      if (t.stoppedAt !== undefined && t.stoppedAt < cutoff) this.state.tasks.delete(arn);
  }
}

export function isHealthy(task: Task): boolean {
  return task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY';
}

const SEVERITY = { healthy: 0, exit: 1, unhealthy: 2, crash: 3, 'pull-error': 4 } as const;

/**
 * What a task does: the worst behaviour among its essential containers' images (each matched with the
 * container's `command`, which RunTask overrides may have replaced); the version its health endpoint
 * reports comes from the app container (the first essential one with port mappings).
 */
export function taskOutcome(
  ctx: SimContext,
  containers: Record<string, unknown>[]
): { behavior: ImageBehavior; version: string; exit?: TaskExit } {
  const essential = containers.filter(c => c.essential !== false);
  let behavior: ImageBehavior = 'healthy';
  let exit: TaskExit | undefined;
  const ecr = ctx.service<SimService & { hasImage?(image: string): boolean | undefined }>('ECR');
  for (const c of essential) {
    // an image missing from a repository the simulated ECR holds cannot be pulled, whatever its rule
    const missing = ecr?.hasImage?.(String(c.image)) === false;
    const outcome = ctx.images.outcome(String(c.image), commandOf(c));
    const b = missing ? 'pull-error' : outcome.behavior;
    if (SEVERITY[b] > SEVERITY[behavior]) {
      behavior = b;
      exit =
        b === 'exit'
          ? {
              container: String(c.name),
              exitCode: outcome.exitCode ?? 0,
              runSeconds: outcome.runSeconds ?? 0
            }
          : undefined;
    }
  }
  const app =
    essential.find(c => Array.isArray(c.portMappings) && c.portMappings.length > 0) ??
    essential[0] ??
    containers[0];
  return { behavior, version: ctx.images.outcome(String(app.image), commandOf(app)).version, exit };
}

function commandOf(container: Record<string, unknown>): string[] | undefined {
  return Array.isArray(container.command) ? container.command.map(String) : undefined;
}
