/**
 * GitHub's OIDC token, as far as an IAM trust policy sees it: the `sub` claim GitHub puts in a job's token
 * and whether a role's trust policy lets that subject call sts:AssumeRoleWithWebIdentity. The rehearsal
 * checks it where aws-actions/configure-aws-credentials would assume the role, so a pipeline whose job
 * AWS would refuse fails here, naming the subject and the policy, instead of on its first real push.
 */

export const OIDC_PROVIDER = 'token.actions.githubusercontent.com';
export const OIDC_AUDIENCE = 'sts.amazonaws.com';

/**
 * The default `sub` claim (no customized subject template):
 * - a job with an environment: `repo:<owner>/<repo>:environment:<name>`
 * - else on pull_request (and pull_request_target): `repo:<owner>/<repo>:pull_request`
 * - else: `repo:<owner>/<repo>:ref:<ref>` (refs/heads/main, refs/tags/v1.2.3)
 * A reusable workflow's job gets the caller's repository (the run's), not the suite's.
 */
export function oidcSubject(facts: {
  repository: string;
  eventName: string;
  ref: string;
  environment?: string;
}): string {
  const base = `repo:${facts.repository}`;
  if (facts.environment) return `${base}:environment:${facts.environment}`;
  if (facts.eventName === 'pull_request' || facts.eventName === 'pull_request_target') {
    return `${base}:pull_request`;
  }
  return `${base}:ref:${facts.ref}`;
}

export interface TrustPolicy {
  /** where the document comes from, for messages (e.g. examples/docuthinker/aws/trust-policy.json) */
  file: string;
  document: unknown;
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Principal?: { Federated?: string | string[] };
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** IAM's StringLike: `*` any run of characters, `?` one character, everything else literal. */
function like(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Does one statement's Condition hold for these claims? Unknown operators never hold (fail closed). */
function conditionsHold(condition: Statement['Condition'], claims: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const claim = key.startsWith(`${OIDC_PROVIDER}:`)
        ? claims[key.slice(OIDC_PROVIDER.length + 1)]
        : undefined;
      if (claim === undefined) return false;
      const values = list(expected);
      const match =
        operator === 'StringEquals'
          ? values.includes(claim)
          : operator === 'StringLike'
            ? values.some(pattern => like(pattern, claim))
            : false;
      if (!match) return false;
    }
  }
  return true;
}

/** The `sub` values a policy allows, for the message when it allows none of this job's. */
export function allowedSubjects(policy: TrustPolicy): string[] {
  return statements(policy).flatMap(statement =>
    Object.values(statement.Condition ?? {}).flatMap(keys => list(keys[`${OIDC_PROVIDER}:sub`]))
  );
}

function statements(policy: TrustPolicy): Statement[] {
  const document = policy.document as { Statement?: Statement | Statement[] } | null;
  const all = document?.Statement;
  return (Array.isArray(all) ? all : all ? [all] : []).filter(statement => {
    const actions = list(statement.Action);
    const federated = list(statement.Principal?.Federated);
    return (
      statement.Effect === 'Allow' &&
      actions.some(action => action === 'sts:AssumeRoleWithWebIdentity' || action === 'sts:*') &&
      federated.some(principal => principal.endsWith(`:oidc-provider/${OIDC_PROVIDER}`))
    );
  });
}

/** undefined when the policy allows the subject; else why not, naming the subject and the policy. */
export function trustPolicyDenial(
  policy: TrustPolicy,
  roleArn: string,
  claims: { sub: string; aud?: string }
): string | undefined {
  const all = { aud: OIDC_AUDIENCE, ...claims };
  // Allow statements for GitHub's provider only (a trust policy for OIDC roles has no Deny in practice)
  if (statements(policy).some(statement => conditionsHold(statement.Condition, all))) return undefined;
  const allowed = allowedSubjects(policy);
  return (
    `AWS would refuse AssumeRoleWithWebIdentity: the job's OIDC subject ${claims.sub} is not allowed by the ` +
    `trust policy ${policy.file} of ${roleArn} (it allows ${allowed.length ? allowed.join(', ') : 'no GitHub subject'}). ` +
    'Give the job the environment the policy names, use a role whose policy allows this subject, or add it to the policy'
  );
}
