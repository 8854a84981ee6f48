import type { Clock } from '@deploy-suite/core';
import type {
  ApplicationVersionDescription,
  BeanstalkApi,
  BundleStore,
  CreateVersionRequest,
  EnvironmentDescription,
  EventDescription,
  EventQuery,
  UpdateEnvironmentRequest
} from '@deploy-suite/aws/beanstalk';

/**
 * In-memory Elastic Beanstalk and S3 for unit tests and benchmarks of the deploy and rollback logic:
 * environments move through Updating -> Ready over the injected clock, following a scenario per label.
 * A test double, not a simulator of AWS: the wire-level simulator is packages/sim.
 */

/** What happens when an environment is updated to a label. */
export type FakeDeployScenario =
  /** Updating (Grey) for `updatingMs`, then Ready on the label, Green */
  | { kind: 'healthy'; updatingMs?: number; finalHealth?: 'Green' | 'Yellow' }
  /** an ERROR event at `errorAtMs`, then Ready again on the previous label (what Beanstalk does) */
  | { kind: 'crash'; updatingMs?: number; errorAtMs?: number; message?: string }
  /** health turns Red while Updating, no ERROR event */
  | { kind: 'red'; redAtMs?: number }
  /** Updating forever */
  | { kind: 'stuck' };

export type FakeProcessing =
  { status: 'Processed'; afterMs?: number } | { status: 'Failed'; afterMs?: number; reason: string };

interface Change {
  at: number;
  status?: string;
  health?: string;
  versionLabel?: string;
}

interface FakeEnvironment {
  application: string;
  name: string;
  id: string;
  cname: string;
  base: { status: string; health: string; versionLabel?: string };
  changes: Change[];
  optionSettings: Map<string, string>;
}

interface FakeVersion {
  description: ApplicationVersionDescription;
  processedAt: number;
  outcome: FakeProcessing;
}

interface FakeEvent extends EventDescription {
  at: number;
}

/** An error shaped like the SDK's service exceptions (name + message + $metadata). */
export function fakeAwsError(name: string, message: string, httpStatusCode = 400): Error {
  const error = new Error(message) as Error & { $metadata: { httpStatusCode: number } };
  error.name = name;
  error.$metadata = { httpStatusCode };
  return error;
}

const SEVERITY_ORDER = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

export class FakeBeanstalk implements BeanstalkApi {
  readonly calls: Array<{ operation: string; at: number }> = [];
  readonly storageBucket = 'elasticbeanstalk-us-east-1-123456789012';
  private readonly applications = new Set<string>();
  private readonly environments = new Map<string, FakeEnvironment>();
  private readonly versions = new Map<string, FakeVersion>();
  private readonly events: FakeEvent[] = [];
  private readonly scenarios = new Map<string, FakeDeployScenario>();
  private readonly processing = new Map<string, FakeProcessing>();
  private requestCount = 0;

  constructor(
    private readonly clock: Clock,
    private readonly store?: FakeBundleStore
  ) {}

  // ---- set-up -------------------------------------------------------------------------------------

  addApplication(name: string): this {
    this.applications.add(name);
    return this;
  }

  addEnvironment(options: {
    application: string;
    name: string;
    versionLabel?: string;
    status?: string;
    health?: string;
  }): this {
    this.addApplication(options.application);
    this.environments.set(options.name, {
      application: options.application,
      name: options.name,
      id: `e-${options.name
        .replace(/[^a-z0-9]/gi, '')
        .slice(0, 10)
        .toLowerCase()}`,
      cname: `${options.name}.us-east-1.elasticbeanstalk.com`,
      base: {
        status: options.status ?? 'Ready',
        health: options.health ?? 'Green',
        versionLabel: options.versionLabel
      },
      changes: [],
      optionSettings: new Map()
    });
    return this;
  }

  /** A version that already exists (PROCESSED unless told otherwise). */
  addVersion(options: {
    application: string;
    label: string;
    bucket?: string;
    key?: string;
    status?: string;
  }): this {
    this.versions.set(`${options.application}/${options.label}`, {
      description: {
        ApplicationName: options.application,
        VersionLabel: options.label,
        SourceBundle: {
          S3Bucket: options.bucket ?? this.storageBucket,
          S3Key: options.key ?? `${options.label}.zip`
        },
        Status: (options.status ?? 'Processed') as ApplicationVersionDescription['Status'],
        DateCreated: new Date(this.clock.now())
      },
      processedAt: this.clock.now(),
      outcome: options.status === 'Failed' ? { status: 'Failed', reason: 'failed' } : { status: 'Processed' }
    });
    return this;
  }

  /** What UpdateEnvironment to `label` does (default: healthy). */
  onDeploy(label: string, scenario: FakeDeployScenario): this {
    this.scenarios.set(label, scenario);
    return this;
  }

  /** How processing a new version with this label ends (default: Processed after 5 s). */
  onProcess(label: string, outcome: FakeProcessing): this {
    this.processing.set(label, outcome);
    return this;
  }

  /** Another update runs on the environment for `forMs` (Updating, then Ready on the same label). */
  busy(environment: string, forMs: number): this {
    const env = this.mustEnvironment(environment);
    const now = this.clock.now();
    const state = this.stateOf(env);
    env.changes.push({ at: now, status: 'Updating', health: 'Grey' });
    env.changes.push({
      at: now + forMs,
      status: 'Ready',
      health: state.health,
      versionLabel: state.versionLabel
    });
    this.event(now, env, 'INFO', 'Environment update is starting.');
    this.event(now + forMs, env, 'INFO', 'Environment update completed successfully.');
    return this;
  }

  /** An event from before the deploy (tests that old errors do not fail a new deploy). */
  pastEvent(environment: string, atMs: number, severity: string, message: string): this {
    this.event(atMs, this.mustEnvironment(environment), severity, message);
    return this;
  }

  optionSettingsOf(environment: string): Record<string, string> {
    return Object.fromEntries(this.mustEnvironment(environment).optionSettings);
  }

  count(operation?: string): number {
    return this.calls.filter(call => !operation || call.operation === operation).length;
  }

  // ---- BeanstalkApi -------------------------------------------------------------------------------

  async describeApplication(application: string) {
    this.record('DescribeApplications');
    return this.applications.has(application) ? { ApplicationName: application } : undefined;
  }

  async describeEnvironment(
    application: string,
    environment: string
  ): Promise<EnvironmentDescription | undefined> {
    this.record('DescribeEnvironments');
    const env = this.environments.get(environment);
    if (!env || env.application !== application) return undefined;
    return this.describe(env);
  }

  async describeEvents(query: EventQuery): Promise<EventDescription[]> {
    this.record('DescribeEvents');
    const now = this.clock.now();
    const since = query.startTime?.getTime() ?? -Infinity;
    const minSeverity = query.severity ? SEVERITY_ORDER.indexOf(query.severity) : 0;
    // newest first as AWS answers, events of the same time included (reversed insertion order)
    return [...this.events]
      .reverse()
      .filter(
        event =>
          event.at <= now &&
          event.at >= since &&
          event.ApplicationName === query.application &&
          (!query.environment || event.EnvironmentName === query.environment) &&
          (!query.versionLabel || event.VersionLabel === query.versionLabel) &&
          SEVERITY_ORDER.indexOf(event.Severity ?? 'INFO') >= minSeverity
      )
      .sort((a, b) => b.at - a.at)
      .map(({ at: _at, ...event }) => event);
  }

  async describeApplicationVersions(application: string, labels: string[]) {
    this.record('DescribeApplicationVersions');
    return labels
      .map(label => this.versions.get(`${application}/${label}`))
      .filter((version): version is FakeVersion => version !== undefined)
      .map(version => this.versionNow(version));
  }

  async listApplicationVersions(application: string) {
    this.record('DescribeApplicationVersions');
    return [...this.versions.values()]
      .filter(version => version.description.ApplicationName === application)
      .map(version => this.versionNow(version));
  }

  async createApplicationVersion(request: CreateVersionRequest) {
    this.record('CreateApplicationVersion');
    if (!this.applications.has(request.application)) {
      throw fakeAwsError('InvalidParameterValue', `No Application named '${request.application}' found.`);
    }
    const id = `${request.application}/${request.label}`;
    if (this.versions.has(id)) {
      throw fakeAwsError('InvalidParameterValue', `Application Version ${request.label} already exists.`);
    }
    if (this.store && !this.store.has(request.bucket, request.key)) {
      throw fakeAwsError(
        'InvalidParameterCombination',
        `Unable to download from S3 location (Bucket: ${request.bucket} Key: ${request.key}).`
      );
    }
    const now = this.clock.now();
    const outcome = this.processing.get(request.label) ?? { status: 'Processed' };
    const version: FakeVersion = {
      description: {
        ApplicationName: request.application,
        VersionLabel: request.label,
        Description: request.description,
        SourceBundle: { S3Bucket: request.bucket, S3Key: request.key },
        Status: 'Processing',
        DateCreated: new Date(now)
      },
      processedAt: now + (outcome.afterMs ?? 5_000),
      outcome
    };
    this.versions.set(id, version);
    if (outcome.status === 'Failed') {
      this.events.push({
        at: version.processedAt,
        EventDate: new Date(version.processedAt),
        ApplicationName: request.application,
        VersionLabel: request.label,
        Severity: 'ERROR',
        Message: `Failed to process application version ${request.label}: ${outcome.reason}`
      });
    }
    return this.versionNow(version);
  }

  async updateEnvironment(request: UpdateEnvironmentRequest): Promise<EnvironmentDescription> {
    this.record('UpdateEnvironment');
    const env = this.environments.get(request.environment);
    if (!env || env.application !== request.application) {
      throw fakeAwsError(
        'InvalidParameterValue',
        `No Environment found for EnvironmentName = '${request.environment}'.`
      );
    }
    const now = this.clock.now();
    const state = this.stateOf(env);
    if (state.status !== 'Ready') {
      throw fakeAwsError(
        'InvalidParameterValue',
        `Environment named ${env.name} is in an invalid state for this operation. Must be Ready.`
      );
    }
    const version = this.versions.get(`${request.application}/${request.label}`);
    if (!version || this.versionNow(version).Status !== 'Processed') {
      throw fakeAwsError('InvalidParameterValue', `No Application Version named '${request.label}' found.`);
    }
    for (const setting of request.optionSettings ?? []) {
      if (setting.OptionName) env.optionSettings.set(setting.OptionName, setting.Value ?? '');
    }
    const previous = state.versionLabel;
    const scenario = this.scenarios.get(request.label) ?? { kind: 'healthy' };
    env.changes.push({ at: now, status: 'Updating', health: 'Grey' });
    this.event(now, env, 'INFO', 'Environment update is starting.');
    switch (scenario.kind) {
      case 'healthy': {
        const done = now + (scenario.updatingMs ?? 60_000);
        this.event(now + 1_000, env, 'INFO', 'Deploying new version to instance(s).');
        env.changes.push({
          at: done,
          status: 'Ready',
          health: scenario.finalHealth ?? 'Green',
          versionLabel: request.label
        });
        this.event(done, env, 'INFO', 'Environment update completed successfully.');
        break;
      }
      case 'crash': {
        const errorAt = now + (scenario.errorAtMs ?? 45_000);
        const done = now + (scenario.updatingMs ?? 90_000);
        this.event(
          errorAt,
          env,
          'ERROR',
          scenario.message ??
            '[Instance: i-0a1b2c3d] Command failed on instance. ' +
              'Return code: 1 Output: container main-app exited with code 1.'
        );
        this.event(errorAt + 1, env, 'ERROR', 'Failed to deploy application.');
        env.changes.push({ at: done, status: 'Ready', health: 'Yellow', versionLabel: previous });
        break;
      }
      case 'red':
        env.changes.push({ at: now + (scenario.redAtMs ?? 30_000), health: 'Red' });
        this.event(
          now + (scenario.redAtMs ?? 30_000),
          env,
          'WARN',
          'Environment health has transitioned from Grey to Red.'
        );
        break;
      case 'stuck':
        break;
    }
    return { ...this.describe(env), Status: 'Updating' };
  }

  async createStorageLocation(): Promise<string> {
    this.record('CreateStorageLocation');
    return this.storageBucket;
  }

  /** Drops the update's pending changes; Ready again on the label it ran before, 20 s later. */
  async abortEnvironmentUpdate(application: string, environment: string): Promise<void> {
    this.record('AbortEnvironmentUpdate');
    const env = this.environments.get(environment);
    if (!env || env.application !== application) {
      throw fakeAwsError(
        'InvalidParameterValue',
        `No Environment found for EnvironmentName = '${environment}'.`
      );
    }
    const now = this.clock.now();
    const state = this.stateOf(env);
    if (state.status !== 'Updating') {
      throw fakeAwsError(
        'InvalidParameterValue',
        `Environment named ${env.name} is in an invalid state for this operation. Must be Updating.`
      );
    }
    env.changes = env.changes.filter(change => change.at <= now);
    env.changes.push({
      at: now + 20_000,
      status: 'Ready',
      health: 'Green',
      versionLabel: state.versionLabel
    });
    this.event(now, env, 'INFO', 'Aborting the environment update. The environment will roll back.');
  }

  // ---- internals ----------------------------------------------------------------------------------

  private record(operation: string): void {
    this.requestCount += 1;
    this.calls.push({ operation, at: this.clock.now() });
  }

  private mustEnvironment(name: string): FakeEnvironment {
    const env = this.environments.get(name);
    if (!env) throw new Error(`fake: no environment ${name}`);
    return env;
  }

  private event(at: number, env: FakeEnvironment, severity: string, message: string): void {
    this.events.push({
      at,
      EventDate: new Date(at),
      ApplicationName: env.application,
      EnvironmentName: env.name,
      Severity: severity as EventDescription['Severity'],
      Message: message,
      RequestId: `req-${this.events.length}`
    });
  }

  private stateOf(env: FakeEnvironment): { status: string; health: string; versionLabel?: string } {
    const now = this.clock.now();
    const state = { ...env.base };
    for (const change of env.changes.filter(change => change.at <= now).sort((a, b) => a.at - b.at)) {
      if (change.status !== undefined) state.status = change.status;
      if (change.health !== undefined) state.health = change.health;
      if ('versionLabel' in change) state.versionLabel = change.versionLabel;
    }
    return state;
  }

  private describe(env: FakeEnvironment): EnvironmentDescription {
    const state = this.stateOf(env);
    return {
      ApplicationName: env.application,
      EnvironmentName: env.name,
      EnvironmentId: env.id,
      CNAME: env.cname,
      EndpointURL: `awseb-${env.id}-1234567890.us-east-1.elb.amazonaws.com`,
      Status: state.status as EnvironmentDescription['Status'],
      Health: state.health as EnvironmentDescription['Health'],
      VersionLabel: state.versionLabel,
      DateUpdated: new Date(this.clock.now())
    };
  }

  private versionNow(version: FakeVersion): ApplicationVersionDescription {
    if (version.description.Status !== 'Processing' || this.clock.now() < version.processedAt) {
      return { ...version.description };
    }
    return { ...version.description, Status: version.outcome.status };
  }
}

/** S3 in memory: bundles and records by bucket/key. */
export class FakeBundleStore implements BundleStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly calls: Array<{ operation: string; key: string }> = [];

  has(bucket: string, key: string): boolean {
    return this.objects.has(`${bucket}/${key}`);
  }

  text(bucket: string, key: string): string | undefined {
    const body = this.objects.get(`${bucket}/${key}`);
    return body && new TextDecoder().decode(body);
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    this.calls.push({ operation: 'HeadObject', key });
    return this.has(bucket, key);
  }

  async upload(bucket: string, key: string, body: Uint8Array): Promise<void> {
    this.calls.push({ operation: 'Upload', key });
    this.objects.set(`${bucket}/${key}`, body);
  }

  async getText(bucket: string, key: string): Promise<string | undefined> {
    this.calls.push({ operation: 'GetObject', key });
    return this.text(bucket, key);
  }

  async putText(bucket: string, key: string, text: string): Promise<void> {
    this.calls.push({ operation: 'PutObject', key });
    this.objects.set(`${bucket}/${key}`, new TextEncoder().encode(text));
  }
}
