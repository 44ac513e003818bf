import * as oidc from 'openid-client';
import type { AppConfig } from '../config/app-config';
import { Outbound } from '../common/outbound';
import { RemoteSystemError } from '../common/remote-system-error';
import { discoverSso, translate } from './provincial-sso';

/** A client of SSO Quảng Ngãi that people sign in through (the console). */
export interface PersonClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The API the access tokens are for (resource indicator, RFC 8707). */
  resource: string;
}

/** What a sign-in or a refresh gives the gateway; the browser sees none of it. */
export interface PersonTokens {
  accessToken: string;
  /** Epoch milliseconds. */
  accessExpiresAt: number;
  refreshToken: string | null;
  idToken: string | null;
  /** The ID token's claims (sub, email, name, and what the SSO adds). */
  claims: Record<string, unknown>;
}

/**
 * People's sign-in at SSO Quảng Ngãi: authorization code with PKCE and a nonce, refresh (which
 * fails once the SSO session has ended: the console asks for no offline access), RP-initiated
 * sign-out and token revocation. openid-client's errors become RemoteSystemError here.
 */
export class PersonSso {
  private configuration?: Promise<oidc.Configuration>;

  constructor(
    private readonly config: AppConfig,
    private readonly client: PersonClient,
    private readonly outbound = Outbound.fromConfig(config),
  ) {}

  private discover(): Promise<oidc.Configuration> {
    const issuerUrl = this.config.access.issuer ?? this.config.provincial.ssoIssuer;
    if (!issuerUrl)
      return Promise.reject(
        new RemoteSystemError('provincial-sso', null, false, 'Chưa cấu hình SSO Quảng Ngãi', {
          code: 'REMOTE_NOT_CONFIGURED',
        }),
      );
    if (!this.configuration) {
      // A failed discovery is asked again next time.
      const discovery = discoverSso(
        this.config,
        issuerUrl,
        this.client.clientId,
        this.client.clientSecret,
        this.outbound,
      );
      discovery.catch(() => {
        if (this.configuration === discovery) this.configuration = undefined;
      });
      this.configuration = discovery;
    }
    return this.configuration;
  }

  /** Where to send the browser, and the secrets to keep until it comes back. */
  async authorizationRequest(): Promise<{
    url: string;
    state: string;
    nonce: string;
    codeVerifier: string;
  }> {
    const configuration = await this.discover();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.client.redirectUri,
      scope: 'openid email profile',
      resource: this.client.resource,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.toString(), state, nonce, codeVerifier };
  }

  /** The callback: state, PKCE and nonce checked by openid-client, the code exchanged. */
  async completeSignIn(
    callbackUrl: URL,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<PersonTokens> {
    const configuration = await this.discover();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
      return tokensOf(tokens, null);
    } catch (error) {
      throw translate(error, 'sign-in');
    }
  }

  /** New tokens from the refresh token; refused once the person's SSO session has ended. */
  async refresh(refreshToken: string, subject: string): Promise<PersonTokens> {
    const configuration = await this.discover();
    try {
      const tokens = await oidc.refreshTokenGrant(configuration, refreshToken, {
        resource: this.client.resource,
      });
      return tokensOf(tokens, refreshToken);
    } catch (error) {
      throw translate(error, subject);
    }
  }

  /** The SSO's sign-out page for this person, coming back to the console afterwards. */
  async endSessionUrl(idToken: string | null, postLogoutRedirectUri: string): Promise<string> {
    const configuration = await this.discover();
    if (!configuration.serverMetadata().end_session_endpoint) return postLogoutRedirectUri;
    return oidc
      .buildEndSessionUrl(configuration, {
        post_logout_redirect_uri: postLogoutRedirectUri,
        ...(idToken ? { id_token_hint: idToken } : {}),
      })
      .toString();
  }

  /** Revokes a refresh token at the SSO (best effort: the session row is gone either way). */
  async revoke(refreshToken: string): Promise<void> {
    const configuration = await this.discover();
    if (!configuration.serverMetadata().revocation_endpoint) return;
    try {
      await oidc.tokenRevocation(configuration, refreshToken, {
        token_type_hint: 'refresh_token',
      });
    } catch (error) {
      throw translate(error, 'revocation');
    }
  }
}

function tokensOf(
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  previousRefreshToken: string | null,
): PersonTokens {
  return {
    accessToken: tokens.access_token,
    accessExpiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
    refreshToken: tokens.refresh_token ?? previousRefreshToken,
    idToken: tokens.id_token ?? null,
    claims: { ...(tokens.claims() ?? {}) },
  };
}
