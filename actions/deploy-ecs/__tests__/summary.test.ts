import { describe, expect, it } from '@jest/globals';
import { deploySummary, failureMessage } from '../src/summary.js';
import type { DeployResult } from '../src/deploy.js';

const CLUSTER = 'tria-aibpo-staging-cluster';
const TASK = `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/0f2d1b3c4e5a6978`;
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/tria-aibpo-staging-task:8';

const result = (
  runTask: DeployResult['runTask'],
  status: DeployResult['status'],
  reason?: string
): DeployResult => ({
  status,
  reason,
  runTask,
  services: [
    {
      service: 'tria-aibpo-staging-service',
      previousTaskDefinitionArn:
        'arn:aws:ecs:us-east-1:123456789012:task-definition/tria-aibpo-staging-task:7',
      strategy: 'ROLLING',
      profile: 'ROLLING',
      result: status === 'deployed' ? 'deployed' : 'failed',
      reason: status === 'deployed' ? undefined : `not updated: ${reason}`,
      durationSeconds: 0,
      images: ['tria-aibpo-backend=123456789012.dkr.ecr.us-east-1.amazonaws.com/tria-aibpo-staging:1.2.0'],
      diff: []
    }
  ]
});

describe('the job summary of run-task', () => {
  it("shows the migration's result with a link to its task", () => {
    const summary = deploySummary(
      result(
        {
          state: 'succeeded',
          taskDefinitionArn: TD,
          taskArns: [TASK],
          tasks: [],
          reason: 'task 0f2d1b3c4e5a6978: tria-aibpo-backend exit 0',
          elapsedMs: 45_000
        },
        'deployed'
      ),
      CLUSTER,
      'us-east-1'
    );
    expect(summary).toContain(
      '**Run task before the deploy:** succeeded ([0f2d1b3c4e5a6978](https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/tria-aibpo-staging-cluster/tasks/0f2d1b3c4e5a6978/configuration?region=us-east-1)) — task 0f2d1b3c4e5a6978: tria-aibpo-backend exit 0'
    );
  });

  it('a failed migration fails the step, saying no service was updated', () => {
    const reason =
      'run-task failed: task 0f2d1b3c4e5a6978 failed: Essential container in task exited; tria-aibpo-backend exit 1; no service was updated; registered ' +
      TD +
      ' (left registered)';
    const failed = result(
      {
        state: 'failed',
        taskDefinitionArn: TD,
        taskArns: [TASK],
        tasks: [],
        reason: 'task 0f2d1b3c4e5a6978 failed: ...',
        elapsedMs: 1
      },
      'failed',
      reason
    );
    expect(failureMessage(failed)).toBe(`Deployment failed: ${reason}`);
    expect(deploySummary(failed, CLUSTER, 'us-east-1')).toMatch(/\*\*Run task before the deploy:\*\* FAILED/);
  });

  it('a dry run says nothing ran', () => {
    const planned = result(
      {
        state: 'planned',
        taskDefinitionArn: 'tria-aibpo-staging-task',
        taskArns: [],
        tasks: [],
        reason: 'dry-run: not run',
        elapsedMs: 0
      },
      'planned'
    );
    expect(deploySummary(planned, CLUSTER, 'us-east-1')).toContain(
      '**Run task before the deploy:** planned (dry run: not run) — dry-run: not run'
    );
  });
});
