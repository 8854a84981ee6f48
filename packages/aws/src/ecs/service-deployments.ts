import type { ServiceDeploymentBrief } from '@aws-sdk/client-ecs';
import {
  ActionError,
  PollTimeoutError,
  errorMessage,
  formatDuration,
  waitUntil,
  type Clock,
  type Logger
} from '@deploy-suite/core';
import { awsErrorName } from '../errors.js';
import { SERVICE_DEPLOYMENTS_BATCH, type EcsApi } from './client.js';
import { UNFINISHED_STATUSES } from './judge.js';

/** What to do when a service has a deployment in progress that this step did not start. */
export type IfBusy = 'wait' | 'fail';

/** Errors that mean this account or role cannot use the service-deployment API at all. */
const API_UNAVAILABLE = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnknownOperationException',
  'UnknownOperation',
  'UnsupportedOperationException'
]);

/** True when ECS refused a service-deployment call because the API is not there for this caller. */
function serviceDeploymentApiUnavailable(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  return API_UNAVAILABLE.has(name) || /not authorized|unknown operation/i.test(errorMessage(error));
}

/** The service deployments of one service ECS is still working on, newest first. */
async function unfinishedDeployments(
  api: EcsApi,
  cluster: string,
  service: string
): Promise<ServiceDeploymentBrief[]> {
  const output = await api.listServiceDeployments({ cluster, service, status: [...UNFINISHED_STATUSES] });
  return output.serviceDeployments ?? [];
}

export interface BusyCheckOptions {
  cluster: string;
  services: readonly string[];
  ifBusy: IfBusy;
  timeoutMs: number;
  intervalMs: number;
  logger: Logger;
  clock: Clock;
  /** the input that chose `ifBusy`, for messages */
  input?: string;
  /**
   * A rollback replaces the deployment in progress it undoes: with `wait` it waits only for deployments ECS
   * is already rolling back or stopping, and says which in-progress ones its update will supersede.
   */
  supersedesInProgress?: boolean;
}

/** Statuses of deployments ECS is already ending by itself. */
const ENDING_STATUSES = new Set(['STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']);

/**
 * Before any UpdateService: the services must have no service deployment in progress (someone else's:
 * this step has started none yet). `fail` refuses at once, changing nothing; `wait` waits for them to end
 * within the deadline, saying what it waits for. `unavailable` when the account has no service-deployment
 * API (the check is skipped, saying so); `waited` when it waited (what the services run may have changed).
 */
export async function waitUntilServicesIdle(
  api: EcsApi,
  options: BusyCheckOptions
): Promise<'idle' | 'waited' | 'unavailable'> {
  const { cluster, logger, clock } = options;
  const input = options.input ?? 'if-busy';
  const onlyEnding = options.ifBusy === 'wait' && options.supersedesInProgress === true;
  const superseding = new Set<string>();
  const busyNow = async (): Promise<Map<string, ServiceDeploymentBrief[]>> => {
    const busy = new Map<string, ServiceDeploymentBrief[]>();
    for (const service of options.services) {
      const unfinished = (await unfinishedDeployments(api, cluster, service)).filter(brief => {
        if (!onlyEnding || ENDING_STATUSES.has(brief.status ?? '')) return true;
        if (!superseding.has(brief.serviceDeploymentArn ?? '')) {
          superseding.add(brief.serviceDeploymentArn ?? '');
          logger.info(
            `${service}: ${brief.serviceDeploymentArn} is ${brief.status}; this rollback's update supersedes it`
          );
        }
        return false;
      });
      if (unfinished.length > 0) busy.set(service, unfinished);
    }
    return busy;
  };
  const describe = (busy: Map<string, ServiceDeploymentBrief[]>): string =>
    [...busy]
      .map(
        ([service, list]) =>
          `${service}: ${list.map(brief => `${brief.serviceDeploymentArn} (${brief.status})`).join(', ')}`
      )
      .join('; ');

  let busy: Map<string, ServiceDeploymentBrief[]>;
  try {
    busy = await busyNow();
  } catch (error) {
    if (!serviceDeploymentApiUnavailable(error)) throw error;
    logger.warning(
      `Cannot list service deployments (${errorMessage(error)}): not checking for deployments in progress. ` +
        'Grant ecs:ListServiceDeployments to check them.'
    );
    return 'unavailable';
  }
  if (busy.size === 0) return 'idle';
  if (options.ifBusy === 'fail') {
    throw new ActionError(
      'deployment',
      `Another deployment is in progress, and ${input} is "fail": ${describe(busy)}. Nothing was changed. ` +
        `Run again when it ends, or set ${input}: wait.`
    );
  }
  logger.info(
    `Waiting for deployments this step did not start to end (${input}: wait, deadline ${formatDuration(options.timeoutMs)}): ${describe(busy)}`
  );
  const announced = new Set([...busy.values()].flat().map(brief => brief.serviceDeploymentArn));
  try {
    await waitUntil(
      async () => {
        const now = await busyNow();
        for (const brief of [...now.values()].flat()) {
          if (announced.has(brief.serviceDeploymentArn)) continue;
          announced.add(brief.serviceDeploymentArn);
          logger.info(`  also waiting for ${brief.serviceDeploymentArn} (${brief.status})`);
        }
        return now.size === 0 ? { done: true, value: undefined } : { done: false, progress: describe(now) };
      },
      {
        what: 'other deployments to end',
        timeoutMs: options.timeoutMs,
        intervalMs: options.intervalMs,
        backoff: 1.25,
        maxIntervalMs: options.intervalMs * 4,
        clock
      }
    );
  } catch (error) {
    if (!(error instanceof PollTimeoutError)) throw error;
    throw new ActionError(
      'deployment',
      `Other deployments did not end within ${formatDuration(options.timeoutMs)}: ${error.message}. Nothing was changed.`
    );
  }
  logger.info('No other deployment in progress now');
  return 'waited';
}

/** One step's update: the service, the task definition it registered, and what UpdateService answered. */
export interface UpdatedService {
  service: string;
  taskDefinitionArn: string;
  /** `service.currentServiceDeployment` of the UpdateService answer */
  currentServiceDeployment?: string;
  /** when the update was sent, ms since epoch (ECS's clock) */
  updatedAt: number;
}

/** The service deployment each update started, or why it could not be told exactly. */
export type Identification =
  { kind: 'found'; arns: Map<string, string> } | { kind: 'unavailable'; reason: string };

/**
 * Finds the service deployment this step's UpdateService started, for each service: the
 * `currentServiceDeployment` it answered, confirmed by DescribeServiceRevisions to run the task definition
 * this step registered; when that one runs another revision (someone updated in between), the newest
 * deployment created since the update whose revision does. `unavailable` when the account has no such
 * API (AccessDenied/UnknownOperation) or a deployment cannot be told: the caller watches the rolling view.
 */
export async function identifyServiceDeployments(
  api: EcsApi,
  cluster: string,
  updates: readonly UpdatedService[]
): Promise<Identification> {
  try {
    const arns = new Map<string, string>();
    const candidates = new Map<string, string[]>();
    for (const update of updates) {
      const list = update.currentServiceDeployment ? [update.currentServiceDeployment] : [];
      if (list.length === 0) {
        const listed = await api.listServiceDeployments({
          cluster,
          service: update.service,
          createdAt: { after: new Date(update.updatedAt - 30_000) }
        });
        list.push(...(listed.serviceDeployments ?? []).flatMap(brief => brief.serviceDeploymentArn ?? []));
      }
      candidates.set(update.service, list);
    }
    const all = [...new Set([...candidates.values()].flat())];
    const revisionOf = new Map<string, string>();
    for (let index = 0; index < all.length; index += SERVICE_DEPLOYMENTS_BATCH) {
      const output = await api.describeServiceDeployments({
        serviceDeploymentArns: all.slice(index, index + SERVICE_DEPLOYMENTS_BATCH)
      });
      for (const deployment of output.serviceDeployments ?? []) {
        const revision = deployment.targetServiceRevision?.arn;
        if (deployment.serviceDeploymentArn && revision)
          revisionOf.set(deployment.serviceDeploymentArn, revision);
      }
    }
    const revisions = [...new Set(revisionOf.values())];
    const taskDefinitionOf = new Map<string, string>();
    for (let index = 0; index < revisions.length; index += SERVICE_DEPLOYMENTS_BATCH) {
      const output = await api.describeServiceRevisions({
        serviceRevisionArns: revisions.slice(index, index + SERVICE_DEPLOYMENTS_BATCH)
      });
      for (const revision of output.serviceRevisions ?? []) {
        if (revision.serviceRevisionArn && revision.taskDefinition)
          taskDefinitionOf.set(revision.serviceRevisionArn, revision.taskDefinition);
      }
    }
    for (const update of updates) {
      const mine = (candidates.get(update.service) ?? []).find(arn => {
        const revision = revisionOf.get(arn);
        return revision !== undefined && taskDefinitionOf.get(revision) === update.taskDefinitionArn;
      });
      if (!mine) {
        return {
          kind: 'unavailable',
          reason: `no service deployment of ${update.service} runs ${update.taskDefinitionArn}`
        };
      }
      arns.set(update.service, mine);
    }
    return { kind: 'found', arns };
  } catch (error) {
    if (!serviceDeploymentApiUnavailable(error)) throw error;
    return { kind: 'unavailable', reason: errorMessage(error) };
  }
}
