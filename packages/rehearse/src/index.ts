export { rehearseWorkflow } from './engine.js';
export type {
  HookResult,
  JobInfo,
  JobRunResult,
  RehearsalHooks,
  RehearsalOptions,
  RehearsalResult,
  Result,
  StepInfo,
  StepRunResult
} from './types.js';
export { standInNames } from './stand-ins.js';
