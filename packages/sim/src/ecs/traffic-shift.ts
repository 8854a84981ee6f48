/**
 * ECS-native BLUE_GREEN, LINEAR and CANARY deployments over simulated time: the lifecycle stages in
 * ECS's order, lifecycle hooks (Lambda answers from the signals control, PAUSE hooks waiting for
 * ContinueServiceDeployment), requested test/production traffic weights, bake times, and the rollback
 * that sends traffic back to the blue revision and scales the green one down.
 *
 * A deployment is a program of steps. Each step reports a `lifecycleStage`, may run the hooks of one
 * hook stage, lasts at least `dwell` simulated seconds and may wait for a condition (the green
 * revision healthy at its desired count). The next step starts once all three are met.
 *
 * Forward (seconds are SHIFT_TIMING):
 *   RECONCILE_SERVICE (only with more than one active revision) 5, PRE_SCALE_UP 5,
 *   SCALE_UP until the green tasks are all RUNNING+HEALTHY, POST_SCALE_UP 5,
 *   TEST_TRAFFIC_SHIFT 15 (test weight 100), POST_TEST_TRAFFIC_SHIFT 5,
 *   PRODUCTION_TRAFFIC_SHIFT per step: PRE_PRODUCTION_TRAFFIC_SHIFT hooks, weight -> step, 15, then the
 *   step bake (LINEAR stepBakeTimeInMinutes / CANARY canaryBakeTimeInMinutes, none after 100),
 *   POST_PRODUCTION_TRAFFIC_SHIFT 5, BAKE_TIME bakeTimeInMinutes, CLEAN_UP: the blue tasks stop, and the
 *   deployment is SUCCESSFUL when they are STOPPED (the scheduler completes it).
 * Rollback: PRODUCTION_TRAFFIC_SHIFT back to 0 (if it had moved) 15, TEST_TRAFFIC_SHIFT back to 0 (if
 * it had moved) 15 - their Lambda hooks run again, as ECS does on rollback - then CLEAN_UP: the blue
 * revision is PRIMARY again, the green tasks stop; ROLLBACK_SUCCESSFUL when they are STOPPED.
 */
import type { SimContext } from '../core/service.js';
import {
  bakeSeconds,
  lifecycleHooks,
  productionSteps,
  type HookStage,
  type LifecycleHook
} from './deployment-config.js';
import type { Deployment, EcsService, HookRun, LifecycleStage, Task } from './model.js';
import type { DeploymentSignals } from './signals.js';

export const SHIFT_TIMING = {
  /** RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP, POST_TEST_/POST_PRODUCTION_TRAFFIC_SHIFT */
  stage: 5,
  testTrafficShift: 15,
  /** each production traffic step */
  productionTrafficShift: 15,
  /** one Lambda hook invocation */
  lambda: 2,
  /** a Lambda answering IN_PROGRESS is invoked again after this (ECS's default callBackDelay) */
  lambdaRetry: 30,
  /** StopServiceDeployment: STOP_REQUESTED / ROLLBACK_REQUESTED until ECS acts on it */
  stopRequest: 5
};

/** Why a deployment fails, in ECS's terms: what every surface says, and whether it rolls back. */
export interface FailureCause {
  rollback: boolean;
  /** who rolls back, in a rolling rollback's rolloutStateReason ("<by>: rolling back to deploymentId ...") */
  by: string;
  /** rolling view: rolloutStateReason of the failed deployment */
  rolloutStateReason: string;
  /** service event: "(deployment ...) deployment failed: <event>" */
  event: string;
  statusReason: string;
  rollbackReason: string;
}

/** What the traffic shift needs from the scheduler (EcsWorld). */
export interface ShiftHost {
  tasksOf(deployment: Deployment): Task[];
  scheduleReconcile(service: EcsService): void;
  /** every failure goes through the scheduler (events), which calls fail() for a shifting deployment */
  failDeployment(service: EcsService, deployment: Deployment, cause: FailureCause): void;
  /** the blue revision serves again: PRIMARY, and the green deployment's tasks go */
  restoreBlue(service: EcsService, failed: Deployment): 'restored' | 'rolling-rollback' | 'impossible';
}

interface Step {
  stage: LifecycleStage;
  hookStage?: HookStage;
  dwell: number;
  enter?: () => void;
  ready?: () => boolean;
}

interface Program {
  steps: Step[];
  index: number;
  dwellDone: boolean;
  rollback: boolean;
  /** after the last step */
  onDone?: () => void;
}

const HOOK_PENDING = ['AWAITING_ACTION', 'IN_PROGRESS'];

export class TrafficShifts {
  private programs = new Map<string, Program>();

  constructor(
    private readonly ctx: SimContext,
    private readonly signals: DeploymentSignals,
    private readonly host: ShiftHost
  ) {}

  private now(): number {
    return this.ctx.clock.nowMs();
  }

  /** Starts the forward program of a new traffic-shifting deployment. */
  start(service: EcsService, d: Deployment, olderActive: number): void {
    const record = d.record;
    const shift = d.shift!;
    record.weights = { test: 0, production: 0 };
    const greenReady = () => this.greenReady(service, d);
    const steps: Step[] = [];
    if (olderActive > 1)
      steps.push({ stage: 'RECONCILE_SERVICE', hookStage: 'RECONCILE_SERVICE', dwell: SHIFT_TIMING.stage });
    steps.push({ stage: 'PRE_SCALE_UP', hookStage: 'PRE_SCALE_UP', dwell: SHIFT_TIMING.stage });
    steps.push({
      stage: 'SCALE_UP',
      dwell: 0,
      enter: () => {
        shift.scaleUp = true;
        this.host.scheduleReconcile(service);
      },
      ready: greenReady
    });
    steps.push({
      stage: 'POST_SCALE_UP',
      hookStage: 'POST_SCALE_UP',
      dwell: SHIFT_TIMING.stage,
      ready: greenReady
    });
    steps.push({
      stage: 'TEST_TRAFFIC_SHIFT',
      hookStage: 'TEST_TRAFFIC_SHIFT',
      dwell: SHIFT_TIMING.testTrafficShift,
      enter: () => (record.weights!.test = 100),
      ready: greenReady
    });
    steps.push({
      stage: 'POST_TEST_TRAFFIC_SHIFT',
      hookStage: 'POST_TEST_TRAFFIC_SHIFT',
      dwell: SHIFT_TIMING.stage,
      ready: greenReady
    });
    for (const step of productionSteps(d.record.deploymentConfiguration)) {
      steps.push({
        stage: 'PRODUCTION_TRAFFIC_SHIFT',
        hookStage: 'PRE_PRODUCTION_TRAFFIC_SHIFT',
        dwell: 0,
        ready: greenReady
      });
      steps.push({
        stage: 'PRODUCTION_TRAFFIC_SHIFT',
        hookStage: 'PRODUCTION_TRAFFIC_SHIFT',
        dwell: SHIFT_TIMING.productionTrafficShift,
        enter: () => (record.weights!.production = step.weight)
      });
      if (step.bakeSeconds > 0) steps.push({ stage: 'PRODUCTION_TRAFFIC_SHIFT', dwell: step.bakeSeconds });
    }
    steps.push({
      stage: 'POST_PRODUCTION_TRAFFIC_SHIFT',
      hookStage: 'POST_PRODUCTION_TRAFFIC_SHIFT',
      dwell: SHIFT_TIMING.stage
    });
    steps.push({ stage: 'BAKE_TIME', dwell: bakeSeconds(d.record.deploymentConfiguration) });
    steps.push({
      stage: 'CLEAN_UP',
      dwell: 0,
      enter: () => {
        shift.cleanUp = true;
        this.host.scheduleReconcile(service);
      },
      ready: () => false // the scheduler completes the deployment once the blue tasks are gone
    });
    this.run(service, d, { steps, index: 0, dwellDone: false, rollback: false });
  }

  /** A traffic-shifting deployment failed: roll back (traffic first, then the green tasks) or stop. */
  fail(service: EcsService, d: Deployment, cause: FailureCause): void {
    const record = d.record;
    if (!['IN_PROGRESS', 'PENDING', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED'].includes(record.status)) return;
    const now = this.now();
    const shift = d.shift!;
    shift.token++;
    this.programs.delete(d.id);
    d.rolloutState = 'FAILED';
    d.rolloutStateReason = cause.rolloutStateReason;
    d.updatedAt = now;
    record.updatedAt = now;
    record.statusReason = cause.statusReason;
    const target = service.lastCompleted;
    if (!cause.rollback || !target || target.id === d.id) {
      record.status = cause.rollback ? 'ROLLBACK_FAILED' : 'STOPPED';
      if (cause.rollback)
        record.statusReason = `${cause.statusReason} No completed service revision to roll back to.`;
      record.stoppedAt = now;
      record.finishedAt = now;
      this.host.scheduleReconcile(service);
      return;
    }
    record.status = 'ROLLBACK_IN_PROGRESS';
    record.rollback = {
      reason: cause.rollbackReason,
      startedAt: now,
      serviceRevisionArn: target.revision.arn
    };
    const weights = record.weights!;
    const steps: Step[] = [];
    if (weights.production > 0)
      steps.push({
        stage: 'PRODUCTION_TRAFFIC_SHIFT',
        hookStage: 'PRODUCTION_TRAFFIC_SHIFT',
        dwell: SHIFT_TIMING.productionTrafficShift,
        enter: () => (weights.production = 0)
      });
    if (weights.test > 0)
      steps.push({
        stage: 'TEST_TRAFFIC_SHIFT',
        hookStage: 'TEST_TRAFFIC_SHIFT',
        dwell: SHIFT_TIMING.testTrafficShift,
        enter: () => (weights.test = 0)
      });
    let outcome: ReturnType<ShiftHost['restoreBlue']> = 'restored';
    steps.push({
      stage: 'CLEAN_UP',
      dwell: 0,
      enter: () => {
        outcome = this.host.restoreBlue(service, d);
      },
      ready: () =>
        outcome === 'impossible' ||
        (outcome === 'restored'
          ? this.host.tasksOf(d).every(t => t.lastStatus === 'STOPPED')
          : record.status !== 'ROLLBACK_IN_PROGRESS')
    });
    const onDone = () => {
      if (record.status !== 'ROLLBACK_IN_PROGRESS') return; // a rolling rollback already finished it
      const at = this.now();
      record.status = outcome === 'impossible' ? 'ROLLBACK_FAILED' : 'ROLLBACK_SUCCESSFUL';
      record.finishedAt = at;
      record.updatedAt = at;
    };
    this.run(service, d, { steps, index: 0, dwellDone: false, rollback: true, onDone });
  }

  /** The scheduler changed something: a waiting step may go on. */
  poll(service: EcsService): void {
    // a rolled-back green deployment leaves service.deployments before its program ends: go by record
    for (const id of [...this.programs.keys()]) {
      const d = this.deployments.get(id);
      if (d && service.records.includes(d.record)) this.advance(service, d);
    }
  }

  /** every deployment that has run a program, by id (the program outlives its place in the service) */
  private readonly deployments = new Map<string, Deployment>();

  /** ContinueServiceDeployment on a PAUSE hook awaiting action. */
  continueHook(service: EcsService, d: Deployment, run: HookRun, action: 'CONTINUE' | 'ROLLBACK'): void {
    if (action === 'CONTINUE') {
      run.status = 'SUCCEEDED';
      d.record.updatedAt = this.now();
      this.advance(service, d);
      return;
    }
    run.status = 'FAILED';
    this.host.failDeployment(service, d, {
      rollback: true,
      by: 'ContinueServiceDeployment',
      rolloutStateReason: `ECS deployment ${d.id} rolled back: lifecycle hook ${run.hookId} answered ROLLBACK.`,
      event: `lifecycle hook ${run.hookId} requested a rollback.`,
      statusReason: `Service deployment rolled back by ContinueServiceDeployment (action ROLLBACK) on lifecycle hook ${run.hookId} at ${run.stage}.`,
      rollbackReason: `Rollback requested by ContinueServiceDeployment on lifecycle hook ${run.hookId}.`
    });
  }

  /** Forgets a deployment's program (superseded by a newer deployment). */
  cancel(d: Deployment): void {
    if (d.shift) d.shift.token++;
    this.programs.delete(d.id);
  }

  reset(): void {
    this.programs.clear();
    this.deployments.clear();
  }

  private greenReady(service: EcsService, d: Deployment): boolean {
    const healthy = this.host
      .tasksOf(d)
      .filter(
        t => t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING' && t.healthStatus === 'HEALTHY'
      );
    return healthy.length >= service.desiredCount;
  }

  private run(service: EcsService, d: Deployment, program: Program): void {
    this.programs.set(d.id, program);
    this.deployments.set(d.id, d);
    this.enterStep(service, d, program);
  }

  private enterStep(service: EcsService, d: Deployment, program: Program): void {
    const record = d.record;
    const token = d.shift!.token;
    const step = program.steps[program.index];
    if (!step) {
      this.programs.delete(d.id);
      program.onDone?.();
      this.host.scheduleReconcile(service);
      return;
    }
    const now = this.now();
    record.lifecycleStage = step.stage;
    record.updatedAt = now;
    record.hookRuns = [];
    step.enter?.();
    program.dwellDone = step.dwell === 0;
    if (step.dwell > 0)
      this.ctx.clock.after(step.dwell, `${d.id} ${step.stage} dwell`, () => {
        if (d.shift!.token !== token || this.programs.get(d.id) !== program) return;
        program.dwellDone = true;
        this.advance(service, d);
      });
    const stage = step.hookStage;
    if (stage) {
      const hooks = lifecycleHooks(record.deploymentConfiguration).filter(h =>
        h.lifecycleStages.includes(stage)
      );
      for (const hook of hooks) this.startHook(service, d, program, hook, stage);
    }
    this.advance(service, d);
  }

  private advance(service: EcsService, d: Deployment): void {
    const program = this.programs.get(d.id);
    if (!program) return;
    const step = program.steps[program.index];
    if (!program.dwellDone) return;
    if (d.record.hookRuns.some(r => HOOK_PENDING.includes(r.status))) return;
    if (step.ready && !step.ready()) return;
    program.index++;
    this.enterStep(service, d, program);
  }

  private startHook(
    service: EcsService,
    d: Deployment,
    program: Program,
    hook: LifecycleHook,
    stage: HookStage
  ): void {
    const record = d.record;
    const token = d.shift!.token;
    const run: HookRun = {
      hookId: this.ctx.random.alnum(22),
      targetType: hook.targetType,
      ...(hook.hookTargetArn ? { targetArn: hook.hookTargetArn } : {}),
      stage,
      status: hook.targetType === 'PAUSE' ? 'AWAITING_ACTION' : 'IN_PROGRESS',
      expiresAt: this.now() + hook.timeoutMinutes * 60_000,
      timeoutAction: hook.timeoutAction
    };
    record.hookRuns.push(run);
    const live = () =>
      d.shift!.token === token && this.programs.get(d.id) === program && record.hookRuns.includes(run);
    const settle = (status: HookRun['status']) => {
      run.status = status;
      record.updatedAt = this.now();
      if (status === 'SUCCEEDED') this.advance(service, d);
      else this.hookFailed(service, d, program, run);
    };
    if (hook.targetType === 'AWS_LAMBDA') {
      const invoke = () => {
        if (!live() || !HOOK_PENDING.includes(run.status)) return;
        const answer = this.signals.invoke({
          targetArn: hook.hookTargetArn!,
          lifecycleStage: stage,
          serviceDeploymentArn: record.arn,
          ...(hook.hookDetails !== undefined ? { hookDetails: hook.hookDetails } : {})
        });
        if (answer === 'IN_PROGRESS')
          this.ctx.clock.after(SHIFT_TIMING.lambdaRetry, `hook ${run.hookId} retry`, invoke);
        else settle(answer);
      };
      this.ctx.clock.after(SHIFT_TIMING.lambda, `hook ${run.hookId} invoke`, invoke);
    }
    this.ctx.clock.at(run.expiresAt, `hook ${run.hookId} timeout`, () => {
      if (!live() || !HOOK_PENDING.includes(run.status)) return;
      run.status = 'TIMED_OUT';
      record.updatedAt = this.now();
      if (run.timeoutAction === 'CONTINUE') this.advance(service, d);
      else this.hookFailed(service, d, program, run);
    });
  }

  private hookFailed(service: EcsService, d: Deployment, program: Program, run: HookRun): void {
    const what = run.status === 'TIMED_OUT' ? 'timed out' : 'failed';
    const hook = run.targetArn ?? `PAUSE hook ${run.hookId}`;
    if (program.rollback) {
      // a hook that fails while traffic goes back: the rollback itself failed
      const now = this.now();
      this.programs.delete(d.id);
      d.shift!.token++;
      d.record.status = 'ROLLBACK_FAILED';
      d.record.statusReason = `Rollback failed: lifecycle hook ${hook} ${what} at ${run.stage}.`;
      d.record.finishedAt = now;
      d.record.updatedAt = now;
      return;
    }
    this.host.failDeployment(service, d, {
      rollback: true,
      by: 'ECS lifecycle hook',
      rolloutStateReason: `ECS deployment ${d.id} failed: lifecycle hook ${what}.`,
      event: `lifecycle hook ${what} at ${run.stage}.`,
      statusReason: `Service deployment rolled back because lifecycle hook ${hook} ${what} at ${run.stage}.`,
      rollbackReason: `Lifecycle hook ${hook} ${what} at ${run.stage}.`
    });
  }
}

/**
 * Which serving tasks answer request number `n` on a listener, like the load balancer would: while a
 * traffic-shifting deployment runs, the green (PRIMARY) tasks get `weight`% of the requests, evenly
 * interleaved, the blue ones the rest; otherwise every serving task takes its turn.
 */
export function routeTraffic(
  primary: Deployment | undefined,
  serving: Task[],
  listener: 'production' | 'test',
  n: number
): Task[] {
  const weights = primary?.shift && !primary.shift.cleanUp ? primary.record.weights : undefined;
  if (!primary || !weights) return serving;
  const weight = listener === 'test' ? weights.test : weights.production;
  const toGreen = Math.floor(((n + 1) * weight) / 100) > Math.floor((n * weight) / 100);
  const green = serving.filter(t => t.deploymentId === primary.id);
  const blue = serving.filter(t => t.deploymentId !== primary.id);
  const pool = toGreen ? green : blue;
  return pool.length > 0 ? pool : serving;
}
