/**
 * The kind of a file of a built site, from its name: it decides the default Cache-Control and the
 * order in which a release goes up.
 */

/**
 * The upload phases, in order: content-hashed files first (new names nobody references yet), then other
 * files that keep their names (scripts or manifests the new pages may load), then the HTML entry points,
 * so no page goes live before everything it loads is there.
 */
export type FileKind = 'fingerprinted' | 'unfingerprinted' | 'entry-point';
export const UPLOAD_PHASES: readonly FileKind[] = ['fingerprinted', 'unfingerprinted', 'entry-point'];

/**
 * Whether a file name carries a content hash, as bundlers write them: webpack / Create React App
 * (`main.8f3a2b1c.js`, `logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg`, `453.2b1c9d0e.chunk.js`) and
 * Vite / Rollup (`index-D8b4DLDy.js`). Deliberately strict: a hashed file taken for an unhashed one is
 * only revalidated more often, while an unhashed file taken for a hashed one would be cached for a year.
 * @internal exported for its tests; the actions do not use it
 */
export function isFingerprinted(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  // hex of 8+ characters with a digit, as its own dot- or dash-separated part
  const hexPart = stem.split(/[.-]/).some(part => /^[0-9a-f]{8,}$/i.test(part) && /\d/.test(part));
  // Rollup's [name]-[hash]: 8 base64url characters after the last dash, with a digit and a letter
  const rollup = /-([A-Za-z0-9_]{8})$/.exec(stem);
  const rollupHash = rollup !== null && /\d/.test(rollup[1]) && /[A-Za-z]/.test(rollup[1]);
  return hexPart || rollupHash;
}

export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

export function kindOf(path: string): FileKind {
  if (isHtml(path)) return 'entry-point';
  return isFingerprinted(path) ? 'fingerprinted' : 'unfingerprinted';
}
