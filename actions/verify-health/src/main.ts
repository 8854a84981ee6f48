import { ActionError, realClock } from '@deploy-suite/core';
import { actionInputs, appendSummary, coreLogger, runAction, setOutputs } from '@deploy-suite/core/runner';
import { readVerifyHealthInputs, redactor } from './inputs.js';
import { commentOnPullRequest } from './pr-comment.js';
import { httpProbe } from './probe.js';
import { buildReport, failureMessage, summaryMarkdown } from './summary.js';
import { verifyAll } from './verify.js';

export async function run(): Promise<void> {
  await runAction(async () => {
    const logger = coreLogger;
    const config = readVerifyHealthInputs(actionInputs(), secret => logger.mask(secret));
    const redact = redactor(config.secrets);
    const { settings } = config;

    const results = await logger.group(`Probing ${config.urls.length} endpoint(s)`, () =>
      verifyAll(config.urls, settings, {
        probe: httpProbe,
        clock: realClock,
        logger,
        env: process.env,
        redact
      })
    );
    const report = buildReport(results);
    const healthy = report.every(entry => entry.healthy);
    setOutputs({
      healthy,
      'failed-urls': report
        .filter(entry => !entry.healthy)
        .map(entry => entry.url)
        .join('\n'),
      report
    });
    await appendSummary(summaryMarkdown(report, settings));

    if (config.comment.enabled) {
      const comment = await commentOnPullRequest({
        report,
        tag: config.comment.tag,
        token: config.comment.token,
        env: process.env,
        logger
      });
      if (comment.outcome !== 'skipped') setOutputs({ 'comment-url': comment.url });
    }
    if (!healthy) throw new ActionError('deployment', failureMessage(report, settings.waitForMs));
  });
}
