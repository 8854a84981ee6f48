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
  /** behavior "exit": the essential container's exit code (default 0) */
  exitCode?: number;
  /** behavior "exit": simulated seconds the container runs before it exits (default 5) */
  runSeconds?: number;
  /** the rule applies only to containers started with exactly this command */
  command?: string[];
}

export interface ImageOutcome {
  behavior: ImageBehavior;
  version: string;
  /** behavior "exit" only */
  exitCode?: number;
  runSeconds?: number;
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
    const stored: ImageRule = {
      image: rule.image,
      behavior,
      ...(rule.version !== undefined ? { version: rule.version } : {}),
      ...(behavior === 'exit'
        ? { exitCode: rule.exitCode ?? 0, runSeconds: rule.runSeconds ?? DEFAULT_EXIT_RUN_SECONDS }
        : {}),
      ...(rule.command !== undefined ? { command: [...rule.command] } : {})
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
   * What a container of `image` started with `command` does: the image's rule for that command, else
   * its repository's rule for that command, else the image's rule, else the repository's, else healthy.
   */
  outcome(image: string, command?: readonly string[]): ImageOutcome {
    const ref = parseImage(image);
    const scoped = command && command.length > 0 ? command : undefined;
    const rule =
      (scoped &&
        (this.rules.get(ruleKey(image, scoped)) ?? this.rules.get(ruleKey(ref.repository, scoped)))) ??
      this.rules.get(ruleKey(image)) ??
      this.rules.get(ruleKey(ref.repository));
    return {
      behavior: rule?.behavior ?? 'healthy',
      version: rule?.version ?? ref.tag ?? ref.digest ?? 'latest',
      ...(rule?.behavior === 'exit' ? { exitCode: rule.exitCode, runSeconds: rule.runSeconds } : {})
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
