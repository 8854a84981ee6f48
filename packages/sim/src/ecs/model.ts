/** The ECS world's state, ARNs and the small conversions every ECS file needs. */
import { SimError } from '../core/errors.js';
import type { ImageBehavior } from '../core/images.js';
import type { DeploymentConfig, HookStage, Strategy } from './deployment-config.js';

export type Json = Record<string, unknown>;
export interface Tag {
  key: string;
  value: string;
}

export interface Cluster {
  name: string;
  arn: string;
  createdAt: number;
  tags: Tag[];
  settings: unknown[];
}

export interface TaskDefinition {
  family: string;
  revision: number;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  registeredAt: number;
  deregisteredAt?: number;
  registeredBy: string;
  /** the registered document, normalised, without read-only fields */
  body: Json;
  requiresAttributes: { name: string }[];
  compatibilities: string[];
  tags: Tag[];
}

export interface ServiceRevision {
  arn: string;
  taskDefinition: string;
  launchType: string;
  platformVersion?: string;
  createdAt: number;
  containerImages: { containerName: string; image: string; imageDigest?: string }[];
  networkConfiguration?: unknown;
  loadBalancers?: unknown[];
  /** the target group each load balancer entry sends this revision's tasks to */
  resolvedTargetGroups: string[];
}

/** The lifecycleStage values DescribeServiceDeployments reports (ServiceDeploymentLifecycleStage). */
export type LifecycleStage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP';

/** One execution of a lifecycle hook (DeploymentLifecycleHookDetail). */
export interface HookRun {
  hookId: string;
  targetType: 'AWS_LAMBDA' | 'PAUSE';
  targetArn?: string;
  stage: HookStage;
  status: 'AWAITING_ACTION' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  expiresAt: number;
  timeoutAction: 'CONTINUE' | 'ROLLBACK';
}

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

export const FINAL_STATUSES: readonly string[] = [
  'SUCCESSFUL',
  'STOPPED',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED'
];

export interface ServiceDeploymentRecord {
  arn: string;
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  strategy: Strategy;
  target: ServiceRevision;
  /** the rolling-view deployment (`ecs-svc/...`) that runs the target revision */
  deploymentId: string;
  sources: { revision: ServiceRevision; deploymentId: string }[];
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  circuitBreaker: { status: string; failureCount: number; threshold: number };
  alarms: { status: string; alarmNames: string[]; triggeredAlarmNames: string[]; rollback: boolean };
  /** alarms already in ALARM when the deployment started: ECS ignores them until they recover */
  ignoredAlarms: string[];
  /** B/G, LINEAR, CANARY only */
  lifecycleStage?: LifecycleStage;
  hookRuns: HookRun[];
  /** requested traffic weights of the target revision (B/G, LINEAR, CANARY) */
  weights?: { test: number; production: number };
  /** the service's configuration when the deployment started */
  deploymentConfiguration: DeploymentConfig;
}

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType: string;
  platformVersion?: string;
  networkConfiguration?: unknown;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  /** set on the deployment ECS created to roll back a failed one */
  rollbackOf?: string;
  revision: ServiceRevision;
  record: ServiceDeploymentRecord;
  /** present for B/G, LINEAR and CANARY: the traffic shift that drives this deployment */
  shift?: ShiftState;
}

/** How far a traffic-shifting deployment lets the scheduler go (see traffic-shift.ts). */
export interface ShiftState {
  /** the new revision may launch its tasks (SCALE_UP reached) */
  scaleUp: boolean;
  /** the older revisions' tasks may stop now (CLEAN_UP reached) */
  cleanUp: boolean;
  /** bumped whenever the running program changes, so its pending steps know they are stale */
  token: number;
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface EcsService {
  name: string;
  arn: string;
  clusterName: string;
  clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  launchType: string;
  platformVersion?: string;
  deploymentConfiguration: DeploymentConfig;
  deployments: Deployment[];
  events: ServiceEvent[];
  createdAt: number;
  createdBy: string;
  tags: Tag[];
  /** request members stored and echoed as given (networkConfiguration, loadBalancers, ...) */
  passthrough: Json;
  /** the deployment that last reached COMPLETED: where the circuit breaker rolls back to */
  lastCompleted?: { id: string; taskDefinition: string; revision: ServiceRevision };
  /** steady-state event already printed for the current state */
  steady: boolean;
  records: ServiceDeploymentRecord[];
  /** per `loadBalancers` entry, the target group that serves production now (B/G swaps it) */
  productionTargetGroups?: string[];
  /** CODE_DEPLOY services only: their task sets (see task-sets.ts); `deployments` stays empty */
  taskSets?: TaskSet[];
}

/** A task set of a CODE_DEPLOY service (DescribeServices `taskSets[]`). */
export interface TaskSet {
  id: string;
  arn: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  taskDefinition: string;
  launchType: string;
  platformVersion?: string;
  networkConfiguration?: unknown;
  loadBalancers: Json[];
  /** percent of the service's desiredCount this task set runs */
  scale: number;
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  stabilityStatusAt: number;
  createdAt: number;
  updatedAt: number;
  startedBy?: string;
  externalId?: string;
  /** percent of production traffic (the production listener's target group) it receives */
  trafficWeight: number;
  /** whether the test listener routes to it */
  testTraffic: boolean;
  /** tasks of this set that failed (crashed, exited, failed health checks or to start) */
  failedTasks: number;
}

export interface Container {
  name: string;
  image: string;
  essential: boolean;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  healthStatus: string;
  runtimeId: string;
  containerArn: string;
}

export interface Task {
  id: string;
  arn: string;
  clusterArn: string;
  clusterName: string;
  serviceName?: string;
  deploymentId?: string;
  startedBy?: string;
  group: string;
  taskDefinitionArn: string;
  launchType: string;
  cpu?: string;
  memory?: string;
  behavior: ImageBehavior;
  /** behavior "exit": which essential container exits, with what code, after how long RUNNING */
  exit?: TaskExit;
  /** set on a task of a CODE_DEPLOY service's task set (see task-sets.ts) */
  taskSetId?: string;
  /** RunTask's overrides, echoed by DescribeTasks (see run-task.ts) */
  overrides?: Json;
  capacityProviderName?: string;
  /** what the workload's health endpoint reports */
  appVersion: string;
  lastStatus: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  containers: Container[];
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  executionStoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  version: number;
  tags: Tag[];
}

export interface TaskExit {
  container: string;
  exitCode: number;
  runSeconds: number;
}

export interface EcsState {
  clusters: Map<string, Cluster>;
  families: Map<string, TaskDefinition[]>;
  services: Map<string, EcsService>;
  tasks: Map<string, Task>;
}

export function emptyState(): EcsState {
  return { clusters: new Map(), families: new Map(), services: new Map(), tasks: new Map() };
}

export const serviceKey = (cluster: string, service: string) => `${cluster}/${service}`;

export class Arns {
  constructor(
    private readonly region: string,
    private readonly account: string
  ) {}
  private base = () => `arn:aws:ecs:${this.region}:${this.account}`;
  cluster = (name: string) => `${this.base()}:cluster/${name}`;
  taskDefinition = (family: string, revision: number) =>
    `${this.base()}:task-definition/${family}:${revision}`;
  service = (cluster: string, name: string) => `${this.base()}:service/${cluster}/${name}`;
  task = (cluster: string, id: string) => `${this.base()}:task/${cluster}/${id}`;
  container = (cluster: string, id: string) => `${this.base()}:container/${cluster}/${id}`;
  serviceDeployment = (cluster: string, service: string, id: string) =>
    `${this.base()}:service-deployment/${cluster}/${service}/${id}`;
  serviceRevision = (cluster: string, service: string, id: string) =>
    `${this.base()}:service-revision/${cluster}/${service}/${id}`;
}

/** Epoch seconds, the JSON protocols' timestamp format. */
export const ts = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** The last path segment of an ARN, or the value itself when it is a plain name. */
export function nameOf(value: string): string {
  return value.startsWith('arn:') ? value.slice(value.lastIndexOf('/') + 1) : value;
}

/** `cluster` parameter (name or ARN, default "default") -> cluster name. */
export function clusterNameOf(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'default';
  if (typeof value !== 'string') throw invalidParameter('cluster must be a string');
  if (value.startsWith('arn:')) {
    const m = /:cluster\/(.+)$/.exec(value);
    if (!m) throw invalidParameter(`Invalid cluster ARN: ${value}`);
    return m[1];
  }
  return value;
}

export function clientError(message: string): SimError {
  return new SimError('ClientException', message);
}

export function invalidParameter(message: string): SimError {
  return new SimError('InvalidParameterException', message);
}

export function str(params: Json, key: string, required = false): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(`${key} can not be blank.`);
    return undefined;
  }
  if (typeof value !== 'string') throw serializationError(key, value);
  if (required && value === '') throw invalidParameter(`${key} can not be blank.`);
  return value;
}

export function int(params: Json, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serializationError(key, value);
  return value;
}

/** What AWS answers when a member has the wrong JSON type (e.g. a number sent as a string). */
export function serializationError(key: string, value: unknown): SimError {
  const kind =
    typeof value === 'string' ? 'STRING_VALUE' : typeof value === 'number' ? 'NUMBER_VALUE' : 'VALUE';
  return new SimError('SerializationException', `${kind} can not be converted to the type of ${key}`);
}

export function tagsOf(value: unknown): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameter('tags must be a list of {key, value}');
  return value.map((tag: unknown) => {
    const t = tag as { key?: unknown; value?: unknown };
    if (typeof t?.key !== 'string' || t.key === '' || t.key.length > 128) {
      throw invalidParameter('Tag keys must be 1 to 128 characters.');
    }
    if (t.key.toLowerCase().startsWith('aws:'))
      throw invalidParameter('Tag keys may not begin with the reserved prefix aws:.');
    const v = t.value === undefined ? '' : t.value;
    if (typeof v !== 'string' || v.length > 256)
      throw invalidParameter('Tag values must be at most 256 characters.');
    return { key: t.key, value: v };
  });
}

export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const map = new Map(existing.map(t => [t.key, t.value]));
  for (const tag of added) map.set(tag.key, tag.value);
  if (map.size > 50) throw invalidParameter('A resource can have at most 50 tags.');
  return [...map.entries()].map(([key, value]) => ({ key, value }));
}
