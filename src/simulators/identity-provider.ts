import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { urlencoded, type Request, type Response } from 'express';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { FaultInjector, type FaultSettings } from './fault-injector';
import { listenOn } from './http-helpers';

/** A machine account: OIDC client using client credentials, with the claims its tokens carry. */
export interface IdpClient {
  clientId: string;
  clientSecret: string;
  grantTypes: Array<'client_credentials' | 'authorization_code' | 'refresh_token'>;
  redirectUris?: string[];
  /** Where RP-initiated sign-out may send the browser back. */
  postLogoutRedirectUris?: string[];
  /** Claims added to its access tokens (a national account's unit and rights, say). */
  claims?: Record<string, unknown>;
}

/** A person who signs in through the login page (authorization code flow). */
export interface IdpPerson {
  username: string;
  password: string;
  name: string;
  claims: Record<string, unknown>;
}

export interface IdentityProviderOptions {
  name: string;
  port?: number;
  clients: IdpClient[];
  people?: IdpPerson[];
  /** The protected APIs: tokens are JWTs with the API's audience and scopes. The first is the default. */
  resources: Array<{ indicator: string; scope: string }>;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  faults?: Partial<FaultSettings>;
}

/** Verified tokens a provider keeps before it sweeps out the expired ones. */
const VERIFIED_TOKENS_KEPT = 10_000;

export interface VerifiedToken extends JWTPayload {
  client_id: string;
  scope?: string;
  [claim: string]: unknown;
}

export class TokenRejected extends Error {
  constructor(
    readonly reason: string,
    readonly status = 401,
  ) {
    super(reason);
  }
}

/**
 * A real OpenID Connect provider (oidc-provider) on a loopback port: discovery, JWKS, client
 * credentials, authorization code with refresh tokens, revocation and introspection, JWT access
 * tokens for its resources. Accounts can be revoked (every token issued before is refused) or
 * disabled (no token at all) at run time, and token lifetimes changed, through /__admin.
 */
export class SimulatedIdentityProvider {
  readonly faults: FaultInjector;
  private readonly revokedAt = new Map<string, number>();
  private readonly disabled = new Set<string>();
  private accessTtl: number;
  private refreshTtl: number;
  private jwks!: ReturnType<typeof createLocalJWKSet>;
  private readonly verified = new Map<string, VerifiedToken>();

  private constructor(
    private readonly options: IdentityProviderOptions,
    private readonly server: http.Server,
    readonly issuer: string,
  ) {
    this.faults = new FaultInjector(options.name, options.faults);
    this.accessTtl = options.accessTokenTtlSeconds ?? 600;
    this.refreshTtl = options.refreshTokenTtlSeconds ?? 14 * 86_400;
  }

  static async start(options: IdentityProviderOptions): Promise<SimulatedIdentityProvider> {
    const server = http.createServer();
    await listenOn(server, options.port ?? 0, options.name);
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const idp = new SimulatedIdentityProvider(options, server, issuer);
    await idp.mount();
    return idp;
  }

  get url(): string {
    return this.issuer;
  }

  /** The default resource: the API whose tokens verify() accepts unless told another. */
  get resource(): string {
    return this.options.resources[0].indicator;
  }

  private async mount(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomBytes(6).toString('hex');
    const signing = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    this.jwks = createLocalJWKSet({
      keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }],
    });
    const { default: ProviderClass, errors } = loadOidcProvider();
    const provider = new ProviderClass(this.issuer, {
      ...this.configuration(signing, errors),
      adapter: memoryAdapter(),
    });
    provider.use(async (context, next) => {
      // A disabled machine account gets no token (clients authenticate with HTTP Basic).
      if (context.path === '/token') {
        const clientId = basicClientId(context.get('authorization'));
        if (clientId && this.disabled.has(clientId)) {
          context.status = 401;
          context.body = {
            error: 'invalid_client',
            error_description: `account ${clientId} is disabled`,
          };
          return;
        }
      }
      await next();
      if (context.path === '/token' && context.status === 200) this.faults.tally('tokensIssued');
    });
    const app = express();
    app.disable('x-powered-by');
    app.use('/__admin', this.faults.adminRouter(), this.adminRouter());
    app.use(this.faults.middleware());
    app.use('/interaction', this.interactions(provider));
    const callback = provider.callback();
    app.use((request, response) => void callback(request, response));
    this.server.on('request', app);
  }

  private configuration(
    signingKey: Record<string, unknown>,
    errors: typeof import('oidc-provider').errors,
  ): Configuration {
    const { resources } = this.options;
    const scopes = resources.flatMap((resource) => resource.scope.split(' '));
    const clients = new Map(this.options.clients.map((client) => [client.clientId, client]));
    const people = new Map((this.options.people ?? []).map((person) => [person.username, person]));
    return {
      clients: this.options.clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: client.grantTypes,
        response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
        redirect_uris: client.redirectUris ?? [],
        post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      jwks: { keys: [signingKey] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      scopes: ['openid', 'offline_access', 'email', 'profile', ...scopes],
      claims: { openid: ['sub'], email: ['email'], profile: ['name', 'role'] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        revocation: {
          enabled: true,
          // A client revokes only its own tokens.
          allowedPolicy: (_context, client, token) => token.clientId === client.clientId,
        },
        rpInitiatedLogout: {
          enabled: true,
          // The SSO's own sign-out page, in Vietnamese, without inline script.
          logoutSource: (context, form) => {
            context.body =
              `<!doctype html><html lang="vi"><meta charset="utf-8"><title>${this.options.name}</title>` +
              `<h1>Đăng xuất khỏi SSO?</h1>${form}` +
              `<button type="submit" form="op.logoutForm" value="yes" name="logout">Đăng xuất</button> ` +
              `<button type="submit" form="op.logoutForm">Ở lại</button></html>`;
          },
          postLogoutSuccessSource: (context) => {
            context.body =
              '<!doctype html><html lang="vi"><meta charset="utf-8"><p>Đã đăng xuất khỏi SSO.</p></html>';
          },
        },
        introspection: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resources[0].indicator,
          useGrantedResource: () => true,
          getResourceServerInfo: (_context, indicator) => {
            const resource = resources.find((candidate) => candidate.indicator === indicator);
            if (!resource) throw new errors.InvalidTarget();
            return {
              scope: resource.scope,
              audience: resource.indicator,
              accessTokenFormat: 'jwt',
              accessTokenTTL: this.accessTtl,
            };
          },
        },
      },
      ttl: {
        AccessToken: () => this.accessTtl,
        ClientCredentials: () => this.accessTtl,
        IdToken: () => this.accessTtl,
        RefreshToken: () => this.refreshTtl,
        Grant: () => this.refreshTtl,
        Session: () => this.refreshTtl,
        Interaction: 600,
      },
      pkce: { required: () => false },
      // Refresh tokens for every client allowed the grant, without the offline_access dance.
      issueRefreshToken: (_context, client) => client.grantTypeAllowed('refresh_token'),
      extraTokenClaims: (_context, token) => {
        const accountId =
          'accountId' in token ? (token.accountId as string | undefined) : undefined;
        const claims = accountId
          ? people.get(accountId)?.claims
          : clients.get(String(token.clientId))?.claims;
        return { ...claims, issued_ms: Date.now() };
      },
      findAccount: (_context, sub, token) => {
        const person = people.get(sub);
        if (!person || this.disabled.has(sub)) return undefined;
        // A refresh token issued before the account was revoked no longer finds its account.
        const revoked = this.revokedAt.get(sub);
        if (
          revoked &&
          token &&
          'iat' in token &&
          typeof token.iat === 'number' &&
          token.iat * 1000 <= revoked
        )
          return undefined;
        return {
          accountId: sub,
          claims: () => ({ sub, email: sub, name: person.name, ...person.claims }),
        };
      },
      loadExistingGrant: async (context: KoaContextWithOIDC) => {
        // First-party clients only: consent is implied, so the grant is made on the spot.
        const clientId = context.oidc.client!.clientId;
        const existing =
          context.oidc.result?.consent?.grantId ?? context.oidc.session!.grantIdFor(clientId);
        if (existing) return context.oidc.provider.Grant.find(existing);
        const grant = new context.oidc.provider.Grant({
          clientId,
          accountId: context.oidc.session!.accountId,
        });
        // The standard scopes, and API scopes asked for by name (without a resource parameter).
        const asked = (
          typeof context.oidc.params?.scope === 'string' ? context.oidc.params.scope : ''
        )
          .split(' ')
          .filter(Boolean);
        grant.addOIDCScope(
          [
            'openid',
            'offline_access',
            'email',
            'profile',
            ...asked.filter((scope) => scopes.includes(scope)),
          ].join(' '),
        );
        grant.addOIDCClaims(['email', 'name', 'role']);
        for (const resource of resources)
          grant.addResourceScope(resource.indicator, resource.scope);
        await grant.save();
        return grant;
      },
      interactions: { url: (_context, interaction) => `/interaction/${interaction.uid}` },
      renderError: (context, out) => {
        context.type = 'json';
        context.body = out;
      },
    };
  }

  private interactions(provider: Provider): express.Router {
    const router = express.Router();
    const people = new Map((this.options.people ?? []).map((person) => [person.username, person]));
    router.get('/:uid', async (request: Request, response: Response) => {
      const details = await provider.interactionDetails(request, response);
      response
        .type('html')
        .send(
          `<!doctype html><meta charset="utf-8"><title>${this.options.name}</title>` +
            `<form method="post" action="/interaction/${details.uid}/login">` +
            `<label>Tài khoản <input name="username" autofocus></label> ` +
            `<label>Mật khẩu <input name="password" type="password"></label> <button>Đăng nhập</button></form>`,
        );
    });
    router.post(
      '/:uid/login',
      urlencoded({ extended: false }),
      async (request: Request, response: Response) => {
        const { username, password } = request.body as { username?: string; password?: string };
        const person = username ? people.get(username) : undefined;
        if (!person || person.password !== password || this.disabled.has(person.username)) {
          this.faults.tally('loginsRefused');
          response.status(401).type('html').send('<p>Sai tài khoản hoặc mật khẩu.</p>');
          return;
        }
        this.faults.tally('logins');
        await provider.interactionFinished(
          request,
          response,
          { login: { accountId: person.username } },
          { mergeWithLastSubmission: false },
        );
      },
    );
    return router;
  }

  private adminRouter(): express.Router {
    const router = express.Router();
    router.post('/accounts/:id/revoke', (request, response) => {
      this.revoke(request.params.id);
      response.json({ revoked: request.params.id });
    });
    router.post('/accounts/:id/disable', (request, response) => {
      this.disable(request.params.id);
      response.json({ disabled: request.params.id });
    });
    router.post('/accounts/:id/enable', (request, response) => {
      this.disabled.delete(request.params.id);
      response.json({ enabled: request.params.id });
    });
    router.post('/ttl', (request, response) => {
      const body = request.body as { accessTokenSeconds?: number; refreshTokenSeconds?: number };
      this.setTokenLifetimes(body);
      response.json({ accessTokenSeconds: this.accessTtl, refreshTokenSeconds: this.refreshTtl });
    });
    return router;
  }

  /** Every token issued to this client or person until now is refused from now on. */
  revoke(accountId: string): void {
    this.revokedAt.set(accountId, Date.now());
    this.faults.count('revoked');
  }

  /** No token is issued to, or accepted from, this client or person until enabled again. */
  disable(accountId: string): void {
    this.disabled.add(accountId);
    this.faults.count('disabled');
  }

  setTokenLifetimes(lifetimes: {
    accessTokenSeconds?: number;
    refreshTokenSeconds?: number;
  }): void {
    if (lifetimes.accessTokenSeconds) this.accessTtl = lifetimes.accessTokenSeconds;
    if (lifetimes.refreshTokenSeconds) this.refreshTtl = lifetimes.refreshTokenSeconds;
  }

  /**
   * What a resource server does with a bearer token: signature against this provider's keys,
   * issuer, audience and expiry, then the revocation and disabled lists.
   */
  async verify(
    authorization: string | undefined,
    audience = this.resource,
  ): Promise<VerifiedToken> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
    if (!match) throw new TokenRejected('missing bearer token');
    const cacheKey = `${audience}\n${match[1]}`;
    let payload = this.verified.get(cacheKey);
    if (payload && Number(payload.exp) * 1000 <= Date.now()) {
      this.verified.delete(cacheKey);
      payload = undefined;
    }
    if (!payload) {
      try {
        ({ payload } = (await jwtVerify(match[1], this.jwks, {
          issuer: this.issuer,
          audience,
          typ: 'at+jwt',
        })) as {
          payload: VerifiedToken;
        });
      } catch (error) {
        throw new TokenRejected(`invalid token: ${(error as Error).message}`);
      }
      this.remember(cacheKey, payload);
    }
    const subject =
      typeof payload.sub === 'string' && payload.sub !== payload.client_id
        ? payload.sub
        : payload.client_id;
    if (this.disabled.has(subject)) throw new TokenRejected(`account ${subject} is disabled`);
    const revoked = this.revokedAt.get(subject);
    if (revoked && Number(payload.issued_ms ?? 0) <= revoked)
      throw new TokenRejected(`token of ${subject} was revoked`);
    return payload;
  }

  /**
   * Tokens whose signature, issuer, audience and type already verified, as a resource server
   * caches them: the expiry, the disabled and the revocation lists are still checked at every
   * request. The keys never rotate here, so a signature once good stays good.
   */
  private remember(cacheKey: string, payload: VerifiedToken): void {
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) {
      const now = Date.now();
      for (const [key, kept] of this.verified)
        if (Number(kept.exp) * 1000 <= now) this.verified.delete(key);
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.clear();
    }
    this.verified.set(cacheKey, payload);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function basicClientId(authorization: string): string | undefined {
  const match = /^Basic (.+)$/i.exec(authorization);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  return decodeURIComponent(decoded.slice(0, decoded.indexOf(':')));
}

/**
 * oidc-provider 9 warns that it prefers Node 22; it runs on Node 20.19+ (STACK.md), and the
 * warning on every start of the simulators would be noise. Loaded lazily with that one line muted.
 */
function loadOidcProvider(): typeof import('oidc-provider') {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
    warn(...args);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('oidc-provider') as typeof import('oidc-provider');
  } finally {
    console.warn = warn;
  }
}

/**
 * Storage of sessions, grants, codes and tokens for one provider: process memory, by design (a
 * simulator restarts empty). Expired entries are swept as new ones arrive.
 */
function memoryAdapter(): new (model: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt?: number }>();
  const byUserCode = new Map<string, string>();
  const byUid = new Map<string, string>();
  let writes = 0;
  const live = (key: string) => {
    const entry = store.get(key);
    return entry && (entry.expiresAt === undefined || entry.expiresAt >= Date.now())
      ? entry
      : undefined;
  };
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (++writes % 1000 === 0) for (const key of store.keys()) if (!live(key)) store.delete(key);
      store.set(this.key(id), {
        payload,
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
      });
      if (payload.userCode) byUserCode.set(payload.userCode, this.key(id));
      if (payload.uid) byUid.set(payload.uid, this.key(id));
      if (payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        const ids = (store.get(grantKey)?.payload.ids as string[] | undefined) ?? [];
        store.set(grantKey, {
          payload: { ids: [...ids, this.key(id)] },
          expiresAt: store.get(this.key(id))?.expiresAt,
        });
      }
      return Promise.resolve();
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      return Promise.resolve(live(this.key(id))?.payload);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const key = byUserCode.get(userCode);
      return Promise.resolve(key ? live(key)?.payload : undefined);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const key = byUid.get(uid);
      return Promise.resolve(key ? live(key)?.payload : undefined);
    }

    consume(id: string): Promise<void> {
      const entry = store.get(this.key(id));
      if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
      return Promise.resolve();
    }

    destroy(id: string): Promise<void> {
      store.delete(this.key(id));
      return Promise.resolve();
    }

    revokeByGrantId(grantId: string): Promise<void> {
      const grantKey = `grant:${grantId}`;
      for (const key of (store.get(grantKey)?.payload.ids as string[] | undefined) ?? [])
        store.delete(key);
      store.delete(grantKey);
      return Promise.resolve();
    }
  };
}
