export type RemoteSystem = 'provincial' | 'provincial-sso' | 'national' | 'national-idp';

/**
 * The one error a client class lets out: which system, the HTTP status if there was one, and
 * whether trying again can help; a stable code and a Vietnamese message for the operator who
 * reads it on the transfer. The library's own error stays as `cause`, never exposed.
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
      /** Otherwise one of the status: REMOTE_NO_ANSWER, REMOTE_THROTTLED, REMOTE_SERVER_ERROR, … */
      code?: string;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'RemoteSystemError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.account = options.account;
    this.ambiguous = options.ambiguous ?? false;
    this.code = options.code ?? codeOfStatus(status);
  }

  /** A stable code for machines (the message may be reworded). */
  readonly code: string;

  /**
   * The request may have reached the system and been acted on, though no answer came back (a
   * connection reset or a timeout after sending). Such an outcome is read back, never resent blindly.
   */
  readonly ambiguous: boolean;

  readonly retryAfterSeconds?: number;
  /** The account whose credentials failed, when that is the problem. */
  readonly account?: string;
}

function codeOfStatus(status: number | null): string {
  if (status === null) return 'REMOTE_NO_ANSWER';
  if (status === 429) return 'REMOTE_THROTTLED';
  if (status === 401 || status === 403) return 'REMOTE_ACCOUNT_REFUSED';
  if (status >= 500) return 'REMOTE_SERVER_ERROR';
  return 'REMOTE_REFUSED';
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
      `${label} từ chối tài khoản ${account}: ${answer.error}${answer.error_description ? ` (${answer.error_description})` : ''}`,
      {
        cause: error,
        account: refused ? account : undefined,
        code: refused ? 'REMOTE_ACCOUNT_REFUSED' : undefined,
      },
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
    `${label} không kết nối được hoặc đang lỗi: ${(error as Error).message}`,
    { cause: error },
  );
}
