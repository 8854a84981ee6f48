/**
 * CodeDeploy's predefined deployment configurations for the ECS compute platform: how production
 * traffic moves from the original task set to the replacement one.
 */
import { createHash } from 'node:crypto';

export interface TrafficRouting {
  type: 'AllAtOnce' | 'TimeBasedCanary' | 'TimeBasedLinear';
  timeBasedCanary?: { canaryPercentage: number; canaryInterval: number };
  timeBasedLinear?: { linearPercentage: number; linearInterval: number };
}

export interface DeploymentConfig {
  name: string;
  id: string;
  computePlatform: 'ECS';
  trafficRoutingConfig: TrafficRouting;
  createTime: number;
}

const PREDEFINED: Record<string, TrafficRouting> = {
  'CodeDeployDefault.ECSAllAtOnce': { type: 'AllAtOnce' },
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': {
    type: 'TimeBasedLinear',
    timeBasedLinear: { linearPercentage: 10, linearInterval: 1 }
  },
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': {
    type: 'TimeBasedLinear',
    timeBasedLinear: { linearPercentage: 10, linearInterval: 3 }
  },
  'CodeDeployDefault.ECSCanary10Percent5Minutes': {
    type: 'TimeBasedCanary',
    timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 }
  },
  'CodeDeployDefault.ECSCanary10Percent15Minutes': {
    type: 'TimeBasedCanary',
    timeBasedCanary: { canaryPercentage: 10, canaryInterval: 15 }
  }
};

export const DEFAULT_ECS_CONFIG = 'CodeDeployDefault.ECSAllAtOnce';

/** The predefined ECS configurations, created "when the account was" (the simulator's start). */
export function predefinedConfigs(createTime: number): Map<string, DeploymentConfig> {
  return new Map(
    Object.entries(PREDEFINED).map(([name, trafficRoutingConfig]) => [
      name,
      { name, id: stableUuid(name), computePlatform: 'ECS', trafficRoutingConfig, createTime }
    ])
  );
}

/**
 * The production traffic steps of a configuration: [seconds after AllowTraffic starts, percent to the
 * replacement]. Linear 10 % every N minutes: 10 % at once, +10 % every N minutes, 100 % after 9N
 * minutes. Canary 10 % for N minutes: 10 % at once, 100 % after N minutes.
 */
export function trafficSteps(routing: TrafficRouting): [number, number][] {
  if (routing.type === 'TimeBasedCanary' && routing.timeBasedCanary) {
    const { canaryPercentage, canaryInterval } = routing.timeBasedCanary;
    return [
      [0, canaryPercentage],
      [canaryInterval * 60, 100]
    ];
  }
  if (routing.type === 'TimeBasedLinear' && routing.timeBasedLinear) {
    const { linearPercentage, linearInterval } = routing.timeBasedLinear;
    const steps: [number, number][] = [];
    for (let i = 0, weight = linearPercentage; ; i++, weight += linearPercentage) {
      steps.push([i * linearInterval * 60, Math.min(100, weight)]);
      if (weight >= 100) return steps;
    }
  }
  return [[0, 100]];
}

function stableUuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
