import { ActionError, type Logger } from '@deploy-suite/core';

/** The lifecycle policy DocuThinker writes by hand: keep the newest N images of any tag state. */
export function keepLastPolicy(count: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep the last ${count} images (deploy-suite build-push)`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: count },
        action: { type: 'expire' }
      }
    ]
  });
}

/** Decodes the authorization token; masks both the token and the password before anything can print them. */
export function decodeAuthorization(token: string, logger: Logger): { username: string; password: string } {
  logger.mask(token);
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  if (at <= 0)
    throw new ActionError('aws', 'ECR returned an authorization token that is not "user:password"');
  const password = decoded.slice(at + 1);
  logger.mask(password);
  return { username: decoded.slice(0, at), password };
}
