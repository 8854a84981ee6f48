import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-4QJQBITD.js";import"./chunk-7MSF3EDE.js";import"./chunk-VAZII6ZZ.js";import"./chunk-4LZLWKCS.js";import"./chunk-ZKAAFD5R.js";export{a as createCodeDeployApi};
