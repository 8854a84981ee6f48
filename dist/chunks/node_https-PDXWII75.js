import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as o,b as g,c as i}from"./chunk-ZKAAFD5R.js";var t=g((l,r)=>{r.exports=o("node:https")});var e=i(t()),n=e.default,{Agent:p,globalAgent:u,Server:a,createServer:s,get:x,request:b}=e.default;export{p as Agent,a as Server,s as createServer,n as default,x as get,u as globalAgent,b as request};
