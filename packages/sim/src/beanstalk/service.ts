/**
 * AWS Elastic Beanstalk (Query protocol, XML): applications, application versions whose source bundle
 * is read from the simulated S3 and processed over simulated time, environments that launch, update and
 * fail like Beanstalk's (a failed deployment ends Ready on the PREVIOUS version label), events, health,
 * configuration settings; plus `GET /_app/beanstalk/<environment>/health`, answering for what runs.
 *
 * Timeline of a deployment (simulated seconds after UpdateEnvironment; see TIMING):
 *   0  Updating, Grey   "Environment update is starting."
 *   5                   "Deploying new version to instance(s)."
 *  healthy images:
 *  45                   "New application version was deployed to running EC2 instances."
 *  50  Ready, Green     "Environment update completed successfully."  (VersionLabel = new label)
 *  crash / pull-error / unhealthy images (the worst essential container decides):
 *  35  Red (Severe)     ERROR <cause>, ERROR "Unsuccessful command execution on instance id(s) ...",
 *                       ERROR "Failed to deploy application.", WARN health transition
 *  60  Ready, Red       ERROR "During an aborted deployment, ..."  (VersionLabel = previous label)
 * 180  Green            INFO "Environment health has transitioned from Severe to Ok."
 */
import { SimError } from '../core/errors.js';
import { json, type HttpReply, type SimRequest } from '../core/http.js';
import {
  DEFAULT_REGION,
  type AwsCall,
  type SimContext,
  type SimService,
  type SimServiceModule
} from '../core/service.js';
import { toXml } from '../core/xml.js';
import type { S3SimService } from '../s3/service.js';
import { inspectBundle, type BundleContainer } from './bundle.js';
import {
  INFO_COMPILE_SECONDS,
  bundleZip,
  engineTimestamp,
  presignedUrl,
  tailText,
  type LogFile
} from './environment-info.js';
import {
  ENVIRONMENT_ATTRIBUTES,
  INSTANCE_ATTRIBUTES,
  applicationMetrics,
  environmentCauses,
  instanceCauses,
  instancesHealth,
  isEnhanced,
  refreshedAt,
  systemOf
} from './health.js';
import {
  SEVERITIES,
  arn,
  describeEnvironment,
  describeEvent,
  describeVersion,
  type Application,
  type AppVersion,
  type BeanstalkEvent,
  type Environment,
  type OptionSetting,
  type Severity
} from './model.js';

export const BEANSTALK_NAMESPACE = 'http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/';

/** Simulated seconds. */
export const TIMING = {
  versionProcessingStarts: 1,
  versionProcessed: 10,
  launchReady: 120,
  deployStep: 5,
  deployedToInstances: 45,
  deployCompleted: 50,
  deployFails: 35,
  abortedReady: 60,
  recoveredAfterAbort: 120,
  configurationDone: 20,
  abortDone: 30
} as const;

const DEFAULT_STACK = '64bit Amazon Linux 2023 v4.4.0 running Docker';
const BEHAVIOR_RANK = { healthy: 0, unhealthy: 1, crash: 2, 'pull-error': 3 } as const;
type Behavior = keyof typeof BEHAVIOR_RANK;

type Params = Record<string, unknown>;
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const invalid = (message: string) => new SimError('InvalidParameterValue', message, 400);

/** What a version's containers do when deployed: the worst essential container, and the app's version. */
interface VersionOutcome {
  behavior: Behavior;
  /** container whose image decided the behaviour */
  culprit?: BundleContainer;
  /** what the health endpoint reports */
  version: string;
}

export class BeanstalkSimService implements SimService {
  readonly name = 'ElasticBeanstalk';
  readonly aws;
  readonly routes;
  private applications = new Map<string, Application>();
  private versions = new Map<string, AppVersion>();
  private environments = new Map<string, Environment>();
  private events: BeanstalkEvent[] = [];
  private eventSeq = 0;

  constructor(private readonly ctx: SimContext) {
    const op = (fn: (params: Params, call: AwsCall) => unknown) => (call: AwsCall) =>
      fn.call(this, call.params, call);
    this.aws = {
      protocol: 'query' as const,
      signingName: 'elasticbeanstalk',
      xmlNamespace: BEANSTALK_NAMESPACE,
      throttlingError: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
      operations: {
        CreateApplication: op(this.createApplication),
        DescribeApplications: op(this.describeApplications),
        CreateApplicationVersion: op(this.createApplicationVersion),
        DescribeApplicationVersions: op(this.describeApplicationVersions),
        CreateStorageLocation: op(this.createStorageLocation),
        CreateEnvironment: op(this.createEnvironment),
        DescribeEnvironments: op(this.describeEnvironments),
        UpdateEnvironment: op(this.updateEnvironment),
        AbortEnvironmentUpdate: op(this.abortEnvironmentUpdate),
        DescribeEvents: op(this.describeEvents),
        DescribeEnvironmentHealth: op(this.describeEnvironmentHealth),
        DescribeInstancesHealth: op(this.describeInstancesHealth),
        RequestEnvironmentInfo: op(this.requestEnvironmentInfo),
        RetrieveEnvironmentInfo: op(this.retrieveEnvironmentInfo),
        DescribeConfigurationSettings: op(this.describeConfigurationSettings)
      }
    };
    this.routes = [{ prefix: '/_app/beanstalk/', handle: (req: SimRequest) => this.health(req) }];
  }

  reset(): void {
    this.applications.clear();
    this.versions.clear();
    this.environments.clear();
    this.events = [];
  }

  /** In-process inspection for tests. */
  environment(name: string): Environment | undefined {
    return this.environments.get(name);
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private now(): Date {
    return new Date(this.ctx.clock.nowMs());
  }

  private s3(): S3SimService {
    const s3 = this.ctx.service<S3SimService>('S3');
    if (!s3) throw new SimError('InternalFailure', 'the S3 service is not loaded', 500);
    return s3;
  }

  private event(
    env: Pick<Environment, 'application' | 'name'> | { application: string; name?: string },
    severity: Severity,
    message: string,
    versionLabel?: string
  ): void {
    this.events.push({
      seq: this.eventSeq++,
      date: this.now(),
      message,
      severity,
      application: env.application,
      environment: env.name,
      versionLabel,
      requestId: this.ctx.random.uuid()
    });
    if (this.events.length > 5000) this.events.splice(0, this.events.length - 5000);
  }

  private mustApplication(name: string | undefined): Application {
    const app = name ? this.applications.get(name) : undefined;
    if (!app) throw invalid(`No Application named '${name ?? ''}' found.`);
    return app;
  }

  private findEnvironment(params: Params): Environment | undefined {
    const id = str(params.EnvironmentId);
    const name = str(params.EnvironmentName);
    if (id) return [...this.environments.values()].find(e => e.id === id);
    return name ? this.environments.get(name) : undefined;
  }

  private mustEnvironment(params: Params): Environment {
    const env = this.findEnvironment(params);
    if (env) return env;
    if (str(params.EnvironmentId)) {
      throw invalid(`No Environment found for EnvironmentId = '${String(params.EnvironmentId)}'.`);
    }
    if (!str(params.EnvironmentName))
      throw invalid('You must specify either EnvironmentId or EnvironmentName.');
    throw invalid(`No Environment found for EnvironmentName = '${String(params.EnvironmentName)}'.`);
  }

  /** Reads and checks a version's bundle from S3 (kept once read). */
  private containersOf(
    version: AppVersion
  ): { ok: true; containers: BundleContainer[] } | { ok: false; reason: string } {
    if (version.containers) return { ok: true, containers: version.containers };
    const object = this.s3().object(version.bucket, version.key);
    if (!object) {
      return {
        ok: false,
        reason: `Unable to download from S3 location (Bucket: ${version.bucket} Key: ${version.key}). Reason: Not Found`
      };
    }
    const verdict = inspectBundle(object.body);
    if (verdict.ok) version.containers = verdict.containers;
    return verdict;
  }

  private outcomeOf(containers: BundleContainer[], label?: string): VersionOutcome {
    const essential = containers.filter(c => c.essential);
    let behavior: Behavior = 'healthy';
    let culprit: BundleContainer | undefined;
    for (const c of essential) {
      const rule = this.ctx.images.outcome(c.image).behavior;
      // an essential container that exits (whatever its code) stops the instance's tasks like a crash
      const b = rule === 'exit' ? 'crash' : rule;
      if (BEHAVIOR_RANK[b] > BEHAVIOR_RANK[behavior]) {
        behavior = b;
        culprit = c;
      }
    }
    const app = essential.find(c => c.serves) ?? essential[0] ?? containers[0];
    return { behavior, culprit, version: app ? this.ctx.images.outcome(app.image).version : (label ?? '') };
  }

  // ---- applications and versions ------------------------------------------------------------------

  private createApplication(params: Params, call: AwsCall): string {
    const name = str(params.ApplicationName);
    if (!name || name.length > 100) {
      throw invalid('Value for ApplicationName must be between 1 and 100 characters.');
    }
    if (this.applications.has(name)) throw invalid(`Application ${name} already exists.`);
    const now = this.now();
    const app: Application = {
      name,
      region: call.region || DEFAULT_REGION,
      description: str(params.Description),
      createdAt: now,
      updatedAt: now
    };
    this.applications.set(name, app);
    return toXml('Application', this.describeApp(app));
  }

  private describeApp(app: Application): Record<string, unknown> {
    return {
      ApplicationArn: arn.application(app, this.ctx.accountId),
      ApplicationName: app.name,
      Description: app.description,
      DateCreated: app.createdAt,
      DateUpdated: app.updatedAt,
      Versions: [...this.versions.values()].filter(v => v.application === app.name).map(v => v.label),
      ConfigurationTemplates: []
    };
  }

  private describeApplications(params: Params): string {
    const names = list(params.ApplicationNames);
    const apps = [...this.applications.values()].filter(a => names.length === 0 || names.includes(a.name));
    return toXml(
      'Applications',
      apps.map(a => this.describeApp(a))
    );
  }

  private createApplicationVersion(params: Params, call: AwsCall): string {
    const appName = str(params.ApplicationName);
    const label = str(params.VersionLabel);
    if (!label) throw invalid('Value for VersionLabel must be between 1 and 100 characters.');
    if (label.length > 100) throw invalid('Value for VersionLabel must be between 1 and 100 characters.');
    if (appName && !this.applications.has(appName) && params.AutoCreateApplication === 'true') {
      this.createApplication({ ApplicationName: appName }, call);
    }
    const app = this.mustApplication(appName);
    if (this.versions.has(`${app.name}/${label}`))
      throw invalid(`Application Version ${label} already exists.`);
    const bundle = (params.SourceBundle ?? {}) as Params;
    const bucket = str(bundle.S3Bucket);
    const key = str(bundle.S3Key);
    if (!bucket || !key) {
      // AWS deploys its sample application without a bundle; the simulator needs one to know the images
      throw invalid('The simulator needs SourceBundle.S3Bucket and SourceBundle.S3Key.');
    }
    const s3 = this.s3();
    if (!s3.hasBucket(bucket)) {
      throw new SimError(
        'S3LocationNotInServiceRegionException',
        `S3 bucket ${bucket} does not exist or is not in this region.`,
        400
      );
    }
    if (!s3.object(bucket, key)) {
      throw invalid(`Unable to download from S3 location (Bucket: ${bucket} Key: ${key}). Reason: Not Found`);
    }
    const now = this.now();
    const version: AppVersion = {
      application: app.name,
      label,
      region: call.region || DEFAULT_REGION,
      description: str(params.Description),
      bucket,
      key,
      createdAt: now,
      updatedAt: now,
      status: 'Unprocessed'
    };
    this.versions.set(`${app.name}/${label}`, version);
    if (params.Process === 'true') this.process(version);
    return toXml('ApplicationVersion', describeVersion(version, this.ctx.accountId));
  }

  /** Unprocessed -> Processing -> Processed, or Failed with an ERROR event giving the reason. */
  private process(version: AppVersion): void {
    const clock = this.ctx.clock;
    clock.after(TIMING.versionProcessingStarts, `version ${version.label} processing`, () => {
      version.status = 'Processing';
      version.updatedAt = this.now();
    });
    clock.after(TIMING.versionProcessed, `version ${version.label} processed`, () => {
      const verdict = this.containersOf(version);
      version.updatedAt = this.now();
      if (verdict.ok) {
        version.status = 'Processed';
        return;
      }
      version.status = 'Failed';
      version.failure = verdict.reason;
      this.event(
        { application: version.application },
        'ERROR',
        `Failed to process application version ${version.label}: ${verdict.reason}`,
        version.label
      );
    });
  }

  private describeApplicationVersions(params: Params): string {
    const appName = str(params.ApplicationName);
    const labels = list(params.VersionLabels);
    const found = [...this.versions.values()]
      .filter(
        v => (!appName || v.application === appName) && (labels.length === 0 || labels.includes(v.label))
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const start = Number(str(params.NextToken) ?? 0) || 0;
    const max = Number(str(params.MaxRecords) ?? 1000) || 1000;
    const page = found.slice(start, start + max);
    return (
      toXml(
        'ApplicationVersions',
        page.map(v => describeVersion(v, this.ctx.accountId))
      ) + (start + max < found.length ? toXml('NextToken', String(start + max)) : '')
    );
  }

  private createStorageLocation(_params: Params, call: AwsCall): string {
    const bucket = `elasticbeanstalk-${call.region || DEFAULT_REGION}-${this.ctx.accountId}`;
    this.s3().ensureBucket(bucket, call.region || DEFAULT_REGION);
    return toXml('S3Bucket', bucket);
  }

  // ---- environments -------------------------------------------------------------------------------

  private mustDeployableVersion(app: string, label: string): AppVersion {
    const version = this.versions.get(`${app}/${label}`);
    if (!version) throw invalid(`No Application Version named '${label}' found.`);
    if (version.status === 'Processing') {
      throw invalid(`Application version ${label} is being processed; try again when it is Processed.`);
    }
    if (version.status === 'Failed') {
      throw invalid(
        `Application version ${label} failed processing and cannot be deployed: ${version.failure}`
      );
    }
    return version;
  }

  private createEnvironment(params: Params, call: AwsCall): string {
    const app = this.mustApplication(str(params.ApplicationName));
    const name = str(params.EnvironmentName);
    if (!name || !/^[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]$/.test(name)) {
      throw invalid(
        `Value ${name ?? ''} at 'EnvironmentName' failed to satisfy constraint: it must be 4 to 40 letters, digits and hyphens, not starting or ending with a hyphen.`
      );
    }
    const existing = this.environments.get(name);
    if (existing && existing.status !== 'Terminated') throw invalid(`Environment ${name} already exists.`);
    const label = str(params.VersionLabel);
    const version = label ? this.mustDeployableVersion(app.name, label) : undefined;
    const region = call.region || DEFAULT_REGION;
    const prefix = str(params.CNAMEPrefix);
    const id = `e-${this.ctx.random.alnum(10).toLowerCase()}`;
    const now = this.now();
    const env: Environment = {
      id,
      name,
      application: app.name,
      region,
      description: str(params.Description),
      versionLabel: label,
      solutionStack: str(params.SolutionStackName) ?? DEFAULT_STACK,
      platformArn: str(params.PlatformArn),
      cname: prefix
        ? `${prefix}.${region}.elasticbeanstalk.com`
        : `${name}.eba-${this.ctx.random.alnum(8).toLowerCase()}.${region}.elasticbeanstalk.com`,
      endpointUrl: `awseb-${id}-AWSEBLoa-${this.ctx.random.alnum(12).toUpperCase()}-${this.ctx.random.digits(9)}.${region}.elb.amazonaws.com`,
      createdAt: now,
      updatedAt: now,
      status: 'Launching',
      health: 'Grey',
      healthStatus: 'Pending',
      causes: [],
      options: new Map(),
      serving: { label: undefined, healthy: false, version: '' },
      generation: 0,
      instanceId: `i-0${this.ctx.random.hex(16)}`,
      launchedAt: now,
      info: new Map()
    };
    this.applyOptions(env, params);
    this.environments.set(name, env);
    this.event(env, 'INFO', 'createEnvironment is starting.');
    const generation = ++env.generation;
    this.ctx.clock.after(TIMING.launchReady, `environment ${name} launched`, () => {
      if (env.generation !== generation) return;
      env.status = 'Ready';
      env.updatedAt = this.now();
      const verdict = version ? this.containersOf(version) : undefined;
      if (verdict && !verdict.ok) {
        this.failLaunch(env, verdict.reason, []);
        return;
      }
      const outcome = verdict?.ok ? this.outcomeOf(verdict.containers, label) : undefined;
      if (outcome && outcome.behavior !== 'healthy') {
        this.failLaunch(
          env,
          this.causeOf(outcome),
          this.startedContainers(verdict?.ok ? verdict.containers : [], outcome)
        );
        return;
      }
      env.deployment = { id: 1, versionLabel: label, status: 'Deployed', at: this.now() };
      this.setHealth(env, 'Green', 'Ok', []);
      env.serving = { label, healthy: true, version: outcome?.version ?? label ?? 'Sample Application' };
      this.event(env, 'INFO', `Successfully launched environment: ${name}`);
    });
    return this.describeEnvXml(env);
  }

  private failLaunch(env: Environment, cause: string, started: BundleContainer[]): void {
    env.deployment = { id: 1, versionLabel: env.versionLabel, status: 'Failed', at: this.now() };
    env.failing = { since: this.ctx.clock.nowMs(), cause, started };
    this.setHealth(env, 'Red', 'Severe', [cause]);
    env.serving = { label: env.versionLabel, healthy: false, version: '' };
    this.event(env, 'ERROR', cause, env.versionLabel);
    this.event(
      env,
      'ERROR',
      'Create environment operation is complete, but with errors. For more information, see troubleshooting documentation.'
    );
  }

  private describeEnvXml(env: Environment): string {
    return Object.entries(describeEnvironment(env, this.ctx.accountId))
      .map(([key, value]) => toXml(key, value))
      .join('');
  }

  private applyOptions(env: Environment, params: Params): void {
    for (const raw of (params.OptionSettings ?? []) as Params[]) {
      const setting: OptionSetting = {
        Namespace: String(raw?.Namespace ?? ''),
        OptionName: String(raw?.OptionName ?? ''),
        Value: String(raw?.Value ?? '')
      };
      if (!setting.Namespace || !setting.OptionName) {
        throw invalid('Every option setting needs a Namespace and an OptionName.');
      }
      env.options.set(`${setting.Namespace}:${setting.OptionName}`, setting);
    }
    for (const raw of (params.OptionsToRemove ?? []) as Params[]) {
      env.options.delete(`${String(raw?.Namespace ?? '')}:${String(raw?.OptionName ?? '')}`);
    }
  }

  private describeEnvironments(params: Params): string {
    const appName = str(params.ApplicationName);
    const label = str(params.VersionLabel);
    const ids = list(params.EnvironmentIds);
    const names = list(params.EnvironmentNames);
    const includeDeleted = params.IncludeDeleted !== 'false';
    const envs = [...this.environments.values()].filter(
      e =>
        (!appName || e.application === appName) &&
        (!label || e.versionLabel === label) &&
        (ids.length === 0 || ids.includes(e.id)) &&
        (names.length === 0 || names.includes(e.name)) &&
        (includeDeleted || e.status !== 'Terminated')
    );
    return toXml(
      'Environments',
      envs.map(e => describeEnvironment(e, this.ctx.accountId))
    );
  }

  private updateEnvironment(params: Params): string {
    const env = this.mustEnvironment(params);
    const appName = str(params.ApplicationName);
    if (appName && appName !== env.application) {
      throw invalid(`No Environment found for EnvironmentName = '${env.name}'.`);
    }
    if (env.status !== 'Ready') {
      throw invalid(
        `Environment named ${env.name} is in an invalid state for this operation. Must be Ready.`
      );
    }
    const label = str(params.VersionLabel);
    const version = label ? this.mustDeployableVersion(env.application, label) : undefined;
    this.applyOptions(env, params);
    if (str(params.Description) !== undefined) env.description = str(params.Description);
    const generation = ++env.generation;
    env.status = 'Updating';
    env.updatedAt = this.now();
    if (!version) {
      this.event(env, 'INFO', `Updating environment ${env.name}'s configuration settings.`);
      this.ctx.clock.after(TIMING.configurationDone, `environment ${env.name} configured`, () => {
        if (env.generation !== generation) return;
        env.status = 'Ready';
        env.updatedAt = this.now();
        this.event(env, 'INFO', 'Successfully deployed new configuration to environment.');
        this.event(env, 'INFO', 'Environment update completed successfully.');
      });
      return this.describeEnvXml(env);
    }
    this.deploy(env, version, generation);
    return this.describeEnvXml(env);
  }

  /**
   * Stops the update in progress: its timeline is dropped (a new generation), the environment goes back
   * to what it ran before and is Ready again after TIMING.abortDone, as Beanstalk's rollback does.
   */
  private abortEnvironmentUpdate(params: Params): string {
    const env = this.mustEnvironment(params);
    if (env.status !== 'Updating') {
      throw invalid(
        `Environment named ${env.name} is in an invalid state for this operation. Must be Updating.`
      );
    }
    const generation = ++env.generation;
    env.updatedAt = this.now();
    this.event(env, 'INFO', 'Aborting the environment update. The environment will roll back.');
    this.ctx.clock.after(TIMING.abortDone, `environment ${env.name} update aborted`, () => {
      if (env.generation !== generation) return;
      env.status = 'Ready';
      env.updatedAt = this.now();
      this.setHealth(env, 'Green', 'Ok', []);
      this.event(
        env,
        'INFO',
        'Environment update was aborted; the environment is back on its previous version.'
      );
    });
    return '';
  }

  /** A deployment over simulated time; see the timeline at the top of this file. */
  private deploy(env: Environment, version: AppVersion, generation: number): void {
    const clock = this.ctx.clock;
    const label = version.label;
    const previous = env.versionLabel;
    const previousHealth = { color: env.health, status: env.healthStatus };
    const at = (seconds: number, what: string, fn: () => void) =>
      clock.after(seconds, `environment ${env.name} ${what}`, () => {
        if (env.generation === generation) fn();
      });
    const deployment = {
      id: (env.deployment?.id ?? 0) + 1,
      versionLabel: label,
      status: 'InProgress' as const
    };
    env.deployment = { ...deployment, at: this.now() };
    this.setHealth(env, 'Grey', 'Pending', [
      'Application update in progress on 1 instance. 0 out of 1 instance completed.'
    ]);
    this.event(env, 'INFO', 'Environment update is starting.');
    at(TIMING.deployStep, 'deploying', () =>
      this.event(env, 'INFO', 'Deploying new version to instance(s).', label)
    );
    // the bundle is read when the instances get it: an Unprocessed version is checked only now
    const verdict = this.containersOf(version);
    const outcome = verdict.ok ? this.outcomeOf(verdict.containers, label) : undefined;
    if (outcome?.behavior === 'healthy') {
      at(TIMING.deployedToInstances, 'deployed', () =>
        this.event(env, 'INFO', 'New application version was deployed to running EC2 instances.', label)
      );
      at(TIMING.deployCompleted, 'completed', () => {
        env.status = 'Ready';
        env.versionLabel = label;
        env.updatedAt = this.now();
        this.setHealth(env, 'Green', 'Ok', []);
        env.serving = { label, healthy: true, version: outcome.version };
        env.deployment = { ...deployment, status: 'Deployed', at: this.now() };
        env.failing = undefined;
        this.event(env, 'INFO', 'Environment update completed successfully.');
      });
      return;
    }
    const cause = verdict.ok ? this.causeOf(outcome!) : verdict.reason;
    const instance = env.instanceId;
    at(TIMING.deployFails, 'failed', () => {
      env.serving = { label, healthy: false, version: '' };
      env.deployment = { ...deployment, status: 'Failed', at: this.now() };
      env.failing = {
        since: this.ctx.clock.nowMs(),
        cause,
        started: verdict.ok ? this.startedContainers(verdict.containers, outcome!) : []
      };
      this.setHealth(env, 'Red', 'Severe', [
        'Command failed on all instances.',
        `Incorrect application version found on all instances. Expected version "${previous ?? 'Sample Application'}".`
      ]);
      this.event(env, 'ERROR', `[Instance: ${instance}] ${cause}`, label);
      this.event(
        env,
        'ERROR',
        `Unsuccessful command execution on instance id(s) '${instance}'. Aborting the operation.`
      );
      this.event(env, 'ERROR', 'Failed to deploy application.', label);
      this.event(
        env,
        'WARN',
        `Environment health has transitioned from ${previousHealth.status} to Severe. Command failed on all instances.`
      );
    });
    at(TIMING.abortedReady, 'aborted', () => {
      env.status = 'Ready';
      env.versionLabel = previous; // AWS resets the expected version to the last successful deployment
      env.updatedAt = this.now();
      this.event(
        env,
        'ERROR',
        'During an aborted deployment, some instances may have deployed the new application version. ' +
          'To ensure all instances are running the same version, re-deploy the appropriate application version.'
      );
    });
    at(TIMING.abortedReady + TIMING.recoveredAfterAbort, 'recovered', () => {
      const previousVersion = previous ? this.versions.get(`${env.application}/${previous}`) : undefined;
      const back = previousVersion ? this.containersOf(previousVersion) : undefined;
      const previousOutcome = back?.ok ? this.outcomeOf(back.containers, previous) : undefined;
      if (previousOutcome && previousOutcome.behavior !== 'healthy') return; // nothing healthy to go back to
      this.setHealth(env, 'Green', 'Ok', []);
      env.failing = undefined;
      env.deployment = { id: deployment.id + 1, versionLabel: previous, status: 'Deployed', at: this.now() };
      env.serving = {
        label: previous,
        healthy: true,
        version: previousOutcome?.version ?? previous ?? 'Sample Application'
      };
      this.event(env, 'INFO', 'Environment health has transitioned from Severe to Ok.');
    });
  }

  /** The ERROR message for a version whose images do not run. */
  private causeOf(outcome: VersionOutcome): string {
    const c = outcome.culprit;
    const name = c?.name ?? 'application';
    const image = c?.image ?? '';
    switch (outcome.behavior) {
      case 'pull-error':
        return `ECS task stopped due to: CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found (${name}).`;
      case 'crash':
        return `ECS task stopped due to: Essential container in task exited. (${name}: exit code 1)`;
      case 'unhealthy':
        return `Container ${name} (${image}) failed its health checks; the deployment did not become healthy.`;
      default:
        return 'The application did not start.';
    }
  }

  private setHealth(env: Environment, color: Environment['health'], status: string, causes: string[]): void {
    env.health = color;
    env.healthStatus = status;
    env.causes = causes;
  }

  // ---- events, health, configuration --------------------------------------------------------------

  private describeEvents(params: Params): string {
    const app = str(params.ApplicationName);
    const envName = str(params.EnvironmentName);
    const envId = str(params.EnvironmentId);
    const envByName = envId ? [...this.environments.values()].find(e => e.id === envId)?.name : undefined;
    const label = str(params.VersionLabel);
    const minSeverity = str(params.Severity) as Severity | undefined;
    if (minSeverity && !SEVERITIES.includes(minSeverity)) {
      throw invalid(
        `Value ${minSeverity} at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [${SEVERITIES.join(', ')}]`
      );
    }
    const start = str(params.StartTime) ? Date.parse(String(params.StartTime)) : undefined;
    const end = str(params.EndTime) ? Date.parse(String(params.EndTime)) : undefined;
    const max = Math.min(1000, Number(str(params.MaxRecords) ?? 1000) || 1000);
    const offset = Number(str(params.NextToken) ?? 0) || 0;
    const matching = this.events
      .filter(
        e =>
          (!app || e.application === app) &&
          (!envName || e.environment === envName) &&
          (!envId || e.environment === envByName) &&
          (!label || e.versionLabel === label) &&
          (!minSeverity || SEVERITIES.indexOf(e.severity) >= SEVERITIES.indexOf(minSeverity)) &&
          (start === undefined || e.date.getTime() >= start) &&
          (end === undefined || e.date.getTime() < end)
      )
      .sort((a, b) => b.date.getTime() - a.date.getTime() || b.seq - a.seq);
    const page = matching.slice(offset, offset + max);
    return (
      toXml('Events', page.map(describeEvent)) +
      (offset + max < matching.length ? toXml('NextToken', String(offset + max)) : '')
    );
  }

  /** The containers of a failing version that did start: none when an image cannot be pulled. */
  private startedContainers(containers: BundleContainer[], outcome: VersionOutcome): BundleContainer[] {
    return outcome.behavior === 'pull-error' ? [] : containers;
  }

  /** `AttributeNames`: All, the listed ones, or (none given) only the identity, as Beanstalk answers. */
  private attributesOf(params: Params, allowed: readonly string[]): Set<string> {
    const names = list(params.AttributeNames);
    for (const name of names) {
      if (name !== 'All' && !allowed.includes(name)) {
        throw new SimError(
          'ValidationError',
          `1 validation error detected: Value '[${names.join(', ')}]' at 'attributeNames' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${[...allowed, 'All'].join(', ')}]]`
        );
      }
    }
    return new Set(names.includes('All') ? allowed : names);
  }

  /** The environment of a health call; basic-health environments answer as Beanstalk does. */
  private mustEnhancedEnvironment(params: Params, operation: string): Environment {
    const env = this.findEnvironment(params);
    if (!env) {
      throw new SimError(
        'InvalidRequestException',
        `Environment named ${String(params.EnvironmentName ?? params.EnvironmentId ?? '')} not found.`,
        400
      );
    }
    if (!isEnhanced(env))
      throw new SimError('InvalidRequestException', `${operation} is not supported.`, 400);
    return env;
  }

  private describeEnvironmentHealth(params: Params): string {
    const env = this.mustEnhancedEnvironment(params, 'DescribeEnvironmentHealth');
    const want = this.attributesOf(params, ENVIRONMENT_ATTRIBUTES);
    const now = this.ctx.clock.nowMs();
    const parts: [string, unknown][] = [
      ['EnvironmentName', env.name],
      ['HealthStatus', want.has('HealthStatus') ? env.healthStatus : undefined],
      ['Status', want.has('Status') ? env.status : undefined],
      ['Color', want.has('Color') ? env.health : undefined],
      ['Causes', want.has('Causes') ? environmentCauses(env, now) : undefined],
      ['ApplicationMetrics', want.has('ApplicationMetrics') ? applicationMetrics(env) : undefined],
      ['InstancesHealth', want.has('InstancesHealth') ? instancesHealth(env) : undefined],
      ['RefreshedAt', want.has('RefreshedAt') ? refreshedAt(now) : undefined]
    ];
    return parts.map(([key, value]) => toXml(key, value)).join('');
  }

  private describeInstancesHealth(params: Params): string {
    const env = this.mustEnhancedEnvironment(params, 'DescribeInstancesHealth');
    const want = this.attributesOf(params, INSTANCE_ATTRIBUTES);
    const now = this.ctx.clock.nowMs();
    const deployment = env.deployment;
    const instance: Record<string, unknown> = {
      InstanceId: env.instanceId,
      HealthStatus: want.has('HealthStatus') ? env.healthStatus : undefined,
      Color: want.has('Color') ? env.health : undefined,
      Causes: want.has('Causes') ? instanceCauses(env, now) : undefined,
      LaunchedAt: want.has('LaunchedAt') ? env.launchedAt : undefined,
      ApplicationMetrics: want.has('ApplicationMetrics') ? applicationMetrics(env) : undefined,
      System: want.has('System') ? systemOf(env) : undefined,
      Deployment:
        want.has('Deployment') && deployment
          ? {
              VersionLabel: deployment.versionLabel,
              DeploymentId: deployment.id,
              Status: deployment.status,
              DeploymentTime: deployment.at
            }
          : undefined,
      AvailabilityZone: want.has('AvailabilityZone') ? `${env.region}a` : undefined,
      InstanceType: want.has('InstanceType') ? this.instanceTypeOf(env) : undefined
    };
    return (
      toXml('InstanceHealthList', [instance]) +
      (want.has('RefreshedAt') ? toXml('RefreshedAt', refreshedAt(now)) : '')
    );
  }

  private instanceTypeOf(env: Environment): string {
    const types =
      env.options.get('aws:ec2:instances:InstanceTypes')?.Value ??
      env.options.get('aws:autoscaling:launchconfiguration:InstanceType')?.Value;
    return types?.split(',')[0].trim() || 't3.micro';
  }

  // ---- environment info (tail / bundle logs; see environment-info.ts) -----------------------------

  private requestEnvironmentInfo(params: Params, call: AwsCall): string {
    const env = this.mustEnvironment(params);
    const infoType = str(params.InfoType);
    if (infoType !== 'tail' && infoType !== 'bundle') {
      throw invalid(
        infoType
          ? `Value ${infoType} at 'infoType' failed to satisfy constraint: Member must satisfy enum value set: [tail, bundle]`
          : 'InfoType is required.'
      );
    }
    this.event(env, 'INFO', 'requestEnvironmentInfo is starting.');
    this.ctx.clock.after(INFO_COMPILE_SECONDS, `environment ${env.name} ${infoType} logs`, () => {
      const files = this.instanceLogFiles(env);
      const sampled = this.now();
      const region = env.region;
      const bucket = `elasticbeanstalk-${region}-${this.ctx.accountId}`;
      const key =
        infoType === 'tail'
          ? `resources/environments/logs/tail/${env.id}/${env.instanceId}/TailLogs-${sampled.getTime()}.out`
          : `resources/environments/logs/bundle/${env.id}/${env.instanceId}/BundleLogs-${sampled.getTime()}.zip`;
      const s3 = this.s3();
      s3.ensureBucket(bucket, region);
      if (infoType === 'tail') s3.putObjectBytes(bucket, key, Buffer.from(tailText(files)), 'text/plain');
      else s3.putObjectBytes(bucket, key, bundleZip(files), 'application/zip');
      env.info.set(infoType, {
        infoType,
        instanceId: env.instanceId,
        sampleTimestamp: sampled,
        message: presignedUrl({
          endpoint: this.ctx.endpoint(),
          bucket,
          key,
          region,
          accessKeyId: call.accessKeyId,
          now: sampled
        })
      });
      this.event(env, 'INFO', 'Pulled logs for environment instances.');
    });
    return '';
  }

  private retrieveEnvironmentInfo(params: Params): string {
    const env = this.mustEnvironment(params);
    const infoType = str(params.InfoType);
    if (infoType !== 'tail' && infoType !== 'bundle') {
      throw invalid(
        infoType
          ? `Value ${infoType} at 'infoType' failed to satisfy constraint: Member must satisfy enum value set: [tail, bundle]`
          : 'InfoType is required.'
      );
    }
    const entry = env.info.get(infoType);
    return toXml(
      'EnvironmentInfo',
      entry
        ? [
            {
              InfoType: entry.infoType,
              Ec2InstanceId: entry.instanceId,
              SampleTimestamp: entry.sampleTimestamp,
              Message: entry.message
            }
          ]
        : []
    );
  }

  /**
   * The instance's log files now: the engine's error when its last deployment failed, and each started
   * container's stdout/stderr (its image rule's `logs`), for the version the instance runs.
   */
  private instanceLogFiles(env: Environment): LogFile[] {
    const files: LogFile[] = [];
    if (env.failing && env.deployment?.status === 'Failed') {
      files.push({
        path: '/var/log/eb-engine.log',
        lines: [
          `${engineTimestamp(env.deployment.at)} [ERROR] An error occurred during execution of command [app-deploy] - [Start ECS task]. Stop running the command. Error: ${env.failing.cause}`
        ]
      });
    }
    for (const c of env.failing ? env.failing.started : this.servingContainers(env)) {
      files.push({
        path: `/var/log/containers/${c.name}-stdouterr.log`,
        lines: this.ctx.images.ruleFor([c.image])?.logs ?? []
      });
    }
    return files;
  }

  private servingContainers(env: Environment): BundleContainer[] {
    if (!env.serving.healthy || !env.serving.label) return [];
    const version = this.versions.get(`${env.application}/${env.serving.label}`);
    const verdict = version ? this.containersOf(version) : undefined;
    return verdict?.ok ? verdict.containers : [];
  }

  private describeConfigurationSettings(params: Params): string {
    const app = this.mustApplication(str(params.ApplicationName));
    const env = str(params.EnvironmentName)
      ? this.environments.get(String(params.EnvironmentName))
      : undefined;
    if (!env || env.application !== app.name) {
      throw invalid(`No Environment found for EnvironmentName = '${String(params.EnvironmentName ?? '')}'.`);
    }
    return toXml('ConfigurationSettings', [
      {
        SolutionStackName: env.solutionStack,
        PlatformArn: env.platformArn,
        ApplicationName: env.application,
        EnvironmentName: env.name,
        DeploymentStatus: 'deployed',
        DateCreated: env.createdAt,
        DateUpdated: env.updatedAt,
        OptionSettings: [...env.options.values()]
      }
    ]);
  }

  /** `GET /_app/beanstalk/<environment>/health`: 200 when what runs is healthy, else 503. */
  private health(req: SimRequest): HttpReply | undefined {
    const match = /^\/_app\/beanstalk\/([^/]+)\/health\/?$/.exec(req.path);
    if (!match) return undefined;
    const env = this.environments.get(match[1]);
    if (!env || env.status === 'Terminated') {
      return json(404, { message: `No Beanstalk environment named ${match[1]}` });
    }
    if (!env.serving.healthy) return json(503, { status: 'unhealthy', environment: env.name });
    return json(200, {
      status: 'healthy',
      version: env.serving.version,
      versionLabel: env.serving.label ?? null
    });
  }
}

const beanstalk: SimServiceModule = {
  name: 'ElasticBeanstalk',
  create: ctx => new BeanstalkSimService(ctx)
};
export default beanstalk;
