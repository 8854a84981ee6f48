/**
 * An AWS-shaped error a handler throws: the protocol layer writes it the way the real service would
 * (`{"__type": code, "message"}` for JSON, `<ErrorResponse>` for Query, `<Error>` for REST-XML), so the
 * SDK raises an exception whose `name` is `code`.
 */
export class SimError extends Error {
  readonly code: string;
  readonly status: number;
  /** Query protocol `<Type>`: Sender for the caller's mistakes, Receiver for the service's */
  readonly fault: 'Sender' | 'Receiver';
  /** extra members written next to code and message (JSON protocols) */
  readonly extra: Record<string, unknown>;

  constructor(code: string, message: string, status = 400, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fault = status >= 500 ? 'Receiver' : 'Sender';
    this.extra = extra;
  }
}

export function isSimError(error: unknown): error is SimError {
  return error instanceof SimError;
}
