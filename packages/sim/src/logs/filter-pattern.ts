/**
 * CloudWatch Logs filter patterns for unstructured log events, the part FilterLogEvents users type:
 *   ERROR             events containing the term (case-sensitive)
 *   ERROR Exception   events containing every term
 *   "Out of memory"   a quoted term may hold spaces and punctuation
 *   ?ERROR ?WARN      events containing at least one of the `?` terms
 *   ERROR -healthcheck  terms after `-` exclude events
 *   %regex%           a regular expression
 * JSON (`{ $.level = ... }`) and space-delimited (`[ip, user, ...]`) patterns are not modelled: they
 * answer InvalidParameterException saying so, rather than matching wrongly.
 */
export type EventMatcher = (message: string) => boolean;

export class UnsupportedPattern extends Error {}

export function compilePattern(pattern: string | undefined): EventMatcher {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return () => true;
  if (text.length > 1 && text.startsWith('%') && text.endsWith('%')) {
    let regex: RegExp;
    try {
      regex = new RegExp(text.slice(1, -1));
    } catch (error) {
      throw new UnsupportedPattern(`Invalid regular expression in filter pattern: ${String(error)}`);
    }
    return message => regex.test(message);
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    throw new UnsupportedPattern(
      'The simulator models term filter patterns only (terms, "quoted terms", ?any, -exclude, %regex%), not JSON or space-delimited patterns.'
    );
  }
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  for (const token of tokens(text)) {
    if (token.startsWith('?') && token.length > 1) any.push(unquote(token.slice(1)));
    else if (token.startsWith('-') && token.length > 1) none.push(unquote(token.slice(1)));
    else all.push(unquote(token));
  }
  return message =>
    all.every(term => message.includes(term)) &&
    (any.length === 0 || any.some(term => message.includes(term))) &&
    !none.some(term => message.includes(term));
}

/** Splits on spaces outside double quotes; `"a b"`, `?"a b"` and `-"a b"` stay one token. */
function tokens(text: string): string[] {
  return text.match(/[?-]?"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

function unquote(token: string): string {
  return token.length >= 2 && token.startsWith('"') && token.endsWith('"')
    ? token.slice(1, -1).replace(/\\(.)/g, '$1')
    : token;
}
