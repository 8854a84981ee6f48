import type { Service } from '@aws-sdk/client-ecs';

/** ECS's deployment strategies; absent on a service means ROLLING. CODE_DEPLOY: CodeDeploy deploys it. */
type DeploymentStrategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY' | 'CODE_DEPLOY';

/** What a service's deployment will do, read before anything changes (plan and summary show it). */
export interface ServiceProfile {
  /** `deploymentController.type`; absent = ECS */
  controller: string;
  strategy: DeploymentStrategy;
  loadBalancers: number;
  /** load balancers with `advancedConfiguration` (test/production listener rules, alternate target group) */
  managedTraffic: boolean;
  bakeTimeInMinutes?: number;
  /** `PAUSE@POST_SCALE_UP`, `AWS_LAMBDA@PRE_SCALE_UP`, ... */
  hooks: string[];
  pauseHooks: number;
  alarms: string[];
  alarmRollback: boolean;
  circuitBreaker: 'off' | 'on' | 'on+rollback';
}

const STRATEGIES: readonly string[] = ['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'];

/** Reads a described service's controller, strategy, traffic wiring, hooks, alarms and circuit breaker. */
export function profileService(service: Service): ServiceProfile {
  const config = service.deploymentConfiguration ?? {};
  const raw = config.strategy ?? 'ROLLING';
  const hooks = config.lifecycleHooks ?? [];
  const breaker = config.deploymentCircuitBreaker;
  const alarms = config.alarms?.enable ? (config.alarms.alarmNames ?? []) : [];
  const controller = service.deploymentController?.type ?? 'ECS';
  return {
    controller,
    // ECS's own strategy does not apply when CodeDeploy moves the traffic
    strategy:
      controller === 'CODE_DEPLOY'
        ? 'CODE_DEPLOY'
        : ((STRATEGIES.includes(raw) ? raw : 'ROLLING') as DeploymentStrategy),
    loadBalancers: service.loadBalancers?.length ?? 0,
    managedTraffic: (service.loadBalancers ?? []).some(lb => lb.advancedConfiguration !== undefined),
    bakeTimeInMinutes:
      raw === 'ROLLING' || controller === 'CODE_DEPLOY' ? undefined : config.bakeTimeInMinutes,
    hooks: hooks.map(hook => `${hook.targetType ?? 'AWS_LAMBDA'}@${(hook.lifecycleStages ?? []).join('+')}`),
    pauseHooks: hooks.filter(hook => hook.targetType === 'PAUSE').length,
    alarms,
    alarmRollback: Boolean(config.alarms?.enable && config.alarms.rollback),
    circuitBreaker: !breaker?.enable ? 'off' : breaker.rollback ? 'on+rollback' : 'on'
  };
}

/** `BLUE_GREEN (bake 5m), 1 load balancer with test/production rules, hooks PAUSE@POST_SCALE_UP, alarms a, b (rollback), circuit breaker on+rollback` */
export function describeProfile(profile: ServiceProfile): string {
  const parts = [
    profile.strategy +
      (profile.bakeTimeInMinutes !== undefined ? ` (bake ${profile.bakeTimeInMinutes}m)` : '')
  ];
  if (profile.controller !== 'ECS' && profile.strategy !== 'CODE_DEPLOY')
    parts.unshift(`controller ${profile.controller}`);
  if (profile.loadBalancers > 0) {
    parts.push(
      `${profile.loadBalancers} load balancer${profile.loadBalancers > 1 ? 's' : ''}` +
        (profile.managedTraffic ? ' with test/production rules' : '')
    );
  } else if (profile.strategy !== 'ROLLING' && profile.strategy !== 'CODE_DEPLOY')
    parts.push('headless (no load balancer)');
  if (profile.hooks.length > 0) parts.push(`hooks ${profile.hooks.join(', ')}`);
  if (profile.alarms.length > 0)
    parts.push(`alarms ${profile.alarms.join(', ')}${profile.alarmRollback ? ' (rollback)' : ''}`);
  parts.push(`circuit breaker ${profile.circuitBreaker}`);
  return parts.join(', ');
}

/**
 * Why this action cannot deploy the service, or undefined when it can. CODE_DEPLOY services change through
 * CodeDeploy deployments (`viaCodeDeploy`: the action starts those), EXTERNAL ones through task sets.
 */
export function unsupportedController(
  service: string,
  profile: ServiceProfile,
  options: { viaCodeDeploy?: boolean } = {}
): string | undefined {
  if (profile.controller === 'ECS') return undefined;
  if (profile.controller === 'CODE_DEPLOY' && options.viaCodeDeploy) return undefined;
  if (profile.controller === 'CODE_DEPLOY') {
    return (
      `${service} uses the CODE_DEPLOY deployment controller: its revisions change through AWS CodeDeploy ` +
      'deployments, which this action does not start. Roll it back with actions/deploy-ecs (task-definition = ' +
      'the previous revision: it deploys through AWS CodeDeploy), or migrate it to ECS-native blue/green ' +
      '(deploymentConfiguration.strategy BLUE_GREEN with the ECS controller)'
    );
  }
  return (
    `${service} uses the ${profile.controller} deployment controller (task sets managed outside ECS); ` +
    'this action deploys services of the ECS controller only'
  );
}
