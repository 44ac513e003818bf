import * as oidc from 'openid-client';
import { Outbound } from '../common/outbound';
import { checkOutboundUrl } from '../common/outbound-url';
import { identityProviderError, RemoteSystemError } from '../common/remote-system-error';
import type { IssuedToken } from '../common/token-cache';
import type { AppConfig } from '../config/app-config';

/**
 * The national identity provider: each unit account signs in with its own client credentials.
 * The only national code that imports openid-client; its errors become RemoteSystemError here.
 */
export class NationalIdp {
  private metadata?: Promise<oidc.ServerMetadata>;

  constructor(
    private readonly config: AppConfig,
    private readonly outbound = Outbound.fromConfig(config),
  ) {}

  private insecure(): boolean {
    return new URL(this.config.national.idpIssuer ?? 'https://x').protocol === 'http:';
  }

  private discover(account: string): Promise<oidc.ServerMetadata> {
    const { idpIssuer } = this.config.national;
    if (!idpIssuer)
      return Promise.reject(
        new RemoteSystemError(
          'national-idp',
          null,
          false,
          'Chưa cấu hình hệ thống định danh của Hệ thống báo cáo Chính phủ',
          { code: 'REMOTE_NOT_CONFIGURED' },
        ),
      );
    this.metadata ??= (async () => {
      const issuer = checkOutboundUrl(
        'national-idp',
        idpIssuer,
        this.config.security.allowPlainHttpLoopback,
      );
      const configuration = await oidc.discovery(issuer, 'discovery', undefined, oidc.None(), {
        execute: this.insecure() ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
        [oidc.customFetch]: this.outbound.fetch,
      });
      return configuration.serverMetadata();
    })().catch((error: unknown) => {
      this.metadata = undefined;
      throw translate(error, account);
    });
    return this.metadata;
  }

  /** A new access token for a unit account. */
  async token(account: string, secret: string): Promise<IssuedToken> {
    const metadata = await this.discover(account);
    const configuration = new oidc.Configuration(
      metadata,
      account,
      undefined,
      oidc.ClientSecretBasic(secret),
    );
    configuration[oidc.customFetch] = this.outbound.fetch;
    if (this.insecure()) oidc.allowInsecureRequests(configuration);
    try {
      const tokens = await oidc.clientCredentialsGrant(configuration, {
        scope: this.config.national.scope,
      });
      return {
        accessToken: tokens.access_token,
        expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
      };
    } catch (error) {
      throw translate(error, account);
    }
  }
}

function translate(error: unknown, account: string): RemoteSystemError {
  return identityProviderError(
    'national-idp',
    'Hệ thống định danh quốc gia',
    error,
    account,
    error instanceof oidc.ResponseBodyError ? error : undefined,
  );
}
