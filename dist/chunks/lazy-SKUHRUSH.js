import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-D3RIE2BA.js";import"./chunk-ZKAAFD5R.js";export{a as stoppedTaskLogs};
