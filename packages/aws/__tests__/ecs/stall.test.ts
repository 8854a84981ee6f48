import { describe, expect, it } from '@jest/globals';
import { stallLines } from '../../src/ecs/stall.js';

describe('stallLines', () => {
  it('says running vs desired, each deployment and the newest events, oldest of them first', () => {
    const events = Array.from({ length: 8 }, (_, index) => ({
      id: `e${index}`,
      createdAt: new Date(Date.UTC(2026, 11, 2, 12, 0, 8 - index)),
      message: `(service backend-service) event ${8 - index}`
    }));
    const lines = stallLines('backend-service', {
      runningCount: 2,
      desiredCount: 2,
      pendingCount: 2,
      deployments: [
        {
          id: 'ecs-svc/2',
          status: 'PRIMARY',
          taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:2',
          runningCount: 0,
          desiredCount: 2,
          pendingCount: 2,
          rolloutState: 'IN_PROGRESS'
        },
        {
          id: 'ecs-svc/1',
          status: 'ACTIVE',
          taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:1',
          runningCount: 2,
          desiredCount: 2,
          pendingCount: 0,
          failedTasks: 1,
          rolloutState: 'COMPLETED'
        }
      ],
      events
    });
    expect(lines).toEqual([
      'backend-service: 2/2 running, 2 pending',
      '  deployment ecs-svc/2 PRIMARY on docuthinker-backend:2: 0/2 running, 2 pending, rollout IN_PROGRESS',
      '  deployment ecs-svc/1 ACTIVE on docuthinker-backend:1: 2/2 running, 0 pending, 1 failed tasks, rollout COMPLETED',
      '  last service events:',
      '    2026-12-02T12:00:04.000Z (service backend-service) event 4',
      '    2026-12-02T12:00:05.000Z (service backend-service) event 5',
      '    2026-12-02T12:00:06.000Z (service backend-service) event 6',
      '    2026-12-02T12:00:07.000Z (service backend-service) event 7',
      '    2026-12-02T12:00:08.000Z (service backend-service) event 8'
    ]);
    expect(stallLines('ai-ml-service', undefined)).toEqual(['ai-ml-service: not described yet']);
  });
});
