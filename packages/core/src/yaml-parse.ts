/**
 * The YAML parser, on its own so `Inputs.yaml` can load it on first use with `await import()`. yaml is
 * CommonJS under Node: imported statically here, the bundler gives its named exports; a dynamic
 * `import('yaml')` would only carry a default export in the bundle.
 */
export { parse } from 'yaml';
