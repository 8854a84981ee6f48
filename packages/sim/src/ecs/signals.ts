/**
 * What ECS deployments listen to outside ECS: CloudWatch alarm states and the answers of Lambda
 * lifecycle hooks. The simulator runs no CloudWatch and no Lambda; tests and rehearsals set both here:
 *
 *   POST /_sim/alarms {"name": "<alarm>", "state": "ALARM"|"OK"}     (GET lists the states)
 *   POST /_sim/hooks  {"targetArn": "<lambda arn>", "status": "SUCCEEDED"|"FAILED"|"IN_PROGRESS"}
 *                     (GET lists the answers and every invocation so far)
 *
 * An alarm nobody set is OK. A Lambda target nobody set answers SUCCEEDED.
 */
import { json, jsonBody, type HttpReply, type SimRequest } from '../core/http.js';
import type { SimRoute } from '../core/service.js';

export type AlarmState = 'ALARM' | 'OK';
export type HookAnswer = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

export interface HookInvocation {
  targetArn: string;
  lifecycleStage: string;
  serviceDeploymentArn: string;
  hookDetails?: unknown;
  /** simulated epoch seconds */
  at: number;
  answer: HookAnswer;
}

export class DeploymentSignals {
  private alarms = new Map<string, { state: AlarmState; updatedAt: number }>();
  private answers = new Map<string, HookAnswer>();
  readonly invocations: HookInvocation[] = [];
  /** called after an alarm changes state (the ECS world re-evaluates the deployments watching it) */
  onAlarmChange: (name: string, state: AlarmState) => void = () => {};

  constructor(private readonly nowMs: () => number) {}

  setAlarm(rule: { name?: unknown; state?: unknown }): { name: string; state: AlarmState } {
    if (typeof rule?.name !== 'string' || rule.name === '')
      throw new Error('alarms: "name" must be a CloudWatch alarm name, e.g. docuthinker-backend-5xx');
    if (rule.state !== 'ALARM' && rule.state !== 'OK')
      throw new Error(`alarms: "state" must be "ALARM" or "OK", got ${JSON.stringify(rule.state)}`);
    this.alarms.set(rule.name, { state: rule.state, updatedAt: this.nowMs() });
    this.onAlarmChange(rule.name, rule.state);
    return { name: rule.name, state: rule.state };
  }

  alarmState(name: string): AlarmState {
    return this.alarms.get(name)?.state ?? 'OK';
  }

  setHookAnswer(rule: { targetArn?: unknown; status?: unknown }): { targetArn: string; status: HookAnswer } {
    if (typeof rule?.targetArn !== 'string' || !rule.targetArn.startsWith('arn:'))
      throw new Error('hooks: "targetArn" must be the Lambda function ARN of a lifecycle hook');
    const status = rule.status ?? 'SUCCEEDED';
    if (status !== 'SUCCEEDED' && status !== 'FAILED' && status !== 'IN_PROGRESS')
      throw new Error(
        `hooks: "status" must be "SUCCEEDED", "FAILED" or "IN_PROGRESS", got ${JSON.stringify(status)}`
      );
    this.answers.set(rule.targetArn, status);
    return { targetArn: rule.targetArn, status };
  }

  /** One Lambda invocation: what the function answers, recorded for inspection. */
  invoke(call: Omit<HookInvocation, 'answer' | 'at'>): HookAnswer {
    const answer = this.answers.get(call.targetArn) ?? 'SUCCEEDED';
    this.invocations.push({ ...call, at: this.nowMs() / 1000, answer });
    return answer;
  }

  reset(): void {
    this.alarms.clear();
    this.answers.clear();
    this.invocations.length = 0;
  }

  routes(): SimRoute[] {
    const handle =
      (get: () => unknown, post: (input: Record<string, unknown>) => unknown) =>
      (req: SimRequest): HttpReply | undefined => {
        if (!/^\/_sim\/(alarms|hooks)\/?$/.test(req.path)) return undefined;
        if (req.method === 'GET') return json(200, get());
        if (req.method !== 'POST') return undefined;
        const body = jsonBody(req);
        if (!body || typeof body !== 'object')
          return json(400, { message: 'the body must be a JSON object' });
        try {
          return json(200, post(body as Record<string, unknown>));
        } catch (error) {
          return json(400, { message: error instanceof Error ? error.message : String(error) });
        }
      };
    return [
      {
        prefix: '/_sim/alarms',
        handle: handle(
          () => ({
            alarms: [...this.alarms.entries()].map(([name, a]) => ({
              name,
              state: a.state,
              updatedAt: a.updatedAt / 1000
            }))
          }),
          input => this.setAlarm(input)
        )
      },
      {
        prefix: '/_sim/hooks',
        handle: handle(
          () => ({
            hooks: [...this.answers.entries()].map(([targetArn, status]) => ({ targetArn, status })),
            invocations: this.invocations
          }),
          input => this.setHookAnswer(input)
        )
      }
    ];
  }
}
