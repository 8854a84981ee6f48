import { parseEcrImage, type EcrImageLookup } from '@deploy-suite/aws/ecr';

export interface ImageCheck {
  image: string;
  container: string;
  state: 'present' | 'missing' | 'not-ecr' | 'unchecked';
  why?: string;
}

/**
 * Checks every image a task definition references. Images outside private ECR are listed as `not-ecr`
 * (nothing to ask); an error other than "not found" (e.g. AccessDenied) fails the check, since a
 * rollback that cannot pull its image would take the service down.
 */
export async function checkImages(
  api: EcrImageLookup,
  containers: ReadonlyArray<{ name?: string; image?: string }>
): Promise<ImageCheck[]> {
  const checks: ImageCheck[] = [];
  for (const container of containers) {
    if (!container.image) continue;
    const parsed = parseEcrImage(container.image);
    const name = container.name ?? '?';
    if (!parsed) {
      checks.push({ image: container.image, container: name, state: 'not-ecr' });
      continue;
    }
    const presence = await api.imagePresence(parsed);
    checks.push(
      presence.state === 'present'
        ? { image: container.image, container: name, state: 'present' }
        : { image: container.image, container: name, state: 'missing', why: presence.why }
    );
  }
  return checks;
}
