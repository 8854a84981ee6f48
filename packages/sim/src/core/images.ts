/**
 * How containers running an image behave: the `images` control. Images with no rule are healthy and
 * report their tag as their version. A rule for an image without a tag (`.../docuthinker-backend`)
 * covers every tag of that repository. A rule with a `command` applies only to containers started with
 * exactly that command (e.g. a migration's command override), so the same image can stay healthy in
 * the service while its one-off migration task exits non-zero.
 */
export type ImageBehavior = 'healthy' | 'crash' | 'unhealthy' | 'pull-error' | 'exit';
export const IMAGE_BEHAVIORS: readonly ImageBehavior[] = [
  'healthy',
  'crash',
  'unhealthy',
  'pull-error',
  'exit'
];

export interface ImageRule {
  image: string;
  behavior: ImageBehavior;
  /** what the workload's health endpoint reports as "version" */
  version?: string;
  /** what each container of the image writes to its log stream (CloudWatch Logs, Beanstalk tail logs) */
  logs?: string[];
  /** what ECR image scans of the image report */
  findings?: ImageFinding[];
  /** behavior "exit": the essential container's exit code (default 0) */
  exitCode?: number;
  /** behavior "exit": simulated seconds the container runs before it exits (default 5) */
  runSeconds?: number;
  /** the rule applies only to containers started with exactly this command */
  command?: string[];
  /** more fields of the health answer, e.g. Eloquent's { database: 'connected', vector_db: 'connected' } */
  health?: Record<string, unknown>;
}

/** One vulnerability an ECR scan of the image reports. */
export interface ImageFinding {
  name: string;
  severity: FindingSeverity;
  /** the vulnerable package and its version (ECR attributes package_name / package_version) */
  package?: string;
  version?: string;
  /** a link to the vulnerability (default: its NVD page) */
  uri?: string;
  description?: string;
}
export type FindingSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';
export const FINDING_SEVERITIES: readonly FindingSeverity[] = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'INFORMATIONAL',
  'UNDEFINED'
];

export interface ImageOutcome {
  behavior: ImageBehavior;
  version: string;
  /** behavior "exit" only */
  exitCode?: number;
  runSeconds?: number;
  health?: Record<string, unknown>;
}

export const DEFAULT_EXIT_RUN_SECONDS = 5;

export class ImageRules {
  private rules = new Map<string, ImageRule>();

  set(rule: ImageRule): ImageRule {
    if (!rule || typeof rule.image !== 'string' || rule.image === '') {
      throw new Error(
        'images: "image" must be an image reference, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:sha'
      );
    }
    const behavior = rule.behavior ?? 'healthy';
    if (!IMAGE_BEHAVIORS.includes(behavior)) {
      throw new Error(
        `images: "behavior" must be one of ${IMAGE_BEHAVIORS.join(', ')}, got ${JSON.stringify(behavior)}`
      );
    }
    if (rule.version !== undefined && typeof rule.version !== 'string') {
      throw new Error('images: "version" must be a string');
    }
    if (behavior !== 'exit' && (rule.exitCode !== undefined || rule.runSeconds !== undefined)) {
      throw new Error('images: "exitCode" and "runSeconds" go with "behavior": "exit"');
    }
    if (
      rule.exitCode !== undefined &&
      (!Number.isInteger(rule.exitCode) || rule.exitCode < 0 || rule.exitCode > 255)
    ) {
      throw new Error(
        `images: "exitCode" must be a whole number from 0 to 255, got ${JSON.stringify(rule.exitCode)}`
      );
    }
    if (
      rule.runSeconds !== undefined &&
      (typeof rule.runSeconds !== 'number' || !Number.isFinite(rule.runSeconds) || rule.runSeconds < 0)
    ) {
      throw new Error(
        `images: "runSeconds" must be a number of seconds >= 0, got ${JSON.stringify(rule.runSeconds)}`
      );
    }
    if (
      rule.command !== undefined &&
      (!Array.isArray(rule.command) ||
        rule.command.length === 0 ||
        rule.command.some(a => typeof a !== 'string'))
    ) {
      throw new Error(
        'images: "command" must be a non-empty list of strings, e.g. ["npm", "run", "migrate"]'
      );
    }
    if (
      rule.health !== undefined &&
      (typeof rule.health !== 'object' || rule.health === null || Array.isArray(rule.health))
    ) {
      throw new Error('images: "health" must be an object of extra health-answer fields');
    }
    const stored: ImageRule = {
      image: rule.image,
      behavior,
      ...(rule.version !== undefined ? { version: rule.version } : {}),
      ...diagnosticsOf(rule),
      ...(behavior === 'exit'
        ? { exitCode: rule.exitCode ?? 0, runSeconds: rule.runSeconds ?? DEFAULT_EXIT_RUN_SECONDS }
        : {}),
      ...(rule.command !== undefined ? { command: [...rule.command] } : {}),
      ...(rule.health !== undefined ? { health: rule.health } : {})
    };
    this.rules.set(ruleKey(stored.image, stored.command), stored);
    return stored;
  }

  list(): ImageRule[] {
    return [...this.rules.values()];
  }

  clear(): void {
    this.rules.clear();
  }

  /**
   * The rule for an image known by several references (an ECR image: `uri@digest`, `uri:tag`...): the
   * first exact match in order, else the rule of its repository (without tag), else undefined. With a
   * command (a container started with a command override), a rule scoped to that command comes first.
   */
  ruleFor(references: readonly string[], command?: readonly string[]): ImageRule | undefined {
    const scoped = command && command.length > 0 ? command : undefined;
    const keys = references.length > 0 ? [...references, parseImage(references[0]).repository] : [];
    if (scoped) {
      for (const key of keys) {
        const rule = this.rules.get(ruleKey(key, scoped));
        if (rule) return rule;
      }
    }
    for (const key of keys) {
      const rule = this.rules.get(ruleKey(key));
      if (rule) return rule;
    }
    return undefined;
  }

  /**
   * What a container of `image` started with `command` does: the image's rule for that command, else
   * its repository's rule for that command, else the image's rule, else the repository's, else healthy.
   */
  outcome(image: string, command?: readonly string[]): ImageOutcome {
    const ref = parseImage(image);
    const rule = this.ruleFor([image], command);
    return {
      behavior: rule?.behavior ?? 'healthy',
      version: rule?.version ?? ref.tag ?? ref.digest ?? 'latest',
      ...(rule?.behavior === 'exit' ? { exitCode: rule.exitCode, runSeconds: rule.runSeconds } : {}),
      ...(rule?.health ? { health: rule.health } : {})
    };
  }
}

function ruleKey(image: string, command?: readonly string[]): string {
  return command ? `${image}\u0000${JSON.stringify(command)}` : image;
}

/** Splits `registry/repo:tag@digest` into repository, tag and digest. */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { repository: rest, digest };
}

/** Checks and copies the diagnostic fields of a rule (`logs`, `findings`); bad input names the field. */
function diagnosticsOf(rule: ImageRule): Pick<ImageRule, 'logs' | 'findings'> {
  const out: Pick<ImageRule, 'logs' | 'findings'> = {};
  if (rule.logs !== undefined) {
    if (!Array.isArray(rule.logs) || rule.logs.some(line => typeof line !== 'string')) {
      throw new Error('images: "logs" must be a list of log lines (strings)');
    }
    out.logs = [...rule.logs];
  }
  if (rule.findings !== undefined) {
    if (!Array.isArray(rule.findings)) {
      throw new Error('images: "findings" must be a list of {name, severity, package?, version?, uri?}');
    }
    out.findings = rule.findings.map((finding, i) => {
      const f = (finding ?? {}) as unknown as Record<string, unknown>;
      if (typeof f.name !== 'string' || f.name === '') {
        throw new Error(`images: findings[${i}].name must be a vulnerability id, e.g. CVE-2024-3094`);
      }
      if (!FINDING_SEVERITIES.includes(f.severity as FindingSeverity)) {
        throw new Error(
          `images: findings[${i}].severity must be one of ${FINDING_SEVERITIES.join(', ')}, got ${JSON.stringify(f.severity)}`
        );
      }
      const copy: ImageFinding = { name: f.name, severity: f.severity as FindingSeverity };
      for (const key of ['package', 'version', 'uri', 'description'] as const) {
        if (f[key] === undefined) continue;
        if (typeof f[key] !== 'string') throw new Error(`images: findings[${i}].${key} must be a string`);
        copy[key] = f[key];
      }
      return copy;
    });
  }
  return out;
}
