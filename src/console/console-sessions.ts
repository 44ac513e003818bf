import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { TokenRefused, TokenVerifier } from '../access/token-verifier.service';
import type { Caller, Role } from '../access/roles.decorator';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { RemoteSystemError } from '../common/remote-system-error';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { ConsoleSessionEntity } from '../database/entities/console-session.entity';
import { ConsoleSignInEntity } from '../database/entities/console-sign-in.entity';
import { PersonSso, type PersonTokens } from '../provincial/person-sso';
import { VaultKey } from '../vault/vault-key';

/** A refusal of the console's sign-in or session. */
export class ConsoleError extends GatewayError {}

const SIGN_IN_MINUTES = 10;
/** lastSeenAt is written at most this often: a page view is not a write each time. */
const SEEN_WRITE_MS = 30_000;

/** A signed-in person as the console's pages see them. */
export interface ConsolePerson extends Caller {
  sessionId: string;
  csrfToken: string;
}

export type SessionEnd = 'signed-out' | 'idle' | 'expired' | 'sso-ended';

const END_WORDS: Record<SessionEnd, string> = {
  'signed-out': 'Bạn đã đăng xuất.',
  idle: 'Phiên làm việc đã hết hạn vì không dùng quá lâu. Hãy đăng nhập lại.',
  expired: 'Phiên làm việc đã hết thời hạn tối đa. Hãy đăng nhập lại.',
  'sso-ended': 'Phiên đăng nhập SSO Quảng Ngãi đã kết thúc. Hãy đăng nhập lại.',
};

export function sessionEndMessage(end: string | undefined): string | undefined {
  return end && end in END_WORDS ? END_WORDS[end as SessionEnd] : undefined;
}

/** What a session lookup found: the person, or why there is none. */
export type SessionLookup = { person: ConsolePerson } | { person?: undefined; ended?: SessionEnd };

/**
 * Console sessions: the sign-in with SSO Quảng Ngãi (authorization code with PKCE), kept on the
 * server. The browser holds a random token; the SSO's tokens stay sealed in the database. A
 * session ends when the person signs out, after `console.idleMinutes` unused, `console.maxHours`
 * after sign-in, or when the SSO no longer refreshes its tokens (its session ended).
 */
@Injectable()
export class ConsoleSessions {
  private readonly logger = new Logger('ConsoleSessions');
  private readonly key: VaultKey;
  private ssoClient?: PersonSso;

  constructor(
    private readonly dataSource: DataSource,
    private readonly verifier: TokenVerifier,
    private readonly audit: AuditService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.key = VaultKey.fromConfig(config);
  }

  /** The console's client at the SSO, or why people cannot sign in. */
  private get sso(): PersonSso {
    const { clientId, clientSecret, redirectUri } = this.config.console;
    if (!clientId || !clientSecret || !redirectUri)
      throw new ConsoleError(
        'unavailable',
        'CONSOLE_SSO_NOT_CONFIGURED',
        'Chưa cấu hình đăng nhập bảng điều khiển: cần console.clientId, console.clientSecret và console.redirectUri (xem docs/console.md)',
      );
    this.ssoClient ??= new PersonSso(this.config, {
      clientId,
      clientSecret,
      redirectUri,
      resource: this.config.access.audience,
    });
    return this.ssoClient;
  }

  /** Starts a sign-in: the SSO's address to send the browser to. */
  async beginSignIn(returnTo: string): Promise<string> {
    const request = await this.sso.authorizationRequest().catch((error: unknown) => {
      throw ssoUnavailable(error);
    });
    const repository = this.dataSource.getRepository(ConsoleSignInEntity);
    await repository.delete({ expiresAt: LessThan(new Date()) });
    await repository.insert({
      state: request.state,
      returnTo: safeReturn(returnTo),
      ...this.key.seal(
        JSON.stringify({ codeVerifier: request.codeVerifier, nonce: request.nonce }),
        `console-sign-in|${request.state}`,
      ),
      expiresAt: new Date(Date.now() + SIGN_IN_MINUTES * 60_000),
    });
    return request.url;
  }

  /** The SSO's redirect: a new session, and the page to open. */
  async completeSignIn(
    callbackUrl: URL,
  ): Promise<{ token: string; returnTo: string; person: ConsolePerson }> {
    const error = callbackUrl.searchParams.get('error');
    if (error)
      throw new ConsoleError(
        'unauthenticated',
        'SSO_SIGN_IN_REFUSED',
        `SSO Quảng Ngãi từ chối đăng nhập: ${error} ${callbackUrl.searchParams.get('error_description') ?? ''}`.trim(),
      );
    const state = callbackUrl.searchParams.get('state') ?? '';
    // Single use: the row is deleted by the statement that reads it.
    // TypeORM answers a DELETE … RETURNING with [rows, count].
    const [[claimed]] = await this.dataSource.query<[ConsoleSignInRow[], number]>(
      `DELETE FROM console_sign_in WHERE state = $1 AND expires_at > now()
       RETURNING return_to, key_id, nonce, ciphertext, tag`,
      [state],
    );
    if (!claimed)
      throw new ConsoleError(
        'unauthenticated',
        'SIGN_IN_STATE_UNKNOWN',
        'Lượt đăng nhập này không rõ, đã dùng hoặc đã quá 10 phút: hãy đăng nhập lại',
        'state',
      );
    const expected = JSON.parse(
      this.key.open(
        {
          keyId: claimed.key_id,
          nonce: claimed.nonce,
          ciphertext: claimed.ciphertext,
          tag: claimed.tag,
        },
        `console-sign-in|${state}`,
      ),
    ) as { codeVerifier: string; nonce: string };
    let tokens: PersonTokens;
    try {
      tokens = await this.sso.completeSignIn(callbackUrl, { state, ...expected });
    } catch (failure) {
      throw ssoUnavailable(failure);
    }
    const caller = await this.callerOf(tokens);
    if (!caller.roles.length) {
      await this.audit.record({
        actor: caller.subject,
        action: 'console.signed-in',
        outcome: 'refused',
        details: { code: 'CONSOLE_NO_ROLE' },
      });
      throw new ConsoleError(
        'forbidden',
        'CONSOLE_NO_ROLE',
        `Tài khoản ${caller.subject} chưa được giao vai trò nào trên cổng (vận hành, thanh tra hoặc quản trị): hãy liên hệ quản trị hệ thống`,
      );
    }
    const token = randomBytes(32).toString('base64url');
    const id = hashOf(token);
    const now = new Date();
    const csrfToken = randomBytes(32).toString('base64url');
    await this.dataSource.getRepository(ConsoleSessionEntity).insert({
      id,
      subject: caller.subject,
      name: caller.name ?? null,
      roles: caller.roles,
      scopeKind: caller.scope?.kind ?? null,
      scopeCode: caller.scope?.code ?? null,
      csrfToken,
      ...this.sealTokens(id, tokens),
      ssoCheckAt: this.nextCheck(tokens),
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.config.console.maxHours * 3_600_000),
    });
    await this.audit.record({
      actor: caller.subject,
      action: 'console.signed-in',
      outcome: 'ok',
      details: { roles: caller.roles, scope: caller.scope ?? null },
    });
    return {
      token,
      returnTo: claimed.return_to,
      person: { ...caller, sessionId: id, csrfToken },
    };
  }

  /** The person a cookie's token names, or why the session ended. */
  async lookup(token: string | undefined): Promise<SessionLookup> {
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return {};
    const id = hashOf(token);
    const row = await this.dataSource.getRepository(ConsoleSessionEntity).findOneBy({ id });
    if (!row) return {};
    const now = Date.now();
    if (row.expiresAt.getTime() <= now) return this.endRow(row, 'expired');
    if (row.lastSeenAt.getTime() + this.config.console.idleMinutes * 60_000 <= now)
      return this.endRow(row, 'idle');
    let caller: Caller = {
      subject: row.subject,
      roles: row.roles as Role[],
      name: row.name ?? undefined,
      ...(row.scopeKind && row.scopeCode
        ? { scope: { kind: row.scopeKind, code: row.scopeCode } }
        : {}),
    };
    const changes: Partial<ConsoleSessionEntity> = {};
    if (row.ssoCheckAt.getTime() <= now) {
      const { refreshToken } = this.openTokens(row);
      if (!refreshToken) return this.endRow(row, 'sso-ended');
      try {
        const tokens = await this.sso.refresh(refreshToken, row.subject);
        caller = await this.callerOf(tokens);
        if (!caller.roles.length) return this.endRow(row, 'sso-ended');
        Object.assign(changes, {
          ...this.sealTokens(id, tokens),
          ssoCheckAt: this.nextCheck(tokens),
          roles: caller.roles,
          name: caller.name ?? null,
          scopeKind: caller.scope?.kind ?? null,
          scopeCode: caller.scope?.code ?? null,
        });
      } catch (error) {
        // The SSO refused the refresh token: its session is over. Unreachable: keep going, and
        // ask again at the next check.
        if (error instanceof RemoteSystemError && !error.retryable)
          return this.endRow(row, 'sso-ended');
        this.logger.warn(
          { err: error, subject: row.subject },
          'SSO could not be asked about a console session',
        );
        changes.ssoCheckAt = new Date(now + this.config.console.ssoCheckSeconds * 1000);
      }
    }
    if (now - row.lastSeenAt.getTime() >= SEEN_WRITE_MS) changes.lastSeenAt = new Date(now);
    if (Object.keys(changes).length)
      await this.dataSource.getRepository(ConsoleSessionEntity).update({ id }, changes);
    return { person: { ...caller, sessionId: id, csrfToken: row.csrfToken } };
  }

  /** Signs out: the session row goes, the refresh token is revoked, the SSO's sign-out follows. */
  async signOut(person: ConsolePerson, postLogoutRedirectUri: string): Promise<string> {
    const row = await this.dataSource
      .getRepository(ConsoleSessionEntity)
      .findOneBy({ id: person.sessionId });
    if (!row) return postLogoutRedirectUri;
    const { refreshToken, idToken } = this.openTokens(row);
    await this.endRow(row, 'signed-out');
    if (refreshToken)
      await this.sso.revoke(refreshToken).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'the SSO did not take back a refresh token');
      });
    return this.sso
      .endSessionUrl(idToken, postLogoutRedirectUri)
      .catch(() => postLogoutRedirectUri);
  }

  private async endRow(row: ConsoleSessionEntity, end: SessionEnd): Promise<SessionLookup> {
    const { affected } = await this.dataSource
      .getRepository(ConsoleSessionEntity)
      .delete({ id: row.id });
    if (affected)
      await this.audit.record({
        actor: row.subject,
        action: end === 'signed-out' ? 'console.signed-out' : 'console.session-ended',
        outcome: 'ok',
        details: { end },
      });
    return { ended: end };
  }

  private async callerOf(tokens: PersonTokens): Promise<Caller> {
    try {
      const caller = await this.verifier.verifyToken(tokens.accessToken);
      // The access token is for the API; the person's name comes with the ID token.
      const name = tokens.claims.name;
      return caller.name || typeof name !== 'string' ? caller : { ...caller, name };
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      throw new ConsoleError(
        'unauthenticated',
        'SSO_TOKEN_REFUSED',
        `Token SSO cấp cho bảng điều khiển không hợp lệ với cổng: ${error.message}`,
      );
    }
  }

  private nextCheck(tokens: PersonTokens): Date {
    return new Date(
      Math.min(tokens.accessExpiresAt, Date.now() + this.config.console.ssoCheckSeconds * 1000),
    );
  }

  private sealTokens(id: string, tokens: PersonTokens) {
    return this.key.seal(
      JSON.stringify({ refreshToken: tokens.refreshToken, idToken: tokens.idToken }),
      `console-session|${id}`,
    );
  }

  private openTokens(row: ConsoleSessionEntity): {
    refreshToken: string | null;
    idToken: string | null;
  } {
    try {
      return JSON.parse(this.key.open(row, `console-session|${row.id}`)) as {
        refreshToken: string | null;
        idToken: string | null;
      };
    } catch {
      // Sealed with another vault key: the session cannot be checked, so it ends.
      return { refreshToken: null, idToken: null };
    }
  }
}

interface ConsoleSignInRow {
  return_to: string;
  key_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Only a path of the console itself: never another site (no open redirect). */
export function safeReturn(returnTo: string | undefined): string {
  if (!returnTo || !/^\/(?![/\\])[^\s]*$/.test(returnTo) || returnTo.startsWith('/auth/'))
    return '/';
  return returnTo;
}

function ssoUnavailable(error: unknown): unknown {
  if (!(error instanceof RemoteSystemError)) return error;
  return new ConsoleError(
    error.retryable ? 'unavailable' : 'unauthenticated',
    error.retryable ? 'SSO_UNAVAILABLE' : 'SSO_SIGN_IN_FAILED',
    error.retryable
      ? `Không kết nối được SSO Quảng Ngãi: ${error.message}. Hãy thử lại sau ít phút.`
      : `Đăng nhập SSO Quảng Ngãi không thành công: ${error.message}`,
  );
}
