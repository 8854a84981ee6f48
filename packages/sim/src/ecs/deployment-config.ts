/**
 * `deploymentConfiguration`, `deploymentController` and `loadBalancers[].advancedConfiguration` of a
 * service: ECS's validation (InvalidParameterException, as ECS answers bad input before any change), the
 * defaults ECS applies, and the derived numbers the scheduler needs (strategy, traffic steps, bake times,
 * circuit-breaker threshold). Shapes follow @aws-sdk/client-ecs 3.1164 `DeploymentConfiguration`.
 */
import { invalidParameter, type Json } from './model.js';

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
export const STRATEGIES: readonly Strategy[] = ['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'];

/** Stages a lifecycle hook can run at (DeploymentLifecycleHookStage). */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT'
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];
/** ECS runs these stages itself while shifting traffic: a PAUSE hook cannot hold them. */
const NO_PAUSE_STAGES: HookStage[] = ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'];

export interface LifecycleHook {
  targetType: 'AWS_LAMBDA' | 'PAUSE';
  hookTargetArn?: string;
  lifecycleStages: HookStage[];
  timeoutMinutes: number;
  timeoutAction: 'CONTINUE' | 'ROLLBACK';
  hookDetails?: unknown;
}

export interface CircuitBreakerConfig {
  enable: boolean;
  rollback: boolean;
  resetOnHealthyTask?: boolean;
  thresholdConfiguration?: { type: 'BOUNDED_PERCENT' | 'COUNT' | 'UNBOUNDED_PERCENT'; value: number };
}

export type DeploymentConfig = {
  deploymentCircuitBreaker: CircuitBreakerConfig;
  maximumPercent: number;
  minimumHealthyPercent: number;
} & Json;

const DEFAULTS = {
  stepPercent: 10,
  stepBakeTimeInMinutes: 6,
  canaryPercent: 5,
  canaryBakeTimeInMinutes: 10,
  hookTimeoutInMinutes: 1440,
  hookTimeoutAction: 'ROLLBACK' as const
};

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/;
const LISTENER_OR_RULE_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener(-rule)?\/(app|net)\/[^/]+\/[0-9a-f]+\/[0-9a-f]+(\/[0-9a-f]+)?$/;

/**
 * The configuration after a CreateService (no base) or UpdateService (merged over the stored one,
 * member by member, as ECS does), validated.
 */
export function deploymentConfiguration(input: unknown, base?: DeploymentConfig): DeploymentConfig {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input)))
    throw invalidParameter('deploymentConfiguration must be an object.');
  const given = (input ?? {}) as Json;
  const breakerIn = given.deploymentCircuitBreaker as Json | undefined;
  if (breakerIn && (typeof breakerIn.enable !== 'boolean' || typeof breakerIn.rollback !== 'boolean')) {
    throw invalidParameter('deploymentCircuitBreaker requires both enable and rollback to be set.');
  }
  const breaker = {
    ...(base?.deploymentCircuitBreaker ?? { enable: false, rollback: false }),
    ...(breakerIn ?? {})
  } as CircuitBreakerConfig;
  checkThreshold(breaker.thresholdConfiguration);
  const config: DeploymentConfig = {
    ...(base ?? {}),
    ...given,
    deploymentCircuitBreaker: breaker,
    maximumPercent: (given.maximumPercent as number | undefined) ?? base?.maximumPercent ?? 200,
    minimumHealthyPercent:
      (given.minimumHealthyPercent as number | undefined) ?? base?.minimumHealthyPercent ?? 100
  };
  if (
    !Number.isInteger(config.maximumPercent) ||
    config.maximumPercent < 100 ||
    config.maximumPercent > 2000
  ) {
    throw invalidParameter('The maximumPercent must be an integer between 100 and 2000.');
  }
  if (
    !Number.isInteger(config.minimumHealthyPercent) ||
    config.minimumHealthyPercent < 0 ||
    config.minimumHealthyPercent > 100
  ) {
    throw invalidParameter('The minimumHealthyPercent must be an integer between 0 and 100.');
  }
  checkStrategy(config, given);
  return config;
}

function checkThreshold(threshold: CircuitBreakerConfig['thresholdConfiguration']): void {
  if (threshold === undefined) return;
  if (!['BOUNDED_PERCENT', 'COUNT', 'UNBOUNDED_PERCENT'].includes(threshold?.type as string))
    throw invalidParameter(
      'thresholdConfiguration.type must be one of BOUNDED_PERCENT, COUNT, UNBOUNDED_PERCENT.'
    );
  if (!Number.isInteger(threshold.value) || threshold.value < 1)
    throw invalidParameter('thresholdConfiguration.value must be a positive integer.');
}

function checkStrategy(config: DeploymentConfig, given: Json): void {
  const strategy = (config.strategy ?? 'ROLLING') as Strategy;
  if (!STRATEGIES.includes(strategy))
    throw invalidParameter(
      `Invalid deployment strategy ${JSON.stringify(config.strategy)}. Valid values: ${STRATEGIES.join(', ')}.`
    );
  const bake = config.bakeTimeInMinutes;
  if (strategy === 'BLUE_GREEN' && bake === undefined)
    throw invalidParameter('bakeTimeInMinutes must be specified for the BLUE_GREEN deployment strategy.');
  if (bake !== undefined) minutes('bakeTimeInMinutes', bake, 0, 1440);
  if (given.linearConfiguration !== undefined && strategy !== 'LINEAR')
    throw invalidParameter('linearConfiguration is only valid with the LINEAR deployment strategy.');
  if (given.canaryConfiguration !== undefined && strategy !== 'CANARY')
    throw invalidParameter('canaryConfiguration is only valid with the CANARY deployment strategy.');
  if (strategy === 'LINEAR') {
    const linear = (config.linearConfiguration ?? {}) as Json;
    if (linear.stepPercent !== undefined) percent('linearConfiguration.stepPercent', linear.stepPercent, 3);
    if (linear.stepBakeTimeInMinutes !== undefined)
      minutes('linearConfiguration.stepBakeTimeInMinutes', linear.stepBakeTimeInMinutes, 0, 1440);
  }
  if (strategy === 'CANARY') {
    const canary = (config.canaryConfiguration ?? {}) as Json;
    if (canary.canaryPercent !== undefined)
      percent('canaryConfiguration.canaryPercent', canary.canaryPercent, 0.1);
    if (canary.canaryBakeTimeInMinutes !== undefined)
      minutes('canaryConfiguration.canaryBakeTimeInMinutes', canary.canaryBakeTimeInMinutes, 0, 1440);
  }
  if (config.lifecycleHooks !== undefined) {
    if (!Array.isArray(config.lifecycleHooks))
      throw invalidParameter('lifecycleHooks must be a list of DeploymentLifecycleHook.');
    if (strategy === 'ROLLING' && config.lifecycleHooks.length > 0)
      throw invalidParameter(
        'lifecycleHooks are only supported with the BLUE_GREEN, LINEAR and CANARY deployment strategies.'
      );
    config.lifecycleHooks.forEach((hook, i) => lifecycleHook(hook, i));
  }
  if (config.alarms !== undefined) {
    const alarms = config.alarms as Json;
    if (
      typeof alarms !== 'object' ||
      typeof alarms.enable !== 'boolean' ||
      typeof alarms.rollback !== 'boolean' ||
      !Array.isArray(alarms.alarmNames)
    )
      throw invalidParameter('alarms requires alarmNames, enable and rollback to be set.');
    if (alarms.alarmNames.some(n => typeof n !== 'string' || n === ''))
      throw invalidParameter('alarms.alarmNames must be alarm names.');
    if (alarms.enable && alarms.alarmNames.length === 0)
      throw invalidParameter('alarms.alarmNames can not be empty when alarms are enabled.');
  }
  if (
    config.earlySuccessCriteria !== undefined &&
    (config.earlySuccessCriteria as Json)?.enable &&
    strategy !== 'ROLLING'
  )
    throw invalidParameter('earlySuccessCriteria is only supported with the ROLLING deployment strategy.');
}

function minutes(name: string, value: unknown, min: number, max: number): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    throw invalidParameter(`${name} must be an integer between ${min} and ${max}.`);
}

function percent(name: string, value: unknown, min: number): void {
  const v = value as number;
  const tenths = Math.round(v * 10);
  if (typeof value !== 'number' || v < min || v > 100 || Math.abs(tenths - v * 10) > 1e-6)
    throw invalidParameter(`${name} must be a multiple of 0.1 between ${min} and 100.`);
}

function lifecycleHook(value: unknown, i: number): void {
  const hook = value as Json;
  const at = `lifecycleHooks[${i}]`;
  if (!hook || typeof hook !== 'object') throw invalidParameter(`${at} must be a DeploymentLifecycleHook.`);
  const type = hook.targetType ?? 'AWS_LAMBDA';
  if (type !== 'AWS_LAMBDA' && type !== 'PAUSE')
    throw invalidParameter(`${at}.targetType must be AWS_LAMBDA or PAUSE.`);
  if (type === 'AWS_LAMBDA') {
    if (typeof hook.hookTargetArn !== 'string' || !LAMBDA_ARN.test(hook.hookTargetArn))
      throw invalidParameter(`${at}.hookTargetArn must be a Lambda function ARN for an AWS_LAMBDA hook.`);
    if (typeof hook.roleArn !== 'string' || !ROLE_ARN.test(hook.roleArn))
      throw invalidParameter(`${at}.roleArn must be an IAM role ARN for an AWS_LAMBDA hook.`);
  } else if (hook.hookTargetArn !== undefined) {
    throw invalidParameter(`${at}.hookTargetArn is not applicable for a PAUSE hook.`);
  }
  const stages = hook.lifecycleStages;
  if (!Array.isArray(stages) || stages.length === 0)
    throw invalidParameter(`${at}.lifecycleStages can not be empty.`);
  for (const stage of stages) {
    if (!HOOK_STAGES.includes(stage as HookStage))
      throw invalidParameter(
        `${at}.lifecycleStages: invalid stage ${JSON.stringify(stage)}. Valid values: ${HOOK_STAGES.join(', ')}.`
      );
    if (type === 'PAUSE' && NO_PAUSE_STAGES.includes(stage as HookStage))
      throw invalidParameter(`PAUSE lifecycle hooks are not supported for the ${stage} lifecycle stage.`);
  }
  const timeout = hook.timeoutConfiguration as Json | undefined;
  if (timeout !== undefined) {
    if (timeout.timeoutInMinutes !== undefined)
      minutes(`${at}.timeoutConfiguration.timeoutInMinutes`, timeout.timeoutInMinutes, 1, 20160);
    if (timeout.action !== undefined && timeout.action !== 'CONTINUE' && timeout.action !== 'ROLLBACK')
      throw invalidParameter(`${at}.timeoutConfiguration.action must be CONTINUE or ROLLBACK.`);
  }
}

/** `deploymentController.type` (absent = ECS); the strategies belong to the ECS controller. */
export function checkController(controller: unknown, config: DeploymentConfig): void {
  if (controller === undefined || controller === null) return;
  const type = (controller as Json).type;
  if (!['ECS', 'CODE_DEPLOY', 'EXTERNAL'].includes(type as string))
    throw invalidParameter('deploymentController.type must be ECS, CODE_DEPLOY or EXTERNAL.');
  if (type !== 'ECS' && strategyOf(config) !== 'ROLLING')
    throw invalidParameter(
      `The ${String(config.strategy)} deployment strategy is only supported with the ECS deployment controller.`
    );
}

/**
 * `loadBalancers` under a strategy that shifts traffic: ECS needs, for each target group, the
 * alternate target group, the production listener (rule) and the role it may call ELB with. Without
 * load balancers a blue/green deployment runs headless (no managed traffic).
 */
export function checkLoadBalancers(loadBalancers: unknown, config: DeploymentConfig): void {
  if (loadBalancers === undefined || loadBalancers === null) return;
  if (!Array.isArray(loadBalancers)) throw invalidParameter('loadBalancers must be a list of LoadBalancer.');
  const strategy = strategyOf(config);
  loadBalancers.forEach((value, i) => {
    const lb = value as Json;
    const at = `loadBalancers[${i}]`;
    if (!lb || typeof lb !== 'object') throw invalidParameter(`${at} must be a LoadBalancer.`);
    if (lb.targetGroupArn !== undefined && !TARGET_GROUP_ARN.test(String(lb.targetGroupArn)))
      throw invalidParameter(
        `${at}.targetGroupArn is not a valid target group ARN: ${String(lb.targetGroupArn)}`
      );
    const advanced = lb.advancedConfiguration as Json | undefined;
    if (strategy === 'ROLLING') return; // accepted and echoed; only a traffic-shifting strategy uses it
    if (lb.loadBalancerName !== undefined)
      throw invalidParameter(
        `Classic Load Balancers are not supported with the ${strategy} deployment strategy (${at}).`
      );
    if (!advanced)
      throw invalidParameter(
        `${at}.advancedConfiguration is required with the ${strategy} deployment strategy: ` +
          'give alternateTargetGroupArn, productionListenerRule and roleArn.'
      );
    for (const key of ['alternateTargetGroupArn', 'productionListenerRule', 'roleArn'])
      if (typeof advanced[key] !== 'string' || advanced[key] === '')
        throw invalidParameter(
          `${at}.advancedConfiguration.${key} is required with the ${strategy} strategy.`
        );
    if (!TARGET_GROUP_ARN.test(String(advanced.alternateTargetGroupArn)))
      throw invalidParameter(
        `${at}.advancedConfiguration.alternateTargetGroupArn is not a valid target group ARN.`
      );
    if (advanced.alternateTargetGroupArn === lb.targetGroupArn)
      throw invalidParameter(
        `${at}.advancedConfiguration.alternateTargetGroupArn must differ from targetGroupArn.`
      );
    for (const key of ['productionListenerRule', 'testListenerRule'])
      if (advanced[key] !== undefined && !LISTENER_OR_RULE_ARN.test(String(advanced[key])))
        throw invalidParameter(
          `${at}.advancedConfiguration.${key} must be an ALB listener rule ARN or an NLB listener ARN.`
        );
    if (!ROLE_ARN.test(String(advanced.roleArn)))
      throw invalidParameter(`${at}.advancedConfiguration.roleArn is not a valid IAM role ARN.`);
  });
}

export function strategyOf(config: DeploymentConfig): Strategy {
  return (config.strategy as Strategy | undefined) ?? 'ROLLING';
}

/** Production traffic weights of the target revision, one per shift step (last = 100). */
export function productionSteps(config: DeploymentConfig): { weight: number; bakeSeconds: number }[] {
  const strategy = strategyOf(config);
  if (strategy === 'LINEAR') {
    const linear = (config.linearConfiguration ?? {}) as Json;
    const step = (linear.stepPercent as number | undefined) ?? DEFAULTS.stepPercent;
    const bake =
      ((linear.stepBakeTimeInMinutes as number | undefined) ?? DEFAULTS.stepBakeTimeInMinutes) * 60;
    const steps: { weight: number; bakeSeconds: number }[] = [];
    for (let k = 1; ; k++) {
      const weight = Math.min(100, Math.round(k * step * 10) / 10);
      steps.push({ weight, bakeSeconds: weight < 100 ? bake : 0 });
      if (weight >= 100) return steps;
    }
  }
  if (strategy === 'CANARY') {
    const canary = (config.canaryConfiguration ?? {}) as Json;
    const weight = (canary.canaryPercent as number | undefined) ?? DEFAULTS.canaryPercent;
    const bake =
      ((canary.canaryBakeTimeInMinutes as number | undefined) ?? DEFAULTS.canaryBakeTimeInMinutes) * 60;
    return weight >= 100
      ? [{ weight: 100, bakeSeconds: 0 }]
      : [
          { weight, bakeSeconds: bake },
          { weight: 100, bakeSeconds: 0 }
        ];
  }
  return [{ weight: 100, bakeSeconds: 0 }];
}

export function bakeSeconds(config: DeploymentConfig): number {
  return ((config.bakeTimeInMinutes as number | undefined) ?? 0) * 60;
}

export function lifecycleHooks(config: DeploymentConfig): LifecycleHook[] {
  return ((config.lifecycleHooks as Json[] | undefined) ?? []).map(hook => {
    const timeout = (hook.timeoutConfiguration ?? {}) as Json;
    return {
      targetType: (hook.targetType as LifecycleHook['targetType'] | undefined) ?? 'AWS_LAMBDA',
      hookTargetArn: hook.hookTargetArn as string | undefined,
      lifecycleStages: hook.lifecycleStages as HookStage[],
      timeoutMinutes: (timeout.timeoutInMinutes as number | undefined) ?? DEFAULTS.hookTimeoutInMinutes,
      timeoutAction:
        (timeout.action as LifecycleHook['timeoutAction'] | undefined) ?? DEFAULTS.hookTimeoutAction,
      hookDetails: hook.hookDetails
    };
  });
}

export function alarmsOf(config: DeploymentConfig): { names: string[]; rollback: boolean } | undefined {
  const alarms = config.alarms as { alarmNames: string[]; enable: boolean; rollback: boolean } | undefined;
  return alarms?.enable ? { names: alarms.alarmNames, rollback: alarms.rollback } : undefined;
}

/**
 * The circuit breaker's failure threshold. Default (BOUNDED_PERCENT 50): 50% of the desired count, at
 * least 3, at most 200; COUNT: the value itself; UNBOUNDED_PERCENT: the percentage, at least 1.
 */
export function circuitBreakerThreshold(desiredCount: number, breaker?: CircuitBreakerConfig): number {
  const threshold = breaker?.thresholdConfiguration;
  if (threshold?.type === 'COUNT') return threshold.value;
  const value = threshold?.value ?? 50;
  const raw = Math.ceil((value / 100) * desiredCount);
  if (threshold?.type === 'UNBOUNDED_PERCENT') return Math.max(1, raw);
  return Math.min(200, Math.max(3, raw));
}
