import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as s,b as p,c as t}from"../chunks/chunk-ZKAAFD5R.js";var r=p((u,o)=>{o.exports=s("node:module")});var e=t(r());process.env.RUNNER_DEBUG==="1"&&(e.setSourceMapsSupport?e.setSourceMapsSupport(!0):process.setSourceMapsEnabled(!0));await import("../chunks/src-MDSBDG3A.js");
