import { ActionError, endingStatus, endingSummary, realClock, type StepLedger } from '@deploy-suite/core';
import { actionInputs, coreLogger, runAction, setOutputs } from '@deploy-suite/core/runner';
import { readVerifyHealthInputs, redactor } from './inputs.js';
import { commentOnPullRequest } from './pr-comment.js';
import { httpProbe } from './probe.js';
import { buildReport, failureMessage, summaryMarkdown, type UrlReport } from './summary.js';
import { verifyAll } from './verify.js';

/**
 * Reads the inputs, probes, comments. Outputs and the job summary are written by the step's one exit
 * path however it ends: a bad input or a cancel reports `healthy=false` and says why.
 */
export async function run(): Promise<void> {
  await runAction(verify);
}

async function verify(step: StepLedger): Promise<void> {
  const logger = coreLogger;
  const known: { report?: UrlReport[]; settings?: { waitForMs: number; consecutiveSuccesses: number } } = {};
  step.report(ending => {
    const { report, settings } = known;
    if (!report || !settings) {
      return {
        outputs: { healthy: false, 'failed-urls': '', report: [] },
        summary: endingSummary('verify-health', ending)
      };
    }
    return {
      outputs: {
        healthy: endingStatus(ending) === undefined && report.every(entry => entry.healthy),
        'failed-urls': report
          .filter(entry => !entry.healthy)
          .map(entry => entry.url)
          .join('\n'),
        report
      },
      summary: summaryMarkdown(report, settings)
    };
  });
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
  known.report = report;
  known.settings = settings;
  const healthy = report.every(entry => entry.healthy);

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
