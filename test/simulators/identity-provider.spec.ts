import { createRemoteJWKSet, jwtVerify } from 'jose';
import { SimulatedIdentityProvider, TokenRejected } from '../../src/simulators/identity-provider';
import {
  clientCredentials,
  decodeJwt,
  discover,
  signIn,
  tokenRequest,
} from '../support/oidc-login';

const resource = 'http://national.test/api';
const service = { id: 'unit-51.QNG-SO-TC.nhap', secret: 'service-secret-1' };
const web = {
  id: 'console',
  secret: 'console-secret-1',
  redirectUri: 'http://127.0.0.1:9/callback',
};
const person = { username: 'vanthu@quangngai.gov.vn', password: 'pass-1' };

describe('simulated identity provider', () => {
  let idp: SimulatedIdentityProvider;
  beforeAll(async () => {
    idp = await SimulatedIdentityProvider.start({
      name: 'national-idp',
      clients: [
        {
          clientId: service.id,
          clientSecret: service.secret,
          grantTypes: ['client_credentials'],
          claims: { unit: 'QNG-SO-TC', rights: ['nhap'] },
        },
        {
          clientId: web.id,
          clientSecret: web.secret,
          grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris: [web.redirectUri],
        },
      ],
      people: [{ ...person, name: 'Văn thư (demo)', claims: { role: 'operator' } }],
      resources: [{ indicator: resource, scope: 'reports' }],
      accessTokenTtlSeconds: 60,
    });
  });
  afterAll(() => idp.stop());

  it('publishes discovery and a JWKS', async () => {
    const discovery = await discover(idp.issuer);
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.grant_types_supported).toEqual(
      expect.arrayContaining(['client_credentials', 'authorization_code', 'refresh_token']),
    );
    expect(discovery.revocation_endpoint).toBeDefined();
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as {
      keys: Array<{ d?: string }>;
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
  });

  it('issues JWT access tokens by client credentials, with the account claims and the API audience', async () => {
    const token = await clientCredentials(idp.issuer, service, 'reports');
    const { payload } = await jwtVerify(
      token.access_token,
      createRemoteJWKSet(new URL(String((await discover(idp.issuer)).jwks_uri))),
      {
        issuer: idp.issuer,
        audience: resource,
      },
    );
    expect(payload).toMatchObject({
      client_id: service.id,
      unit: 'QNG-SO-TC',
      rights: ['nhap'],
      scope: 'reports',
    });
    expect(token.expires_in).toBe(60);
    await expect(idp.verify(`Bearer ${token.access_token}`)).resolves.toMatchObject({
      unit: 'QNG-SO-TC',
    });
  });

  it('refuses a wrong client secret', async () => {
    const response = await tokenRequest(
      idp.issuer,
      { id: service.id, secret: 'wrong' },
      { grant_type: 'client_credentials' },
    );
    expect(response.status).toBe(401);
  });

  it('signs a person in by authorization code, with a refresh token and the role claim', async () => {
    const tokens = await signIn(idp.issuer, web, person);
    expect(tokens.refresh_token).toBeDefined();
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: person.username,
      role: 'operator',
      aud: resource,
    });
    const refreshed = await tokenRequest(idp.issuer, web, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
    });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as { access_token: string };
    expect(decodeJwt(body.access_token).sub).toBe(person.username);
  });

  it('refuses a wrong password at the login form', async () => {
    await expect(signIn(idp.issuer, web, { ...person, password: 'nope' })).rejects.toThrow(/401/);
    expect(idp.faults.counters.loginsRefused).toBeGreaterThanOrEqual(1);
  });

  it('revocation refuses every token issued before it, and the refresh token too', async () => {
    const before = await clientCredentials(idp.issuer, service);
    const tokens = await signIn(idp.issuer, web, person);
    // Accepted once (and so kept as verified), then refused once revoked.
    await expect(idp.verify(`Bearer ${before.access_token}`)).resolves.toBeDefined();
    idp.revoke(service.id);
    idp.revoke(person.username);
    await expect(idp.verify(`Bearer ${before.access_token}`)).rejects.toThrow(TokenRejected);
    await expect(idp.verify(`Bearer ${tokens.access_token}`)).rejects.toThrow(/revoked/);
    const refreshed = await tokenRequest(idp.issuer, web, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
    const after = await clientCredentials(idp.issuer, service);
    await expect(idp.verify(`Bearer ${after.access_token}`)).resolves.toMatchObject({
      client_id: service.id,
    });
    expect(idp.faults.counters.faults.revoked).toBe(2);
  });

  it('a disabled account gets no token', async () => {
    idp.disable(service.id);
    try {
      const response = await tokenRequest(idp.issuer, service, {
        grant_type: 'client_credentials',
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    } finally {
      await fetch(`${idp.issuer}/__admin/accounts/${service.id}/enable`, { method: 'POST' });
    }
    expect(
      (await tokenRequest(idp.issuer, service, { grant_type: 'client_credentials' })).status,
    ).toBe(200);
  });

  it('token lifetimes change at run time and expired tokens are refused', async () => {
    const admin = await fetch(`${idp.issuer}/__admin/ttl`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessTokenSeconds: 3 }),
    });
    expect(admin.status).toBe(200);
    const token = await clientCredentials(idp.issuer, service);
    expect(token.expires_in).toBe(3);
    // Accepted while fresh (and so kept as verified), refused once expired. Lifetimes are whole
    // seconds counted from a whole second: one of 1 s may be over a moment after it is issued.
    await expect(idp.verify(`Bearer ${token.access_token}`)).resolves.toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 4100));
    await expect(idp.verify(`Bearer ${token.access_token}`)).rejects.toThrow(/exp/);
    idp.setTokenLifetimes({ accessTokenSeconds: 60 });
  });
});
