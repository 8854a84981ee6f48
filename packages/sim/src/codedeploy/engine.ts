/**
 * A CodeDeploy ECS blue/green deployment over simulated time, driving the ECS service's task sets:
 *
 *   Created -> InProgress (+1 s). BeforeInstall; Install: the replacement (green) task set starts behind
 *   the pair's other target group and must reach steady state (it fails after as many failed tasks as
 *   ECS's circuit breaker threshold for the desired count, or after 60 minutes); AfterInstall;
 *   AllowTestTraffic / AfterAllowTestTraffic (the test listener moves to green; Skipped without a
 *   testTrafficRoute); the ready wait (STOP_DEPLOYMENT: status Ready until ContinueDeployment READY_WAIT,
 *   Stopped after waitTimeInMinutes); BeforeAllowTraffic; AllowTraffic (production traffic moves per the
 *   deployment configuration, then green becomes PRIMARY); AfterAllowTraffic; the termination wait
 *   (terminationWaitTimeInMinutes, skipped by ContinueDeployment TERMINATION_WAIT), then the original
 *   task set is deleted (TERMINATE) or kept (KEEP_ALIVE) and the deployment Succeeded.
 *
 * Each hook event takes one simulated second; Lambda hooks named in the AppSpec are not invoked (the
 * simulator has no Lambda): their events succeed. A failure (or StopDeployment) with automatic
 * rollback creates a rollback deployment (creator codeDeployRollback) that routes all traffic back to
 * the original task set and deletes the replacement.
 */
import type { SimContext } from '../core/service.js';
import type { EcsService, Json, TaskSet } from '../ecs/model.js';
import { containersOf, resolve } from '../ecs/task-definitions.js';
import type { EcsSimService } from '../ecs/service.js';
import { targetGroupArnFor, targetGroupNameOf } from '../ecs/task-sets.js';
import { circuitBreakerThreshold } from '../ecs/deployment-config.js';
import { appSpecFor, ecsAppSpecOf, field, parseDocument } from './appspec.js';
import { trafficSteps, type DeploymentConfig } from './configs.js';
import {
  ECS_LIFECYCLE_EVENTS,
  type Deployment,
  type DeploymentGroup,
  type LifecycleEvent,
  type LifecycleEventName
} from './model.js';

const START_AFTER = 1;
const HOOK_TAKES = 1;
const INSTALL_POLL = 5;
const INSTALL_TIMEOUT = 3600;

export class DeploymentEngine {
  readonly deployments = new Map<string, Deployment>();

  constructor(
    private readonly ctx: SimContext,
    private readonly groupOf: (d: Deployment) => DeploymentGroup,
    private readonly configOf: (name: string) => DeploymentConfig
  ) {}

  private now(): number {
    return this.ctx.clock.nowMs();
  }

  private ecs(): EcsSimService {
    const ecs = this.ctx.service<EcsSimService>('ECS');
    if (!ecs) throw new Error('the ECS service is not loaded');
    return ecs;
  }

  newId(): string {
    let id: string;
    do id = `d-${this.ctx.random.alnum(9).toUpperCase()}`;
    while (this.deployments.has(id));
    return id;
  }

  newDeployment(
    fields: Omit<
      Deployment,
      | 'events'
      | 'targetStatus'
      | 'targetUpdatedAt'
      | 'generation'
      | 'status'
      | 'createTime'
      | 'instanceTerminationWaitTimeStarted'
    >
  ): Deployment {
    const now = this.now();
    const d: Deployment = {
      ...fields,
      status: 'Created',
      createTime: now,
      instanceTerminationWaitTimeStarted: false,
      events: ECS_LIFECYCLE_EVENTS.map(name => ({ name, status: 'Pending' })),
      targetStatus: 'Pending',
      targetUpdatedAt: now,
      generation: 0
    };
    this.deployments.set(d.id, d);
    const group = this.groupOf(d);
    group.lastAttempted = { deploymentId: d.id, status: d.status, createTime: now };
    return d;
  }

  // ---- scheduling helpers: every step belongs to one generation of one deployment ----

  private later(d: Deployment, seconds: number, what: string, step: () => void): void {
    const generation = d.generation;
    this.ctx.clock.after(seconds, `codedeploy ${d.id} ${what}`, () => {
      if (d.generation === generation) step();
    });
  }

  private event(d: Deployment, name: LifecycleEventName): LifecycleEvent {
    return d.events.find(e => e.name === name)!;
  }

  private begin(d: Deployment, name: LifecycleEventName): void {
    const e = this.event(d, name);
    e.status = 'InProgress';
    e.startTime = this.now();
    this.touch(d);
  }

  private end(
    d: Deployment,
    name: LifecycleEventName,
    status: 'Succeeded' | 'Skipped' | 'Failed' = 'Succeeded'
  ): void {
    const e = this.event(d, name);
    e.status = status;
    if (status !== 'Skipped') {
      e.startTime ??= this.now();
      e.endTime = this.now();
    }
    this.touch(d);
  }

  /** A hook event: one simulated second, then the next step. */
  private hook(d: Deployment, name: LifecycleEventName, next: () => void): void {
    this.begin(d, name);
    this.later(d, HOOK_TAKES, name, () => {
      this.end(d, name);
      next();
    });
  }

  private touch(d: Deployment): void {
    d.targetUpdatedAt = this.now();
  }

  private setStatus(d: Deployment, status: Deployment['status']): void {
    d.status = status;
    const group = this.groupOf(d);
    if (group.lastAttempted?.deploymentId === d.id) group.lastAttempted.status = status;
  }

  // ---- the deployment ----

  start(d: Deployment): void {
    this.later(d, START_AFTER, 'start', () => {
      this.setStatus(d, 'InProgress');
      d.startTime = this.now();
      d.targetStatus = 'InProgress';
      if (d.creator === 'codeDeployRollback') this.runRollback(d);
      else this.hook(d, 'BeforeInstall', () => this.install(d));
    });
  }

  private service(d: Deployment): EcsService | undefined {
    const { clusterName, serviceName } = this.groupOf(d).ecsService;
    const service = this.ecs().taskSets.findService(clusterName, serviceName);
    return service?.status === 'ACTIVE' && service.taskSets ? service : undefined;
  }

  private install(d: Deployment): void {
    this.begin(d, 'Install');
    const group = this.groupOf(d);
    const service = this.service(d);
    if (!service) {
      return this.fail(
        d,
        'Install',
        'INVALID_ECS_SERVICE',
        `The ECS service ${group.ecsService.serviceName} in cluster ${group.ecsService.clusterName} does not exist or does not use the CODE_DEPLOY deployment controller.`
      );
    }
    let spec;
    try {
      spec = ecsAppSpecOf(parseDocument(String(field(d.revision.appSpecContent, 'content') ?? '')));
    } catch (error) {
      return this.fail(d, 'Install', 'INVALID_REVISION', (error as Error).message);
    }
    d.appSpec = spec;
    const td = resolve(this.ecs().state, spec.taskDefinition);
    if (!td || td.status !== 'ACTIVE') {
      return this.fail(
        d,
        'Install',
        'INVALID_REVISION',
        `The task definition ${spec.taskDefinition} does not exist or is not ACTIVE.`
      );
    }
    const container = containersOf(td).find(c => c.name === spec.containerName);
    const ports = ((container?.portMappings ?? []) as Json[]).map(p => Number(p.containerPort));
    if (!container || !ports.includes(spec.containerPort)) {
      return this.fail(
        d,
        'Install',
        'INVALID_REVISION',
        `The AppSpec's LoadBalancerInfo names container ${spec.containerName} port ${spec.containerPort}, which task definition ${td.arn} does not define.`
      );
    }
    const blue = service.taskSets!.find(s => s.status === 'PRIMARY');
    const prodName = targetGroupNameOf(blue?.loadBalancers[0]?.targetGroupArn);
    const names = d.pair.targetGroups.map(t => t.name);
    if (!blue || !prodName || !names.includes(prodName)) {
      return this.fail(
        d,
        'Install',
        'ELASTIC_LOAD_BALANCING_INVALID',
        `The ECS service's target group ${prodName ?? '(none)'} is not one of the deployment group's target groups ${names.join(', ')}.`
      );
    }
    const greenName = names.find(n => n !== prodName)!;
    d.blue = blue;
    d.green = this.ecs().taskSets.createReplacement(service, {
      taskDefinition: td.arn,
      loadBalancers: [
        {
          targetGroupArn: targetGroupArnFor(d.region, this.ctx.accountId, greenName),
          containerName: spec.containerName,
          containerPort: spec.containerPort
        }
      ],
      networkConfiguration: spec.networkConfiguration,
      platformVersion: spec.platformVersion,
      externalId: d.id
    });
    const started = this.now();
    const poll = () => {
      const progress = this.ecs().taskSets.progress(d.green!);
      this.touch(d);
      if (progress.stable) {
        this.end(d, 'Install');
        return this.hook(d, 'AfterInstall', () => this.testTraffic(d, service));
      }
      const threshold = circuitBreakerThreshold(service.desiredCount);
      if (progress.failedTasks >= threshold) {
        return this.fail(
          d,
          'Install',
          'ECS_UPDATE_ERROR',
          `The replacement task set ${d.green!.id} of ECS service ${service.name} failed to reach a steady state: ${progress.failedTasks} tasks stopped (last: ${progress.lastFailure ?? 'unknown'}).`
        );
      }
      if (this.now() - started >= INSTALL_TIMEOUT * 1000) {
        return this.fail(
          d,
          'Install',
          'TIMEOUT',
          `The replacement task set ${d.green!.id} did not reach a steady state within 60 minutes.`
        );
      }
      this.later(d, INSTALL_POLL, 'install poll', poll);
    };
    this.later(d, INSTALL_POLL, 'install poll', poll);
  }

  private testTraffic(d: Deployment, service: EcsService): void {
    if (!d.pair.testTrafficRoute?.listenerArns?.length) {
      this.end(d, 'AllowTestTraffic', 'Skipped');
      this.end(d, 'AfterAllowTestTraffic', 'Skipped');
      return this.readyWait(d, service);
    }
    this.begin(d, 'AllowTestTraffic');
    this.ecs().taskSets.routeTestTraffic(service, d.green!);
    this.later(d, HOOK_TAKES, 'AllowTestTraffic', () => {
      this.end(d, 'AllowTestTraffic');
      this.hook(d, 'AfterAllowTestTraffic', () => this.readyWait(d, service));
    });
  }

  private readyWait(d: Deployment, service: EcsService): void {
    const ready = d.blueGreen.deploymentReadyOption;
    const next = () => this.hook(d, 'BeforeAllowTraffic', () => this.allowTraffic(d, service));
    if (ready.actionOnTimeout !== 'STOP_DEPLOYMENT') return next();
    this.setStatus(d, 'Ready');
    d.targetStatus = 'Ready';
    d.waiting = 'READY_WAIT';
    d.resume = () => {
      d.waiting = undefined;
      d.resume = undefined;
      d.generation++; // cancels the timeout
      this.setStatus(d, 'InProgress');
      d.targetStatus = 'InProgress';
      next();
    };
    this.later(d, ready.waitTimeInMinutes * 60, 'ready wait timeout', () => {
      d.waiting = undefined;
      d.resume = undefined;
      this.finishUnsuccessfully(
        d,
        'Stopped',
        {
          code: 'TIMEOUT',
          message: `The deployment was stopped because traffic was not rerouted (ContinueDeployment) within the ${ready.waitTimeInMinutes} minutes of the ready wait.`
        },
        this.rollbackOn(d, 'DEPLOYMENT_STOP_ON_REQUEST')
      );
    });
  }

  private allowTraffic(d: Deployment, service: EcsService): void {
    this.begin(d, 'AllowTraffic');
    const steps = trafficSteps(this.configOf(d.configName).trafficRoutingConfig);
    for (const [at, weight] of steps) {
      const shift = () => {
        this.ecs().taskSets.shiftTraffic(service, d.green!, weight);
        this.touch(d);
        if (weight < 100) return;
        this.ecs().taskSets.promote(service, d.green!);
        this.end(d, 'AllowTraffic');
        this.hook(d, 'AfterAllowTraffic', () => this.terminationWait(d, service));
      };
      if (at === 0) shift();
      else this.later(d, at, `traffic ${weight}%`, shift);
    }
  }

  private terminationWait(d: Deployment, service: EcsService): void {
    const terminate = d.blueGreen.terminateBlueInstancesOnDeploymentSuccess;
    const finish = () => {
      d.waiting = undefined;
      d.resume = undefined;
      if (terminate.action === 'TERMINATE') this.ecs().taskSets.drain(service, d.blue!);
      this.succeed(d);
    };
    if (terminate.action !== 'TERMINATE' || terminate.terminationWaitTimeInMinutes === 0) return finish();
    d.instanceTerminationWaitTimeStarted = true;
    d.waiting = 'TERMINATION_WAIT';
    d.resume = () => {
      d.generation++;
      finish();
    };
    this.later(d, terminate.terminationWaitTimeInMinutes * 60, 'termination wait', finish);
  }

  private succeed(d: Deployment): void {
    const now = this.now();
    this.setStatus(d, 'Succeeded');
    d.completeTime = now;
    d.targetStatus = 'Succeeded';
    this.touch(d);
    const group = this.groupOf(d);
    group.lastSuccessful = {
      deploymentId: d.id,
      status: 'Succeeded',
      createTime: d.createTime,
      endTime: now
    };
    group.lastSuccessfulRevision = d.revision;
    if (group.lastAttempted?.deploymentId === d.id) group.lastAttempted.endTime = now;
  }

  // ---- failure, stop, rollback ----

  private rollbackOn(d: Deployment, event: string): boolean {
    return d.autoRollback.enabled && d.autoRollback.events.includes(event);
  }

  private fail(d: Deployment, during: LifecycleEventName, code: string, message: string): void {
    const e = this.event(d, during);
    e.status = 'Failed';
    e.startTime ??= this.now();
    e.endTime = this.now();
    e.diagnostics = { errorCode: 'UnknownError', scriptName: '', message, logTail: '' };
    this.finishUnsuccessfully(d, 'Failed', { code, message }, this.rollbackOn(d, 'DEPLOYMENT_FAILURE'));
  }

  /** StopDeployment: cancels what is still to come; with `rollback` a rollback deployment follows. */
  stop(d: Deployment, rollback: boolean): void {
    this.finishUnsuccessfully(
      d,
      'Stopped',
      { code: 'MANUAL_STOP', message: 'The deployment was stopped by a StopDeployment request.' },
      rollback
    );
  }

  private finishUnsuccessfully(
    d: Deployment,
    status: 'Failed' | 'Stopped',
    error: { code: string; message: string },
    rollback: boolean
  ): void {
    d.generation++;
    d.waiting = undefined;
    d.resume = undefined;
    const now = this.now();
    for (const e of d.events) if (e.status === 'Pending' || e.status === 'InProgress') e.status = 'Skipped';
    this.setStatus(d, status);
    d.errorInformation = error;
    d.completeTime = now;
    d.targetStatus = 'Failed';
    this.touch(d);
    const group = this.groupOf(d);
    if (group.lastAttempted?.deploymentId === d.id) group.lastAttempted.endTime = now;
    const service = this.service(d);
    // a rollback deployment that fails is not rolled back again
    rollback = rollback && d.creator === 'user';
    if (rollback && d.blue && d.green && service) {
      const back = this.createRollback(d);
      d.rollbackInfo = {
        rollbackDeploymentId: back.id,
        rollbackMessage: `Deployment ${d.id} is being rolled back by deployment ${back.id}: traffic returns to the original task set.`
      };
      return;
    }
    if (rollback)
      d.rollbackInfo = { rollbackMessage: 'No rollback: the replacement task set was never created.' };
    // without a rollback, a replacement that never received production traffic is removed
    if (service && d.green && d.green.trafficWeight === 0 && d.green.status !== 'PRIMARY')
      this.ecs().taskSets.drain(service, d.green);
  }

  private createRollback(failed: Deployment): Deployment {
    const group = this.groupOf(failed);
    const blueTd = failed.blue!.taskDefinition;
    const lb = failed.blue!.loadBalancers[0] ?? {};
    const revision = group.lastSuccessfulRevision ?? {
      revisionType: 'AppSpecContent',
      appSpecContent: {
        content: appSpecFor(blueTd, String(lb.containerName ?? ''), Number(lb.containerPort ?? 0))
      }
    };
    const back = this.newDeployment({
      id: this.newId(),
      region: failed.region,
      applicationName: failed.applicationName,
      groupName: failed.groupName,
      configName: failed.configName,
      creator: 'codeDeployRollback',
      revision,
      previousRevision: failed.revision,
      autoRollback: failed.autoRollback,
      blueGreen: failed.blueGreen,
      pair: failed.pair,
      blue: failed.green,
      green: failed.blue,
      rollbackInfo: {
        rollbackTriggeringDeploymentId: failed.id,
        rollbackMessage: `Rollback of deployment ${failed.id}.`
      }
    });
    this.start(back);
    return back;
  }

  /**
   * A rollback deployment: the original task set (its `green`, what it restores) is still running, so
   * the install events are Skipped; traffic returns at once, then the replacement (its `blue`) goes.
   */
  private runRollback(d: Deployment): void {
    const service = this.service(d);
    for (const name of [
      'BeforeInstall',
      'Install',
      'AfterInstall',
      'AllowTestTraffic',
      'AfterAllowTestTraffic'
    ] as const)
      this.end(d, name, 'Skipped');
    if (!service) {
      return this.fail(d, 'BeforeAllowTraffic', 'INVALID_ECS_SERVICE', 'The ECS service no longer exists.');
    }
    this.hook(d, 'BeforeAllowTraffic', () => {
      this.begin(d, 'AllowTraffic');
      const taskSets = this.ecs().taskSets;
      taskSets.shiftTraffic(service, d.green!, 100);
      taskSets.routeTestTraffic(service, d.green!);
      taskSets.promote(service, d.green!);
      this.later(d, HOOK_TAKES, 'AllowTraffic', () => {
        this.end(d, 'AllowTraffic');
        this.hook(d, 'AfterAllowTraffic', () => {
          taskSets.drain(service, d.blue!);
          this.succeed(d);
        });
      });
    });
  }

  /** The ECS target's task sets as CodeDeploy reports them (ECSTaskSet, `identifer` as AWS spells it). */
  taskSetsInfo(d: Deployment): Json[] {
    const taskSets = this.ecs().taskSets;
    const info = (set: TaskSet | undefined, label: 'Blue' | 'Green') => {
      if (!set) return undefined;
      const p = taskSets.progress(set);
      return {
        identifer: set.id,
        desiredCount: p.desired,
        pendingCount: p.pending,
        runningCount: p.running,
        status: set.status,
        trafficWeight: set.trafficWeight,
        targetGroup: { name: targetGroupNameOf(set.loadBalancers[0]?.targetGroupArn) },
        taskSetLabel: label
      };
    };
    return [info(d.blue, 'Blue'), info(d.green, 'Green')].filter((x): x is NonNullable<typeof x> => !!x);
  }
}
