/**
 * Secret discipline, in one place: what is worth masking, how URLs and free text lose their credentials,
 * how a change of a variable is described without its value, and which environment variables a
 * `${NAME}` placeholder may never read. Every action goes through these functions rather than its own.
 */

/**
 * Masking makes the runner replace a value with *** in every later log line, and the runner then refuses
 * to pass any job output that contains it. A short or common value (`6379`, `true`, `production`,
 * `us-east-1`) or a public one (a commit SHA, a digest, a URL without credentials, a host name or image
 * reference) would vanish from unrelated lines and outputs, and such values are no secrets anyway.
 * Values passed as `${{ secrets.X }}` are masked by the runner whatever their shape.
 */
const MIN_MASK_LENGTH = 16;
/** A name that says it holds a secret makes a shorter value worth masking (down to this length). */
const MIN_NAMED_SECRET_LENGTH = 6;
const SECRET_NAME =
  /(secret|passw(or)?d|passwd|token|api[-_]?key|private[-_]?key|credential|auth|dsn|signature)/i;
const PUBLIC_SHAPES = [
  /^[0-9a-f]{7,64}$/i, // commit SHAs and digests
  /^sha256:[0-9a-f]{64}$/i,
  /^[a-z][a-z0-9+.-]*:\/\/[^@\s]*$/i, // a URL without user-info
  /^[a-z0-9-]+(\.[a-z0-9-]+)+(:[\w.-]+)?(\/[\w./:@-]*)?$/, // host names, image references
  /^[a-z]+$/, // a word
  /\s/ // a sentence
];

/** True when masking `value` (of a variable called `name`, when known) is worth its cost to the log. */
export function worthMasking(value: string, name?: string): boolean {
  if (name && SECRET_NAME.test(name)) return value.length >= MIN_NAMED_SECRET_LENGTH;
  return value.length >= MIN_MASK_LENGTH && !PUBLIC_SHAPES.some(shape => shape.test(value));
}

/** Replaces every given secret in `text` with ***, longest first (one secret may contain another). */
export function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const ordered = [...new Set(secrets)]
    .filter(secret => secret.length > 0)
    .sort((a, b) => b.length - a.length);
  return text => ordered.reduce((current, secret) => current.split(secret).join('***'), text);
}

/**
 * Masks what may be secret in a line of application log read back from AWS (CloudWatch Logs, Beanstalk
 * tail logs): the given values, then URL user-info and query values. A line that would start a workflow
 * command (`::`) is broken so the runner shows it instead of obeying it. The one redactor of log text.
 */
export function logLineRedactor(secrets: readonly string[]): (line: string) => string {
  const known = secretRedactor(secrets);
  return line => redactUrlsIn(known(line)).replace(/^(\s*):(?=:)/, '$1: ');
}

/**
 * A URL as it may be printed: user-info removed, every query value replaced by *** (tokens travel in
 * query strings: `?token=...`, `?X-Amz-Signature=...`), the names kept so the reader knows which URL it is.
 * Text that is not a URL keeps its shape, with `//user:pass@` and `name=value` query parts redacted.
 */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (!url.username && !url.password && !url.search) return text;
    url.username = '';
    url.password = '';
    const query = url.search.slice(1);
    if (query) url.search = redactQuery(query);
    // URLSearchParams would percent-encode the *** back; write the query as it was redacted
    return url.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return redactUrlsIn(text);
  }
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map(part => {
      const at = part.indexOf('=');
      return at < 0 ? part : `${part.slice(0, at)}=***`;
    })
    .join('&');
}

/** Redacts user-info and query values of every URL found in free text (logs, error messages, bodies). */
export function redactUrlsIn(text: string): string {
  return text
    .replace(/(\/\/)[^/@\s'"<>]+@/g, '$1')
    .replace(
      /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?'"<>]*\?)([^\s#'"<>]*)/gi,
      (_, head: string, query: string) => head + redactQuery(query)
    );
}

/**
 * The values a URL's user-info turns into on the wire: the password, `user:password`, and the Basic
 * credentials Node derives from them. A server that echoes request headers echoes these.
 */
export function urlCredentialValues(url: URL): string[] {
  if (!url.username && !url.password) return [];
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  return [password, `${user}:${password}`, basic, `Basic ${basic}`].filter(value => value.length >= 3);
}

/** How one variable changed, said without its value unless `showValue` allows it. */
export type VariableChange = 'added' | 'changed' | 'removed';

export function describeVariableChange(
  label: string,
  change: VariableChange,
  before: string | undefined,
  after: string | undefined,
  showValue: boolean
): string {
  if (!showValue) return `${label} ${change}`;
  if (change === 'added') return `${label} added: ${JSON.stringify(after ?? '')}`;
  if (change === 'removed') return `${label} removed (was ${JSON.stringify(before ?? '')})`;
  return `${label} changed: ${JSON.stringify(before ?? '')} -> ${JSON.stringify(after ?? '')}`;
}

/**
 * Environment variables a `${NAME}` placeholder may never read: the runner's own (its tokens, the
 * inputs and state of every step), and credentials. `AWS_REGION`, `AWS_DEFAULT_REGION` and
 * `AWS_ACCOUNT_ID` are configuration, not credentials (task definitions name their account's ECR
 * registry and log group region with them), and stay allowed.
 */
const ALLOWED_DESPITE_PREFIX = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID']);
const REFUSED_PLACEHOLDERS: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /^AWS_/, what: 'an AWS credential or SDK setting' },
  { pattern: /^ACTIONS_/, what: "the runner's own token or URL" },
  { pattern: /^(GITHUB_TOKEN|GH_TOKEN|GITHUB_PAT)$/, what: 'a GitHub token' },
  { pattern: /^INPUT_/, what: "a step's input" },
  { pattern: /^STATE_/, what: "a step's saved state" },
  { pattern: /^RUNNER_/, what: "the runner's own setting" },
  {
    pattern: /^(GITHUB_OUTPUT|GITHUB_STATE|GITHUB_ENV|GITHUB_PATH|GITHUB_STEP_SUMMARY)$/,
    what: 'a runner file'
  },
  { pattern: /^(AZURE_|GOOGLE_APPLICATION_CREDENTIALS|NPM_TOKEN|NODE_AUTH_TOKEN)/, what: 'a credential' }
];

/** Why `${name}` may not be filled from the environment, or undefined when it may. */
export function refusedPlaceholder(name: string): string | undefined {
  if (ALLOWED_DESPITE_PREFIX.has(name)) return undefined;
  return REFUSED_PLACEHOLDERS.find(entry => entry.pattern.test(name))?.what;
}

/** The sentence every refused placeholder error ends with: how to pass a value on purpose. */
export const PLACEHOLDER_FIX =
  "Placeholders never read runner or credential variables. Put the value you mean in a variable of your own under the step's env: " +
  '(e.g. `APP_REGION: ${{ vars.APP_REGION }}`) and write ${APP_REGION}; pass secrets to containers through the task definition\'s "secrets" (valueFrom), never as placeholders';

/** Said instead of quoting a line of an input whose values may be secrets. */
export const NOT_SHOWN = '(the line is not shown: it may hold a secret)';
