import * as oidc from 'openid-client';
import type { AppConfig } from '../config/app-config';
import { Outbound } from '../common/outbound';
import { checkOutboundUrl } from '../common/outbound-url';
import { RemoteSystemError } from '../common/remote-system-error';
import type { IssuedToken } from '../common/token-cache';

/**
 * The gateway's service account at SSO Quảng Ngãi: client credentials against the SSO's
 * discovery document (openid-client). The only provincial code that imports openid-client;
 * its errors become RemoteSystemError here.
 */
export class ProvincialSso {
  private configuration?: Promise<oidc.Configuration>;

  constructor(
    private readonly config: AppConfig,
    private readonly outbound = Outbound.fromConfig(config),
  ) {}

  private discover(): Promise<oidc.Configuration> {
    const { ssoIssuer, clientId, clientSecret } = this.config.provincial;
    if (!ssoIssuer || !clientId || !clientSecret) {
      return Promise.reject(
        new RemoteSystemError(
          'provincial-sso',
          null,
          false,
          'the provincial SSO is not configured',
        ),
      );
    }
    this.configuration ??= (async () => {
      const allowHttp = this.config.security.allowPlainHttpLoopback;
      const issuer = checkOutboundUrl('provincial-sso', ssoIssuer, allowHttp);
      return oidc.discovery(issuer, clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
        execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
        [oidc.customFetch]: this.outbound.fetch,
      });
    })().catch((error: unknown) => {
      this.configuration = undefined;
      throw translate(error, clientId);
    });
    return this.configuration;
  }

  /** A new access token for the gateway's service account. */
  async serviceToken(): Promise<IssuedToken> {
    const configuration = await this.discover();
    const clientId = this.config.provincial.clientId!;
    try {
      const tokens = await oidc.clientCredentialsGrant(configuration, {
        scope: this.config.provincial.scope,
      });
      return {
        accessToken: tokens.access_token,
        expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
      };
    } catch (error) {
      throw translate(error, clientId);
    }
  }
}

function translate(error: unknown, account: string): RemoteSystemError {
  if (error instanceof RemoteSystemError) return error;
  if (error instanceof oidc.ResponseBodyError) {
    // A refused client (wrong secret, disabled account) or grant is not fixed by trying again.
    const refused = [
      'invalid_client',
      'unauthorized_client',
      'invalid_grant',
      'invalid_scope',
      'access_denied',
    ].includes(error.error);
    return new RemoteSystemError(
      'provincial-sso',
      error.status,
      !refused && error.status >= 500,
      `provincial SSO refused account ${account}: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`,
      { cause: error, account: refused ? account : undefined },
    );
  }
  const status =
    (error as { status?: number }).status ??
    (error as { response?: { status?: number } }).response?.status ??
    null;
  return new RemoteSystemError(
    'provincial-sso',
    status,
    status === null || status >= 500 || status === 429,
    `provincial SSO unreachable or failing: ${(error as Error).message}`,
    { cause: error },
  );
}
