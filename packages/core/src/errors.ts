/**
 * One error type for failures meant for the person reading the workflow log: bad input, an AWS refusal,
 * a deployment that failed. `runAction` prints its message as the step's failure and keeps the stack for
 * debug logs; any other error is treated as a bug and printed with its stack.
 */
export type ActionErrorKind = 'input' | 'aws' | 'deployment' | 'timeout' | 'environment';

export class ActionError extends Error {
  readonly kind: ActionErrorKind;

  constructor(kind: ActionErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionError';
    this.kind = kind;
  }
}

/** A bad value for a named input, reported before any AWS state changes. */
export function inputError(message: string): ActionError {
  return new ActionError('input', message);
}

export function isActionError(error: unknown): error is ActionError {
  return error instanceof ActionError;
}

/** The error's own message, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
