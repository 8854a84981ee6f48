/** Elastic Beanstalk state as the simulator keeps it, and how it is written in Query-protocol XML. */
import type { BundleContainer } from './bundle.js';

export type VersionStatus = 'Unprocessed' | 'Processing' | 'Processed' | 'Failed';
export type EnvStatus = 'Launching' | 'Updating' | 'Ready' | 'Terminating' | 'Terminated';
export type Color = 'Grey' | 'Green' | 'Yellow' | 'Red';
export type Severity = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
export const SEVERITIES: readonly Severity[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

export interface Application {
  name: string;
  region: string;
  description?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface AppVersion {
  application: string;
  label: string;
  region: string;
  description?: string;
  bucket: string;
  key: string;
  createdAt: Date;
  updatedAt: Date;
  status: VersionStatus;
  /** the containers its bundle runs, once read (processing or first deploy) */
  containers?: BundleContainer[];
  /** why processing failed */
  failure?: string;
}

export interface OptionSetting {
  Namespace: string;
  OptionName: string;
  Value: string;
}

export interface Environment {
  id: string;
  name: string;
  application: string;
  region: string;
  description?: string;
  versionLabel?: string;
  solutionStack: string;
  platformArn?: string;
  cname: string;
  endpointUrl: string;
  createdAt: Date;
  updatedAt: Date;
  status: EnvStatus;
  health: Color;
  healthStatus: string;
  causes: string[];
  options: Map<string, OptionSetting>;
  /** what answers the health endpoint: a version label (undefined: the sample app) and whether it is up */
  serving: { label?: string; healthy: boolean; version: string };
  /** bumped by every operation, so events scheduled by an older one do nothing */
  generation: number;
  /** the environment's one EC2 instance */
  instanceId: string;
  launchedAt: Date;
  /** the instance's last application deployment */
  deployment?: InstanceDeployment;
  /** while the instance runs a version whose containers do not work (see health.ts) */
  failing?: Failing;
  /** RequestEnvironmentInfo results ready for RetrieveEnvironmentInfo, the newest per InfoType */
  info: Map<string, EnvironmentInfoEntry>;
}

export interface InstanceDeployment {
  id: number;
  versionLabel?: string;
  status: 'InProgress' | 'Deployed' | 'Failed';
  at: Date;
}

export interface Failing {
  /** simulated ms since when */
  since: number;
  /** the instance-level cause, e.g. "ECS task stopped due to: Essential container in task exited. (...)" */
  cause: string;
  /** the containers that did start (and wrote their log lines); none when an image cannot be pulled */
  started: BundleContainer[];
}

export interface EnvironmentInfoEntry {
  infoType: 'tail' | 'bundle';
  instanceId: string;
  sampleTimestamp: Date;
  /** a presigned URL of the simulated S3 object holding the logs */
  message: string;
}

export interface BeanstalkEvent {
  seq: number;
  date: Date;
  message: string;
  severity: Severity;
  application: string;
  environment?: string;
  versionLabel?: string;
  requestId: string;
}

export const arn = {
  application: (a: Application, account: string) =>
    `arn:aws:elasticbeanstalk:${a.region}:${account}:application/${a.name}`,
  version: (v: AppVersion, account: string) =>
    `arn:aws:elasticbeanstalk:${v.region}:${account}:applicationversion/${v.application}/${v.label}`,
  environment: (e: Environment, account: string) =>
    `arn:aws:elasticbeanstalk:${e.region}:${account}:environment/${e.application}/${e.name}`
};

export function describeEnvironment(env: Environment, account: string): Record<string, unknown> {
  return {
    EnvironmentName: env.name,
    EnvironmentId: env.id,
    ApplicationName: env.application,
    VersionLabel: env.versionLabel,
    SolutionStackName: env.solutionStack,
    PlatformArn: env.platformArn,
    Description: env.description,
    EndpointURL: env.endpointUrl,
    CNAME: env.cname,
    DateCreated: env.createdAt,
    DateUpdated: env.updatedAt,
    Status: env.status,
    AbortableOperationInProgress: env.status === 'Updating',
    Health: env.health,
    HealthStatus: env.healthStatus,
    Tier: { Name: 'WebServer', Type: 'Standard', Version: '1.0' },
    EnvironmentLinks: [],
    EnvironmentArn: arn.environment(env, account)
  };
}

export function describeVersion(v: AppVersion, account: string): Record<string, unknown> {
  return {
    ApplicationVersionArn: arn.version(v, account),
    ApplicationName: v.application,
    Description: v.description,
    VersionLabel: v.label,
    SourceBundle: { S3Bucket: v.bucket, S3Key: v.key },
    DateCreated: v.createdAt,
    DateUpdated: v.updatedAt,
    Status: v.status
  };
}

export function describeEvent(e: BeanstalkEvent): Record<string, unknown> {
  return {
    EventDate: e.date,
    Message: e.message,
    ApplicationName: e.application,
    VersionLabel: e.versionLabel,
    EnvironmentName: e.environment,
    RequestId: e.requestId,
    Severity: e.severity
  };
}
