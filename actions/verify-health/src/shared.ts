/**
 * The parts of packages/shared this action uses, imported module by module rather than through the
 * package index: the index also re-exports aws.ts, whose lazily loaded AWS SDK chunks would otherwise
 * ship in this action's dist/ (about 1 MB) although it never talks to AWS.
 */
export { ActionError, inputError } from '../../../packages/shared/src/errors.js';
export { formatDuration } from '../../../packages/shared/src/duration.js';
export type { Inputs } from '../../../packages/shared/src/inputs.js';
export { nextDelay, realClock, type Clock } from '../../../packages/shared/src/poll.js';
export { redactUrl } from '../../../packages/shared/src/net.js';
export type { Logger } from '../../../packages/shared/src/logger.js';
export { code, markdownLink, markdownTable } from '../../../packages/shared/src/report.js';
