/**
 * What ECS containers write to CloudWatch Logs: when a task starts, every container whose task
 * definition uses the `awslogs` log driver gets its stream `<awslogs-stream-prefix>/<container>/<task id>`
 * in `awslogs-group` (region `awslogs-region`, else the task's), holding the lines of its image rule's
 * `logs`, 1 ms apart from the moment the task started: what the app printed before it crashed, exited
 * or kept running. Nothing is added to them. Other log drivers, or none, write nothing readable.
 */
import type { SimContext } from '../core/service.js';
import type { LogsSimService } from '../logs/service.js';
import type { EcsState, Json, Task } from './model.js';
import { containersOf, resolve } from './task-definitions.js';

/** Where an awslogs container's stream is, or undefined for other log drivers. */
export function awslogsStreamOf(
  definition: Json,
  task: Pick<Task, 'id' | 'arn'>,
  runtimeId: string
): { region: string; group: string; stream: string } | undefined {
  const config = definition.logConfiguration as { logDriver?: unknown; options?: Json } | undefined;
  if (config?.logDriver !== 'awslogs') return undefined;
  const options = config.options ?? {};
  const group = typeof options['awslogs-group'] === 'string' ? options['awslogs-group'] : undefined;
  if (!group) return undefined;
  const region =
    typeof options['awslogs-region'] === 'string'
      ? options['awslogs-region']
      : (/^arn:aws[a-z-]*:ecs:([a-z0-9-]+):/.exec(task.arn)?.[1] ?? 'us-east-1');
  const prefix = options['awslogs-stream-prefix'];
  // without a prefix the awslogs driver names the stream after the Docker container id
  const stream =
    typeof prefix === 'string' && prefix !== ''
      ? `${prefix}/${String(definition.name)}/${task.id}`
      : runtimeId;
  return { region, group, stream };
}

/** Called when a task starts running: writes each awslogs container's lines. */
export function writeContainerLogs(ctx: SimContext, state: EcsState, task: Task): void {
  const logs = ctx.service<LogsSimService>('CloudWatchLogs');
  const td = resolve(state, task.taskDefinitionArn);
  if (!logs || !td) return;
  const startedAt = task.startedAt ?? ctx.clock.nowMs();
  for (const definition of containersOf(td)) {
    const container = task.containers.find(c => c.name === definition.name);
    if (!container) continue;
    const where = awslogsStreamOf(definition, task, container.runtimeId);
    if (!where) continue;
    const lines = ctx.images.ruleFor([container.image], commandOf(task, definition))?.logs ?? [];
    logs.write(
      where.region,
      where.group,
      where.stream,
      lines.map((message, i) => ({ timestamp: startedAt + i, message }))
    );
  }
}

/** The command a container started with: RunTask's override for it, else the task definition's. */
function commandOf(task: Task, definition: Json): string[] | undefined {
  const overrides = (task.overrides?.containerOverrides ?? []) as Json[];
  const command = overrides.find(o => o.name === definition.name)?.command ?? definition.command;
  return Array.isArray(command) ? command.map(String) : undefined;
}
