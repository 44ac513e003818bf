import * as oidc from 'openid-client';
import type { AppConfig } from '../config/app-config';
import { Outbound } from '../common/outbound';
import { checkOutboundUrl } from '../common/outbound-url';
import { identityProviderError, RemoteSystemError } from '../common/remote-system-error';
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
        new RemoteSystemError('provincial-sso', null, false, 'Chưa cấu hình SSO Quảng Ngãi', {
          code: 'REMOTE_NOT_CONFIGURED',
        }),
      );
    }
    if (!this.configuration) {
      // A failed discovery is asked again next time.
      const discovery = discoverSso(this.config, ssoIssuer, clientId, clientSecret, this.outbound);
      discovery.catch(() => {
        if (this.configuration === discovery) this.configuration = undefined;
      });
      this.configuration = discovery;
    }
    return this.configuration;
  }

  /**
   * The authorization request of a person's sign-in (authorization code with PKCE): where to send
   * the browser, and the verifier and state to keep until the callback.
   */
  async authorizationRequest(): Promise<{ url: string; state: string; codeVerifier: string }> {
    const configuration = await this.discover();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(),
      scope: `openid offline_access email profile ${this.config.provincial.scope}`,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    return { url: url.toString(), state, codeVerifier };
  }

  /** The callback: the code exchanged for tokens; who signed in and the refresh token to keep. */
  async completeSignIn(
    callbackUrl: URL,
    expected: { state: string; codeVerifier: string },
  ): Promise<{ account: string; name: string | null; refreshToken: string; token: IssuedToken }> {
    const configuration = await this.discover();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
      });
      const claims = tokens.claims();
      const account = typeof claims?.email === 'string' ? claims.email : (claims?.sub ?? 'unknown');
      if (!tokens.refresh_token)
        throw new RemoteSystemError(
          'provincial-sso',
          null,
          false,
          `SSO không cấp refresh token cho ${account}: cổng không giữ được phiên đăng nhập (chưa cấp offline_access)`,
          { account, code: 'SSO_NO_REFRESH_TOKEN' },
        );
      return {
        account,
        name: typeof claims?.name === 'string' ? claims.name : null,
        refreshToken: tokens.refresh_token,
        token: {
          accessToken: tokens.access_token,
          expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
        },
      };
    } catch (error) {
      throw translate(error, 'sign-in');
    }
  }

  /**
   * A new access token from a kept refresh token. When the SSO rotates refresh tokens, the new
   * one comes back as `refreshToken` and must replace the old.
   */
  async refresh(
    account: string,
    refreshToken: string,
  ): Promise<IssuedToken & { refreshToken?: string }> {
    const configuration = await this.discover();
    try {
      const tokens = await oidc.refreshTokenGrant(configuration, refreshToken);
      return {
        accessToken: tokens.access_token,
        expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
        refreshToken:
          tokens.refresh_token && tokens.refresh_token !== refreshToken
            ? tokens.refresh_token
            : undefined,
      };
    } catch (error) {
      throw translate(error, account);
    }
  }

  private redirectUri(): string {
    const uri = this.config.provincial.redirectUri;
    if (!uri)
      throw new RemoteSystemError(
        'provincial-sso',
        null,
        false,
        'Chưa cấu hình provincial.redirectUri: không ai đăng nhập được',
        { code: 'REMOTE_NOT_CONFIGURED' },
      );
    return uri;
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

/**
 * SSO Quảng Ngãi's discovery document for one of its clients (the gateway's service account,
 * the console): https only (http to loopback where allowed), through the outbound transport.
 */
export function discoverSso(
  config: AppConfig,
  issuerUrl: string,
  clientId: string,
  clientSecret: string,
  outbound: Outbound,
): Promise<oidc.Configuration> {
  return (async () => {
    const issuer = checkOutboundUrl(
      'provincial-sso',
      issuerUrl,
      config.security.allowPlainHttpLoopback,
    );
    return oidc.discovery(issuer, clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
      execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: 10,
      [oidc.customFetch]: outbound.fetch,
    });
  })().catch((error: unknown) => {
    throw translate(error, clientId);
  });
}

/** An SSO Quảng Ngãi failure as RemoteSystemError (for this client and the people's). */
export function translate(error: unknown, account: string): RemoteSystemError {
  return identityProviderError(
    'provincial-sso',
    'SSO Quảng Ngãi',
    error,
    account,
    error instanceof oidc.ResponseBodyError ? error : undefined,
  );
}
