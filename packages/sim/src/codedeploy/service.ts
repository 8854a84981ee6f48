/**
 * AWS CodeDeploy for the ECS compute platform (JSON 1.1, X-Amz-Target CodeDeploy_20141006.<Op>):
 * applications, deployment groups with blue/green settings and automatic rollback, the predefined
 * ECS deployment configurations, deployments of an inline AppSpec (AppSpecContent) and their ECS
 * target with its lifecycle events. Deployments drive the ECS service's task sets (engine.ts).
 */
import {
  DEFAULT_REGION,
  type AwsCall,
  type SimContext,
  type SimService,
  type SimServiceModule
} from '../core/service.js';
import type { EcsSimService } from '../ecs/service.js';
import { isCodeDeployController, targetGroupNameOf } from '../ecs/task-sets.js';
import { AppSpecError, field, parseDocument, sha256Hex } from './appspec.js';
import { DEFAULT_ECS_CONFIG, predefinedConfigs, type DeploymentConfig } from './configs.js';
import { DeploymentEngine } from './engine.js';
import {
  ACTIVE_STATUSES,
  cdError,
  type Application,
  type AutoRollback,
  type BlueGreen,
  type Deployment,
  type DeploymentGroup,
  type Json,
  type LastDeployment,
  type TargetGroupPair
} from './model.js';

export const CODEDEPLOY_TARGET_PREFIX = 'CodeDeploy_20141006';
const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];
const COMPUTE_PLATFORMS = ['Server', 'Lambda', 'ECS'];

const ts = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function text(params: Json, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw cdError('SerializationException', `${key} must be a string`);
  return value;
}

export class CodeDeploySimService implements SimService {
  readonly name = 'CodeDeploy';
  readonly aws;
  private applications = new Map<string, Application>();
  private groups = new Map<string, DeploymentGroup>();
  private configs: Map<string, DeploymentConfig>;
  private engine: DeploymentEngine;

  constructor(private readonly ctx: SimContext) {
    this.configs = predefinedConfigs(ctx.clock.startEpochMs);
    this.engine = this.newEngine();
    const op = (fn: (params: Json, call: AwsCall) => unknown) => (call: AwsCall) =>
      fn.call(this, call.params, call);
    this.aws = {
      protocol: 'json1.1' as const,
      signingName: 'codedeploy',
      targetPrefix: CODEDEPLOY_TARGET_PREFIX,
      throttlingError: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
      operations: {
        CreateApplication: op(this.createApplication),
        GetApplication: op(this.getApplication),
        ListApplications: op(this.listApplications),
        CreateDeploymentGroup: op(this.createDeploymentGroup),
        GetDeploymentGroup: op(this.getDeploymentGroup),
        ListDeploymentGroups: op(this.listDeploymentGroups),
        GetDeploymentConfig: op(this.getDeploymentConfig),
        ListDeploymentConfigs: op(this.listDeploymentConfigs),
        CreateDeployment: op(this.createDeployment),
        GetDeployment: op(this.getDeployment),
        BatchGetDeployments: op(this.batchGetDeployments),
        ListDeployments: op(this.listDeployments),
        ListDeploymentTargets: op(this.listDeploymentTargets),
        GetDeploymentTarget: op(this.getDeploymentTarget),
        BatchGetDeploymentTargets: op(this.batchGetDeploymentTargets),
        StopDeployment: op(this.stopDeployment),
        ContinueDeployment: op(this.continueDeployment)
      }
    };
  }

  private newEngine(): DeploymentEngine {
    return new DeploymentEngine(
      this.ctx,
      d => this.groups.get(groupKey(d.applicationName, d.groupName))!,
      name => this.configs.get(name)!
    );
  }

  reset(): void {
    this.applications.clear();
    this.groups.clear();
    this.engine = this.newEngine();
  }

  private now(): number {
    return this.ctx.clock.nowMs();
  }

  // ---- applications ----

  private application(params: Json): Application {
    const name = text(params, 'applicationName');
    if (!name) throw cdError('ApplicationNameRequiredException', 'The application name must be specified.');
    const app = this.applications.get(name);
    if (!app) throw cdError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
    return app;
  }

  private createApplication(params: Json) {
    const name = text(params, 'applicationName');
    if (!name) throw cdError('ApplicationNameRequiredException', 'The application name must be specified.');
    if (name.length > 100 || !/^[A-Za-z0-9._+-]+$/.test(name))
      throw cdError('InvalidApplicationNameException', `The application name ${name} is not valid.`);
    if (this.applications.has(name))
      throw cdError('ApplicationAlreadyExistsException', `The application ${name} already exists.`);
    const computePlatform = text(params, 'computePlatform') ?? 'Server';
    if (!COMPUTE_PLATFORMS.includes(computePlatform))
      throw cdError(
        'InvalidComputePlatformException',
        `The computePlatform must be one of ${COMPUTE_PLATFORMS.join(', ')}, got ${computePlatform}.`
      );
    const app: Application = {
      id: this.ctx.random.uuid(),
      name,
      computePlatform,
      createTime: this.now(),
      tags: (params.tags as Json[]) ?? []
    };
    this.applications.set(name, app);
    return { applicationId: app.id };
  }

  private applicationView(app: Application): Json {
    return {
      applicationId: app.id,
      applicationName: app.name,
      createTime: ts(app.createTime),
      linkedToGitHub: false,
      computePlatform: app.computePlatform
    };
  }

  private getApplication(params: Json) {
    return { application: this.applicationView(this.application(params)) };
  }

  private listApplications() {
    return { applications: [...this.applications.keys()].sort() };
  }

  // ---- deployment configurations ----

  private config(name: string): DeploymentConfig {
    const config = this.configs.get(name);
    if (!config)
      throw cdError(
        'DeploymentConfigDoesNotExistException',
        `No deployment configuration found for name: ${name}`
      );
    return config;
  }

  private getDeploymentConfig(params: Json) {
    const name = text(params, 'deploymentConfigName');
    if (!name)
      throw cdError(
        'DeploymentConfigNameRequiredException',
        'The deployment configuration name must be specified.'
      );
    const c = this.config(name);
    return {
      deploymentConfigInfo: {
        deploymentConfigId: c.id,
        deploymentConfigName: c.name,
        createTime: ts(c.createTime),
        computePlatform: c.computePlatform,
        trafficRoutingConfig: c.trafficRoutingConfig
      }
    };
  }

  private listDeploymentConfigs() {
    return { deploymentConfigsList: [...this.configs.keys()].sort() };
  }

  // ---- deployment groups ----

  private group(params: Json): DeploymentGroup {
    const app = this.application(params);
    const name = text(params, 'deploymentGroupName');
    if (!name)
      throw cdError('DeploymentGroupNameRequiredException', 'The deployment group name must be specified.');
    const group = this.groups.get(groupKey(app.name, name));
    if (!group)
      throw cdError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`);
    return group;
  }

  private createDeploymentGroup(params: Json) {
    const app = this.application(params);
    const name = text(params, 'deploymentGroupName');
    if (!name)
      throw cdError('DeploymentGroupNameRequiredException', 'The deployment group name must be specified.');
    if (this.groups.has(groupKey(app.name, name)))
      throw cdError(
        'DeploymentGroupAlreadyExistsException',
        `A deployment group named ${name} already exists for application ${app.name}.`
      );
    if (app.computePlatform !== 'ECS')
      throw cdError(
        'InvalidComputePlatformException',
        `The simulator models deployment groups of ECS applications only; ${app.name} has computePlatform ${app.computePlatform}.`
      );
    const serviceRoleArn = text(params, 'serviceRoleArn');
    if (!serviceRoleArn) throw cdError('RoleRequiredException', 'A service role ARN is required.');
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(serviceRoleArn))
      throw cdError(
        'InvalidRoleException',
        `The service role ARN ${serviceRoleArn} is not a valid IAM role ARN.`
      );
    const configName = text(params, 'deploymentConfigName') ?? DEFAULT_ECS_CONFIG;
    if (this.config(configName).computePlatform !== 'ECS')
      throw cdError(
        'InvalidDeploymentConfigNameException',
        `${configName} is not an ECS deployment configuration.`
      );
    const style = (params.deploymentStyle ?? {}) as Json;
    if (style.deploymentType !== 'BLUE_GREEN' || style.deploymentOption !== 'WITH_TRAFFIC_CONTROL')
      throw cdError(
        'InvalidDeploymentStyleException',
        'An ECS deployment group needs deploymentStyle {deploymentType: BLUE_GREEN, deploymentOption: WITH_TRAFFIC_CONTROL}.'
      );
    const ecsService = this.ecsServiceOf(params.ecsServices);
    const pair = pairOf(params.loadBalancerInfo);
    const service = this.ctx
      .service<EcsSimService>('ECS')
      ?.taskSets.findService(ecsService.clusterName, ecsService.serviceName);
    const primary = service?.taskSets?.find(s => s.status === 'PRIMARY');
    const current = targetGroupNameOf(primary?.loadBalancers[0]?.targetGroupArn);
    if (current && !pair.targetGroups.some(t => t.name === current))
      throw cdError(
        'InvalidTargetGroupPairException',
        `The ECS service's target group ${current} must be one of the target group pair (${pair.targetGroups.map(t => t.name).join(', ')}).`
      );
    const group: DeploymentGroup = {
      id: this.ctx.random.uuid(),
      applicationName: app.name,
      name,
      deploymentConfigName: configName,
      serviceRoleArn,
      ecsService,
      pair,
      blueGreen: blueGreenOf(params.blueGreenDeploymentConfiguration),
      autoRollback: autoRollbackOf(params.autoRollbackConfiguration),
      passthrough: Object.fromEntries(
        ['alarmConfiguration', 'triggerConfigurations', 'outdatedInstancesStrategy', 'terminationHookEnabled']
          .filter(k => params[k] !== undefined)
          .map(k => [k, params[k]])
      ),
      tags: (params.tags as Json[]) ?? []
    };
    this.groups.set(groupKey(app.name, name), group);
    return { deploymentGroupId: group.id };
  }

  /** ecsServices: exactly one service, which must exist and use the CODE_DEPLOY controller. */
  private ecsServiceOf(value: unknown): DeploymentGroup['ecsService'] {
    if (!Array.isArray(value) || value.length !== 1)
      throw cdError(
        'InvalidECSServiceException',
        'An ECS deployment group needs exactly one ecsServices entry.'
      );
    const { serviceName, clusterName } = (value[0] ?? {}) as Json;
    if (typeof serviceName !== 'string' || typeof clusterName !== 'string' || !serviceName || !clusterName)
      throw cdError('InvalidECSServiceException', 'ecsServices[0] needs serviceName and clusterName.');
    const service = this.ctx.service<EcsSimService>('ECS')?.taskSets.findService(clusterName, serviceName);
    if (!service || service.status !== 'ACTIVE')
      throw cdError(
        'InvalidECSServiceException',
        `The ECS service ${serviceName} in cluster ${clusterName} does not exist or is not ACTIVE.`
      );
    if (!isCodeDeployController(service.passthrough.deploymentController))
      throw cdError(
        'InvalidECSServiceException',
        "Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller."
      );
    return { serviceName, clusterName };
  }

  private lastView(last: LastDeployment | undefined): Json | undefined {
    return last
      ? {
          deploymentId: last.deploymentId,
          status: last.status,
          createTime: ts(last.createTime),
          endTime: ts(last.endTime)
        }
      : undefined;
  }

  private groupView(g: DeploymentGroup): Json {
    return {
      applicationName: g.applicationName,
      deploymentGroupId: g.id,
      deploymentGroupName: g.name,
      deploymentConfigName: g.deploymentConfigName,
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn: g.serviceRoleArn,
      triggerConfigurations: [],
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      ...g.passthrough,
      autoRollbackConfiguration: g.autoRollback,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: g.blueGreen,
      loadBalancerInfo: { targetGroupPairInfoList: [g.pair] },
      ...(g.lastSuccessful ? { lastSuccessfulDeployment: this.lastView(g.lastSuccessful) } : {}),
      ...(g.lastAttempted ? { lastAttemptedDeployment: this.lastView(g.lastAttempted) } : {}),
      computePlatform: 'ECS',
      ecsServices: [g.ecsService]
    };
  }

  private getDeploymentGroup(params: Json) {
    return { deploymentGroupInfo: this.groupView(this.group(params)) };
  }

  private listDeploymentGroups(params: Json) {
    const app = this.application(params);
    return {
      applicationName: app.name,
      deploymentGroups: [...this.groups.values()].filter(g => g.applicationName === app.name).map(g => g.name)
    };
  }

  // ---- deployments ----

  private createDeployment(params: Json, call: AwsCall) {
    const group = this.group(params);
    const active = [...this.engine.deployments.values()].find(
      d =>
        d.applicationName === group.applicationName &&
        d.groupName === group.name &&
        ACTIVE_STATUSES.includes(d.status)
    );
    if (active)
      throw cdError(
        'DeploymentLimitExceededException',
        `The Deployment Group '${group.name}' already has an active Deployment '${active.id}'`
      );
    const revision = params.revision as Json | undefined;
    if (!revision) throw cdError('RevisionRequiredException', 'A revision is required.');
    if (revision.revisionType !== 'AppSpecContent')
      throw cdError(
        'InvalidRevisionException',
        `The simulator deploys ECS revisions of revisionType AppSpecContent only, got ${String(revision.revisionType)}.`
      );
    const content = field(revision.appSpecContent, 'content');
    if (typeof content !== 'string' || content.trim() === '')
      throw cdError('InvalidRevisionException', 'revision.appSpecContent.content is required.');
    const sha256 = field(revision.appSpecContent, 'sha256');
    if (sha256 !== undefined && String(sha256).toLowerCase() !== sha256Hex(content))
      throw cdError(
        'InvalidRevisionException',
        'The sha256 of revision.appSpecContent does not match its content (SHA-256 hex of the UTF-8 content).'
      );
    try {
      parseDocument(content);
    } catch (error) {
      if (error instanceof AppSpecError) throw cdError('InvalidRevisionException', error.message);
      throw error;
    }
    const configName = text(params, 'deploymentConfigName') ?? group.deploymentConfigName;
    if (this.config(configName).computePlatform !== 'ECS')
      throw cdError(
        'InvalidDeploymentConfigNameException',
        `${configName} is not an ECS deployment configuration.`
      );
    const description = text(params, 'description');
    if (description !== undefined && description.length > 512)
      throw cdError('DescriptionTooLongException', 'The description is too long (at most 512 characters).');
    const override = params.autoRollbackConfiguration as Json | undefined;
    const d = this.engine.newDeployment({
      id: this.engine.newId(),
      region: call.region || DEFAULT_REGION,
      applicationName: group.applicationName,
      groupName: group.name,
      configName,
      creator: 'user',
      description,
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content, ...(sha256 ? { sha256 } : {}) }
      },
      previousRevision: group.lastSuccessfulRevision,
      autoRollback: override ? autoRollbackOf(override) : group.autoRollback,
      blueGreen: group.blueGreen,
      pair: group.pair
    });
    this.engine.start(d);
    return { deploymentId: d.id };
  }

  private deployment(params: Json): Deployment {
    const id = text(params, 'deploymentId');
    if (!id) throw cdError('DeploymentIdRequiredException', 'The deployment ID must be specified.');
    if (!/^d-[A-Z0-9]{9}$/.test(id))
      throw cdError('InvalidDeploymentIdException', `The deployment ID ${id} is not valid.`);
    const d = this.engine.deployments.get(id);
    if (!d) throw cdError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`);
    return d;
  }

  private deploymentView(d: Deployment): Json {
    const overview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
    overview[d.targetStatus] += 1;
    return {
      applicationName: d.applicationName,
      deploymentGroupName: d.groupName,
      deploymentConfigName: d.configName,
      deploymentId: d.id,
      ...(d.previousRevision ? { previousRevision: d.previousRevision } : {}),
      revision: d.revision,
      status: d.status,
      ...(d.errorInformation ? { errorInformation: d.errorInformation } : {}),
      createTime: ts(d.createTime),
      ...(d.startTime !== undefined ? { startTime: ts(d.startTime) } : {}),
      ...(d.completeTime !== undefined ? { completeTime: ts(d.completeTime) } : {}),
      deploymentOverview: overview,
      ...(d.description !== undefined ? { description: d.description } : {}),
      creator: d.creator,
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: d.autoRollback,
      updateOutdatedInstancesOnly: false,
      ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      instanceTerminationWaitTimeStarted: d.instanceTerminationWaitTimeStarted,
      blueGreenDeploymentConfiguration: d.blueGreen,
      loadBalancerInfo: { targetGroupPairInfoList: [d.pair] },
      fileExistsBehavior: 'DISALLOW',
      deploymentStatusMessages: [],
      computePlatform: 'ECS'
    };
  }

  private getDeployment(params: Json) {
    return { deploymentInfo: this.deploymentView(this.deployment(params)) };
  }

  private batchGetDeployments(params: Json) {
    const ids = params.deploymentIds;
    if (!Array.isArray(ids) || ids.length === 0)
      throw cdError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.');
    if (ids.length > 25)
      throw cdError(
        'BatchLimitExceededException',
        'The maximum number of names or IDs allowed for this request (25) was exceeded.'
      );
    return {
      deploymentsInfo: ids
        .map(id => this.engine.deployments.get(String(id)))
        .filter((d): d is Deployment => !!d)
        .map(d => this.deploymentView(d))
    };
  }

  private listDeployments(params: Json) {
    const appName = text(params, 'applicationName');
    const groupName = text(params, 'deploymentGroupName');
    if (appName) this.application(params);
    if (groupName) this.group(params);
    const statuses = params.includeOnlyStatuses as string[] | undefined;
    const ids = [...this.engine.deployments.values()]
      .filter(d => !appName || d.applicationName === appName)
      .filter(d => !groupName || d.groupName === groupName)
      .filter(d => !statuses || statuses.includes(d.status))
      .sort((a, b) => b.createTime - a.createTime)
      .map(d => d.id);
    return { deployments: ids };
  }

  // ---- the ECS target ----

  private targetId(d: Deployment): string {
    const { clusterName, serviceName } = this.groups.get(
      groupKey(d.applicationName, d.groupName)
    )!.ecsService;
    return `${clusterName}:${serviceName}`;
  }

  private startedDeployment(params: Json): Deployment {
    const d = this.deployment(params);
    if (d.status === 'Created' || d.status === 'Queued')
      throw cdError('DeploymentNotStartedException', `The deployment ${d.id} has not started.`);
    return d;
  }

  private listDeploymentTargets(params: Json) {
    const d = this.startedDeployment(params);
    const statuses = (params.targetFilters as Json | undefined)?.TargetStatus as string[] | undefined;
    const ids = !statuses || statuses.includes(d.targetStatus) ? [this.targetId(d)] : [];
    return { targetIds: ids };
  }

  private targetView(d: Deployment): Json {
    const { clusterName, serviceName } = this.groups.get(
      groupKey(d.applicationName, d.groupName)
    )!.ecsService;
    return {
      deploymentTargetType: 'ECSTarget',
      ecsTarget: {
        deploymentId: d.id,
        targetId: this.targetId(d),
        targetArn: `arn:aws:ecs:${d.region}:${this.ctx.accountId}:service/${clusterName}/${serviceName}`,
        lastUpdatedAt: ts(d.targetUpdatedAt),
        lifecycleEvents: d.events.map(e => ({
          lifecycleEventName: e.name,
          ...(e.diagnostics ? { diagnostics: e.diagnostics } : {}),
          ...(e.startTime !== undefined ? { startTime: ts(e.startTime) } : {}),
          ...(e.endTime !== undefined ? { endTime: ts(e.endTime) } : {}),
          status: e.status
        })),
        status: d.targetStatus,
        taskSetsInfo: this.engine.taskSetsInfo(d)
      }
    };
  }

  private target(d: Deployment, id: unknown): Json {
    if (typeof id !== 'string' || id === '')
      throw cdError('DeploymentTargetIdRequiredException', 'A deployment target ID must be specified.');
    if (id !== this.targetId(d))
      throw cdError(
        'DeploymentTargetDoesNotExistException',
        `The deployment target ${id} does not exist in deployment ${d.id}.`
      );
    return this.targetView(d);
  }

  private getDeploymentTarget(params: Json) {
    const d = this.startedDeployment(params);
    return { deploymentTarget: this.target(d, params.targetId) };
  }

  private batchGetDeploymentTargets(params: Json) {
    const d = this.startedDeployment(params);
    const ids = params.targetIds;
    if (!Array.isArray(ids) || ids.length === 0)
      throw cdError(
        'DeploymentTargetIdRequiredException',
        'At least one deployment target ID must be specified.'
      );
    if (ids.length > 25)
      throw cdError(
        'DeploymentTargetListSizeExceededException',
        'At most 25 deployment targets can be requested.'
      );
    return { deploymentTargets: ids.map(id => this.target(d, id)) };
  }

  // ---- stop and continue ----

  private stopDeployment(params: Json) {
    const d = this.deployment(params);
    if (!ACTIVE_STATUSES.includes(d.status))
      throw cdError(
        'DeploymentAlreadyCompletedException',
        `The deployment ${d.id} has already completed (${d.status}).`
      );
    this.engine.stop(d, params.autoRollbackEnabled === true);
    return { status: 'Succeeded', statusMessage: `Deployment ${d.id} stopped.` };
  }

  private continueDeployment(params: Json) {
    const d = this.deployment(params);
    const waitType = text(params, 'deploymentWaitType') ?? 'READY_WAIT';
    if (waitType !== 'READY_WAIT' && waitType !== 'TERMINATION_WAIT')
      throw cdError(
        'InvalidDeploymentWaitTypeException',
        `The wait type ${waitType} is not READY_WAIT or TERMINATION_WAIT.`
      );
    if (!ACTIVE_STATUSES.includes(d.status))
      throw cdError(
        'DeploymentAlreadyCompletedException',
        `The deployment ${d.id} has already completed (${d.status}).`
      );
    if (d.waiting !== waitType || !d.resume)
      throw cdError(
        'DeploymentIsNotInReadyStateException',
        waitType === 'READY_WAIT'
          ? `The deployment ${d.id} is not waiting for traffic to be rerouted (status ${d.status}).`
          : `The deployment ${d.id} is not in its termination wait.`
      );
    d.resume();
    return {};
  }
}

function groupKey(application: string, group: string): string {
  return `${application}/${group}`;
}

/** loadBalancerInfo.targetGroupPairInfoList: one pair of two target groups and a production route. */
function pairOf(value: unknown): TargetGroupPair {
  const list = (value as Json | undefined)?.targetGroupPairInfoList;
  if (!Array.isArray(list) || list.length !== 1)
    throw cdError(
      'InvalidLoadBalancerInfoException',
      'An ECS deployment group needs loadBalancerInfo.targetGroupPairInfoList with exactly one target group pair.'
    );
  const pair = list[0] as Json;
  const groups = pair.targetGroups as Json[] | undefined;
  if (
    !Array.isArray(groups) ||
    groups.length !== 2 ||
    groups.some(g => typeof g?.name !== 'string' || !g.name)
  )
    throw cdError(
      'InvalidTargetGroupPairException',
      'A target group pair needs exactly two target groups, each with a name.'
    );
  if (groups[0].name === groups[1].name)
    throw cdError('InvalidTargetGroupPairException', 'The two target groups of a pair must differ.');
  const prod = (pair.prodTrafficRoute as Json | undefined)?.listenerArns;
  if (!Array.isArray(prod) || prod.length !== 1)
    throw cdError('InvalidTargetGroupPairException', 'prodTrafficRoute needs exactly one listener ARN.');
  const test = (pair.testTrafficRoute as Json | undefined)?.listenerArns;
  if (test !== undefined && (!Array.isArray(test) || test.length > 1))
    throw cdError('InvalidTargetGroupPairException', 'testTrafficRoute takes at most one listener ARN.');
  return {
    targetGroups: groups.map(g => ({ name: String(g.name) })),
    prodTrafficRoute: { listenerArns: prod.map(String) },
    ...(Array.isArray(test) && test.length ? { testTrafficRoute: { listenerArns: test.map(String) } } : {})
  };
}

function blueGreenOf(value: unknown): BlueGreen {
  if (!value || typeof value !== 'object')
    throw cdError(
      'InvalidBlueGreenDeploymentConfigurationException',
      'An ECS deployment group needs blueGreenDeploymentConfiguration (deploymentReadyOption and terminateBlueInstancesOnDeploymentSuccess).'
    );
  const ready = ((value as Json).deploymentReadyOption ?? {}) as Json;
  const terminate = ((value as Json).terminateBlueInstancesOnDeploymentSuccess ?? {}) as Json;
  const actionOnTimeout = (ready.actionOnTimeout ??
    'CONTINUE_DEPLOYMENT') as BlueGreen['deploymentReadyOption']['actionOnTimeout'];
  const action = (terminate.action ??
    'TERMINATE') as BlueGreen['terminateBlueInstancesOnDeploymentSuccess']['action'];
  const wait = Number(ready.waitTimeInMinutes ?? 0);
  const termination = Number(terminate.terminationWaitTimeInMinutes ?? 0);
  const bad = (message: string) => cdError('InvalidBlueGreenDeploymentConfigurationException', message);
  if (!['CONTINUE_DEPLOYMENT', 'STOP_DEPLOYMENT'].includes(actionOnTimeout))
    throw bad(
      `actionOnTimeout must be CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT, got ${String(actionOnTimeout)}.`
    );
  if (!['TERMINATE', 'KEEP_ALIVE'].includes(action))
    throw bad(
      `terminateBlueInstancesOnDeploymentSuccess.action must be TERMINATE or KEEP_ALIVE, got ${String(action)}.`
    );
  if (!Number.isInteger(wait) || wait < 0 || wait > 4320) throw bad('waitTimeInMinutes must be 0 to 4320.');
  if (actionOnTimeout === 'STOP_DEPLOYMENT' && wait === 0)
    throw bad('STOP_DEPLOYMENT needs a waitTimeInMinutes greater than 0.');
  if (!Number.isInteger(termination) || termination < 0 || termination > 2880)
    throw bad('terminationWaitTimeInMinutes must be 0 to 2880.');
  return {
    deploymentReadyOption: { actionOnTimeout, waitTimeInMinutes: wait },
    terminateBlueInstancesOnDeploymentSuccess: { action, terminationWaitTimeInMinutes: termination }
  };
}

function autoRollbackOf(value: unknown): AutoRollback {
  if (value === undefined || value === null) return { enabled: false, events: [] };
  const v = value as Json;
  const enabled = v.enabled === true;
  const events = Array.isArray(v.events) ? v.events.map(String) : [];
  const unknown = events.find(e => !ROLLBACK_EVENTS.includes(e));
  if (unknown)
    throw cdError(
      'InvalidAutoRollbackConfigException',
      `Unknown auto rollback event ${unknown}; use ${ROLLBACK_EVENTS.join(', ')}.`
    );
  if (enabled && events.length === 0)
    throw cdError(
      'InvalidAutoRollbackConfigException',
      'Automatic rollback is enabled but no events are specified.'
    );
  return { enabled, events };
}

const codedeploy: SimServiceModule = {
  name: 'CodeDeploy',
  create: (ctx: SimContext) => new CodeDeploySimService(ctx)
};
export default codedeploy;
