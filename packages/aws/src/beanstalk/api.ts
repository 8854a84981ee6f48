import type {
  ApplicationDescription,
  ApplicationVersionDescription,
  ConfigurationOptionSetting,
  DescribeEnvironmentHealthResult,
  EnvironmentDescription,
  EnvironmentInfoDescription,
  EventDescription,
  SingleInstanceHealth
} from '@aws-sdk/client-elastic-beanstalk';

/**
 * The Elastic Beanstalk calls the deploy and rollback actions make, one method per API call, in the
 * SDK's own shapes. The logic depends on this interface only: unit tests pass an in-memory fake
 * (packages/testing), the actions pass `sdkBeanstalkApi` (`sdk.ts`) which the simulator also answers.
 */
export interface BeanstalkApi {
  /** DescribeApplications for one name; undefined when it does not exist. */
  describeApplication(application: string): Promise<ApplicationDescription | undefined>;
  /** DescribeEnvironments for one environment (terminated ones excluded); undefined when none. */
  describeEnvironment(application: string, environment: string): Promise<EnvironmentDescription | undefined>;
  /** DescribeEvents from `startTime` on, newest first as AWS returns them (all pages, bounded). */
  describeEvents(query: EventQuery): Promise<EventDescription[]>;
  /** DescribeApplicationVersions for the given labels; missing labels are simply absent. */
  describeApplicationVersions(
    application: string,
    labels: string[]
  ): Promise<ApplicationVersionDescription[]>;
  /** CreateApplicationVersion with Process=true. */
  createApplicationVersion(request: CreateVersionRequest): Promise<ApplicationVersionDescription>;
  /** UpdateEnvironment to a version label, with option settings (environment properties). */
  updateEnvironment(request: UpdateEnvironmentRequest): Promise<EnvironmentDescription>;
  /** CreateStorageLocation: the account's elasticbeanstalk-<region>-<account> bucket (created if needed). */
  createStorageLocation(): Promise<string>;
  /** Every version of an application (DescribeApplicationVersions without labels, all pages): rollback's `previous`. */
  listApplicationVersions(application: string): Promise<ApplicationVersionDescription[]>;
  /**
   * AbortEnvironmentUpdate: Beanstalk's own way to stop a deployment in progress and put the environment
   * back on what it ran before (a new UpdateEnvironment is refused while one is in progress). How a
   * cancelled deploy starts its rollback.
   */
  abortEnvironmentUpdate(application: string, environment: string): Promise<void>;
  /*
   * Diagnostics (health causes, tail logs): optional, so a double without enhanced health leaves them out.
   * They never decide a deploy; they say why Beanstalk judges it as it does (what `eb health` / `eb logs` show).
   */
  /** DescribeEnvironmentHealth: Color, HealthStatus, Causes, InstancesHealth, ApplicationMetrics (enhanced health only). */
  describeEnvironmentHealth?(environment: string): Promise<EnvironmentHealth>;
  /** DescribeInstancesHealth: each instance's HealthStatus, Causes, Deployment (bounded pages). */
  describeInstancesHealth?(environment: string): Promise<SingleInstanceHealth[]>;
  /** RequestEnvironmentInfo InfoType tail: Beanstalk compiles each instance's last log lines. */
  requestTailLogs?(environment: string): Promise<void>;
  /** RetrieveEnvironmentInfo InfoType tail: per instance a presigned S3 URL of its tail (never printed). */
  retrieveTailLogs?(environment: string): Promise<EnvironmentInfoDescription[]>;
}

/** What DescribeEnvironmentHealth answers, without the transport metadata. */
export type EnvironmentHealth = Omit<DescribeEnvironmentHealthResult, '$metadata'>;

export interface EventQuery {
  application: string;
  environment?: string;
  versionLabel?: string;
  startTime?: Date;
  severity?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
}

export interface CreateVersionRequest {
  application: string;
  label: string;
  description?: string;
  bucket: string;
  key: string;
}

export interface UpdateEnvironmentRequest {
  application: string;
  environment: string;
  label: string;
  optionSettings?: ConfigurationOptionSetting[];
}

/**
 * The S3 calls: bundles and the known-good records live in the same bucket. `upload` uses multipart
 * for large bodies (lib-storage Upload) in the SDK implementation.
 */
export interface BundleStore {
  exists(bucket: string, key: string): Promise<boolean>;
  upload(bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** the object's text, undefined when there is no such key */
  getText(bucket: string, key: string): Promise<string | undefined>;
  putText(bucket: string, key: string, text: string, contentType: string): Promise<void>;
}

export type {
  EnvironmentInfoDescription,
  SingleInstanceHealth,
  ApplicationVersionDescription,
  ConfigurationOptionSetting,
  EnvironmentDescription,
  EventDescription
};

/** The namespace of environment properties (what `eb setenv` sets). */
export const ENVIRONMENT_PROPERTIES_NAMESPACE = 'aws:elasticbeanstalk:application:environment';
