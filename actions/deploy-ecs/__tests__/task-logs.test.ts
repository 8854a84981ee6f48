import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RunningSimulator } from '@deploy-suite/sim';
import {
  AI_ML,
  BACKEND,
  aiMlImage,
  aiMlSeed,
  backendImage,
  backendSeed,
  deployOnSim,
  frozenSim,
  seedServices
} from '@deploy-suite/testing/worlds/deploy-ecs';
import { deploySummary } from '../src/summary.js';

/** DocuThinker's backend losing its MongoDB: the line a user would otherwise dig out of the console. */
const CRASH_LINES = ['Server starting on port 5000', 'Error: connect ECONNREFUSED 10.0.3.17:27017'];
const PLANTED = 'planted-jwt-secret-in-a-log-line-0007';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => {
  await sim.close();
});

describe('deploy-ecs: container logs of stopped tasks (simulator)', () => {
  it("prints a crashed task's app log in the step log and the summary, once for identical tasks", async () => {
    await seedServices(sim, [{ ...backendSeed, desiredCount: 4 }]);
    sim.control.images({ image: backendImage('v2'), behavior: 'crash', logs: CRASH_LINES });
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`
    });
    expect(result.status).toBe('rolled-back');
    const log = logger.text();
    expect(log).toMatch(/backend-service: logs of stopped task [0-9a-f]+/);
    expect(log).toMatch(/--- backend \(\/ecs\/docuthinker-backend ecs\/backend\/[0-9a-f]+\):/);
    expect(log).toContain('  Error: connect ECONNREFUSED 10.0.3.17:27017');
    // one block however many tasks crashed the same way
    expect(log.split('Error: connect ECONNREFUSED').length - 1).toBe(1);
    // the non-essential X-Ray sidecar is not read
    expect(log).not.toMatch(/--- xray-daemon/);
    const summary = deploySummary(result, 'docuthinker-cluster', 'us-east-1');
    expect(summary).toContain('#### Logs of stopped tasks');
    expect(summary).toMatch(
      /```+text\nServer starting on port 5000\nError: connect ECONNREFUSED 10\.0\.3\.17:27017\n```+/
    );
    expect(summary).toMatch(
      /\[CloudWatch Logs\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=us-east-1#logsV2:log-groups\/log-group\/\$252Fecs\$252Fdocuthinker-backend\/log-events\/ecs\$252Fbackend\$252F[0-9a-f]+\)/
    );
  });

  it('shows the log of a task that failed its health checks', async () => {
    await seedServices(sim, [aiMlSeed]);
    sim.control.images({
      image: aiMlImage('v2'),
      behavior: 'unhealthy',
      logs: ['Uvicorn running on http://0.0.0.0:8000', 'vector_db: connection refused (pinecone)']
    });
    const { result, logger } = await deployOnSim(sim, { service: AI_ML, images: `ai-ml=${aiMlImage('v2')}` });
    expect(result.status).toBe('rolled-back');
    expect(logger.text()).toMatch(/ai-ml-service: logs of stopped task/);
    expect(logger.text()).toContain('vector_db: connection refused (pinecone)');
    expect(result.logExcerpts).toContain('vector_db: connection refused (pinecone)');
  });

  it('masks a secret of the task definition that the app printed, in the log and the summary', async () => {
    await seedServices(sim, [backendSeed]);
    sim.control.images({
      image: backendImage('v2'),
      behavior: 'crash',
      logs: [`config: JWT_SECRET=${PLANTED}`, 'mongodb://app:planted-db-pass-0008@10.0.3.17:27017 refused']
    });
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`,
      'environment-variables': `backend.JWT_SECRET=${PLANTED}`
    });
    expect(result.status).toBe('rolled-back');
    const summary = deploySummary(result, 'docuthinker-cluster', 'us-east-1');
    for (const text of [logger.text(), summary]) {
      expect(text).toContain('config: JWT_SECRET=***');
      expect(text).not.toContain(PLANTED);
      expect(text).not.toContain('planted-db-pass-0008');
    }
  });

  it('without logs:GetLogEvents warns naming it, and still rolls back', async () => {
    await seedServices(sim, [backendSeed]);
    sim.control.images({ image: backendImage('v2'), behavior: 'crash', logs: CRASH_LINES });
    sim.control.deny({ action: 'logs:GetLogEvents' });
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`
    });
    expect(result.status).toBe('rolled-back');
    expect(result.services[0].result).toBe('rolled-back');
    expect(logger.messages('warning').join('\n')).toMatch(
      /Container logs not shown: logs:GetLogEvents is not allowed on log group \/ecs\/docuthinker-backend/
    );
    expect(logger.text()).not.toContain('ECONNREFUSED');
  });

  it('log-lines: 0 reads no logs', async () => {
    await seedServices(sim, [backendSeed]);
    sim.control.images({ image: backendImage('v2'), behavior: 'crash', logs: CRASH_LINES });
    const { result, logger } = await deployOnSim(sim, {
      service: BACKEND,
      images: `backend=${backendImage('v2')}`,
      'log-lines': '0'
    });
    expect(result.status).toBe('rolled-back');
    expect(logger.text()).not.toContain('ECONNREFUSED');
    expect(sim.control.calls()['CloudWatchLogs.GetLogEvents'] ?? 0).toBe(0);
  });

  it('at the deadline prints what is still pending and the last service events', async () => {
    await seedServices(sim, [backendSeed]);
    const { result, logger } = await deployOnSim(
      sim,
      { service: BACKEND, images: `backend=${backendImage('v2')}` },
      { waitMs: 20_000 }
    );
    expect(result.status).toBe('rolled-back');
    const log = logger.text();
    expect(log).toMatch(/The deployment ran out of time; still pending:/);
    expect(log).toMatch(/backend-service: \d+\/2 running, \d+ pending/);
    expect(log).toMatch(
      /deployment ecs-svc\/\S+ PRIMARY on docuthinker-backend:2: 0\/2 running, \d+ pending, rollout IN_PROGRESS/
    );
    expect(log).toMatch(/last service events:\n.*\(service backend-service\)/);
  });
});
