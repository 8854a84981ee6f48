import { run } from './main.js';
import { runAction } from '../../../packages/shared/src/runtime.js';

await runAction(run);
