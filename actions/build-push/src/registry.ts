import { inputError } from '@deploy-suite/core';
import { ecrHost, parseEcrHost } from '@deploy-suite/aws/ecr';

/**
 * Where images go. An ECR private registry (the default, or a value shaped like one) is reached through the ECR
 * API; anything else is a plain OCI registry reached with the builder's own credentials and the registry's
 * HTTP API.
 */
export type Registry =
  | { kind: 'ecr'; host: string; accountId: string; region: string }
  | {
      kind: 'oci';
      /** host[:port], what image references start with */
      host: string;
      /** path inside the registry before each repository, e.g. 'octo-org' for ghcr.io/octo-org */
      namespace?: string;
      /** talk HTTP and skip TLS verification: `http://` given, or a loopback host */
      insecure: boolean;
    };

export function ecrRegistry(accountId: string, region: string): Registry {
  return { kind: 'ecr', host: ecrHost(accountId, region), accountId, region };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
}

/** Parses the `registry` input (already known not to be empty). */
export function parseRegistry(value: string): Registry {
  const explicitScheme = /^(https?):\/\//.exec(value)?.[1];
  const rest = value.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const [host, ...path] = rest.split('/');
  const ecr = parseEcrHost(host);
  if (ecr && path.length === 0) return { kind: 'ecr', host, ...ecr };
  if (!/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/.test(host)) {
    throw inputError(
      `Input "registry" must be a registry host such as 123456789012.dkr.ecr.us-east-1.amazonaws.com, ` +
        `ghcr.io/octo-org or http://127.0.0.1:5000, got ${JSON.stringify(value)}`
    );
  }
  const namespace = path.join('/');
  if (namespace && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(namespace)) {
    throw inputError(
      `Input "registry" has an invalid path ${JSON.stringify(namespace)}: use lower-case names`
    );
  }
  const hostname = host.replace(/:\d+$/, '');
  return {
    kind: 'oci',
    host,
    namespace: namespace || undefined,
    insecure: explicitScheme === 'http' || (explicitScheme === undefined && isLoopback(hostname))
  };
}

/** The repository's path inside the registry (namespace included). */
export function repositoryPath(registry: Registry, repository: string): string {
  return registry.kind === 'oci' && registry.namespace ? `${registry.namespace}/${repository}` : repository;
}

/** `host/path/repository`, what image references and the `uri` output are made of. */
export function repositoryUri(registry: Registry, repository: string): string {
  return `${registry.host}/${repositoryPath(registry, repository)}`;
}
