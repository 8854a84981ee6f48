import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as b,b as c,c as d}from"./chunk-S2TH2RYW.js";import"./chunk-GKKKMVGU.js";import{z as a}from"./chunk-FXLW4WFS.js";import"./chunk-SYWENWBR.js";import"./chunk-KXTAWJXL.js";import"./chunk-ZKAAFD5R.js";export{b as DEFAULT_REQUEST_TIMEOUT,d as NodeHttp2Handler,c as NodeHttpHandler,a as streamCollector};
