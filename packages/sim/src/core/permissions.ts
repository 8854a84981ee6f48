/**
 * IAM denials on demand: `deny({action: 'logs:GetLogEvents'})` makes every call of that action answer
 * the access-denied error of its service, as AWS does when the caller's policy lacks the permission.
 * Actions are `<signing name>:<Operation>` (logs:GetLogEvents, ecr:DescribeImageScanFindings,
 * elasticbeanstalk:RetrieveEnvironmentInfo); `*` wildcards work as in IAM (`logs:*`, `logs:Get*`).
 * Everything is allowed unless denied.
 */
import { SimError } from './errors.js';
import type { AwsProtocolSpec } from './service.js';

export interface DenyRule {
  /** an IAM action pattern, e.g. logs:GetLogEvents, logs:*, * */
  action: string;
  /** true removes the denial of exactly this pattern again */
  allow?: boolean;
}

const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*]+)$/;

export class Permissions {
  private denied = new Set<string>();

  /** Adds (or with `allow: true` removes) a denial; returns the patterns now denied. */
  set(rule: DenyRule): string[] {
    if (!rule || typeof rule.action !== 'string' || !ACTION.test(rule.action)) {
      throw new Error(
        'deny: "action" must be an IAM action "<service>:<Operation>" (e.g. "logs:GetLogEvents", "logs:*") or "*"'
      );
    }
    if (rule.allow === true) this.denied.delete(rule.action);
    else this.denied.add(rule.action);
    return this.list();
  }

  list(): string[] {
    return [...this.denied].sort();
  }

  clear(): void {
    this.denied.clear();
  }

  /** Whether `action` (e.g. logs:GetLogEvents) is denied; IAM matches actions case-insensitively. */
  isDenied(action: string): boolean {
    return [...this.denied].some(pattern => wildcard(pattern).test(action));
  }
}

function wildcard(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** Who the caller is: temporary keys (ASIA..., e.g. from OIDC) belong to an assumed role, others to a user. */
export function callerArn(accountId: string, accessKeyId: string): string {
  return accessKeyId.startsWith('ASIA')
    ? `arn:aws:sts::${accountId}:assumed-role/deploy-suite-sim/github-actions`
    : `arn:aws:iam::${accountId}:user/deploy-suite-sim`;
}

/**
 * The error AWS answers a denied call with: JSON services `AccessDeniedException` (HTTP 400), Query and
 * REST-XML services `AccessDenied` (HTTP 403), with IAM's wording.
 */
export function accessDenied(spec: AwsProtocolSpec, action: string, caller: string): SimError {
  const message = `User: ${caller} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
  return spec.protocol === 'query' || spec.protocol === 'rest-xml'
    ? new SimError('AccessDenied', message, 403)
    : new SimError('AccessDeniedException', message, 400);
}
