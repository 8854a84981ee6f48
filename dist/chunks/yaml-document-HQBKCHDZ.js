import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-TFSGOQRW.js";import"./chunk-QZWBZJDK.js";import"./chunk-4LZLWKCS.js";import"./chunk-Y27KIEMJ.js";import"./chunk-ZKAAFD5R.js";export{a as parseYamlDocument};
