/**
 * `npm run sim -- --port 4566 [--time-scale 60] [--host 127.0.0.1] [--registry URL] [--seed N] [--verbose]`
 * Runs the simulator in the foreground until Ctrl-C.
 */
import { startSimulator } from './index.js';

interface CliOptions {
  port: number;
  host: string;
  timeScale: number;
  registry?: string;
  seed?: number;
  verbose: boolean;
}

const USAGE =
  'usage: npm run sim -- [--port 4566] [--time-scale 1] [--host 127.0.0.1] [--registry http://127.0.0.1:5000] [--seed 1] [--verbose]';

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { port: 4566, host: '127.0.0.1', timeScale: 1, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const number = (name: string, min: number) => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}\n${USAGE}`);
      return n;
    };
    switch (flag) {
      case '--port':
        options.port = number('--port', 0);
        break;
      case '--host':
        options.host = value();
        break;
      case '--time-scale':
        options.timeScale = number('--time-scale', 0);
        break;
      case '--registry':
        options.registry = value();
        break;
      case '--seed':
        options.seed = number('--seed', 0);
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const sim = await startSimulator({
    ...options,
    log: options.verbose ? line => console.log(line) : undefined
  });
  const e = sim.endpoint;
  console.log(`deploy-suite AWS simulator (NOT AWS) listening on ${e}
time: ${options.timeScale} simulated second(s) per real second${options.registry ? `; ECR registry ${options.registry}` : ''}

Point clients at it:
  export AWS_ENDPOINT_URL=${e} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
  export GITHUB_API_URL=${e}/github
Control it:
  curl -s ${e}/_sim/time                                   # simulated time
  curl -s -XPOST ${e}/_sim/time -d '{"advance": 300}'        # jump 5 simulated minutes
  curl -s -XPOST ${e}/_sim/images -d '{"image": "<uri>", "behavior": "crash"}'
  curl -s -XPOST ${e}/_sim/faults -d '{"operation": "ECS.UpdateService", "throttle": 0.5}'
  curl -s ${e}/_sim/calls
  curl -s ${e}/_app/<cluster>/<service>/health
Docs: packages/sim/README.md. Ctrl-C stops it.`);
  const stop = () => {
    sim.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
