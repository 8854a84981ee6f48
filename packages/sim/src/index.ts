/**
 * The local AWS simulator of the deploy suite. NOT AWS: a test double and rehearsal backend that speaks
 * the wire protocols of the AWS services the suite uses. See packages/sim/README.md.
 */
import { discoverServiceModules } from './core/registry.js';
import { startServer, type RunningSimulator, type SimulatorOptions } from './core/server.js';

export type { SimulatorOptions, RunningSimulator } from './core/server.js';
export {
  SimControl,
  type TimeInfo,
  type GitHubTokenRule,
  type GitHubPullRule,
  type EcrImageSeedInput,
  type SeededEcrImage
} from './core/control.js';
export type { FaultRule } from './core/faults.js';
export type { ImageRule, ImageBehavior, ImageFinding, FindingSeverity } from './core/images.js';
export type { DenyRule } from './core/permissions.js';
export { ACCOUNT_ID } from './core/service.js';
export type {
  SimService,
  SimServiceModule,
  SimContext,
  SimRoute,
  AwsCall,
  AwsProtocolSpec,
  OperationHandler
} from './core/service.js';
export { SimError } from './core/errors.js';
export type { S3SimService, S3Object } from './s3/service.js';
export type { CloudFrontSimService, DistributionSeed, DistributionInfo } from './cloudfront/service.js';

/** Starts the simulator on loopback; resolves once it listens. `port: 0` (default) picks a free port. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startServer(options, await discoverServiceModules());
}
