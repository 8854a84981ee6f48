import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, type Document } from 'yaml';
import { inputError } from '@deploy-suite/core';
import { parseJsonDocument, parseYamlDocument } from '@deploy-suite/core/documents';
import { MAX_INPUT_FILE_BYTES, checkFolderConfined } from '@deploy-suite/core/workspace';
import type { BundleSource, ImageOverride } from './inputs.js';
import { deterministicZip, sha256Hex, type ZipEntry } from './zip.js';

/** The zip to upload, with what it holds (for the log and the tests). */
export interface BuiltBundle {
  bytes: Uint8Array;
  sha256: string;
  /** paths inside the zip, sorted (empty for a prebuilt zip) */
  entries: string[];
  /** how it was made, for the log */
  description: string;
  /** container or service names found, with the image each now runs */
  images: Array<{ name: string; image: string }>;
}

const DOCKERRUN = 'Dockerrun.aws.json';
const COMPOSE = 'docker-compose.yml';
/** Folders Beanstalk reads beside the Dockerrun/compose file: config files and platform hooks. */
const EXTRA_FOLDERS = ['.ebextensions', '.platform'];

function quote(value: string): string {
  return JSON.stringify(value);
}

async function statOrUndefined(file: string) {
  try {
    return await stat(file);
  } catch {
    return undefined;
  }
}

/** Files under a folder, recursively, as zip entries relative to `base`; `.git` is never bundled. */
async function folderEntries(folder: string, base: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  for (const dirent of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, dirent.name);
    if (dirent.name === '.git') continue;
    const info = await stat(full); // follows symlinks: the bundle holds the content they point at
    if (info.isDirectory()) {
      entries.push(...(await folderEntries(full, base)));
    } else if (info.isFile()) {
      entries.push({
        path: path.relative(base, full).split(path.sep).join('/'),
        bytes: new Uint8Array(await readFile(full)),
        executable: (info.mode & 0o111) !== 0
      });
    }
  }
  return entries;
}

/** .ebextensions and .platform beside the file; refused when a link in them leaves the workspace. */
async function extraFolderEntries(folder: string, source: BundleSource): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  for (const name of EXTRA_FOLDERS) {
    const info = await statOrUndefined(path.join(folder, name));
    if (!info?.isDirectory()) continue;
    if (source.workspace) checkFolderConfined(source.kind, path.join(folder, name), source.workspace);
    entries.push(...(await folderEntries(path.join(folder, name), folder)));
  }
  return entries;
}

function unknownName(
  inputFile: string,
  kind: 'container' | 'service',
  override: ImageOverride,
  names: string[]
): Error {
  return inputError(
    `Input "images" line ${override.line} names ${quote(override.name)}, which is not a ${kind} in ${inputFile}; ` +
      `the ${kind}s are: ${names.length ? names.join(', ') : '(none)'}`
  );
}

// ---- Dockerrun.aws.json ---------------------------------------------------------------------------

interface DockerrunV2 {
  AWSEBDockerrunVersion: number | string;
  containerDefinitions: Array<{ name: string; image?: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

function parseDockerrun(text: string, inputName: string, file: string): { version: 2 | 3; doc: DockerrunV2 } {
  const doc = parseJsonDocument(text, { input: inputName, file });
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw inputError(`Input "${inputName}": ${file} must hold a JSON object with "AWSEBDockerrunVersion"`);
  }
  const version = Number((doc as DockerrunV2).AWSEBDockerrunVersion);
  if (version !== 2 && version !== 3) {
    throw inputError(
      `Input "${inputName}": ${file} has AWSEBDockerrunVersion ${quote(String((doc as DockerrunV2).AWSEBDockerrunVersion))}; ` +
        'this action builds bundles from version 2 (containerDefinitions) or 3 (with docker-compose.yml). ' +
        'For a version 1 file, zip it yourself and use "bundle"'
    );
  }
  if (version === 2) {
    const definitions = (doc as DockerrunV2).containerDefinitions;
    if (!Array.isArray(definitions) || definitions.length === 0) {
      throw inputError(
        `Input "${inputName}": ${file} (version 2) needs a non-empty "containerDefinitions" list`
      );
    }
    definitions.forEach((definition, index) => {
      if (
        !definition ||
        typeof definition !== 'object' ||
        typeof definition.name !== 'string' ||
        !definition.name
      ) {
        throw inputError(`Input "${inputName}": ${file} containerDefinitions[${index}] has no "name"`);
      }
    });
  }
  return { version, doc: doc as DockerrunV2 };
}

/** Puts each image into its container definition; an unknown container is an error listing the known ones. */
function substituteDockerrunImages(
  doc: DockerrunV2,
  overrides: readonly ImageOverride[],
  file: string
): DockerrunV2 {
  const names = doc.containerDefinitions.map(definition => definition.name);
  for (const override of overrides) {
    if (!names.includes(override.name)) throw unknownName(file, 'container', override, names);
  }
  return {
    ...doc,
    containerDefinitions: doc.containerDefinitions.map(definition => {
      const override = overrides.find(candidate => candidate.name === definition.name);
      return override ? { ...definition, image: override.image } : definition;
    })
  };
}

// ---- docker-compose.yml ---------------------------------------------------------------------------

/** A compose file, refused before upload when it nests too deep or is an alias bomb (see documents.ts). */
function parseCompose(text: string, inputName: string, file: string): Document {
  const doc = parseYamlDocument(text, { input: inputName, file });
  const services = doc.get('services');
  if (!isMap(services) || services.items.length === 0) {
    throw inputError(`Input "${inputName}": ${file} needs a "services" mapping with at least one service`);
  }
  return doc;
}

function composeServiceNames(doc: Document): string[] {
  const services = doc.get('services');
  return isMap(services)
    ? services.items.map(item => String((item.key as { value?: unknown })?.value ?? item.key))
    : [];
}

/** Sets `services.<name>.image`, keeping the rest of the file (comments included) as written. */
function substituteComposeImages(doc: Document, overrides: readonly ImageOverride[], file: string): Document {
  const names = composeServiceNames(doc);
  for (const override of overrides) {
    if (!names.includes(override.name)) throw unknownName(file, 'service', override, names);
  }
  for (const override of overrides) doc.setIn(['services', override.name, 'image'], override.image);
  return doc;
}

function composeImages(doc: Document): Array<{ name: string; image: string }> {
  return composeServiceNames(doc).map(name => ({
    name,
    image: String(doc.getIn(['services', name, 'image']) ?? '(built)')
  }));
}

// ---- what Beanstalk checks after the upload, checked before it -----------------------------------

/** An image reference Docker can pull: no whitespace or control characters. */
const IMAGE_REFERENCE = /^[^\s\p{Cc}]{1,255}$/u;

/**
 * The rules Beanstalk's ECS-based Docker platform applies to a version 2 Dockerrun when it deploys it:
 * every container has an image and memory (or memoryReservation), and at least one is essential.
 */
function checkDockerrunV2(doc: DockerrunV2, inputName: string, file: string): void {
  const problems: string[] = [];
  for (const definition of doc.containerDefinitions) {
    if (typeof definition.image !== 'string' || definition.image === '')
      problems.push(`container "${definition.name}" has no "image"`);
    else if (!IMAGE_REFERENCE.test(definition.image))
      problems.push(
        `the image of container "${definition.name}" is not an image reference (it holds spaces)`
      );
    if (definition.memory === undefined && definition.memoryReservation === undefined)
      problems.push(`container "${definition.name}" sets neither "memory" nor "memoryReservation"`);
  }
  if (doc.containerDefinitions.every(definition => definition.essential === false)) {
    problems.push('no container is essential (at least one needs "essential": true, the default)');
  }
  if (problems.length > 0) {
    throw inputError(`Input "${inputName}": ${file} would be refused by Beanstalk: ${problems.join('; ')}`);
  }
}

/**
 * The compose rules Beanstalk applies: `services` entries are mappings with an image to pull. A service
 * with only `build:` needs its build context in the bundle (only a bundle folder can carry one).
 */
function checkCompose(
  doc: Document,
  inputName: string,
  file: string,
  contextInBundle: (context: string) => boolean = () => false
): void {
  const problems: string[] = [];
  for (const name of composeServiceNames(doc)) {
    const service = doc.getIn(['services', name]);
    if (!isMap(service)) {
      problems.push(`service "${name}" is not a mapping`);
      continue;
    }
    const image = doc.getIn(['services', name, 'image']);
    const build = doc.getIn(['services', name, 'build']);
    if (image === undefined || image === null) {
      const context =
        typeof build === 'string'
          ? build
          : isMap(build)
            ? String(doc.getIn(['services', name, 'build', 'context']) ?? '.')
            : undefined;
      if (context === undefined) problems.push(`service "${name}" has no "image"`);
      else if (!contextInBundle(context)) {
        problems.push(
          `service "${name}" has only "build:" (context ${JSON.stringify(context)}), which is not in the bundle: ` +
            'give it an "image:" (set it with the "images" input) or deploy a bundle folder that holds the build context'
        );
      }
    } else if (typeof image !== 'string' || !IMAGE_REFERENCE.test(image)) {
      problems.push(`the image of service "${name}" is not an image reference`);
    }
  }
  if (problems.length > 0) {
    throw inputError(`Input "${inputName}": ${file} would be refused by Beanstalk: ${problems.join('; ')}`);
  }
}

// ---- building ------------------------------------------------------------------------------------

const encoder = new TextEncoder();

async function readInputFile(file: string, inputName: string): Promise<string> {
  const info = await statOrUndefined(file);
  if (!info) throw inputError(`Input "${inputName}": no file at ${file}`);
  if (!info.isFile()) throw inputError(`Input "${inputName}": ${file} is not a file`);
  if (info.size > MAX_INPUT_FILE_BYTES) {
    throw inputError(
      `Input "${inputName}": ${file} is ${Math.ceil(info.size / 1024)} KiB; a Dockerrun or compose file of more than ` +
        `${MAX_INPUT_FILE_BYTES / 1024} KiB is refused`
    );
  }
  return readFile(file, 'utf8');
}

async function findCompose(folder: string): Promise<string | undefined> {
  for (const name of ['docker-compose.yml', 'docker-compose.yaml']) {
    if ((await statOrUndefined(path.join(folder, name)))?.isFile()) return path.join(folder, name);
  }
  return undefined;
}

function finish(
  entries: ZipEntry[],
  description: string,
  images: Array<{ name: string; image: string }>
): BuiltBundle {
  const bytes = deterministicZip(entries);
  return {
    bytes,
    sha256: sha256Hex(bytes),
    entries: entries.map(entry => entry.path).sort(),
    description,
    images
  };
}

async function buildFromDockerrun(
  source: BundleSource,
  overrides: readonly ImageOverride[]
): Promise<BuiltBundle> {
  const file = source.path;
  const text = await readInputFile(file, 'dockerrun');
  const folder = path.dirname(file);
  const { version, doc } = parseDockerrun(text, 'dockerrun', file);
  const entries = await extraFolderEntries(folder, source);
  if (version === 2) {
    const substituted = overrides.length ? substituteDockerrunImages(doc, overrides, file) : doc;
    checkDockerrunV2(substituted, 'dockerrun', file);
    const content = overrides.length ? `${JSON.stringify(substituted, null, 2)}\n` : text;
    entries.push({ path: DOCKERRUN, bytes: encoder.encode(content) });
    const images = substituted.containerDefinitions.map(definition => ({
      name: definition.name,
      image: String(definition.image ?? '')
    }));
    return finish(entries, `Dockerrun.aws.json v2 from ${file}`, images);
  }
  // Version 3 carries only registry authentication; the containers are in docker-compose.yml beside it.
  const composeFile = await findCompose(folder);
  if (!composeFile) {
    throw inputError(
      `Input "dockerrun": ${file} is version 3, which goes with a docker-compose.yml in the same folder, and there is none`
    );
  }
  const compose = parseCompose(await readInputFile(composeFile, 'dockerrun'), 'dockerrun', composeFile);
  if (overrides.length) substituteComposeImages(compose, overrides, composeFile);
  checkCompose(compose, 'dockerrun', composeFile);
  entries.push({ path: DOCKERRUN, bytes: encoder.encode(text) });
  entries.push({ path: COMPOSE, bytes: encoder.encode(compose.toString()) });
  return finish(entries, `Dockerrun.aws.json v3 + docker-compose.yml from ${folder}`, composeImages(compose));
}

async function buildFromCompose(
  source: BundleSource,
  overrides: readonly ImageOverride[]
): Promise<BuiltBundle> {
  const file = source.path;
  const text = await readInputFile(file, 'compose');
  const compose = parseCompose(text, 'compose', file);
  if (overrides.length) substituteComposeImages(compose, overrides, file);
  checkCompose(compose, 'compose', file);
  const entries = await extraFolderEntries(path.dirname(file), source);
  // Beanstalk's Docker platform reads docker-compose.yml at the bundle root, whatever the file was called.
  entries.push({ path: COMPOSE, bytes: encoder.encode(overrides.length ? compose.toString() : text) });
  return finish(entries, `docker-compose.yml from ${file}`, composeImages(compose));
}

const ZIP_MAGIC = [0x50, 0x4b]; // "PK"

async function buildFromBundleInput(
  source: BundleSource,
  overrides: readonly ImageOverride[]
): Promise<BuiltBundle> {
  const target = source.path;
  const info = await statOrUndefined(target);
  if (!info) throw inputError(`Input "bundle": no file or folder at ${target}`);
  if (info.isFile()) {
    const bytes = new Uint8Array(await readFile(target));
    if (bytes.length < 4 || bytes[0] !== ZIP_MAGIC[0] || bytes[1] !== ZIP_MAGIC[1]) {
      throw inputError(`Input "bundle": ${target} is not a zip file; give a .zip or a folder to zip`);
    }
    if (overrides.length) {
      throw inputError(
        'Input "images" cannot change a prebuilt zip: give "dockerrun", "compose" or a bundle folder'
      );
    }
    return { bytes, sha256: sha256Hex(bytes), entries: [], description: `zip ${target}`, images: [] };
  }
  // a link in the folder that leaves the workspace would upload that file: refused before reading
  if (source.workspace) checkFolderConfined('bundle', target, source.workspace);
  const entries = await folderEntries(target, target);
  if (entries.length === 0) throw inputError(`Input "bundle": the folder ${target} holds no files`);
  let images: Array<{ name: string; image: string }> = [];
  const dockerrun = entries.find(entry => entry.path === DOCKERRUN);
  const compose = entries.find(entry => entry.path === COMPOSE || entry.path === 'docker-compose.yaml');
  if (dockerrun) {
    const file = path.join(target, DOCKERRUN);
    const { version, doc } = parseDockerrun(new TextDecoder().decode(dockerrun.bytes), 'bundle', file);
    if (version === 2) {
      const substituted = overrides.length ? substituteDockerrunImages(doc, overrides, file) : doc;
      checkDockerrunV2(substituted, 'bundle', file);
      if (overrides.length) dockerrun.bytes = encoder.encode(`${JSON.stringify(substituted, null, 2)}\n`);
      images = substituted.containerDefinitions.map(definition => ({
        name: definition.name,
        image: String(definition.image ?? '')
      }));
    }
  }
  if (compose && !(dockerrun && images.length)) {
    const file = path.join(target, compose.path);
    const doc = parseCompose(new TextDecoder().decode(compose.bytes), 'bundle', file);
    if (overrides.length) {
      substituteComposeImages(doc, overrides, file);
      compose.bytes = encoder.encode(doc.toString());
    }
    checkCompose(doc, 'bundle', file, context => {
      const folder = path.posix.normalize(context.replace(/^\.\//, '').replace(/\/$/, ''));
      return folder === '.' || entries.some(entry => entry.path.startsWith(`${folder}/`));
    });
    images = composeImages(doc);
  }
  if (overrides.length && !dockerrun && !compose) {
    throw inputError(
      `Input "images" needs a Dockerrun.aws.json or docker-compose.yml at the top of the bundle folder ${target}; there is neither`
    );
  }
  return finish(entries, `folder ${target}`, images);
}

/** Builds (or reads) the source bundle; every problem with the files is an input error, before any AWS call. */
export async function buildBundle(
  source: BundleSource,
  overrides: readonly ImageOverride[]
): Promise<BuiltBundle> {
  switch (source.kind) {
    case 'dockerrun':
      return buildFromDockerrun(source, overrides);
    case 'compose':
      return buildFromCompose(source, overrides);
    case 'bundle':
      return buildFromBundleInput(source, overrides);
  }
}
