/**
 * Amazon ECS (JSON 1.1, X-Amz-Target AmazonEC2ContainerServiceV20141113.<Op>): clusters, task
 * definitions, services with rolling deployments and the circuit breaker, tasks, service deployment
 * history, tags; plus each service's workload health endpoint `GET /_app/<cluster>/<service>/health`.
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
import {
  Arns,
  clientError,
  clusterNameOf,
  emptyState,
  int,
  invalidParameter,
  mergeTags,
  nameOf,
  serviceKey,
  str,
  tagsOf,
  ts,
  FINAL_STATUSES,
  type Cluster,
  type Deployment,
  type EcsService,
  type Json,
  type ServiceDeploymentRecord,
  type ServiceRevision,
  type Tag,
  type Task
} from './model.js';
import { checkController, checkLoadBalancers, deploymentConfiguration } from './deployment-config.js';
import { OneOffTasks } from './run-task.js';
import { DeploymentSignals } from './signals.js';
import * as taskDefinitions from './task-definitions.js';
import { TaskSets, isCodeDeployController } from './task-sets.js';
import { routeTraffic } from './traffic-shift.js';
import { EcsWorld, isHealthy } from './world.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';

export class EcsSimService implements SimService {
  readonly name = 'ECS';
  readonly aws;
  readonly routes;
  state = emptyState();
  readonly world: EcsWorld;
  /** CloudWatch alarm states and Lambda hook answers (POST /_sim/alarms, POST /_sim/hooks) */
  readonly signals: DeploymentSignals;
  /** task sets of CODE_DEPLOY services (what CodeDeploy drives) and RunTask's one-off tasks */
  readonly taskSets: TaskSets;
  private oneOff: OneOffTasks;
  private region = DEFAULT_REGION;
  /** round-robin position per service, so both versions answer during a rolling deploy */
  private healthCursor = new Map<string, number>();

  constructor(private readonly ctx: SimContext) {
    this.signals = new DeploymentSignals(() => ctx.clock.nowMs());
    this.signals.onAlarmChange = (name, state) => this.world.onAlarm(name, state);
    this.world = new EcsWorld(ctx, this.state, () => this.arns(), this.signals);
    this.taskSets = new TaskSets(ctx, this.state, this.world, () => this.arns());
    this.oneOff = new OneOffTasks(ctx, this.state, this.world, () => this.arns());
    const op = (fn: (params: Json, call: AwsCall) => unknown) => (call: AwsCall) => {
      this.region = call.region;
      return fn.call(this, call.params, call);
    };
    this.aws = {
      protocol: 'json1.1' as const,
      signingName: 'ecs',
      targetPrefix: ECS_TARGET_PREFIX,
      throttlingError: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
      operations: {
        CreateCluster: op(this.createCluster),
        DescribeClusters: op(this.describeClusters),
        ListClusters: op(this.listClusters),
        RegisterTaskDefinition: op(this.registerTaskDefinition),
        DescribeTaskDefinition: op(this.describeTaskDefinition),
        ListTaskDefinitions: op(this.listTaskDefinitions),
        ListTaskDefinitionFamilies: op(this.listTaskDefinitionFamilies),
        DeregisterTaskDefinition: op(this.deregisterTaskDefinition),
        CreateService: op(this.createService),
        UpdateService: op(this.updateService),
        DescribeServices: op(this.describeServices),
        ListServices: op(this.listServices),
        DeleteService: op(this.deleteService),
        ListTasks: op(this.listTasks),
        DescribeTasks: op(this.describeTasks),
        StopTask: op(this.stopTask),
        RunTask: op(this.runTask),
        ListServiceDeployments: op(this.listServiceDeployments),
        DescribeServiceDeployments: op(this.describeServiceDeployments),
        DescribeServiceRevisions: op(this.describeServiceRevisions),
        StopServiceDeployment: op(this.stopServiceDeployment),
        ContinueServiceDeployment: op(this.continueServiceDeployment),
        TagResource: op(this.tagResource),
        UntagResource: op(this.untagResource),
        ListTagsForResource: op(this.listTagsForResource)
      }
    };
    this.routes = [
      { prefix: '/_app/', handle: (req: SimRequest) => this.health(req) },
      ...this.signals.routes()
    ];
  }

  reset(): void {
    this.state = emptyState();
    this.signals.reset();
    (this as { world: EcsWorld }).world = new EcsWorld(this.ctx, this.state, () => this.arns(), this.signals);
    (this as { taskSets: TaskSets }).taskSets = new TaskSets(this.ctx, this.state, this.world, () =>
      this.arns()
    );
    this.oneOff = new OneOffTasks(this.ctx, this.state, this.world, () => this.arns());
    this.healthCursor.clear();
  }

  private arns(): Arns {
    return new Arns(this.region, this.ctx.accountId);
  }

  private now(): number {
    return this.ctx.clock.nowMs();
  }

  private callerArn(): string {
    return `arn:aws:iam::${this.ctx.accountId}:user/deploy-suite-sim`;
  }

  // ---- clusters ----

  private cluster(param: unknown): Cluster {
    const name = clusterNameOf(param);
    const cluster = this.state.clusters.get(name);
    if (!cluster) throw new SimError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }

  private createCluster(params: Json) {
    const name = str(params, 'clusterName') ?? 'default';
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter('Cluster name can have up to 255 letters, numbers, hyphens, and underscores.');
    }
    let cluster = this.state.clusters.get(name);
    if (!cluster) {
      cluster = {
        name,
        arn: this.arns().cluster(name),
        createdAt: this.now(),
        tags: tagsOf(params.tags),
        settings: (params.settings as unknown[]) ?? []
      };
      this.state.clusters.set(name, cluster);
    }
    return { cluster: this.clusterView(cluster, true) };
  }

  private clusterView(c: Cluster, withTags: boolean): Json {
    const services = [...this.state.services.values()].filter(
      s => s.clusterName === c.name && s.status === 'ACTIVE'
    );
    const tasks = [...this.state.tasks.values()].filter(
      t => t.clusterName === c.name && t.desiredStatus === 'RUNNING'
    );
    return {
      clusterArn: c.arn,
      clusterName: c.name,
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: tasks.filter(t => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: tasks.filter(t => t.lastStatus !== 'RUNNING').length,
      activeServicesCount: services.length,
      statistics: [],
      settings: c.settings,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [],
      ...(withTags ? { tags: c.tags } : {})
    };
  }

  private describeClusters(params: Json) {
    const names = (params.clusters as unknown[] | undefined) ?? ['default'];
    const withTags = includes(params, 'TAGS');
    const clusters: Json[] = [];
    const failures: Json[] = [];
    for (const ref of names) {
      const name = clusterNameOf(ref);
      const c = this.state.clusters.get(name);
      if (c) clusters.push(this.clusterView(c, withTags));
      else failures.push({ arn: this.arns().cluster(name), reason: 'MISSING' });
    }
    return { clusters, failures };
  }

  private listClusters(params: Json) {
    return paginate(
      [...this.state.clusters.values()].map(c => c.arn),
      params,
      'clusterArns'
    );
  }

  // ---- task definitions ----

  private registerTaskDefinition(params: Json) {
    const tags = tagsOf(params.tags);
    const td = taskDefinitions.register(this.state, this.arns(), params, this.callerArn(), this.now(), tags);
    return { taskDefinition: taskDefinitions.view(td), tags };
  }

  private describeTaskDefinition(params: Json) {
    const td = taskDefinitions.mustResolve(this.state, params.taskDefinition);
    return {
      taskDefinition: taskDefinitions.view(td),
      ...(includes(params, 'TAGS') ? { tags: td.tags } : {})
    };
  }

  private listTaskDefinitions(params: Json) {
    return paginate(taskDefinitions.list(this.state, params), params, 'taskDefinitionArns');
  }

  private listTaskDefinitionFamilies(params: Json) {
    const prefix = str(params, 'familyPrefix') ?? '';
    const status = str(params, 'status') ?? 'ACTIVE';
    const families = [...this.state.families.entries()]
      .filter(
        ([family, revs]) =>
          family.startsWith(prefix) && (status === 'ALL' || revs.some(td => td.status === status))
      )
      .map(([family]) => family)
      .sort();
    return paginate(families, params, 'families');
  }

  private deregisterTaskDefinition(params: Json) {
    const ref = str(params, 'taskDefinition', true)!;
    if (!/:\d+$/.test(ref))
      throw clientError('Invalid revision number. Number: ' + (ref.split(':')[1] ?? 'undefined'));
    const td = taskDefinitions.resolve(this.state, ref);
    if (!td) throw clientError('The specified task definition does not exist.');
    if (td.status === 'ACTIVE') {
      td.status = 'INACTIVE';
      td.deregisteredAt = this.now();
    }
    return { taskDefinition: taskDefinitions.view(td) };
  }

  // ---- services ----

  private service(clusterParam: unknown, serviceParam: unknown): EcsService {
    const cluster = this.cluster(clusterParam);
    if (typeof serviceParam !== 'string' || serviceParam === '')
      throw invalidParameter('service can not be blank.');
    const service = this.state.services.get(serviceKey(cluster.name, nameOf(serviceParam)));
    if (!service) throw new SimError('ServiceNotFoundException', 'Service not found.');
    return service;
  }

  private createService(params: Json) {
    const cluster = this.cluster(params.cluster);
    const name = str(params, 'serviceName', true)!;
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter('Service name can have up to 255 letters, numbers, hyphens, and underscores.');
    }
    const existing = this.state.services.get(serviceKey(cluster.name, name));
    if (existing && existing.status !== 'INACTIVE')
      throw invalidParameter('Creation of service was not idempotent.');
    const td = taskDefinitions.mustResolve(this.state, params.taskDefinition);
    if (td.status !== 'ACTIVE') throw clientError(`TaskDefinition is inactive`);
    const desiredCount = int(params, 'desiredCount') ?? 1;
    if (desiredCount < 0) throw invalidParameter('desiredCount must be >= 0.');
    const launchType = str(params, 'launchType') ?? 'EC2';
    if (!['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'].includes(launchType)) {
      throw invalidParameter(
        `launchType must be EC2, FARGATE, EXTERNAL or MANAGED_INSTANCES, got ${launchType}`
      );
    }
    if (launchType === 'FARGATE' && !td.compatibilities.includes('FARGATE')) {
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    }
    if (launchType === 'FARGATE' && td.body.networkMode === 'awsvpc' && !params.networkConfiguration) {
      throw invalidParameter(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified."
      );
    }
    const codeDeploy = isCodeDeployController(params.deploymentController);
    if (codeDeploy) this.taskSets.checkCreate(params);
    const config = deploymentConfiguration(params.deploymentConfiguration);
    checkController(params.deploymentController, config);
    checkLoadBalancers(params.loadBalancers, config);
    const passthrough: Json = {};
    for (const key of [
      'networkConfiguration',
      'loadBalancers',
      'serviceRegistries',
      'healthCheckGracePeriodSeconds',
      'propagateTags',
      'enableECSManagedTags',
      'enableExecuteCommand',
      'placementConstraints',
      'placementStrategy',
      'schedulingStrategy',
      'deploymentController',
      'role'
    ]) {
      if (params[key] !== undefined) passthrough[key] = params[key];
    }
    const service: EcsService = {
      name,
      arn: this.arns().service(cluster.name, name),
      clusterName: cluster.name,
      clusterArn: cluster.arn,
      status: 'ACTIVE',
      desiredCount,
      launchType,
      platformVersion: launchType === 'FARGATE' ? (str(params, 'platformVersion') ?? 'LATEST') : undefined,
      deploymentConfiguration: config,
      deployments: [],
      events: [],
      createdAt: this.now(),
      createdBy: this.callerArn(),
      tags: tagsOf(params.tags),
      passthrough,
      steady: false,
      records: []
    };
    this.state.services.set(serviceKey(cluster.name, name), service);
    if (codeDeploy) this.taskSets.createPrimary(service, td.arn);
    else this.world.startDeployment(service, td.arn);
    return { service: this.serviceView(service, false) };
  }

  private updateService(params: Json) {
    const service = this.service(params.cluster, params.service);
    if (service.status !== 'ACTIVE')
      throw new SimError('ServiceNotActiveException', 'Service was not ACTIVE.');
    const desired = int(params, 'desiredCount');
    if (desired !== undefined && desired < 0) throw invalidParameter('desiredCount must be >= 0.');
    if (service.taskSets) this.taskSets.checkUpdate(params);
    let td = service.deployments[0]
      ? taskDefinitions.resolve(this.state, service.deployments[0].taskDefinition)
      : undefined;
    if (params.taskDefinition !== undefined) {
      td = taskDefinitions.mustResolve(this.state, params.taskDefinition);
      if (td.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
    }
    // validate everything before changing anything
    const config =
      params.deploymentConfiguration !== undefined
        ? deploymentConfiguration(params.deploymentConfiguration, service.deploymentConfiguration)
        : service.deploymentConfiguration;
    const controller = params.deploymentController ?? service.passthrough.deploymentController;
    checkController(controller, config);
    checkLoadBalancers(params.loadBalancers ?? service.passthrough.loadBalancers, config);
    service.deploymentConfiguration = config;
    for (const key of [
      'networkConfiguration',
      'loadBalancers',
      'deploymentController',
      'healthCheckGracePeriodSeconds',
      'enableExecuteCommand',
      'propagateTags',
      'enableECSManagedTags'
    ]) {
      if (params[key] !== undefined) service.passthrough[key] = params[key];
    }
    if (desired !== undefined && desired !== service.desiredCount) {
      service.desiredCount = desired;
      for (const d of service.deployments) if (d.status === 'PRIMARY') d.desiredCount = desired;
      service.steady = false;
    }
    if (service.taskSets) {
      // CODE_DEPLOY: only counts and settings change here; task sets follow desiredCount
      this.world.scheduleReconcile(service);
      return { service: this.serviceView(service, false) };
    }
    const current = service.deployments[0]?.taskDefinition;
    const changed = td !== undefined && td.arn !== current;
    if (changed || params.forceNewDeployment === true || params.networkConfiguration !== undefined) {
      this.world.startDeployment(service, td!.arn);
    } else {
      this.world.scheduleReconcile(service);
    }
    return { service: this.serviceView(service, false) };
  }

  private deleteService(params: Json) {
    const service = this.service(params.cluster, params.service);
    if (service.desiredCount > 0 && params.force !== true) {
      throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    }
    service.status = 'INACTIVE';
    for (const t of this.state.tasks.values()) {
      if (t.serviceName === service.name && t.clusterName === service.clusterName) {
        this.world.beginStop(t, 'Service deleted', 'ServiceSchedulerInitiated');
      }
    }
    return { service: this.serviceView(service, false) };
  }

  private describeServices(params: Json) {
    const cluster = this.cluster(params.cluster);
    const names = params.services;
    if (!Array.isArray(names) || names.length === 0) throw invalidParameter('services can not be empty.');
    if (names.length > 10) throw invalidParameter('services can have at most 10 items.');
    const withTags = includes(params, 'TAGS');
    const services: Json[] = [];
    const failures: Json[] = [];
    for (const ref of names) {
      const name = nameOf(String(ref));
      const s = this.state.services.get(serviceKey(cluster.name, name));
      if (s) services.push(this.serviceView(s, withTags));
      else failures.push({ arn: this.arns().service(cluster.name, name), reason: 'MISSING' });
    }
    return { services, failures };
  }

  private listServices(params: Json) {
    const cluster = this.cluster(params.cluster);
    const launchType = str(params, 'launchType');
    const arns = [...this.state.services.values()]
      .filter(
        s =>
          s.clusterName === cluster.name &&
          s.status === 'ACTIVE' &&
          (!launchType || s.launchType === launchType)
      )
      .map(s => s.arn);
    return paginate(arns, params, 'serviceArns');
  }

  private serviceView(s: EcsService, withTags: boolean): Json {
    const tasks = [...this.state.tasks.values()].filter(
      t => t.serviceName === s.name && t.clusterName === s.clusterName
    );
    const live = tasks.filter(t => t.desiredStatus === 'RUNNING');
    return {
      serviceArn: s.arn,
      serviceName: s.name,
      clusterArn: s.clusterArn,
      loadBalancers: [],
      serviceRegistries: [],
      // ECS's defaults, unless CreateService or UpdateService set them
      enableECSManagedTags: false,
      propagateTags: 'NONE',
      ...s.passthrough,
      status: s.status,
      desiredCount: s.desiredCount,
      runningCount: live.filter(t => t.lastStatus === 'RUNNING').length,
      pendingCount: live.filter(t => t.lastStatus !== 'RUNNING').length,
      launchType: s.launchType,
      ...(s.platformVersion ? { platformVersion: s.platformVersion, platformFamily: 'Linux' } : {}),
      taskDefinition: s.taskSets
        ? s.taskSets.find(t => t.status === 'PRIMARY')?.taskDefinition
        : s.deployments[0]?.taskDefinition,
      deploymentConfiguration: s.deploymentConfiguration,
      ...(s.taskSets ? { taskSets: s.taskSets.map(t => this.taskSets.view(s, t)) } : {}),
      deployments: s.deployments.map(d => this.deploymentView(s, d)),
      events: s.events.map(e => ({ id: e.id, createdAt: ts(e.createdAt), message: e.message })),
      createdAt: ts(s.createdAt),
      placementConstraints: [],
      placementStrategy: [],
      schedulingStrategy: 'REPLICA',
      deploymentController: s.passthrough.deploymentController ?? { type: 'ECS' },
      ...this.currentRevisions(s),
      createdBy: s.createdBy,
      enableExecuteCommand: false,
      ...(withTags ? { tags: s.tags } : {})
    };
  }

  private deploymentView(_s: EcsService, d: Deployment): Json {
    const live = this.world.tasksOf(d).filter(t => t.desiredStatus === 'RUNNING');
    return {
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      desiredCount: d.desiredCount,
      pendingCount: live.filter(t => t.lastStatus !== 'RUNNING').length,
      runningCount: live.filter(t => t.lastStatus === 'RUNNING').length,
      failedTasks: d.failedTasks,
      createdAt: ts(d.createdAt),
      updatedAt: ts(d.updatedAt),
      launchType: d.launchType,
      ...(d.platformVersion ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : {}),
      ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason
    };
  }

  // ---- tasks ----

  private listTasks(params: Json) {
    const cluster = this.cluster(params.cluster);
    const serviceName = str(params, 'serviceName');
    if (serviceName !== undefined) this.service(cluster.name, serviceName);
    const desiredStatus = str(params, 'desiredStatus') ?? 'RUNNING';
    if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
      throw invalidParameter(`desiredStatus must be RUNNING, PENDING or STOPPED, got ${desiredStatus}`);
    }
    const family = str(params, 'family');
    const startedBy = str(params, 'startedBy');
    const arns = [...this.state.tasks.values()]
      .filter(
        t =>
          t.clusterName === cluster.name &&
          (!serviceName || t.serviceName === nameOf(serviceName)) &&
          (desiredStatus === 'STOPPED' ? t.desiredStatus === 'STOPPED' : t.desiredStatus === 'RUNNING') &&
          (desiredStatus !== 'PENDING' || t.lastStatus !== 'RUNNING') &&
          (!family || t.taskDefinitionArn.includes(`:task-definition/${family}:`)) &&
          (!startedBy || t.startedBy === startedBy)
      )
      .map(t => t.arn);
    return paginate(arns, params, 'taskArns');
  }

  private findTask(clusterName: string, ref: string): Task | undefined {
    const id = nameOf(ref);
    return [...this.state.tasks.values()].find(t => t.clusterName === clusterName && t.id === id);
  }

  private describeTasks(params: Json) {
    const cluster = this.cluster(params.cluster);
    const refs = params.tasks;
    if (!Array.isArray(refs) || refs.length === 0) throw invalidParameter('Tasks cannot be empty.');
    if (refs.length > 100) throw invalidParameter('tasks can have at most 100 items.');
    const withTags = includes(params, 'TAGS');
    const tasks: Json[] = [];
    const failures: Json[] = [];
    for (const ref of refs) {
      const t = this.findTask(cluster.name, String(ref));
      if (t) tasks.push(taskView(t, withTags));
      else
        failures.push({
          arn: String(ref).startsWith('arn:') ? ref : this.arns().task(cluster.name, String(ref)),
          reason: 'MISSING'
        });
    }
    return { tasks, failures };
  }

  private runTask(params: Json) {
    const cluster = this.cluster(params.cluster);
    const tasks = this.oneOff.run(cluster, params);
    return { tasks: tasks.map(t => taskView(t, true)), failures: [] };
  }

  private stopTask(params: Json) {
    const cluster = this.cluster(params.cluster);
    const ref = str(params, 'task', true)!;
    const t = this.findTask(cluster.name, ref);
    if (!t) throw invalidParameter('The referenced task was not found.');
    this.world.beginStop(t, str(params, 'reason') ?? 'Task stopped by user', 'UserInitiated');
    return { task: taskView(t, false) };
  }

  // ---- service deployments and revisions ----

  /** `currentServiceDeployment` and `currentServiceRevisions` of DescribeServices / UpdateService. */
  private currentRevisions(s: EcsService): Json {
    const latest = s.records[s.records.length - 1];
    const primary = s.deployments[0];
    const holding = primary?.shift !== undefined && !primary.shift.cleanUp;
    const revisions = s.deployments
      .map(d => {
        const live = this.world.tasksOf(d).filter(t => t.desiredStatus === 'RUNNING');
        const requested = d === primary || (holding && d.id === s.lastCompleted?.id) ? s.desiredCount : 0;
        return {
          arn: d.revision.arn,
          requestedTaskCount: requested,
          runningTaskCount: live.filter(t => t.lastStatus === 'RUNNING').length,
          pendingTaskCount: live.filter(t => t.lastStatus !== 'RUNNING').length
        };
      })
      .filter(r => r.requestedTaskCount > 0 || r.runningTaskCount > 0 || r.pendingTaskCount > 0);
    return {
      ...(latest ? { currentServiceDeployment: latest.arn } : {}),
      currentServiceRevisions: revisions
    };
  }

  private listServiceDeployments(params: Json) {
    const service = this.service(params.cluster, params.service);
    const statuses = params.status as string[] | undefined;
    if (statuses !== undefined && !Array.isArray(statuses))
      throw invalidParameter('status must be a list of service deployment statuses.');
    for (const status of statuses ?? [])
      if (!SERVICE_DEPLOYMENT_STATUSES.includes(status))
        throw invalidParameter(
          `Invalid status ${JSON.stringify(status)}. Valid values: ${SERVICE_DEPLOYMENT_STATUSES.join(', ')}.`
        );
    const created = (params.createdAt ?? {}) as { before?: number; after?: number };
    const briefs = [...service.records]
      .reverse()
      .filter(r => !statuses || statuses.length === 0 || statuses.includes(r.status))
      .filter(r => created.after === undefined || r.createdAt >= created.after * 1000)
      .filter(r => created.before === undefined || r.createdAt <= created.before * 1000)
      .map(r => ({
        serviceDeploymentArn: r.arn,
        serviceArn: service.arn,
        clusterArn: service.clusterArn,
        startedAt: ts(r.startedAt),
        createdAt: ts(r.createdAt),
        ...(r.finishedAt !== undefined ? { finishedAt: ts(r.finishedAt) } : {}),
        targetServiceRevisionArn: r.target.arn,
        status: r.status,
        ...(r.statusReason ? { statusReason: r.statusReason } : {})
      }));
    return paginate(briefs, { maxResults: 20, ...params }, 'serviceDeployments');
  }

  private allRecords(): { service: EcsService; record: ServiceDeploymentRecord }[] {
    return [...this.state.services.values()].flatMap(service =>
      service.records.map(record => ({ service, record }))
    );
  }

  private findRecord(arn: unknown): { service: EcsService; record: ServiceDeploymentRecord } {
    if (typeof arn !== 'string' || arn === '')
      throw invalidParameter('serviceDeploymentArn can not be blank.');
    if (!/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/[^/]+\/[^/]+\/[^/]+$/.test(arn))
      throw invalidParameter(`Invalid service deployment ARN: ${arn}`);
    const found = this.allRecords().find(x => x.record.arn === arn);
    if (!found)
      throw new SimError(
        'ServiceDeploymentNotFoundException',
        `The service deployment ${arn} does not exist.`
      );
    return found;
  }

  private describeServiceDeployments(params: Json) {
    const arns = params.serviceDeploymentArns;
    if (!Array.isArray(arns) || arns.length === 0)
      throw invalidParameter('serviceDeploymentArns can not be empty.');
    if (arns.length > 20) throw invalidParameter('serviceDeploymentArns can have at most 20 items.');
    const all = this.allRecords();
    const serviceDeployments: Json[] = [];
    const failures: Json[] = [];
    for (const arn of arns) {
      const found = all.find(x => x.record.arn === arn);
      if (!found) {
        failures.push({ arn, reason: 'MISSING' });
        continue;
      }
      serviceDeployments.push(this.recordView(found.service, found.record));
    }
    return { serviceDeployments, failures };
  }

  private recordView(service: EcsService, r: ServiceDeploymentRecord): Json {
    const live = [...this.state.tasks.values()].filter(
      t =>
        t.serviceName === service.name &&
        t.clusterName === service.clusterName &&
        t.desiredStatus === 'RUNNING'
    );
    const counts = (tasks: Task[]) => ({
      runningTaskCount: tasks.filter(t => t.lastStatus === 'RUNNING').length,
      pendingTaskCount: tasks.filter(t => t.lastStatus !== 'RUNNING').length
    });
    // a monitor still watching when the deployment ended (any way) has completed its watch
    const monitor = (status: string) =>
      status === 'MONITORING' && FINAL_STATUSES.includes(r.status) ? 'MONITORING_COMPLETE' : status;
    const rolledBack = r.status.startsWith('ROLLBACK_');
    const shifting = r.strategy !== 'ROLLING';
    const cleanedUp =
      r.status === 'SUCCESSFUL' || (shifting && r.lifecycleStage === 'CLEAN_UP' && !rolledBack);
    const target = live.filter(t => t.deploymentId === r.deploymentId);
    const weights = r.weights;
    return {
      serviceDeploymentArn: r.arn,
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      createdAt: ts(r.createdAt),
      startedAt: ts(r.startedAt),
      updatedAt: ts(r.updatedAt),
      ...(r.finishedAt !== undefined ? { finishedAt: ts(r.finishedAt) } : {}),
      ...(r.stoppedAt !== undefined ? { stoppedAt: ts(r.stoppedAt) } : {}),
      sourceServiceRevisions: r.sources.map((source, i) => {
        const ids = new Set(r.sources.map(x => x.deploymentId));
        const tasks = live.filter(
          t =>
            t.deploymentId !== r.deploymentId &&
            (ids.has(t.deploymentId ?? '') || t.taskDefinitionArn === source.revision.taskDefinition) &&
            (r.sources.length === 1 || t.taskDefinitionArn === source.revision.taskDefinition)
        );
        const keeps = i === 0 && (rolledBack || (shifting && !cleanedUp));
        return {
          arn: source.revision.arn,
          requestedTaskCount: keeps ? service.desiredCount : 0,
          ...counts(tasks),
          ...(weights
            ? {
                requestedTestTrafficWeight: i === 0 ? 100 - weights.test : 0,
                requestedProductionTrafficWeight: i === 0 ? 100 - weights.production : 0
              }
            : {})
        };
      }),
      targetServiceRevision: {
        arn: r.target.arn,
        requestedTaskCount: rolledBack ? 0 : service.desiredCount,
        ...counts(target),
        ...(weights
          ? {
              requestedTestTrafficWeight: weights.test,
              requestedProductionTrafficWeight: weights.production
            }
          : {})
      },
      status: r.status,
      ...(r.statusReason ? { statusReason: r.statusReason } : {}),
      ...(r.lifecycleStage ? { lifecycleStage: r.lifecycleStage } : {}),
      ...(shifting
        ? {
            lifecycleHookDetails: r.hookRuns.map(h => ({
              hookId: h.hookId,
              targetType: h.targetType,
              ...(h.targetArn ? { targetArn: h.targetArn } : {}),
              status: h.status,
              expiresAt: ts(h.expiresAt),
              timeoutAction: h.timeoutAction
            }))
          }
        : {}),
      deploymentConfiguration: r.deploymentConfiguration,
      ...(r.rollback
        ? {
            rollback: {
              reason: r.rollback.reason,
              startedAt: ts(r.rollback.startedAt),
              serviceRevisionArn: r.rollback.serviceRevisionArn
            }
          }
        : {}),
      deploymentCircuitBreaker: { ...r.circuitBreaker, status: monitor(r.circuitBreaker.status) },
      alarms: {
        status: monitor(r.alarms.status),
        ...(r.alarms.alarmNames.length > 0 ? { alarmNames: r.alarms.alarmNames } : {}),
        ...(r.alarms.triggeredAlarmNames.length > 0
          ? { triggeredAlarmNames: r.alarms.triggeredAlarmNames }
          : {})
      }
    };
  }

  /**
   * StopServiceDeployment: PENDING/IN_PROGRESS -> ROLLBACK_REQUESTED (stopType ROLLBACK, the default,
   * rolls back even without a rollback option) or STOP_REQUESTED (ABORT: stops where it is). A
   * deployment already stopping or rolling back goes on; a finished one cannot be stopped.
   */
  private stopServiceDeployment(params: Json) {
    const { service, record } = this.findRecord(params.serviceDeploymentArn);
    const stopType = str(params, 'stopType') ?? 'ROLLBACK';
    if (stopType !== 'ROLLBACK' && stopType !== 'ABORT')
      throw invalidParameter(`Invalid stopType ${JSON.stringify(stopType)}. Valid values: ABORT, ROLLBACK.`);
    if (FINAL_STATUSES.includes(record.status))
      throw new SimError(
        'ConflictException',
        `The service deployment ${record.arn} is ${record.status} and can no longer be stopped.`
      );
    if (record.status === 'IN_PROGRESS' || record.status === 'PENDING')
      this.world.requestStop(service, record, stopType);
    return { serviceDeploymentArn: record.arn };
  }

  /** ContinueServiceDeployment: acts on a PAUSE hook that is AWAITING_ACTION, nothing else. */
  private continueServiceDeployment(params: Json) {
    const { service, record } = this.findRecord(params.serviceDeploymentArn);
    const hookId = str(params, 'hookId', true)!;
    const action = str(params, 'action') ?? 'CONTINUE';
    if (action !== 'CONTINUE' && action !== 'ROLLBACK')
      throw invalidParameter(`Invalid action ${JSON.stringify(action)}. Valid values: CONTINUE, ROLLBACK.`);
    const run = record.hookRuns.find(h => h.hookId === hookId);
    const deployment = this.world.deploymentOf(service, record);
    if (record.status !== 'IN_PROGRESS' || !run || run.status !== 'AWAITING_ACTION' || !deployment)
      throw invalidParameter(
        `The service deployment ${record.arn} is not paused at lifecycle hook ${hookId}` +
          (run
            ? ` (hook status ${run.status}, deployment ${record.status}).`
            : ` (deployment ${record.status}).`)
      );
    this.world.shifts.continueHook(service, deployment, run, action);
    return { serviceDeploymentArn: record.arn };
  }

  private describeServiceRevisions(params: Json) {
    const arns = params.serviceRevisionArns;
    if (!Array.isArray(arns) || arns.length === 0)
      throw invalidParameter('serviceRevisionArns can not be empty.');
    if (arns.length > 20) throw invalidParameter('serviceRevisionArns can have at most 20 items.');
    const revisions = new Map<string, { service: EcsService; revision: ServiceRevision }>();
    for (const { service, record } of this.allRecords()) {
      revisions.set(record.target.arn, { service, revision: record.target });
      for (const s of record.sources) revisions.set(s.revision.arn, { service, revision: s.revision });
    }
    const serviceRevisions: Json[] = [];
    const failures: Json[] = [];
    for (const arn of arns) {
      const found = revisions.get(String(arn));
      if (!found) {
        failures.push({ arn, reason: 'MISSING' });
        continue;
      }
      const r = found.revision;
      const lbs = (r.loadBalancers ?? []) as {
        advancedConfiguration?: { productionListenerRule?: string };
      }[];
      serviceRevisions.push({
        serviceRevisionArn: r.arn,
        serviceArn: found.service.arn,
        clusterArn: found.service.clusterArn,
        taskDefinition: r.taskDefinition,
        launchType: r.launchType,
        ...(r.platformVersion ? { platformVersion: r.platformVersion, platformFamily: 'Linux' } : {}),
        ...(r.loadBalancers ? { loadBalancers: r.loadBalancers } : {}),
        containerImages: r.containerImages,
        ...(r.networkConfiguration ? { networkConfiguration: r.networkConfiguration } : {}),
        createdAt: ts(r.createdAt),
        ...(lbs.length > 0
          ? {
              resolvedConfiguration: {
                loadBalancers: lbs.map((lb, i) => ({
                  targetGroupArn: r.resolvedTargetGroups[i],
                  ...(lb.advancedConfiguration?.productionListenerRule
                    ? { productionListenerRule: lb.advancedConfiguration.productionListenerRule }
                    : {})
                }))
              }
            }
          : {})
      });
    }
    return { serviceRevisions, failures };
  }

  // ---- tags ----

  private taggable(arn: unknown): { tags: Tag[] } {
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:ecs:')) {
      throw invalidParameter('The ARN provided is invalid.');
    }
    const rest = arn.replace(/^arn:aws:ecs:[^:]+:\d{12}:/, '');
    const [kind, ...path] = rest.split('/');
    let found: { tags: Tag[] } | undefined;
    if (kind === 'cluster') found = this.state.clusters.get(path.join('/'));
    else if (kind === 'service' && path.length === 2)
      found = this.state.services.get(serviceKey(path[0], path[1]));
    else if (kind.startsWith('task-definition')) found = taskDefinitions.resolve(this.state, arn);
    else if (kind === 'task' && path.length === 2) found = this.findTask(path[0], path[1]);
    else throw invalidParameter('The ARN provided is invalid.');
    if (!found) throw new SimError('ResourceNotFoundException', 'The specified resource could not be found.');
    return found;
  }

  private tagResource(params: Json) {
    const resource = this.taggable(params.resourceArn);
    const tags = tagsOf(params.tags);
    if (tags.length === 0) throw invalidParameter('tags can not be empty.');
    resource.tags = mergeTags(resource.tags, tags);
    return {};
  }

  private untagResource(params: Json) {
    const resource = this.taggable(params.resourceArn);
    const keys = params.tagKeys;
    if (!Array.isArray(keys)) throw invalidParameter('tagKeys can not be empty.');
    resource.tags = resource.tags.filter(t => !keys.includes(t.key));
    return {};
  }

  private listTagsForResource(params: Json) {
    return { tags: this.taggable(params.resourceArn).tags };
  }

  // ---- workload health: GET /_app/<cluster>/<service>/health ----

  private health(req: SimRequest): HttpReply | undefined {
    const m = /^\/_app\/([^/]+)\/([^/]+)\/(test\/)?health\/?$/.exec(req.path);
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return undefined;
    const [, clusterName, serviceName, test] = m;
    const service = this.state.services.get(serviceKey(clusterName, serviceName));
    if (!service)
      return json(404, {
        status: 'unknown',
        message: `no ECS service ${serviceName} in cluster ${clusterName}`
      });
    if (service.taskSets) {
      // CODE_DEPLOY: the listeners route to task sets by traffic weight (task-sets.ts)
      const task = this.taskSets.serving(service, test ? 'test' : 'prod');
      if (!task) return json(503, { status: 'unhealthy', message: 'no healthy tasks are serving traffic' });
      return json(200, this.healthBody(task), { 'x-sim-task': task.id });
    }
    if (test)
      return json(404, {
        status: 'unknown',
        message: `${serviceName} has no test listener (not CODE_DEPLOY)`
      });
    const serving = [...this.state.tasks.values()]
      .filter(t => t.serviceName === serviceName && t.clusterName === clusterName && isHealthy(t))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    if (serving.length === 0)
      return json(503, { status: 'unhealthy', message: 'no healthy tasks are serving traffic' });
    const listener = req.query.get('listener') === 'test' ? 'test' : 'production';
    const key = `${service.arn} ${listener}`;
    const cursor = this.healthCursor.get(key) ?? 0;
    this.healthCursor.set(key, cursor + 1);
    const pool = routeTraffic(service.deployments[0], serving, listener, cursor);
    const task = pool[cursor % pool.length];
    return json(200, this.healthBody(task), { 'x-sim-task': task.id });
  }

  /** status and version, plus the extra fields of the image rule of the task's essential containers */
  private healthBody(task: Task): Record<string, unknown> {
    const extra = task.containers
      .filter(container => container.essential)
      .map(container => this.ctx.images.outcome(container.image).health)
      .find(health => health !== undefined);
    return { ...extra, status: 'healthy', version: task.appVersion };
  }
}

const SERVICE_DEPLOYMENT_STATUSES: readonly string[] = [
  'PENDING',
  'IN_PROGRESS',
  'SUCCESSFUL',
  'STOPPED',
  'STOP_REQUESTED',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED'
];

function includes(params: Json, what: string): boolean {
  return Array.isArray(params.include) && params.include.includes(what);
}

/** nextToken is an opaque offset, as good as AWS's for clients that only pass it back. */
function paginate<T>(items: T[], params: Json, key: string): Json {
  const max = typeof params.maxResults === 'number' ? params.maxResults : 100;
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw invalidParameter('maxResults must be between 1 and 100.');
  let offset = 0;
  if (typeof params.nextToken === 'string') {
    offset = Number(Buffer.from(params.nextToken, 'base64').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw invalidParameter('Invalid nextToken.');
  }
  const page = items.slice(offset, offset + max);
  const next = offset + max < items.length ? Buffer.from(String(offset + max)).toString('base64') : undefined;
  return { [key]: page, ...(next ? { nextToken: next } : {}) };
}

export function taskView(t: Task, withTags: boolean): Json {
  return {
    taskArn: t.arn,
    clusterArn: t.clusterArn,
    taskDefinitionArn: t.taskDefinitionArn,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    healthStatus: t.healthStatus,
    launchType: t.launchType,
    ...(t.cpu ? { cpu: t.cpu } : {}),
    ...(t.memory ? { memory: t.memory } : {}),
    containers: t.containers.map(c => ({
      containerArn: c.containerArn,
      taskArn: t.arn,
      name: c.name,
      image: c.image,
      runtimeId: c.runtimeId,
      lastStatus: c.lastStatus,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
      healthStatus: c.healthStatus,
      networkBindings: [],
      networkInterfaces: []
    })),
    createdAt: ts(t.createdAt),
    ...(t.pullStartedAt !== undefined ? { pullStartedAt: ts(t.pullStartedAt) } : {}),
    ...(t.pullStoppedAt !== undefined ? { pullStoppedAt: ts(t.pullStoppedAt) } : {}),
    ...(t.startedAt !== undefined ? { startedAt: ts(t.startedAt) } : {}),
    ...(t.stoppingAt !== undefined ? { stoppingAt: ts(t.stoppingAt) } : {}),
    ...(t.stoppedAt !== undefined ? { stoppedAt: ts(t.stoppedAt) } : {}),
    ...(t.executionStoppedAt !== undefined ? { executionStoppedAt: ts(t.executionStoppedAt) } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    ...(t.stopCode ? { stopCode: t.stopCode } : {}),
    ...(t.startedBy ? { startedBy: t.startedBy } : {}),
    group: t.group,
    version: t.version,
    availabilityZone: 'us-east-1a',
    connectivity: t.lastStatus === 'STOPPED' ? 'DISCONNECTED' : 'CONNECTED',
    platformVersion: t.launchType === 'FARGATE' ? '1.4.0' : undefined,
    overrides: t.overrides ?? {
      containerOverrides: t.containers.map(c => ({ name: c.name })),
      inferenceAcceleratorOverrides: []
    },
    ...(t.capacityProviderName ? { capacityProviderName: t.capacityProviderName } : {}),
    attachments: [],
    ...(withTags ? { tags: t.tags } : {})
  };
}

const ecs: SimServiceModule = { name: 'ECS', create: (ctx: SimContext) => new EcsSimService(ctx) };
export default ecs;
