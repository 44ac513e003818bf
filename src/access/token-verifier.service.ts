import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { checkOutboundUrl } from '../common/outbound-url';
import { ROLES, type Caller, type Role } from './roles.decorator';

export class TokenRefused extends Error {}

/**
 * Bearer tokens for the gateway's own API: JWTs of the configured issuer (the provincial SSO),
 * checked against its JWKS (from its discovery document), issuer, audience and expiry; roles
 * from a claim.
 */
@Injectable()
export class TokenVerifier {
  private keys?: Promise<ReturnType<typeof createRemoteJWKSet>>;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  private get issuer(): string {
    const issuer = this.config.access.issuer ?? this.config.provincial.ssoIssuer;
    if (!issuer)
      throw new TokenRefused(
        'no token issuer is configured (access.issuer or provincial.ssoIssuer)',
      );
    return issuer;
  }

  private jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.keys ??= (async () => {
      const issuer = checkOutboundUrl(
        'provincial-sso',
        this.issuer,
        this.config.security.allowPlainHttpLoopback,
      );
      const response = await fetch(
        new URL('.well-known/openid-configuration', issuer.toString().replace(/\/?$/, '/')),
      );
      if (!response.ok)
        throw new TokenRefused(`the token issuer's discovery document answered ${response.status}`);
      const { jwks_uri } = (await response.json()) as { jwks_uri: string };
      return createRemoteJWKSet(
        checkOutboundUrl('provincial-sso', jwks_uri, this.config.security.allowPlainHttpLoopback),
      );
    })().catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  async verify(authorization: string | undefined): Promise<Caller> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
    if (!match) throw new TokenRefused('a bearer token is required');
    return this.verifyToken(match[1]);
  }

  /** An access token as such (the console's, kept on the server): the same checks as a bearer's. */
  async verifyToken(token: string): Promise<Caller> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.jwks(), {
        issuer: this.issuer,
        audience: this.config.access.audience,
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw new TokenRefused(
        error instanceof TokenRefused
          ? error.message
          : `the token is not valid: ${(error as Error).message}`,
      );
    }
    const claim = payload[this.config.access.roleClaim];
    const roles = (Array.isArray(claim) ? claim : [claim]).filter((role): role is Role =>
      ROLES.includes(role as Role),
    );
    const district = payload[this.config.access.districtClaim];
    const unit = payload[this.config.access.unitClaim];
    const scope =
      typeof unit === 'string' && unit
        ? { kind: 'unit' as const, code: unit }
        : typeof district === 'string' && district
          ? { kind: 'district' as const, code: district }
          : undefined;
    return {
      subject:
        typeof payload.sub === 'string'
          ? payload.sub
          : typeof payload.client_id === 'string'
            ? payload.client_id
            : 'unknown',
      roles,
      name: typeof payload.name === 'string' ? payload.name : undefined,
      ...(scope ? { scope } : {}),
    };
  }
}
