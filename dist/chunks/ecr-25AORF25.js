import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-OT5MVTVV.js";import"./chunk-AH3L2DC5.js";import"./chunk-QU42M2DU.js";import"./chunk-ZKAAFD5R.js";export{a as TagConflictError,b as createEcrApi,d as ecrHost,c as ecrImageLookup,e as parseEcrHost,f as parseEcrImage};
