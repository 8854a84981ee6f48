import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-3EHLDWEE.js";import"./chunk-QEUY7IKH.js";import"./chunk-QU42M2DU.js";import"./chunk-ZKAAFD5R.js";export{a as TagConflictError,b as createEcrApi,d as ecrHost,c as ecrImageLookup,e as parseEcrHost,f as parseEcrImage};
