import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import*as e from"node:module";process.env.RUNNER_DEBUG==="1"&&(e.setSourceMapsSupport?e.setSourceMapsSupport(!0):process.setSourceMapsEnabled(!0));await import("../chunks/src-KUOCWBKD.js");
