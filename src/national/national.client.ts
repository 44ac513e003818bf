import axios, { AxiosError, type AxiosInstance } from 'axios';
import { CallGate } from '../common/call-gate';
import { operationOf, timed } from '../common/metrics';
import { Outbound } from '../common/outbound';
import { checkOutboundUrl } from '../common/outbound-url';
import { RemoteSystemError, retryableStatus } from '../common/remote-system-error';
import { TokenCache } from '../common/token-cache';
import type { AppConfig } from '../config/app-config';
import { NationalIdp } from './national-idp';
import type {
  FieldError,
  Right,
  StatusPacket,
  SubmissionDetail,
  SubmissionPacket,
} from '../contracts/national-wire';

/** A unit's account on the national system, as the vault holds it. */
export interface NationalAccount {
  accountId: string;
  unitCode: string;
  rights: string[];
  secret: string;
}

/** Where the client finds a unit's accounts (the credential vault, in the gateway). */
export interface NationalAccountSource {
  /** The unit's active accounts. */
  accountsOf(unitCode: string): Promise<NationalAccount[]>;
  /** Forgets what it keeps (an account was rotated, disabled or enabled). */
  invalidate?(): void;
}

/** The national system refused the content: every problem, per field. Never retried. */
export class NationalRejection extends RemoteSystemError {
  constructor(
    message: string,
    readonly errors: FieldError[],
    readonly warnings: FieldError[],
    account: string,
  ) {
    super('national', 422, false, message, { account, code: 'CONTENT_REFUSED' });
    this.name = 'NationalRejection';
  }
}

/** One exchange: what was sent, what came back, under which account. */
export interface Exchange<T> {
  account: string;
  status: number;
  request: unknown;
  response: T;
  /** The national system replayed a stored answer (Idempotency-Key seen before). */
  replayed: boolean;
}

export type SubmissionAnswer = StatusPacket & { duplicate?: boolean; warnings?: FieldError[] };

/**
 * The national report system (vpcp.baocaochinhphu.gov.vn): the only code that knows its wire
 * format. Every call acts for one unit under one of that unit's own accounts, the one holding the
 * right the step needs (nhập or tổng hợp to submit, duyệt to approve, gửi to send); an account is
 * never used for another unit. Tokens are cached per account with a single flight; a 401 drops
 * the token and tries once more; a refused account is a non-retryable error naming it.
 */
export class NationalClient {
  private readonly http: AxiosInstance;
  private readonly tokens: TokenCache;
  private readonly secrets = new Map<string, string>();
  /** Caps and circuit breaker for the national system, per replica. */
  readonly gate: CallGate;

  constructor(
    config: AppConfig,
    private readonly accounts: NationalAccountSource,
    outbound = Outbound.fromConfig(config),
    idp = new NationalIdp(config, outbound),
  ) {
    if (!config.national.baseUrl)
      throw new RemoteSystemError(
        'national',
        null,
        false,
        'Chưa cấu hình Hệ thống báo cáo Chính phủ',
        { code: 'REMOTE_NOT_CONFIGURED' },
      );
    const base = checkOutboundUrl(
      'national',
      config.national.baseUrl,
      config.security.allowPlainHttpLoopback,
    );
    this.http = axios.create({
      baseURL: base.toString().replace(/\/$/, ''),
      timeout: 30_000,
      // undici's pools carry the requests (the CA bundle and the proxy are theirs).
      adapter: outbound.adapter,
      // An API answers where it is asked; a redirect would resend a submission elsewhere.
      maxRedirects: 0,
    });
    this.gate = CallGate.forSystem('national', config.national, config.outbound);
    this.tokens = new TokenCache(
      (account) => idp.token(account, this.secrets.get(account) ?? ''),
      30_000,
      Date.now,
      (error) => error instanceof RemoteSystemError && !error.retryable,
      60_000,
      'national-idp',
    );
  }

  /** The unit's account holding `right`; refuses, naming the unit and right, when there is none. */
  async accountFor(unitCode: string, right: Right | 'read'): Promise<NationalAccount> {
    const accounts = (await this.accounts.accountsOf(unitCode)).filter(
      (account) => account.unitCode === unitCode,
    );
    const chosen =
      right === 'read'
        ? accounts[0]
        : // The narrowest account that holds the right: least privilege for each step.
          accounts
            .filter((account) => account.rights.includes(right))
            .sort((a, b) => a.rights.length - b.rights.length)[0];
    if (!chosen)
      throw new RemoteSystemError(
        'national',
        null,
        false,
        right === 'read'
          ? `Đơn vị ${unitCode} không có tài khoản quốc gia nào đang hoạt động`
          : `Đơn vị ${unitCode} không có tài khoản quốc gia đang hoạt động có quyền "${right}"`,
        { code: 'UNIT_ACCOUNT_MISSING' },
      );
    this.secrets.set(chosen.accountId, chosen.secret);
    return chosen;
  }

  /** Stores a submission (a draft on the national side); `summary` forms need the tong_hop right. */
  async submit(
    packet: SubmissionPacket,
    options: { idempotencyKey: string; summary?: boolean },
  ): Promise<Exchange<SubmissionAnswer>> {
    const account = await this.accountFor(
      packet.header.unitCode,
      options.summary ? 'tong_hop' : 'nhap',
    );
    return this.call<SubmissionAnswer>(
      account,
      'POST',
      '/submissions',
      packet,
      options.idempotencyKey,
    );
  }

  approve(
    unitCode: string,
    submissionId: string,
    idempotencyKey: string,
  ): Promise<Exchange<StatusPacket>> {
    return this.step(unitCode, submissionId, 'approve', 'duyet', idempotencyKey);
  }

  send(
    unitCode: string,
    submissionId: string,
    idempotencyKey: string,
  ): Promise<Exchange<StatusPacket>> {
    return this.step(unitCode, submissionId, 'send', 'gui', idempotencyKey);
  }

  /** What the national system holds for a client reference (a content key), if anything. */
  async findByClientReference(
    unitCode: string,
    query: { clientReference: string; formCode?: string; periodId?: string },
  ): Promise<StatusPacket | undefined> {
    const { response } = await this.call<{ items: StatusPacket[] }>(
      await this.accountFor(unitCode, 'read'),
      'GET',
      '/submissions',
      undefined,
      undefined,
      query,
    );
    return response.items[0];
  }

  async submissions(
    unitCode: string,
    query: { periodId?: string; formCode?: string; status?: string } = {},
  ): Promise<StatusPacket[]> {
    const { response } = await this.call<{ items: StatusPacket[] }>(
      await this.accountFor(unitCode, 'read'),
      'GET',
      '/submissions',
      undefined,
      undefined,
      query,
    );
    return response.items;
  }

  async submission(unitCode: string, submissionId: string): Promise<SubmissionDetail> {
    const { response } = await this.call<SubmissionDetail>(
      await this.accountFor(unitCode, 'read'),
      'GET',
      `/submissions/${encodeURIComponent(submissionId)}`,
    );
    return response;
  }

  /** Signs in with one account (a test login): resolves, or throws the refusal naming it. */
  async testLogin(account: NationalAccount): Promise<void> {
    this.secrets.set(account.accountId, account.secret);
    this.tokens.invalidate(account.accountId);
    this.tokens.forgive(account.accountId);
    await this.tokens.get(account.accountId);
  }

  /** Forgets what is cached for an account (after its secret was rotated or it was re-enabled). */
  forget(accountId: string): void {
    this.accounts.invalidate?.();
    this.tokens.invalidate(accountId);
    this.tokens.forgive(accountId);
    this.secrets.delete(accountId);
  }

  private async step(
    unitCode: string,
    submissionId: string,
    action: 'approve' | 'send',
    right: Right,
    idempotencyKey: string,
  ): Promise<Exchange<StatusPacket>> {
    return this.call<StatusPacket>(
      await this.accountFor(unitCode, right),
      'POST',
      `/submissions/${encodeURIComponent(submissionId)}/${action}`,
      {},
      idempotencyKey,
    );
  }

  private call<T>(
    account: NationalAccount,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
    params?: Record<string, unknown>,
  ): Promise<Exchange<T>> {
    return this.gate.run((ready) =>
      this.exchange<T>(ready, account, method, path, body, idempotencyKey, params),
    );
  }

  private async exchange<T>(
    ready: () => Promise<void>,
    account: NationalAccount,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
    params?: Record<string, unknown>,
  ): Promise<Exchange<T>> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.get(account.accountId);
      await ready();
      try {
        const response = await timed('national', operationOf(method, path), () =>
          this.http.request<T>({
            method,
            url: path,
            data: body,
            params,
            headers: {
              authorization: `Bearer ${token}`,
              ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
            },
          }),
        );
        return {
          account: account.accountId,
          status: response.status,
          request: body ?? null,
          response: response.data,
          replayed: response.headers['idempotent-replayed'] === 'true',
        };
      } catch (error) {
        if (error instanceof AxiosError && error.response?.status === 401 && attempt === 1) {
          this.tokens.invalidate(account.accountId, token);
          continue;
        }
        throw translate(error, method, path, account.accountId);
      }
    }
  }
}

/** Connection errors that mean the request never reached the system. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function translate(
  error: unknown,
  method: string,
  path: string,
  account: string,
): RemoteSystemError {
  if (!(error instanceof AxiosError))
    return error instanceof RemoteSystemError
      ? error
      : new RemoteSystemError(
          'national',
          null,
          true,
          `Hệ thống báo cáo Chính phủ: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
  const status = error.response?.status ?? null;
  const body = error.response?.data as
    | { error?: string; message?: string; errors?: FieldError[]; warnings?: FieldError[] }
    | undefined;
  if (status === 422 && Array.isArray(body?.errors)) {
    return new NationalRejection(
      `Hệ thống báo cáo Chính phủ không nhận nội dung (${body.errors.length} lỗi): ${body.errors.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`,
      body.errors,
      body.warnings ?? [],
      account,
    );
  }
  const retryAfter = Number(error.response?.headers['retry-after']);
  const detail = body?.message
    ? `: ${body.message}`
    : status === null
      ? `: ${error.code ?? error.message}`
      : '';
  // The key already has an answer on the national side for a request that differs from this
  // one: an earlier attempt under this key reached it. What it holds now is read back, not
  // guessed at.
  const keyReused = status === 422 && body?.error === 'idempotency_key_reused';
  return new RemoteSystemError(
    'national',
    status,
    retryableStatus(status) || keyReused,
    `Hệ thống báo cáo Chính phủ ${status === null ? 'không trả lời' : `trả lời ${status}`} cho ${method} ${path} dưới tài khoản ${account}${detail}`,
    {
      cause: error,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
      account: status === 401 || status === 403 ? account : undefined,
      // A write without an answer whose connection had been made: it may have been acted on.
      // A read without an answer is simply a failure.
      ambiguous:
        (method === 'POST' && status === null && !NOT_SENT.has(error.code ?? '')) || keyReused,
      code: keyReused ? 'IDEMPOTENCY_KEY_REUSED' : undefined,
    },
  );
}
