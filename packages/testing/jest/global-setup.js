/**
 * Runs once before a test run (jest.config.js `globalSetup`), in the process that starts jest's workers, so
 * what it sets in the environment holds in every test file (and `os.tmpdir()` reads it there):
 *
 * - The AWS SDK prints a notice that this machine's Node is older than it recommends, once per test file.
 *   The actions run on the runner's Node 24, where it does not apply; the rehearsal silences it the same
 *   way. Only the test processes are told: the bundles the contract tests run get the runner's environment.
 * - Every temporary folder a test makes under `tmpdir()` lands in one folder for the run, which
 *   global-teardown.js removes: a test run leaves nothing behind in the system's temp folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default function globalSetup() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.DEPLOY_SUITE_SYSTEM_TMPDIR = tmpdir();
  process.env.TMPDIR = mkdtempSync(path.join(tmpdir(), 'deploy-suite-test-'));
}
