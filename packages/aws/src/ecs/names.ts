import { inputError } from '@deploy-suite/core';

/**
 * The `cluster` and `service` input rules deploy-ecs and rollback share: both accept the same names and ARNs and
 * reject the same mistakes with the same words, so a workflow that deploys a service can roll it back unchanged.
 */
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/;
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]+$/;

/** Throws an input error unless `cluster` is a cluster name or cluster ARN; returns it unchanged. */
export function checkClusterInput(cluster: string): string {
  if (!NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    throw inputError(
      `Input "cluster" must be a cluster name (letters, digits, - and _) or a cluster ARN, got ${JSON.stringify(cluster)}`
    );
  }
  return cluster;
}

/**
 * Checks the `service` input's entries (already split, each with the line it came from): every entry must be a
 * service name or service ARN, and none may repeat. Returns the names in order. An empty list is the caller's
 * to reject, since what to ask for differs by action.
 */
export function checkServiceInputLines(lines: ReadonlyArray<{ text: string; line: number }>): string[] {
  const seen = new Map<string, number>();
  return lines.map(({ text, line }) => {
    if (!NAME.test(text) && !SERVICE_ARN.test(text)) {
      throw inputError(
        `Input "service" line ${line} must be a service name or service ARN, got ${JSON.stringify(text)}`
      );
    }
    if (seen.has(text)) {
      throw inputError(
        `Input "service" names "${text}" twice (lines ${seen.get(text)} and ${line}); give each service once`
      );
    }
    seen.set(text, line);
    return text;
  });
}
