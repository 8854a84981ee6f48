import { parseDocument, isCollection, visit, type Document } from 'yaml';
import { inputError } from './errors.js';

/**
 * JSON and YAML documents read from a file input, with limits checked before anything deep or large is
 * built from them: nesting depth (200,000 levels of `[` would otherwise overflow a recursive walker's
 * stack) and, for YAML, the number of aliases (a "billion laughs" compose file expands exponentially).
 * Error messages name the input and the file and never quote the file's content: it may hold secrets.
 */

/** Deeper than any real task definition, Dockerrun or compose file, far below what overflows a stack. */
const MAX_DOCUMENT_DEPTH = 64;
/** Compose files use a handful of anchors (`x-common: &common`); hundreds mean an alias bomb. */
const MAX_YAML_ALIASES = 100;

export interface DocumentSource {
  /** the input the file came from, e.g. `task-definition` */
  input: string;
  /** the file as the user wrote it, for the message */
  file: string;
}

/** The deepest nesting of `[`/`{` in JSON text, counted without parsing (strings skipped). Linear. */
function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
      continue;
    }
    if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return deepest;
}

/** JSON.parse with the depth checked first; a syntax error gives its position, not the text around it. */
export function parseJsonDocument(
  text: string,
  source: DocumentSource,
  maxDepth = MAX_DOCUMENT_DEPTH
): unknown {
  const depth = jsonNestingDepth(text);
  if (depth > maxDepth) {
    throw inputError(
      `Input "${source.input}": ${source.file} nests objects/lists ${depth} levels deep; at most ${maxDepth} are accepted. ` +
        'Check that the file is the document you meant'
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw inputError(
      `Input "${source.input}": ${source.file} is not valid JSON: ${jsonErrorWithoutContent(error)}`
    );
  }
}

/**
 * Node's JSON.parse messages quote the text around the error (`Unexpected token 'p', "password=hunter2" is
 * not valid JSON`). Keep the position only.
 */
function jsonErrorWithoutContent(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // everything from the first quote on is the excerpt of the file: drop it
  const kept = message.replace(/,?\s*(\.\.\.)?"[\s\S]*$/, '').trim();
  return kept === '' ? 'syntax error' : kept;
}

/**
 * A YAML document (comments and layout kept, for files this action rewrites), refused when it has more
 * aliases than `maxAliases` or nests deeper than `maxDepth`, before any alias is expanded.
 */
export function parseYamlDocument(
  text: string,
  source: DocumentSource,
  limits: { maxDepth?: number; maxAliases?: number } = {}
): Document {
  const maxDepth = limits.maxDepth ?? MAX_DOCUMENT_DEPTH;
  const maxAliases = limits.maxAliases ?? MAX_YAML_ALIASES;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const at = error.linePos?.[0];
    throw inputError(
      `Input "${source.input}": ${source.file} is not valid YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}: ` +
        `${error.code.toLowerCase().replace(/_/g, ' ')}`
    );
  }
  let aliases = 0;
  let deepest = 0;
  visit(doc, {
    Alias() {
      aliases++;
    },
    Collection(_key, _node, path) {
      const depth = path.filter(ancestor => isCollection(ancestor)).length + 1;
      if (depth > deepest) deepest = depth;
    }
  });
  if (aliases > maxAliases) {
    throw inputError(
      `Input "${source.input}": ${source.file} uses ${aliases} YAML aliases; at most ${maxAliases} are accepted ` +
        '(many aliases of aliases expand exponentially: an "alias bomb")'
    );
  }
  const depth = deepest;
  if (depth > maxDepth) {
    throw inputError(
      `Input "${source.input}": ${source.file} nests mappings/lists ${depth} levels deep; at most ${maxDepth} are accepted`
    );
  }
  try {
    // Expanding is where an alias bomb would explode: the yaml library counts alias expansions too.
    doc.toJS({ maxAliasCount: maxAliases });
  } catch (error) {
    throw inputError(
      `Input "${source.input}": ${source.file} expands its YAML aliases beyond ${maxAliases} (${error instanceof Error ? error.message.split('\n')[0] : 'refused'})`
    );
  }
  return doc;
}
