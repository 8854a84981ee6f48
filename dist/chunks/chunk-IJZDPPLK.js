import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var T=["ACTIONS_ID_TOKEN_REQUEST_TOKEN","ACTIONS_RUNTIME_TOKEN"];function a(e,t,p,r=process.env){return async s=>{if(t<=0||s.every(o=>o.tasks.length===0))return"";let{createLogsApi:g,reportStoppedTaskLogs:n}=await import("./logs-BULSYZQE.js");return n(s,{logger:p,lines:t,region:e.region,logs:g(e),secrets:T.flatMap(o=>r[o]?[r[o]]:[])})}}export{a};
//# sourceMappingURL=chunk-IJZDPPLK.js.map
