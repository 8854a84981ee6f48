import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rehearseWorkflow } from './engine.js';
import type { TrustPolicy } from './oidc.js';

/**
 * tsx packages/rehearse/src/cli.ts <workflow-file> [--event push|workflow_dispatch|pull_request]
 *   [--input k=v]... [--env K=V]... [--secret K=V]... [--var K=V]... [--repo owner/name=path]...
 *   [--trust-policy role-arn=file]... [--debug]
 *
 * The suite's own repository (octo-org/deploy-suite) is mapped to this checkout unless --repo maps it
 * elsewhere, so a consumer workflow that calls the suite's pipelines or actions rehearses against it.
 */

/** The repository the examples and consumers name for the suite, and this checkout that stands in for it. */
export const SUITE_REPOSITORY = 'octo-org/deploy-suite';
const suiteRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const USAGE =
  'usage: rehearse <workflow-file> [--event push|workflow_dispatch|pull_request|workflow_call] ' +
  '[--input name=value]... [--env NAME=value]... [--secret NAME=value]... [--var NAME=value]... ' +
  '[--repo owner/name=path]... [--trust-policy role-arn=file]... [--debug]';

export interface CliArguments {
  file: string;
  event: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** owner/name → local folder (the suite's repository → this checkout unless given) */
  repositories: Record<string, string>;
  /** role ARN → trust policy file */
  trustPolicies: Record<string, string>;
  debug: boolean;
}

export function parseArguments(argv: string[]): CliArguments {
  const parsed: CliArguments = {
    file: '',
    event: 'push',
    inputs: {},
    env: {},
    secrets: {},
    vars: {},
    repositories: {},
    trustPolicies: {},
    debug: false
  };
  const pairs: Record<string, Record<string, string>> = {
    '--input': parsed.inputs,
    '--env': parsed.env,
    '--secret': parsed.secrets,
    '--var': parsed.vars,
    '--repo': parsed.repositories,
    '--trust-policy': parsed.trustPolicies
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const [flag, inline] = argument.startsWith('--') ? splitOnce(argument, '=') : [argument, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    if (flag === '--event') parsed.event = value();
    else if (flag === '--debug') parsed.debug = true;
    else if (flag in pairs) {
      const pair = value();
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`${flag} takes NAME=value, got ${JSON.stringify(pair)}\n${USAGE}`);
      pairs[flag][pair.slice(0, at)] = pair.slice(at + 1);
    } else if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    else if (argument.startsWith('-')) throw new Error(`unknown option ${argument}\n${USAGE}`);
    else if (parsed.file)
      throw new Error(`one workflow file at a time (got ${parsed.file} and ${argument})\n${USAGE}`);
    else parsed.file = argument;
  }
  if (!parsed.file) throw new Error(USAGE);
  for (const name of Object.keys(parsed.repositories)) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(name)) {
      throw new Error(`--repo takes owner/name=path, got ${JSON.stringify(name)}\n${USAGE}`);
    }
  }
  if (!Object.keys(parsed.repositories).some(name => name.toLowerCase() === SUITE_REPOSITORY)) {
    parsed.repositories[SUITE_REPOSITORY] = suiteRoot;
  }
  return parsed;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

async function main(): Promise<number> {
  let args: CliArguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  let trustPolicies: Record<string, TrustPolicy>;
  try {
    trustPolicies = Object.fromEntries(
      Object.entries(args.trustPolicies).map(([role, file]) => [
        role,
        { file, document: JSON.parse(readFileSync(file, 'utf8')) as unknown }
      ])
    );
  } catch (error) {
    console.error(`--trust-policy: ${(error as Error).message}`);
    return 2;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.log('\nCancelling: the running step is stopped; always() steps still run (Ctrl-C again to quit)');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const result = await rehearseWorkflow({
    file: args.file,
    event: args.event,
    inputs: args.inputs,
    env: args.env,
    secrets: args.secrets,
    vars: args.vars,
    repositories: Object.fromEntries(
      Object.entries(args.repositories).map(([name, folder]) => [name, path.resolve(folder)])
    ),
    trustPolicies,
    debug: args.debug,
    signal: controller.signal,
    repoRoot: process.cwd()
  });
  return result.result === 'success' ? 0 : 1;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  process.exitCode = await main();
}
