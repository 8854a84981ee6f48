/**
 * The planted-secret scan every runner-contract test gets. The harness plants the runner's own secrets
 * (the OIDC request token, the runtime token) in the step's environment, a test adds the ones it planted
 * itself (a header value, an env value in AWS, a build arg), and after the step every place a secret
 * could reach is scanned: the log as the runner shows it (masks applied), the job summary (not masked
 * by the runner), every output, saved state and exported variable, and the post step's log.
 */

/** What a real runner puts in every step's environment that an action must never print or register. */
export const RUNNER_SECRETS: Record<string, string> = {
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'planted-oidc-request-token-7c1d0e9b42',
  ACTIONS_RUNTIME_TOKEN: 'planted-actions-runtime-token-5a8f3e21d6',
  ACTIONS_RESULTS_URL: 'https://results-receiver.planted.invalid/'
};

/** The secrets of RUNNER_SECRETS worth scanning for (the URL is no secret, only an address). */
export const RUNNER_SECRET_VALUES = [
  RUNNER_SECRETS.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
  RUNNER_SECRETS.ACTIONS_RUNTIME_TOKEN
];

export interface SecretLeak {
  /** `log`, `summary`, `output:<name>`, `state:<name>`, `env:<name>`, `post log` */
  where: string;
  /** the secret, shortened, so the failure says which one without printing it whole */
  secret: string;
}

export interface ScannedRun {
  log: string;
  summary: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  post?: { log: string };
}

function shorten(secret: string): string {
  return secret.length > 8 ? `${secret.slice(0, 4)}…${secret.slice(-2)}` : '…';
}

/** Every place of a finished run that shows one of `secrets`. */
export function findSecretLeaks(run: ScannedRun, secrets: readonly string[]): SecretLeak[] {
  const places: Array<[string, string]> = [
    ['log', run.log],
    ['summary', run.summary],
    ...Object.entries(run.outputs).map(([name, value]): [string, string] => [`output:${name}`, value]),
    ...Object.entries(run.state).map(([name, value]): [string, string] => [`state:${name}`, value]),
    ...Object.entries(run.exportedEnv).map(([name, value]): [string, string] => [`env:${name}`, value])
  ];
  if (run.post) places.push(['post log', run.post.log]);
  const leaks: SecretLeak[] = [];
  for (const secret of new Set(secrets)) {
    if (secret.length < 4) continue; // too short to tell a leak from a coincidence
    for (const [where, text] of places)
      if (text.includes(secret)) leaks.push({ where, secret: shorten(secret) });
  }
  return leaks;
}

/** Throws, naming each place, when the run leaked a planted secret. */
export function assertNoSecretLeaks(run: ScannedRun, secrets: readonly string[]): void {
  const leaks = findSecretLeaks(run, secrets);
  if (leaks.length > 0) {
    throw new Error(
      `Planted secret(s) leaked: ${leaks.map(leak => `${leak.secret} in ${leak.where}`).join(', ')}`
    );
  }
}
