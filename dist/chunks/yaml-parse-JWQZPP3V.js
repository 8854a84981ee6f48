import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as e}from"./chunk-Y27KIEMJ.js";import{c as r}from"./chunk-ZKAAFD5R.js";var o=r(e(),1);var export_parse=o.parse;export{export_parse as parse};
//# sourceMappingURL=yaml-parse-JWQZPP3V.js.map
