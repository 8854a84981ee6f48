/** Removes the run's temporary folder that global-setup.js made (jest.config.js `globalTeardown`). */
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const runTmp = process.env.TMPDIR;
  if (runTmp && process.env.DEPLOY_SUITE_SYSTEM_TMPDIR) {
    process.env.TMPDIR = process.env.DEPLOY_SUITE_SYSTEM_TMPDIR;
    rmSync(runTmp, { recursive: true, force: true });
  }
}
