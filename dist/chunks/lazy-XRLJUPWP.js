import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-IJZDPPLK.js";import"./chunk-ZKAAFD5R.js";export{a as stoppedTaskLogs};
