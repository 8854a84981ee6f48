import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-BKWQL63Q.js";import"./chunk-LQ5HFYBC.js";import"./chunk-NI22AVDW.js";import"./chunk-PDOJRQB3.js";import"./chunk-4LZLWKCS.js";import"./chunk-ZKAAFD5R.js";export{a as TagConflictError,b as createEcrApi,d as ecrHost,c as ecrImageLookup,e as parseEcrHost,f as parseEcrImage};
