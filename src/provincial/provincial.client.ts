import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { AppConfig } from '../config/app-config';
import { CallGate } from '../common/call-gate';
import { operationOf, timed } from '../common/metrics';
import { Outbound } from '../common/outbound';
import { checkOutboundUrl } from '../common/outbound-url';
import { RemoteSystemError, retryableStatus } from '../common/remote-system-error';
import { TokenCache, type IssuedToken } from '../common/token-cache';
import type {
  Page,
  PeriodRecord,
  ProvincialReport,
  ReportStatus,
  SectorRecord,
  UnitRecord,
} from '../contracts/provincial-wire';
import { ProvincialSso } from './provincial-sso';

const SERVICE_ACCOUNT = 'service';

/** A person's provincial sign-in as the gateway keeps it. */
export interface RefreshTokenStore {
  current(): Promise<{ account: string; refreshToken: string } | undefined>;
  replace(account: string, refreshToken: string): Promise<void>;
}

export interface ReportQuery {
  periodId?: string;
  officeCode?: string;
  status?: ReportStatus;
  regimeCode?: string;
  /** Inclusive. */
  updatedSince?: string;
}

/**
 * The provincial report system (baocao.quangngai.gov.vn), the only code that knows its wire
 * format (provincial-wire.ts, docs/simulators.md). Calls carry the service account's token,
 * cached and refreshed ahead of expiry; a 401 drops the token and tries once more.
 */
export class ProvincialClient {
  private readonly http: AxiosInstance;
  private readonly tokens: TokenCache;
  /** Caps and circuit breaker for the provincial system, per replica. */
  readonly gate: CallGate;

  private readonly signIns?: RefreshTokenStore;

  constructor(
    config: AppConfig,
    options: {
      outbound?: Outbound;
      sso?: ProvincialSso;
      /** Where a person's sign-in is kept (the vault), for `provincial.signIn: person`. */
      signIns?: RefreshTokenStore;
    } = {},
  ) {
    const outbound = options.outbound ?? Outbound.fromConfig(config);
    const sso = options.sso ?? new ProvincialSso(config, outbound);
    this.signIns = options.signIns;
    if (!config.provincial.baseUrl)
      throw new RemoteSystemError(
        'provincial',
        null,
        false,
        'Chưa cấu hình hệ thống báo cáo tỉnh Quảng Ngãi',
        { code: 'REMOTE_NOT_CONFIGURED' },
      );
    const base = checkOutboundUrl(
      'provincial',
      config.provincial.baseUrl,
      config.security.allowPlainHttpLoopback,
    );
    this.http = axios.create({
      baseURL: base.toString().replace(/\/$/, ''),
      timeout: 30_000,
      // undici's pools carry the requests (the CA bundle and the proxy are theirs).
      adapter: outbound.adapter,
      // Read from where it is asked: no redirects followed (and no follow-redirects wrapper).
      maxRedirects: 0,
    });
    this.gate = CallGate.forSystem('provincial', config.provincial, config.outbound);
    this.tokens = new TokenCache(
      () => (config.provincial.signIn === 'person' ? this.personToken(sso) : sso.serviceToken()),
      30_000,
      Date.now,
      (error) => error instanceof RemoteSystemError && !error.retryable,
      60_000,
      'provincial-sso',
    );
  }

  /** An access token from the person's kept sign-in; a rotated refresh token is kept in its place. */
  private async personToken(sso: ProvincialSso): Promise<IssuedToken> {
    const kept = await this.signIns?.current();
    if (!kept)
      throw new RemoteSystemError(
        'provincial-sso',
        null,
        false,
        'Chưa ai đăng nhập SSO Quảng Ngãi cho cổng: quản trị viên đăng nhập một lần (POST /api/admin/provincial/sign-in)',
        { code: 'SSO_NO_SIGN_IN' },
      );
    const refreshed = await sso.refresh(kept.account, kept.refreshToken);
    if (refreshed.refreshToken) await this.signIns!.replace(kept.account, refreshed.refreshToken);
    return { accessToken: refreshed.accessToken, expiresAt: refreshed.expiresAt };
  }

  async units(options: { validOn?: string; level?: string } = {}): Promise<UnitRecord[]> {
    const units: UnitRecord[] = [];
    for await (const unit of this.pages<UnitRecord>('/units', { ...options, limit: 500 }))
      units.push(unit);
    return units;
  }

  async sectors(): Promise<SectorRecord[]> {
    return (await this.get<{ items: SectorRecord[] }>('/sectors')).items;
  }

  async periods(): Promise<PeriodRecord[]> {
    return (await this.get<{ items: PeriodRecord[] }>('/periods')).items;
  }

  /** Every report matching the query, page after page, in (updatedAt, reportId) order. */
  reports(query: ReportQuery = {}): AsyncGenerator<ProvincialReport> {
    return this.pages<ProvincialReport>('/reports', { ...query, limit: 200 });
  }

  report(reportId: string): Promise<ProvincialReport> {
    return this.get<ProvincialReport>(`/reports/${encodeURIComponent(reportId)}`);
  }

  private async *pages<T>(path: string, parameters: Record<string, unknown>): AsyncGenerator<T> {
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.get<Page<T>>(
        path,
        cursor ? { ...parameters, cursor } : parameters,
      );
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  private get<T>(path: string, params?: Record<string, unknown>): Promise<T> {
    return this.gate.run((ready) => this.fetchJson<T>(ready, path, params));
  }

  private async fetchJson<T>(
    ready: () => Promise<void>,
    path: string,
    params?: Record<string, unknown>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.get(SERVICE_ACCOUNT);
      await ready();
      try {
        const response = await timed('provincial', operationOf('GET', path), () =>
          this.http.get<T>(path, {
            params,
            headers: { authorization: `Bearer ${token}` },
          }),
        );
        return response.data;
      } catch (error) {
        if (error instanceof AxiosError && error.response?.status === 401 && attempt === 1) {
          this.tokens.invalidate(SERVICE_ACCOUNT, token);
          continue;
        }
        throw translate(error, path);
      }
    }
  }
}

function translate(error: unknown, path: string): RemoteSystemError {
  if (!(error instanceof AxiosError))
    return error instanceof RemoteSystemError
      ? error
      : new RemoteSystemError(
          'provincial',
          null,
          true,
          `Hệ thống báo cáo tỉnh: ${(error as Error).message}`,
          { cause: error },
        );
  const status = error.response?.status ?? null;
  const body = error.response?.data as
    { error?: string; message?: string; field?: string } | undefined;
  const retryAfter = Number(error.response?.headers['retry-after']);
  const detail = body?.message
    ? `: ${body.message}`
    : status === null
      ? `: ${error.code ?? error.message}`
      : '';
  return new RemoteSystemError(
    'provincial',
    status,
    retryableStatus(status),
    `Hệ thống báo cáo tỉnh ${status === null ? 'không trả lời' : `trả lời ${status}`} cho GET ${path}${detail}`,
    {
      cause: error,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    },
  );
}
