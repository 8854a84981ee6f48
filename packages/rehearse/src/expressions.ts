import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition, FunctionInfo } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { BasicExpressionToken } from '@actions/workflow-parser/templates/tokens/basic-expression-token';
import { parse as parseYaml } from 'yaml';
import { hashFiles } from './hash-files.js';

/**
 * `${{ }}` evaluation with GitHub's own expression engine (@actions/expressions, the evaluator of the
 * Actions language services). The rehearsal supplies the contexts and the functions the engine leaves
 * to the runner: the status functions and hashFiles.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How the job (or the workflow, for job-level `if:`) is doing, for success()/failure()/cancelled(). */
export interface JobStatus {
  success: boolean;
  failure: boolean;
  cancelled: boolean;
}

export interface Scope {
  /** github, env, vars, secrets, inputs, needs, steps, matrix, strategy, job, runner, jobs */
  contexts: Record<string, Json>;
  status: JobStatus;
  /** root of hashFiles(); hashFiles is unavailable without it */
  workspace?: string;
}

export class ExpressionProblem extends Error {
  constructor(
    readonly expression: string,
    message: string
  ) {
    super(`Error evaluating \${{ ${expression} }}: ${message}`);
  }
}

const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'secrets',
  'inputs',
  'needs',
  'steps',
  'matrix',
  'strategy',
  'job',
  'jobs',
  'runner'
];

function toData(value: Json): data.ExpressionData {
  return JSON.parse(JSON.stringify(value), data.reviver) as data.ExpressionData;
}

function fromData(value: data.ExpressionData): Json {
  return JSON.parse(JSON.stringify(value, data.replacer) ?? 'null') as Json;
}

function statusFunctions(scope: Scope): Map<string, FunctionDefinition> {
  const constant = (name: string, value: () => boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) }
  ];
  const functions = new Map<string, FunctionDefinition>([
    constant('success', () => scope.status.success && !scope.status.cancelled),
    constant('failure', () => scope.status.failure),
    constant('cancelled', () => scope.status.cancelled),
    constant('always', () => true)
  ]);
  functions.set('hashfiles', {
    name: 'hashFiles',
    minArgs: 1,
    maxArgs: 255,
    call: (...patterns) => {
      if (!scope.workspace) throw new Error('hashFiles() is only available inside a job');
      return new data.StringData(
        hashFiles(
          scope.workspace,
          patterns.map(pattern => pattern.coerceString())
        )
      );
    }
  });
  return functions;
}

/** Evaluates one expression (without the `${{ }}`) to a plain value. */
export function evaluateExpression(expression: string, scope: Scope): Json {
  const functions = statusFunctions(scope);
  const infos: FunctionInfo[] = [...functions.values()].map(({ name, minArgs, maxArgs }) => ({
    name,
    minArgs,
    maxArgs
  }));
  try {
    const tokens = new Lexer(expression).lex().tokens;
    const tree = new Parser(tokens, CONTEXT_NAMES, infos).parse();
    const contexts = new data.Dictionary(
      ...CONTEXT_NAMES.map(key => ({ key, value: toData(scope.contexts[key] ?? {}) }))
    );
    return fromData(new Evaluator(tree, contexts, functions).evaluate());
  } catch (error) {
    throw new ExpressionProblem(expression, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Text with `${{ }}` inside (`echo "v=${{ github.sha }}"`). The parser turns it into
 * `format('echo "v={0}"', github.sha)`, but evaluating that whole is wrong twice over in this version
 * of the libraries: the lexer un-doubles only the first `''` of a string literal, and for block
 * scalars (`run: |`) the format string is built from the indented source. So the literal text is
 * recovered here (from the format string, or by reading the block scalar's source as YAML) and only
 * the embedded expressions are evaluated.
 */
function interpolate(token: BasicExpressionToken, scope: Scope): string | undefined {
  const originals = token.originalExpressions;
  if (!originals || originals.length === 0) return undefined;
  if (token.blockScalarHeader && token.source !== undefined) {
    const document = parseYaml(`value: ${token.blockScalarHeader}\n${token.source}`) as {
      value: string | null;
    };
    return (document.value ?? '').replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
      toText(evaluateExpression(expression.trim(), scope))
    );
  }
  const literal = formatLiteral(token.expression);
  if (literal === undefined) return undefined;
  return literal.replace(/\{\{|\}\}|\{(\d+)\}/g, (match, index?: string) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const original = originals[Number(index)];
    if (!original) throw new ExpressionProblem(token.expression, `no argument ${index}`);
    return toText(evaluateExpression(original.expression, scope));
  });
}

/** The first argument of `format('...', ...)`, with `''` read as `'`. */
function formatLiteral(expression: string): string | undefined {
  const prefix = "format('";
  if (!expression.startsWith(prefix)) return undefined;
  let literal = '';
  for (let index = prefix.length; index < expression.length; index++) {
    const char = expression[index];
    if (char !== "'") literal += char;
    else if (expression[index + 1] === "'") {
      literal += "'";
      index++;
    } else return literal;
  }
  return undefined;
}

/** Evaluates a parsed template token (literal, expression, mapping or sequence) to a plain value. */
export function evaluateToken(token: TemplateToken | undefined, scope: Scope): Json {
  if (token === undefined) return null;
  if (isBasicExpression(token))
    return interpolate(token, scope) ?? evaluateExpression(token.expression, scope);
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isSequence(token)) return [...token].map(item => evaluateToken(item, scope));
  if (isMapping(token)) {
    const result: Record<string, Json> = {};
    for (const pair of token)
      result[toText(evaluateToken(pair.key, scope))] = evaluateToken(pair.value, scope);
    return result;
  }
  if (token.isExpression) {
    // `${{ insert }}` and other directives are not something a workflow file may use
    throw new ExpressionProblem(String(token), 'this expression directive is not supported');
  }
  return null; // the null literal
}

/** The runner's conversion of a value to the text an env var, input or script receives. */
export function toText(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

export function evaluateText(token: TemplateToken | undefined, scope: Scope): string {
  return toText(evaluateToken(token, scope));
}

/** Evaluates a mapping of strings (env:, with:, outputs:) in order; each value is text. */
export function evaluateTextMap(token: TemplateToken | undefined, scope: Scope): Record<string, string> {
  if (token === undefined) return {};
  const value = evaluateToken(token, scope);
  if (value === null || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`expected a mapping, got ${JSON.stringify(value)}`);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toText(item)]));
}

/** Evaluates an `if:` condition (already wrapped with success() by the parser when it had no status call). */
export function evaluateCondition(token: TemplateToken | undefined, scope: Scope): boolean {
  if (token === undefined) return scope.status.success && !scope.status.cancelled;
  const expression = isBasicExpression(token) ? token.expression : undefined;
  if (expression === undefined) return truthy(toData(evaluateToken(token, scope)));
  return truthy(toData(evaluateExpression(expression, scope)));
}

/** A condition written without `${{ }}` in action.yml (post-if), evaluated as written. */
export function evaluateConditionText(condition: string, scope: Scope): boolean {
  const expression = condition.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  return truthy(toData(evaluateExpression(expression, scope)));
}
