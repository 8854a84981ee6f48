import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-CUC7CNEW.js";import"./chunk-WPDF3EBU.js";import"./chunk-VAZII6ZZ.js";import"./chunk-4LZLWKCS.js";import"./chunk-ZKAAFD5R.js";export{a as createCodeDeployApi};
