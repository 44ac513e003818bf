export type RemoteSystem = 'provincial' | 'provincial-sso' | 'national' | 'national-idp';

/**
 * The one error a client class lets out: which system, the HTTP status if there was one, and
 * whether trying again can help. The library's own error stays as `cause`, never exposed.
 */
export class RemoteSystemError extends Error {
  constructor(
    readonly system: RemoteSystem,
    readonly status: number | null,
    readonly retryable: boolean,
    message: string,
    options: {
      cause?: unknown;
      retryAfterSeconds?: number;
      account?: string;
      ambiguous?: boolean;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'RemoteSystemError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.account = options.account;
    this.ambiguous = options.ambiguous ?? false;
  }

  /**
   * The request may have reached the system and been acted on, though no answer came back (a
   * connection reset or a timeout after sending). Such an outcome is read back, never resent blindly.
   */
  readonly ambiguous: boolean;

  readonly retryAfterSeconds?: number;
  /** The account whose credentials failed, when that is the problem. */
  readonly account?: string;
}

/** Whether a status is worth retrying: timeouts, throttling and server-side failures are; the rest is not. */
export function retryableStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status === 429 || status >= 500;
}
