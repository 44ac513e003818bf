/** What kind of refusal an error is; the one global filter answers each with its HTTP status. */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'unavailable';

export const HTTP_STATUS_OF: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
};

/**
 * A refusal the gateway explains to a person: a stable code for machines (SCREAMING_SNAKE, never
 * reworded), a Vietnamese message for people, and the parameter at fault when there is one. Each
 * module throws its own subclass; nothing tells errors apart by their message.
 */
export abstract class GatewayError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly parameter?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The body an API caller gets (the filter adds statusCode and requestId). */
  toBody(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.parameter ? { parameter: this.parameter } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}
