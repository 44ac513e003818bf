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

/** Grants an identity provider refuses for good: a wrong secret, a disabled account, a revoked grant. */
const REFUSED_GRANTS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_scope',
  'invalid_target',
  'access_denied',
]);

/**
 * An identity provider's failure as the project's error. `answer` is the provider's OAuth error
 * body when it sent one (openid-client's ResponseBodyError, recognised by the caller that imports
 * openid-client); a refused account is named and never retried.
 */
export function identityProviderError(
  system: 'provincial-sso' | 'national-idp',
  label: string,
  error: unknown,
  account: string,
  answer?: { error: string; status: number; error_description?: string },
): RemoteSystemError {
  if (error instanceof RemoteSystemError) return error;
  if (answer) {
    const refused = REFUSED_GRANTS.has(answer.error);
    return new RemoteSystemError(
      system,
      answer.status,
      !refused && answer.status >= 500,
      `${label} refused account ${account}: ${answer.error}${answer.error_description ? ` (${answer.error_description})` : ''}`,
      { cause: error, account: refused ? account : undefined },
    );
  }
  const status =
    (error as { status?: number }).status ??
    (error as { response?: { status?: number } }).response?.status ??
    null;
  return new RemoteSystemError(
    system,
    status,
    status === null || status >= 500 || status === 429,
    `${label} unreachable or failing: ${(error as Error).message}`,
    { cause: error },
  );
}
