/** Proxy settings from the environment, as curl and most CLIs read them, and the one proxy agent. */
import type { Agent } from 'node:http';

/** URLs are printed through the one redaction in secrets.ts (user-info and query values removed). */
export { redactUrl } from './secrets.js';

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
}

/**
 * True when NO_PROXY says `host` (with `port`) is reached directly.
 * @internal exported for its tests; the actions do not use it
 */
export function bypassesProxy(host: string, port: string, env: NodeJS.ProcessEnv): boolean {
  const noProxy = envValue(env, 'no_proxy');
  if (!noProxy) return false;
  const hostname = host.toLowerCase().replace(/^\[|\]$/g, '');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some(rawEntry => {
      const entry = rawEntry.toLowerCase();
      if (entry === '*') return true;
      const [entryHost, entryPort] = entry.startsWith('[')
        ? [entry.slice(1, entry.indexOf(']')), entry.slice(entry.indexOf(']') + 2)]
        : (entry.split(':') as [string, string | undefined]);
      if (entryPort && entryPort !== port) return false;
      const suffix = entryHost.replace(/^\*?\./, '');
      return hostname === suffix || hostname.endsWith(`.${suffix}`);
    });
}

/**
 * The proxy URL that applies to `target`, honouring HTTPS_PROXY / HTTP_PROXY and NO_PROXY.
 * @internal exported for its tests; the actions do not use it
 */
export function proxyFor(target: string | URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = typeof target === 'string' ? new URL(target) : target;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const proxy = url.protocol === 'https:' ? envValue(env, 'https_proxy') : envValue(env, 'http_proxy');
  if (!proxy) return undefined;
  if (bypassesProxy(url.hostname, port, env)) return undefined;
  return proxy;
}

const proxyAgents = new Map<string, Agent>();

/** An agent for the proxy that applies to `url`, if any; https-proxy-agent is loaded only then. */
export async function proxyAgentFor(
  url: string | URL,
  env: NodeJS.ProcessEnv = process.env
): Promise<Agent | undefined> {
  const proxy = proxyFor(url, env);
  if (!proxy) return undefined;
  let agent = proxyAgents.get(proxy);
  if (!agent) {
    const { HttpsProxyAgent } = await import('https-proxy-agent');
    agent = new HttpsProxyAgent(proxy) as unknown as Agent;
    proxyAgents.set(proxy, agent);
  }
  return agent;
}

/**
 * node:http or node:https for a URL, loaded on first use: a step that fails on its inputs never pays
 * for loading either (node:https brings TLS with it).
 */
export async function httpModuleFor(url: URL): Promise<Pick<typeof import('node:http'), 'request'>> {
  return url.protocol === 'https:' ? await import('node:https') : await import('node:http');
}
