import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import type { RunningSimulator } from '@deploy-suite/sim';
import { Inputs } from '@deploy-suite/core';
import { RUNNER_SECRETS, assertNoSecretLeaks, objectInputReader } from '@deploy-suite/testing';
import {
  APPLICATION,
  ENVIRONMENT,
  NEW_LABEL,
  RUN,
  beanstalkClient,
  deployOnSim,
  frozenSim,
  image,
  seedChatRelay
} from '@deploy-suite/testing/worlds/deploy-beanstalk';
import { readDeployBeanstalkInputs } from '../src/inputs.js';
import { renderSummary } from '../src/summary.js';

/**
 * What a failed ChatRelay deploy shows besides its events (simulator, simulated time): the health causes
 * Beanstalk gives (`eb health`) while waiting and on failure, and the tail of the instance's logs
 * (`eb logs`), in the step log and in the job summary; secrets in the app's lines masked; a refused
 * RetrieveEnvironmentInfo is a warning and the deploy is judged as before.
 */
let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
  await seedChatRelay(sim);
});
afterEach(async () => {
  await sim.close();
});

const SECRET = 'sk-live-diag-0123456789abcdef';
const APP_LOG = [
  'ChatRelay agent-service starting on port 8090',
  'Error: connect ECONNREFUSED 10.0.2.41:6379',
  '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)'
];
const crashInputs = {
  dockerrun: 'chatrelay/Dockerrun.aws.json',
  images: `main-app=${image('main-app', '1.5.0')}\nagent-service=${image('agent-service', '1.5.0')}`
};

function summaryOf(inputs: Record<string, string>, result: Parameters<typeof renderSummary>[1]): string {
  const config = readDeployBeanstalkInputs(
    new Inputs(
      objectInputReader({ 'application-name': APPLICATION, 'environment-name': ENVIRONMENT, ...inputs })
    ),
    RUN
  );
  return renderSummary(config, result, 'us-east-1');
}

describe('deploy-beanstalk diagnostics on the simulator', () => {
  it("a crashing agent-service: Beanstalk's causes and its tail log line in the step log and the summary", async () => {
    sim.control.images({ image: image('agent-service', '1.5.0'), behavior: 'crash', logs: APP_LOG });
    const { result, logger } = await deployOnSim(sim, crashInputs);
    expect(result.status).toBe('rolled-back');
    const text = logger.text();
    // while waiting: the deploying cause, printed once although every poll of the deploy reads it
    const deploying = text.slice(0, text.indexOf('Deploy of a1b2c3d-9876543210-1 to chatrelay-prod failed'));
    expect(deploying.match(/cause: Application update in progress on 1 instance\./g)).toHaveLength(1);
    // on failure: the environment's and the instance's causes
    expect(text).toMatch(/Health of chatrelay-prod: Severe \(Red\); instances: 1 Severe/);
    expect(text).toContain('  cause: Command failed on all instances.');
    expect(text).toMatch(
      /i-0[0-9a-f]{16} \(Severe\): ECS task stopped due to: Essential container in task exited\. \(agent-service: exit code 1\)/
    );
    // the tail, as eb logs shows it
    expect(text).toMatch(/--- \/var\/log\/containers\/agent-service-stdouterr\.log:/);
    expect(text).toContain('  Error: connect ECONNREFUSED 10.0.2.41:6379');
    expect(text).toMatch(
      /--- \/var\/log\/eb-engine\.log:\n.*\[ERROR\] An error occurred during execution of command \[app-deploy\]/
    );
    // never the presigned URL (it carries a signature)
    expect(text).not.toMatch(/X-Amz-Signature|TailLogs-\d+\.out/);
    // read before the rollback, which still happened and arrived
    expect(result.rollback).toMatchObject({ ok: true });

    const summary = summaryOf(crashInputs, result);
    expect(summary).toMatch(/#### What Beanstalk says/);
    expect(summary).toContain('- cause: Command failed on all instances.');
    expect(summary).toMatch(
      /Log `\/var\/log\/containers\/agent-service-stdouterr\.log` on `i-0[0-9a-f]{16}`:\n\n```text\n[^`]*Error: connect ECONNREFUSED 10\.0\.2\.41:6379/
    );
    expect(summary).not.toMatch(/X-Amz-Signature/);
  });

  it("masks a planted secret the app prints (an environment value, a runner token, a URL's password)", async () => {
    const leaky = [
      `Loaded OPENAI_API_KEY=${SECRET}`,
      `runtime token ${RUNNER_SECRETS.ACTIONS_RUNTIME_TOKEN}`,
      'Redis: redis://chatrelay:hunter2-planted-pw@10.0.2.41:6379',
      '::add-mask::nothing'
    ];
    sim.control.images({ image: image('agent-service', '1.5.0'), behavior: 'crash', logs: leaky });
    const inputs = {
      ...crashInputs,
      'environment-variables': `NODE_ENV=production\nOPENAI_API_KEY=${SECRET}`
    };
    const saved = process.env.ACTIONS_RUNTIME_TOKEN;
    process.env.ACTIONS_RUNTIME_TOKEN = RUNNER_SECRETS.ACTIONS_RUNTIME_TOKEN;
    try {
      const { result, logger } = await deployOnSim(sim, inputs);
      expect(result.status).toBe('rolled-back');
      const text = logger.text();
      expect(text).toContain('  Loaded OPENAI_API_KEY=***');
      expect(text).toContain('  Redis: redis://10.0.2.41:6379');
      expect(text).toContain('  : :add-mask::nothing');
      assertNoSecretLeaks(
        { log: text, summary: summaryOf(inputs, result), outputs: {}, state: {}, exportedEnv: {} },
        [SECRET, RUNNER_SECRETS.ACTIONS_RUNTIME_TOKEN, 'hunter2-planted-pw']
      );
    } finally {
      if (saved === undefined) delete process.env.ACTIONS_RUNTIME_TOKEN;
      else process.env.ACTIONS_RUNTIME_TOKEN = saved;
    }
  });

  it('without elasticbeanstalk:RetrieveEnvironmentInfo: a warning naming it, the deploy judged as before', async () => {
    sim.control.deny({ action: 'elasticbeanstalk:RetrieveEnvironmentInfo' });
    sim.control.images({ image: image('agent-service', '1.5.0'), behavior: 'crash', logs: APP_LOG });
    const { result, logger } = await deployOnSim(sim, { ...crashInputs, 'rollback-on-failure': 'false' });
    expect(result).toMatchObject({ status: 'failed', versionLabel: NEW_LABEL });
    expect(result.reason).toMatch(/Essential container in task exited/);
    expect(logger.messages('warning').join('\n')).toMatch(
      /Tail logs not shown: elasticbeanstalk:RetrieveEnvironmentInfo is not allowed/
    );
    expect(logger.text()).not.toContain('ECONNREFUSED');
    // nothing asked of Beanstalk that could not be read back
    expect(sim.control.calls()['ElasticBeanstalk.RequestEnvironmentInfo'] ?? 0).toBe(0);
    // the causes, which need another permission, are still there
    expect(result.diagnosis).toMatch(/Command failed on all instances\./);
  });

  it('without elasticbeanstalk:DescribeEnvironmentHealth: one warning naming it, the deploy judged as before', async () => {
    sim.control.deny({ action: 'elasticbeanstalk:DescribeEnvironmentHealth' });
    sim.control.images({ image: image('agent-service', '1.5.0'), behavior: 'crash', logs: APP_LOG });
    const { result, logger } = await deployOnSim(sim, crashInputs);
    expect(result).toMatchObject({ status: 'rolled-back', rollback: { ok: true } });
    const warnings = logger.messages('warning').filter(line => /DescribeEnvironmentHealth/.test(line));
    // one per watch (the deploy, the failure report, the rollback), never one per poll
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      /^Health causes not shown: elasticbeanstalk:DescribeEnvironmentHealth is not allowed/
    );
    // the tail logs need other permissions: still shown
    expect(logger.text()).toContain('  Error: connect ECONNREFUSED 10.0.2.41:6379');
  });

  it('log-lines: 0 reads no logs (the causes stay)', async () => {
    sim.control.images({ image: image('agent-service', '1.5.0'), behavior: 'crash', logs: APP_LOG });
    const { result, logger } = await deployOnSim(sim, { ...crashInputs, 'log-lines': '0' });
    expect(result.status).toBe('rolled-back');
    expect(logger.text()).not.toContain('ECONNREFUSED');
    expect(sim.control.calls()['ElasticBeanstalk.RequestEnvironmentInfo'] ?? 0).toBe(0);
    expect(logger.text()).toContain('  cause: Command failed on all instances.');
  });

  it('basic health: says once that causes are not available, and deploys', async () => {
    await beanstalkClient(sim).send(
      new UpdateEnvironmentCommand({
        EnvironmentName: ENVIRONMENT,
        OptionSettings: [
          {
            Namespace: 'aws:elasticbeanstalk:healthreporting:system',
            OptionName: 'SystemType',
            Value: 'basic'
          }
        ]
      })
    );
    sim.control.advance(30);
    const { result, logger } = await deployOnSim(sim, { dockerrun: 'chatrelay/Dockerrun.aws.json' });
    expect(result.status).toBe('deployed');
    expect(
      logger.text().match(/Health causes are not available: chatrelay-prod uses basic health/g)
    ).toHaveLength(1);
    expect(logger.messages('warning')).toEqual([]);
  });
});
