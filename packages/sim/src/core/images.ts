/**
 * How containers running an image behave: the `images` control. Images with no rule are healthy and
 * report their tag as their version. A rule for an image without a tag (`.../docuthinker-backend`)
 * covers every tag of that repository.
 */
export type ImageBehavior = 'healthy' | 'crash' | 'unhealthy' | 'pull-error';
export const IMAGE_BEHAVIORS: readonly ImageBehavior[] = ['healthy', 'crash', 'unhealthy', 'pull-error'];

export interface ImageRule {
  image: string;
  behavior: ImageBehavior;
  /** what the workload's health endpoint reports as "version" */
  version?: string;
}

export interface ImageOutcome {
  behavior: ImageBehavior;
  version: string;
}

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
    const stored: ImageRule = {
      image: rule.image,
      behavior,
      ...(rule.version !== undefined ? { version: rule.version } : {})
    };
    this.rules.set(rule.image, stored);
    return stored;
  }

  list(): ImageRule[] {
    return [...this.rules.values()];
  }

  clear(): void {
    this.rules.clear();
  }

  /** What a container of `image` does: its exact rule, else its repository's rule, else healthy. */
  outcome(image: string): ImageOutcome {
    const ref = parseImage(image);
    const rule = this.rules.get(image) ?? this.rules.get(ref.repository);
    return {
      behavior: rule?.behavior ?? 'healthy',
      version: rule?.version ?? ref.tag ?? ref.digest ?? 'latest'
    };
  }
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
