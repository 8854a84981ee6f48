/** CodeDeploy's state: applications, deployment groups, deployments and their ECS target. */
import { SimError } from '../core/errors.js';
import type { TaskSet } from '../ecs/model.js';
import type { EcsAppSpec } from './appspec.js';

export type Json = Record<string, unknown>;

export const ECS_LIFECYCLE_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic'
] as const;
export type LifecycleEventName = (typeof ECS_LIFECYCLE_EVENTS)[number];

export type DeploymentStatus =
  'Created' | 'Queued' | 'InProgress' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
export const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready'];

export interface Application {
  id: string;
  name: string;
  computePlatform: string;
  createTime: number;
  tags: Json[];
}

export interface BlueGreen {
  deploymentReadyOption: {
    actionOnTimeout: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT';
    waitTimeInMinutes: number;
  };
  terminateBlueInstancesOnDeploymentSuccess: {
    action: 'TERMINATE' | 'KEEP_ALIVE';
    terminationWaitTimeInMinutes: number;
  };
}

export interface AutoRollback {
  enabled: boolean;
  events: string[];
}

export interface TargetGroupPair {
  targetGroups: { name: string }[];
  prodTrafficRoute: { listenerArns: string[] };
  testTrafficRoute?: { listenerArns: string[] };
}

export interface LastDeployment {
  deploymentId: string;
  status: DeploymentStatus;
  createTime: number;
  endTime?: number;
}

export interface DeploymentGroup {
  id: string;
  applicationName: string;
  name: string;
  deploymentConfigName: string;
  serviceRoleArn: string;
  ecsService: { serviceName: string; clusterName: string };
  pair: TargetGroupPair;
  blueGreen: BlueGreen;
  autoRollback: AutoRollback;
  /** members stored and echoed as given (alarmConfiguration, triggerConfigurations...) */
  passthrough: Json;
  lastAttempted?: LastDeployment;
  lastSuccessful?: LastDeployment;
  /** the revision of the last successful deployment: what a rollback deploys */
  lastSuccessfulRevision?: Json;
  tags: Json[];
}

export interface LifecycleEvent {
  name: LifecycleEventName;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';
  startTime?: number;
  endTime?: number;
  diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string };
}

export interface Deployment {
  id: string;
  region: string;
  applicationName: string;
  groupName: string;
  configName: string;
  status: DeploymentStatus;
  creator: 'user' | 'codeDeployRollback';
  description?: string;
  revision: Json;
  previousRevision?: Json;
  appSpec?: EcsAppSpec;
  createTime: number;
  startTime?: number;
  completeTime?: number;
  errorInformation?: { code: string; message: string };
  rollbackInfo?: {
    rollbackDeploymentId?: string;
    rollbackTriggeringDeploymentId?: string;
    rollbackMessage?: string;
  };
  autoRollback: AutoRollback;
  blueGreen: BlueGreen;
  pair: TargetGroupPair;
  instanceTerminationWaitTimeStarted: boolean;
  events: LifecycleEvent[];
  targetStatus: 'Pending' | 'InProgress' | 'Ready' | 'Succeeded' | 'Failed' | 'Skipped';
  targetUpdatedAt: number;
  /** the original (blue) and replacement (green) task sets, kept after ECS removes them */
  blue?: TaskSet;
  green?: TaskSet;
  /** every scheduled step checks it, so StopDeployment cancels what was still to come */
  generation: number;
  /** set while waiting: ContinueDeployment moves on */
  waiting?: 'READY_WAIT' | 'TERMINATION_WAIT';
  resume?: () => void;
}

export function cdError(code: string, message: string): SimError {
  return new SimError(code, message, 400);
}
