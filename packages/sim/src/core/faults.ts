import type { SimRandom } from './random.js';

/**
 * Faults on demand, per operation (`ECS.UpdateService`) or for every operation (`*`). Applied before
 * the handler runs: latency first, then throttling, then a 5xx. `times` limits a rule to the next N
 * calls it affects, which makes "throttled twice, then succeeds" deterministic.
 */
export interface FaultRule {
  operation: string;
  /** probability 0..1 that a call is throttled */
  throttle?: number;
  /** probability 0..1 that a call fails with 503 ServiceUnavailable */
  error5xx?: number;
  /** delay before answering, in real milliseconds */
  latencyMs?: number;
  /** apply to this many more matching calls, then remove the rule */
  times?: number;
}

export type FaultDecision = { kind: 'throttle' } | { kind: 'error5xx' } | { kind: 'none' };

export class Faults {
  private rules = new Map<string, FaultRule>();

  constructor(private readonly random: SimRandom) {}

  /** Sets the rule for an operation; a rule with no fault in it removes that operation's rule. */
  set(rule: FaultRule): FaultRule | undefined {
    if (
      !rule ||
      typeof rule.operation !== 'string' ||
      !/^(\*|[A-Za-z0-9]+\.[A-Za-z0-9]+)$/.test(rule.operation)
    ) {
      throw new Error(
        'faults: "operation" must be "<Service>.<Operation>" (e.g. "ECS.UpdateService") or "*"'
      );
    }
    for (const key of ['throttle', 'error5xx'] as const) {
      const p = rule[key];
      if (p !== undefined && (typeof p !== 'number' || p < 0 || p > 1)) {
        throw new Error(`faults: "${key}" must be a probability from 0 to 1, got ${JSON.stringify(p)}`);
      }
    }
    if (rule.latencyMs !== undefined && (typeof rule.latencyMs !== 'number' || rule.latencyMs < 0)) {
      throw new Error(`faults: "latencyMs" must be a number of milliseconds >= 0`);
    }
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
      throw new Error(`faults: "times" must be a whole number >= 1`);
    }
    if (!rule.throttle && !rule.error5xx && !rule.latencyMs) {
      this.rules.delete(rule.operation);
      return undefined;
    }
    const stored: FaultRule = { ...rule };
    this.rules.set(rule.operation, stored);
    return stored;
  }

  list(): FaultRule[] {
    return [...this.rules.values()];
  }

  clear(): void {
    this.rules.clear();
  }

  /** Real milliseconds to wait before answering `operation`. */
  latencyFor(operation: string): number {
    return Math.max(0, ...this.matching(operation).map(rule => rule.latencyMs ?? 0));
  }

  /** Rolls the dice for one call of `operation`. */
  decide(operation: string): FaultDecision {
    for (const rule of this.matching(operation)) {
      if (rule.throttle && this.random.next() < rule.throttle) {
        this.consume(rule);
        return { kind: 'throttle' };
      }
      if (rule.error5xx && this.random.next() < rule.error5xx) {
        this.consume(rule);
        return { kind: 'error5xx' };
      }
    }
    return { kind: 'none' };
  }

  private matching(operation: string): FaultRule[] {
    return [this.rules.get(operation), this.rules.get('*')].filter((rule): rule is FaultRule => !!rule);
  }

  private consume(rule: FaultRule): void {
    if (rule.times === undefined) return;
    rule.times -= 1;
    if (rule.times <= 0) this.rules.delete(rule.operation);
  }
}
