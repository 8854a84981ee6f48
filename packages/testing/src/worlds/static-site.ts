/**
 * Eloquent AI's React frontend as `npm run build` (Create React App) leaves it in `build/`: content-hashed
 * assets under static/, and the entry points and unhashed files at the root. Hashes are real (MD5 of the
 * content, as webpack names them), so a changed source changes exactly the files it would.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BuildOptions {
  /** shown in the page and in the bundle: a new version changes index.html and main.<hash>.js */
  version: string;
  /** extra content-hashed chunks (static/js/<n>.<hash>.chunk.js), for big sites */
  chunks?: number;
  /** changes only the CSS when set (a style-only release) */
  theme?: string;
  /** bytes of each chunk (default: a few dozen) */
  chunkBytes?: number;
  /** chunks whose code changes with `version` (the rest stay byte for byte the same) */
  versionedChunks?: number[];
}

const hash8 = (text: string | Buffer) => createHash('md5').update(text).digest('hex').slice(0, 8);

/** The files of a build, path -> content. */
export function eloquentBuild(options: BuildOptions): Map<string, string | Buffer> {
  const files = new Map<string, string | Buffer>();
  const js = `/* Eloquent AI frontend ${options.version} */\nconsole.log("eloquent ${options.version}");\n`;
  const css = `body{font-family:Inter,sans-serif;color:${options.theme ?? '#1f2937'}}\n`;
  const logo =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>\n';
  const mainJs = `static/js/main.${hash8(js)}.js`;
  const mainCss = `static/css/main.${hash8(css)}.css`;
  const logoSvg = `static/media/logo.${hash8(logo)}.svg`;
  files.set(mainJs, js);
  files.set(
    `${mainJs}.map`,
    JSON.stringify({ version: 3, file: path.basename(mainJs), sources: ['src/index.tsx'] })
  );
  files.set(mainCss, css);
  files.set(logoSvg, logo);
  for (let i = 0; i < (options.chunks ?? 0); i++) {
    const marker = options.versionedChunks?.includes(i) ? ` ${options.version}` : '';
    const code = `"use strict";(self.webpackChunkeloquent=self.webpackChunkeloquent||[]).push([[${i}],{${i}:()=>"chunk ${i}${marker}"}]);\n`;
    const padding = Math.max(0, (options.chunkBytes ?? 0) - code.length);
    const chunk = code + `/*${'x'.repeat(Math.max(0, padding - 4))}*/`.slice(0, padding);
    files.set(`static/js/${i}.${hash8(chunk)}.chunk.js`, chunk);
  }
  files.set(
    'index.html',
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Eloquent AI</title>` +
      `<link href="/${mainCss}" rel="stylesheet"></head><body><div id="root" data-version="${options.version}"></div>` +
      `<script defer src="/${mainJs}"></script></body></html>\n`
  );
  files.set(
    'asset-manifest.json',
    JSON.stringify({
      files: { 'main.js': `/${mainJs}`, 'main.css': `/${mainCss}` },
      entrypoints: [mainCss, mainJs]
    })
  );
  files.set(
    'manifest.json',
    JSON.stringify({ short_name: 'Eloquent AI', name: 'Eloquent AI', start_url: '.' })
  );
  files.set('robots.txt', 'User-agent: *\nDisallow:\n');
  files.set('favicon.ico', Buffer.from([0, 0, 1, 0, 1, 0, 16, 16]));
  return files;
}

export interface Workspace {
  root: string;
  /** writes a build into <root>/<folder> (replacing what was there) */
  build(options: BuildOptions, folder?: string): Map<string, string | Buffer>;
  remove(): void;
}

export function tempWorkspace(): Workspace {
  const root = mkdtempSync(path.join(tmpdir(), 'eloquent-frontend-'));
  return {
    root,
    build(options, folder = 'build') {
      const dir = path.join(root, folder);
      rmSync(dir, { recursive: true, force: true });
      const files = eloquentBuild(options);
      for (const [file, content] of files) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
      }
      return files;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    }
  };
}
