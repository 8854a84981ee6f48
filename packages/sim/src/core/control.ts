/**
 * The control API: what tests, benchmarks, the rehearsal and people with curl use to shape the world.
 * Every method has an HTTP twin under `/_sim/` on the simulator's own port.
 */
import type { SimClock } from './clock.js';
import type { FaultRule, Faults } from './faults.js';
import { json, jsonBody, type HttpReply, type SimRequest } from './http.js';
import type { ImageRule, ImageRules } from './images.js';
import type { DenyRule, Permissions } from './permissions.js';
import type { SimRoute, SimService } from './service.js';

export interface TimeInfo {
  /** simulated time, epoch seconds (compare with SDK Dates via date.getTime() / 1000) */
  now: number;
  iso: string;
  /** simulated seconds since the simulator started */
  elapsedSeconds: number;
  timeScale: number;
}

/** A GitHub token's identity (see the GitHub service). */
export interface GitHubTokenRule {
  token: string;
  /** the comment author for this token (default github-actions[bot]) */
  login?: string;
  /** true: writes answer 403 "Resource not accessible by integration" (a fork's token) */
  readOnly?: boolean;
}

/** An open pull request, as `GET /repos/{o}/{r}/commits/{sha}/pulls` lists it (a fork's head too). */
export interface GitHubPullRule {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  /** default open */
  state?: 'open' | 'closed';
  /** the head repository (a fork: another owner) */
  headRepository?: string;
}

interface ControlParts {
  clock: SimClock;
  images: ImageRules;
  faults: Faults;
  calls: Map<string, number>;
  services: Map<string, SimService>;
  permissions: Permissions;
}

/** What control.ecrImages accepts (see the ECR service). */
export interface EcrImageSeedInput {
  repository: string;
  tag?: string;
  tags?: string[];
  manifest?: string | Record<string, unknown>;
  mediaType?: string;
  region?: string;
}

export interface SeededEcrImage {
  repository: string;
  digest: string;
  tags: string[];
  uri: string;
  /** uri@digest */
  image: string;
}

interface EcrControl extends SimService {
  seedImage(seed: EcrImageSeedInput): Promise<SeededEcrImage>;
}

interface EcsSignalsControl extends SimService {
  signals: {
    setAlarm(rule: { name: string; state: 'ALARM' | 'OK' }): { name: string; state: 'ALARM' | 'OK' };
    setHookAnswer(rule: { targetArn: string; status?: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' }): unknown;
  };
}

interface GitHubControl extends SimService {
  setToken(rule: GitHubTokenRule): GitHubTokenRule;
  setPull(rule: GitHubPullRule): GitHubPullRule;
}

export class SimControl {
  constructor(private readonly parts: ControlParts) {}

  /** How containers of an image behave (POST /_sim/images). */
  images(rule: ImageRule): ImageRule {
    return this.parts.images.set(rule);
  }

  /** Adds or replaces the fault rule of one operation; a rule without faults removes it (POST /_sim/faults). */
  faults(rule: FaultRule): FaultRule | undefined {
    return this.parts.faults.set(rule);
  }

  imageRules(): ImageRule[] {
    return this.parts.images.list();
  }

  faultRules(): FaultRule[] {
    return this.parts.faults.list();
  }

  /**
   * Denies an IAM action (`logs:GetLogEvents`, `logs:*`): its calls answer AccessDeniedException /
   * AccessDenied; `allow: true` lifts the denial (POST /_sim/deny). Returns the denied patterns.
   */
  deny(rule: DenyRule): string[] {
    return this.parts.permissions.set(rule);
  }

  deniedActions(): string[] {
    return this.parts.permissions.list();
  }

  /** Lifts every denial (DELETE /_sim/deny). */
  clearDenials(): void {
    this.parts.permissions.clear();
  }

  /** Removes every fault rule (DELETE /_sim/faults). */
  clearFaults(): void {
    this.parts.faults.clear();
  }

  /** API calls by `Service.Operation` since start or the last reset, faulted ones included (GET /_sim/calls). */
  calls(): Record<string, number> {
    return Object.fromEntries([...this.parts.calls.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Forgets every resource, rule, fault, denial, pending event and call count; time keeps going (POST /_sim/reset). */
  reset(): void {
    this.parts.clock.clearEvents();
    this.parts.images.clear();
    this.parts.faults.clear();
    this.parts.permissions.clear();
    this.parts.calls.clear();
    for (const service of this.parts.services.values()) service.reset();
  }

  /** Moves simulated time forward and runs everything due; returns the new time, epoch seconds (POST /_sim/time). */
  advance(simSeconds: number): number {
    return this.parts.clock.advance(simSeconds) / 1000;
  }

  /** Simulated time now, epoch seconds (GET /_sim/time). */
  now(): number {
    this.parts.clock.catchUp();
    return this.parts.clock.nowMs() / 1000;
  }

  time(): TimeInfo {
    const now = this.now();
    const clock = this.parts.clock;
    return {
      now,
      iso: new Date(now * 1000).toISOString(),
      elapsedSeconds: now - clock.startEpochMs / 1000,
      timeScale: clock.scale()
    };
  }

  /** Changes how fast simulated time runs (POST /_sim/time {"timeScale": n}). */
  setTimeScale(timeScale: number): void {
    this.parts.clock.setScale(timeScale);
  }

  /** Maps a GitHub token to a login and/or makes it read-only (POST /_sim/github/tokens). */
  githubToken(rule: GitHubTokenRule): GitHubTokenRule {
    const github = this.parts.services.get('GitHub') as GitHubControl | undefined;
    if (!github) throw new Error('the GitHub service is not loaded');
    return github.setToken(rule);
  }

  /** Registers a pull request, so its head SHA finds it (POST /_sim/github/pulls). */
  githubPull(rule: GitHubPullRule): GitHubPullRule {
    const github = this.parts.services.get('GitHub') as GitHubControl | undefined;
    if (!github) throw new Error('the GitHub service is not loaded');
    return github.setPull(rule);
  }

  /**
   * Puts an image into a simulated ECR repository (created if missing) without building anything:
   * `{repository, tag?|tags?, manifest?}` -> `{repository, digest, tags, uri, image}` (POST /_sim/ecr/images).
   */
  ecrImages(seed: EcrImageSeedInput): Promise<SeededEcrImage> {
    const ecr = this.parts.services.get('ECR') as EcrControl | undefined;
    if (!ecr) return Promise.reject(new Error('the ECR service is not loaded'));
    return ecr.seedImage(seed);
  }

  /** A CloudWatch alarm's state, for ECS deployment alarms (POST /_sim/alarms). */
  alarm(rule: { name: string; state: 'ALARM' | 'OK' }): { name: string; state: 'ALARM' | 'OK' } {
    return this.ecsSignals().setAlarm(rule);
  }

  /** What the Lambda function of an ECS lifecycle hook answers; default SUCCEEDED (POST /_sim/hooks). */
  lambdaHook(rule: { targetArn: string; status?: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' }): unknown {
    return this.ecsSignals().setHookAnswer(rule);
  }

  private ecsSignals(): EcsSignalsControl['signals'] {
    const ecs = this.parts.services.get('ECS') as EcsSignalsControl | undefined;
    if (!ecs) throw new Error('the ECS service is not loaded');
    return ecs.signals;
  }

  /** A service instance, for in-process inspection in tests (e.g. control.service('ECS')). */
  service<T extends SimService>(name: string): T | undefined {
    return this.parts.services.get(name) as T | undefined;
  }
}

/** `/_sim/*`: the HTTP face of SimControl. Bad control input answers 400 with the reason. */
export function controlRoute(control: SimControl): SimRoute {
  return {
    prefix: '/_sim/',
    handle(req: SimRequest): HttpReply | undefined {
      const body = jsonBody(req);
      if (
        req.method !== 'GET' &&
        req.method !== 'DELETE' &&
        (body === undefined || typeof body !== 'object')
      ) {
        return json(400, { message: 'the body must be a JSON object' });
      }
      const input = (body ?? {}) as Record<string, unknown>;
      try {
        switch (`${req.method} ${req.path.replace(/\/$/, '')}`) {
          case 'GET /_sim/images':
            return json(200, { images: control.imageRules() });
          case 'POST /_sim/images':
            return json(200, control.images(input as unknown as ImageRule));
          case 'GET /_sim/faults':
            return json(200, { faults: control.faultRules() });
          case 'POST /_sim/faults':
            if (input.clear === true) {
              control.clearFaults();
              return json(200, { faults: [] });
            }
            return json(200, { rule: control.faults(input as unknown as FaultRule) ?? null });
          case 'DELETE /_sim/faults':
            control.clearFaults();
            return json(200, { faults: [] });
          case 'GET /_sim/deny':
            return json(200, { denied: control.deniedActions() });
          case 'POST /_sim/deny':
            return json(200, { denied: control.deny(input as unknown as DenyRule) });
          case 'DELETE /_sim/deny':
            control.clearDenials();
            return json(200, { denied: [] });
          case 'GET /_sim/calls':
            return json(200, control.calls());
          case 'POST /_sim/reset':
            control.reset();
            return json(200, { reset: true });
          case 'GET /_sim/time':
            return json(200, control.time());
          case 'POST /_sim/time':
            if (input.timeScale !== undefined) control.setTimeScale(Number(input.timeScale));
            if (input.advance !== undefined) control.advance(Number(input.advance));
            return json(200, control.time());
          case 'POST /_sim/github/tokens':
            return json(200, control.githubToken(input as unknown as GitHubTokenRule));
          case 'POST /_sim/github/pulls':
            return json(200, control.githubPull(input as unknown as GitHubPullRule));
          default:
            return undefined;
        }
      } catch (error) {
        return json(400, { message: error instanceof Error ? error.message : String(error) });
      }
    }
  };
}
