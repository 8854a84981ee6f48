import { ActionError, realClock } from './shared.js';
import { actionInputs, appendSummary, coreLogger, setOutputs } from '../../../packages/shared/src/runtime.js';
import { readVerifyHealthConfig, redactor } from './inputs.js';
import { commentOnPullRequest } from './pr-comment.js';
import { httpProbe } from './probe.js';
import { buildReport, failureMessage, summaryMarkdown } from './report.js';
import { verifyAll } from './verify.js';

export async function run(): Promise<void> {
  const logger = coreLogger;
  const config = readVerifyHealthConfig(actionInputs(), secret => logger.mask(secret));
  const redact = redactor(config.secrets);
  const { settings } = config;

  const results = await logger.group(`Probing ${config.urls.length} endpoint(s)`, () =>
    verifyAll(config.urls, settings, { probe: httpProbe, clock: realClock, logger, env: process.env, redact })
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
}
