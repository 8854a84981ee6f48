// The bundler behind `npm run build`: one esbuild call over every action, code-split into one dist/.
//
// Why this shape (issue 13 measured the alternatives against aws-actions' ECS deploy bundle):
// - One call with code splitting: the AWS SDK, @actions/core and packages/core + packages/aws land once in
//   dist/chunks/ and every action's dist/<action>/index.js imports them, instead of a copy per action.
//   action.yml points at it with `main: ../../dist/<action>/index.js` (the runner allows paths that leave
//   the action folder inside the repository; actions/cache does the same).
// - Minified ESM, no legal comments in the code (licenses.txt carries them), target = the oldest Node we
//   support, so the same bundle runs on the runner's Node 24 and on Node 20.
// - Each action's entry is a few bytes that, only when RUNNER_DEBUG=1, turns on Node's own source-map
//   support and then imports the action: error stacks then show `file.ts:line` frames. Normal runs never
//   read a .map file. The committed maps cover our own code only (packages/, actions/): no sources
//   content (file, line and name are all a stack frame needs) and no mappings into node_modules, whose
//   frames stay minified. That keeps the maps a small part of the repository tarball a runner downloads.
// - @actions/core reaches undici through oidc-utils -> @actions/http-client, a path the actions never call;
//   those modules are declared side-effect free so esbuild drops them when nothing uses them.
// - Static imports of Node builtins become require() calls. An ESM import of a builtin makes Node build
//   its full export list, which on Node 24 runs node:http's lazy getters and loads Node's own undici:
//   80 ms and 8 MB on every deploy, for a WebSocket the SDK never uses. A dynamic import() of node:http(s)
//   gets the module's plain exports through a small generated module, for the same reason.
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The oldest Node the bundles must run on (package.json `engines`); the runner itself is on Node 24. */
const TARGET = 'node20';

/**
 * Packages (or files inside them) whose modules only define things: importing them for nothing must not
 * keep them. The OIDC/HTTP path of @actions/core and the tool runner behind `core.platform`.
 */
const SIDE_EFFECT_FREE = [
  /[\\/]node_modules[\\/]@actions[\\/]core[\\/]lib[\\/](oidc-utils|platform)\.js$/,
  /[\\/]node_modules[\\/]@actions[\\/](http-client|exec|io)[\\/]/,
  /[\\/]node_modules[\\/](undici|tunnel)[\\/]/
];

/**
 * CommonJS dependencies bundled into ESM still call `require('fs')` and the like; give every chunk a real
 * `require` so those calls reach Node's builtins instead of esbuild's throwing stub.
 */
const REQUIRE_BANNER = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";

/** Every folder of actions/ with an action.yml, with its entry point src/index.ts. */
export function discoverActions(base = root) {
  const actionsDir = path.join(base, 'actions');
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && existsSync(path.join(actionsDir, entry.name, 'action.yml')))
    .map(entry => {
      const entryPoint = path.join(actionsDir, entry.name, 'src/index.ts');
      if (!existsSync(entryPoint)) {
        throw new Error(`actions/${entry.name} has an action.yml but no src/index.ts to bundle`);
      }
      return { name: entry.name, entryPoint };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The few bytes each action starts with: debug source maps first, then the action itself. */
function launcherSource(entryPoint) {
  // entryPoint is relative to the repository root, the launcher's resolveDir.
  return [
    "import * as nodeModule from 'node:module';",
    "if (process.env.RUNNER_DEBUG === '1') {",
    // Node 22.14+/24 spell it module.setSourceMapsSupport; Node 20 has process.setSourceMapsEnabled.
    '  if (nodeModule.setSourceMapsSupport) nodeModule.setSourceMapsSupport(true);',
    '  else process.setSourceMapsEnabled(true);',
    '}',
    `await import(${JSON.stringify(`./${entryPoint}`)});`
  ].join('\n');
}

const launcherPlugin = {
  name: 'action-launcher',
  setup(builder) {
    builder.onResolve({ filter: /^action-launcher:/ }, args => ({
      path: args.path.slice('action-launcher:'.length),
      namespace: 'action-launcher'
    }));
    builder.onLoad({ filter: /.*/, namespace: 'action-launcher' }, args => ({
      contents: launcherSource(args.path),
      loader: 'js',
      resolveDir: root
    }));
  }
};

/**
 * What a dynamic import() of node:http or node:https gets: the module's plain exports, without the Node 24
 * getters (WebSocket, CloseEvent, MessageEvent) whose first read loads Node's undici. The SDK's HTTP
 * handler imports node:http this way for http:// endpoints (the simulator, a local endpoint).
 */
const HTTP_EXPORTS = [
  '_connectionListener',
  'METHODS',
  'STATUS_CODES',
  'Agent',
  'ClientRequest',
  'IncomingMessage',
  'OutgoingMessage',
  'Server',
  'ServerResponse',
  'createServer',
  'validateHeaderName',
  'validateHeaderValue',
  'get',
  'request',
  'setMaxIdleHTTPParsers',
  'maxHeaderSize',
  'globalAgent'
];
const HTTPS_EXPORTS = ['Agent', 'globalAgent', 'Server', 'createServer', 'get', 'request'];

const builtinsViaRequirePlugin = {
  name: 'builtins-via-require',
  setup(builder) {
    builder.onResolve({ filter: /^[a-z_:/0-9]+$/ }, args => {
      if (!isBuiltin(args.path)) return undefined;
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      if (args.kind === 'import-statement') {
        // One tiny wrapper per importing file, so each lands in its importer's chunk: a wrapper shared by
        // files of different chunks would become a chunk of its own (one more file to load at start).
        // The .cjs ending makes esbuild read it as CommonJS whatever the importer is.
        const importer = path.relative(root, args.importer).split(path.sep).join('/');
        return { path: `${name}|${importer}.cjs`, namespace: 'builtin-require' };
      }
      if (args.kind === 'dynamic-import' && (name === 'node:http' || name === 'node:https')) {
        return { path: name, namespace: 'builtin-lazy' };
      }
      return undefined;
    });
    builder.onLoad({ filter: /.*/, namespace: 'builtin-require' }, args => ({
      contents: `module.exports = require(${JSON.stringify(args.path.split('|')[0])});`,
      loader: 'js'
    }));
    builder.onLoad({ filter: /.*/, namespace: 'builtin-lazy' }, args => ({
      contents: [
        `import builtin from ${JSON.stringify(args.path)};`,
        'export default builtin;',
        `export const { ${(args.path === 'node:http' ? HTTP_EXPORTS : HTTPS_EXPORTS).join(', ')} } = builtin;`
      ].join('\n'),
      loader: 'js',
      resolveDir: root
    }));
  }
};

const sideEffectFreePlugin = {
  name: 'side-effect-free',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, async args => {
      if (args.pluginData?.sideEffectFree || args.namespace !== 'file') return undefined;
      if (!args.importer.includes('node_modules') && !args.path.startsWith('@actions/')) return undefined;
      const resolved = await builder.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { sideEffectFree: true }
      });
      if (resolved.errors.length > 0 || !SIDE_EFFECT_FREE.some(pattern => pattern.test(resolved.path))) {
        return undefined;
      }
      return { ...resolved, sideEffects: false };
    });
  }
};

/** The package a bundled file came from: its name and folder (the last node_modules/<name>), or undefined. */
function packageOf(input) {
  const match =
    /^(.*[\\/])?node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/@][^\\/]*)[\\/](?!.*node_modules[\\/])/.exec(input);
  if (!match) return undefined;
  return { name: match[2].replace(/\\/g, '/'), dir: path.join(root, match[0]) };
}

/** licenses.txt: every third-party package whose code is in the bundles, its license and its text. */
function licensesText(outputs) {
  const inputs = new Set();
  for (const output of Object.values(outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      if (bytesInOutput > 0) inputs.add(input);
  }
  const packageDirs = new Map();
  for (const input of inputs) {
    const found = packageOf(input);
    if (found) packageDirs.set(found.dir, found);
  }
  const sections = new Map();
  for (const { name, dir } of packageDirs.values()) {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(dir).find(file => /^(licen[cs]e|copying)(\.|$)/i.test(file));
    const text = licenseFile ? readFileSync(path.join(dir, licenseFile), 'utf8').trim() : '';
    const license = typeof manifest.license === 'string' ? manifest.license : 'UNKNOWN';
    sections.set(`${name}@${manifest.version}`, `${name}@${manifest.version}\n${license}\n${text}`);
  }
  return (
    [...sections.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, section]) => section)
      .join('\n\n') + '\n'
  );
}

/**
 * A dynamic import() of a CommonJS module gets only a default export from a split bundle (esbuild cannot
 * know its names), so `const { parse } = await import('yaml')` would find no `parse`. Fail the build and
 * say the fix, rather than ship a bundle that breaks on first use.
 */
function rejectDynamicCommonJs(metafile) {
  const wrong = [];
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.kind === 'dynamic-import' && metafile.inputs[imported.path]?.format === 'cjs') {
        wrong.push(`${file} imports ${imported.original ?? imported.path} (CommonJS) with import()`);
      }
    }
  }
  if (wrong.length > 0) {
    throw new Error(
      `${wrong.join('\n')}\nImport a CommonJS package statically in a small module of ours and import() that ` +
        'module instead (see packages/core/src/yaml-parse.ts).'
    );
  }
}

/** Whether a map source (a path relative to the map) is a dependency's file (or generated), not ours. */
const isDependency = source =>
  /(^|[\\/])node_modules[\\/]|^(action-launcher|builtin-require|builtin-lazy):/.test(source);

/**
 * Keeps only the mappings into our own sources. A chunk left with none loses its map and the comment
 * pointing at it. Returns the number of maps kept.
 */
async function trimSourceMaps(outDir, outputs) {
  let kept = 0;
  for (const output of Object.keys(outputs).filter(file => file.endsWith('.map'))) {
    const mapFile = path.resolve(root, output);
    const map = JSON.parse(await readFile(mapFile, 'utf8'));
    const sources = new Map();
    const names = new Map();
    const indexOf = (table, value) => {
      if (!table.has(value)) table.set(value, table.size);
      return table.get(value);
    };
    let segments = 0;
    const lines = decode(map.mappings).map(line =>
      line.flatMap(segment => {
        if (segment.length < 4 || isDependency(map.sources[segment[1]])) return [];
        segments++;
        const trimmed = [segment[0], indexOf(sources, map.sources[segment[1]]), segment[2], segment[3]];
        if (segment.length === 5) trimmed.push(indexOf(names, map.names[segment[4]]));
        return [trimmed];
      })
    );
    if (segments === 0) {
      const jsFile = mapFile.slice(0, -'.map'.length);
      const code = await readFile(jsFile, 'utf8');
      const comment = `//# sourceMappingURL=${path.basename(mapFile)}\n`;
      await writeFile(jsFile, code.endsWith(comment) ? code.slice(0, -comment.length) : code);
      await rm(mapFile);
      continue;
    }
    kept++;
    const trimmed = {
      version: 3,
      sources: [...sources.keys()],
      names: [...names.keys()],
      mappings: encode(lines)
    };
    await writeFile(mapFile, JSON.stringify(trimmed));
  }
  if (!existsSync(outDir)) throw new Error(`${outDir} vanished while trimming maps`);
  return kept;
}

/**
 * Bundles actions ({ name, entryPoint, out? }) into `outDir`: `<out>.js` per action (default
 * `<name>/index`), the shared chunks/, their maps, licenses.txt and a package.json that marks the bundles
 * as ESM. Built beside the old folder and swapped in only on success, so a failed build never empties it.
 * Returns esbuild's metafile (which input went where).
 */
export async function bundleActions(actions, outDir) {
  const staging = `${outDir}.building`;
  await rm(staging, { recursive: true, force: true });
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: actions.map(action => ({
        // Relative to the repository, so nothing in dist/ depends on where the checkout is.
        in: `action-launcher:${path.relative(root, action.entryPoint).split(path.sep).join('/')}`,
        out: action.out ?? `${action.name}/index`
      })),
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      // The AWS SDK ships dist-es (ESM, tree-shakeable) under `module` and dist-cjs under `main`.
      mainFields: ['module', 'main'],
      target: TARGET,
      minify: true,
      legalComments: 'none',
      sourcemap: 'linked',
      sourcesContent: false,
      chunkNames: 'chunks/[name]-[hash]',
      banner: { js: REQUIRE_BANNER },
      metafile: true,
      logLevel: 'warning',
      plugins: [launcherPlugin, builtinsViaRequirePlugin, sideEffectFreePlugin]
    });
    rejectDynamicCommonJs(result.metafile);
    await trimSourceMaps(staging, result.metafile.outputs);
    await writeFile(path.join(staging, 'licenses.txt'), licensesText(result.metafile.outputs));
    await writeFile(path.join(staging, 'package.json'), '{ "type": "module" }\n');
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
    return result.metafile;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Bundles one action (a test fixture, say) with the same settings into `outDir/index.js` (+ chunks/).
 * The suite's own actions are built together by bundleActions, which shares their chunks.
 */
export async function bundle(entryPoint, outDir) {
  await mkdir(path.dirname(outDir), { recursive: true });
  await bundleActions([{ name: path.basename(outDir), entryPoint, out: 'index' }], outDir);
}
