import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-BIHX7BS3.js";import"./chunk-NI22AVDW.js";import"./chunk-PDOJRQB3.js";import"./chunk-4LZLWKCS.js";import"./chunk-ZKAAFD5R.js";export{a as createCodeDeployApi};
