import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var r=class extends Error{kind;constructor(t,o,i){super(o,i),this.name="ActionError",this.kind=t}};function e(n){return new r("input",n)}function s(n){return n instanceof r}function u(n){return n instanceof Error?n.message:String(n)}export{r as a,e as b,s as c,u as d};
//# sourceMappingURL=chunk-4LZLWKCS.js.map
