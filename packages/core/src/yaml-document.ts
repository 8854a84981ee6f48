import { parseDocument, isCollection, visit, type Document } from 'yaml';
import { inputError } from './errors.js';
import { MAX_DOCUMENT_DEPTH, type DocumentSource } from './documents.js';

/** Compose files use a handful of anchors (`x-common: &common`); hundreds mean an alias bomb. */
const MAX_YAML_ALIASES = 100;

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
