// The build of this example: what `react-scripts build` (Create React App) leaves in build/, without
// React, so the example builds offline in a second. Content-hashed bundles under static/, the public/
// files copied as they are, index.html pointing at the bundles, and version.json that the pipeline's
// verify-health step reads (the commit being built, from GITHUB_SHA).
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build');
const hash = text => createHash('md5').update(text).digest('hex').slice(0, 8);
const version = process.env.GITHUB_SHA || 'dev';

rmSync(out, { recursive: true, force: true });
cpSync(path.join(root, 'public'), out, { recursive: true });
const js = readFileSync(path.join(root, 'src/index.js'), 'utf8');
const css = readFileSync(path.join(root, 'src/index.css'), 'utf8');
const files = {
  [`static/js/main.${hash(js)}.js`]: js,
  [`static/css/main.${hash(css)}.css`]: css
};
for (const [file, content] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
  writeFileSync(path.join(out, file), content);
}
const [mainJs, mainCss] = Object.keys(files);
const template = readFileSync(path.join(out, 'index.html'), 'utf8');
writeFileSync(
  path.join(out, 'index.html'),
  template
    .replace('</head>', `<link href="/${mainCss}" rel="stylesheet"></head>`)
    .replace('</body>', `<script defer src="/${mainJs}"></script></body>`)
);
writeFileSync(
  path.join(out, 'asset-manifest.json'),
  JSON.stringify(
    { files: { 'main.js': `/${mainJs}`, 'main.css': `/${mainCss}` }, entrypoints: [mainCss, mainJs] },
    null,
    2
  )
);
writeFileSync(path.join(out, 'version.json'), JSON.stringify({ status: 'healthy', version }));
console.log(`build/ written, version ${version}`);
