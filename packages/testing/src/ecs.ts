import type { Service, Task } from '@aws-sdk/client-ecs';
import type { EcsApi } from '@deploy-suite/aws/ecs';

/**
 * A plain fake of EcsApi for watcher tests: DescribeServices answers from a script (one world per poll,
 * the last one repeating), stopped tasks come from a map, and every call is recorded.
 */
export class ScriptedEcs implements EcsApi {
  readonly calls: Array<{ operation: string; input: unknown }> = [];
  private poll = 0;

  constructor(
    private readonly worlds: Array<Record<string, Service>>,
    private readonly stopped: (poll: number) => Task[] = () => []
  ) {}

  private record(operation: string, input: unknown): void {
    this.calls.push({ operation, input });
  }

  count(operation: string): number {
    return this.calls.filter(call => call.operation === operation).length;
  }

  async describeServices(input: { services?: string[] }) {
    this.record('DescribeServices', input);
    const world = this.worlds[Math.min(this.poll, this.worlds.length - 1)];
    const services = (input.services ?? []).filter(name => world[name]).map(name => world[name]);
    const failures = (input.services ?? [])
      .filter(name => !world[name])
      .map(name => ({ arn: name, reason: 'MISSING' }));
    return { services, failures };
  }

  /** Moves the script to the next world; the watcher calls DescribeServices once per batch per poll. */
  next(): void {
    this.poll++;
  }

  async listTasks(input: { startedBy?: string }) {
    this.record('ListTasks', input);
    return {
      taskArns: this.stopped(this.poll)
        .filter(task => task.startedBy === input.startedBy)
        .map(task => task.taskArn!)
    };
  }

  async describeTasks(input: { tasks?: string[] }) {
    this.record('DescribeTasks', input);
    return { tasks: this.stopped(this.poll).filter(task => input.tasks?.includes(task.taskArn!)) };
  }

  async describeTaskDefinition(input: unknown): Promise<never> {
    this.record('DescribeTaskDefinition', input);
    throw new Error('not scripted');
  }
  async registerTaskDefinition(input: unknown): Promise<never> {
    this.record('RegisterTaskDefinition', input);
    throw new Error('not scripted');
  }
  async updateService(input: unknown): Promise<never> {
    this.record('UpdateService', input);
    throw new Error('not scripted');
  }
  async tagResource(input: unknown) {
    this.record('TagResource', input);
    return {};
  }
  async listTagsForResource(input: unknown) {
    this.record('ListTagsForResource', input);
    return { tags: [] };
  }
  // A scripted world has no deployment history and no other revisions.
  async listServiceDeployments(input: unknown) {
    this.record('ListServiceDeployments', input);
    return { serviceDeployments: [] };
  }
  async describeServiceRevisions(input: unknown) {
    this.record('DescribeServiceRevisions', input);
    return { serviceRevisions: [] };
  }
  async listTaskDefinitions(input: unknown) {
    this.record('ListTaskDefinitions', input);
    return { taskDefinitionArns: [] };
  }
  // A scripted world predates service deployments: watches of it use the rolling view.
  async describeServiceDeployments(input: unknown): Promise<never> {
    this.record('DescribeServiceDeployments', input);
    throw new Error('not scripted');
  }
  async stopServiceDeployment(input: unknown): Promise<never> {
    this.record('StopServiceDeployment', input);
    throw new Error('not scripted');
  }
  async continueServiceDeployment(input: unknown): Promise<never> {
    this.record('ContinueServiceDeployment', input);
    throw new Error('not scripted');
  }
  async runTask(input: unknown): Promise<never> {
    this.record('RunTask', input);
    throw new Error('not scripted');
  }
  async stopTask(input: unknown): Promise<never> {
    this.record('StopTask', input);
    throw new Error('not scripted');
  }
}
