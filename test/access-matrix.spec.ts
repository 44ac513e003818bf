import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { SimulatedIdentityProvider } from '../src/simulators/identity-provider';
import {
  GATEWAY_API_SCOPE,
  startSimulators,
  type RunningSimulators,
} from '../src/simulators/simulators';
import { freshDatabaseUrl } from './support/database';
import { startTestGateway, type TestGateway } from './support/gateway';
import { clientCredentials, signIn } from './support/oidc-login';

const ENDPOINTS = [
  '/api/audit/events',
  '/api/audit/verify',
  '/api/audit/checkpoints',
  '/api/audit/export',
];

describe("the gateway's own API: who may call what", () => {
  let sims: RunningSimulators;
  let stranger: SimulatedIdentityProvider;
  let gateway: TestGateway;
  const tokens: Record<string, string> = {};

  const person = (role: string) =>
    sims.credentials.people.find((candidate) => candidate.role === role)!;
  const consoleClient = () => ({
    id: sims.credentials.consoleClient.clientId,
    secret: sims.credentials.consoleClient.clientSecret,
    redirectUri: sims.credentials.consoleClient.redirectUris[0],
  });

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      redirectUris: ['http://127.0.0.1:9/callback'],
    });
    stranger = await SimulatedIdentityProvider.start({
      name: 'another-sso',
      clients: [
        {
          clientId: consoleClient().id,
          clientSecret: consoleClient().secret,
          grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris: [consoleClient().redirectUri],
        },
      ],
      people: sims.credentials.people.map((candidate) => ({
        username: candidate.username,
        password: candidate.password,
        name: candidate.name,
        claims: { role: candidate.role },
      })),
      resources: [{ indicator: sims.urls.gatewayApiResource, scope: GATEWAY_API_SCOPE }],
    });
    const key = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    gateway = await startTestGateway({
      env: {
        ACCESS_ISSUER: sims.urls.provincialSso,
        ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
        AUDIT_SIGNING_KEY: key,
      },
      databaseUrl: await freshDatabaseUrl({ fromTemplate: true }),
    });
    for (const role of ['operator', 'auditor', 'admin']) {
      tokens[role] = (
        await signIn(
          sims.provincialSso.issuer,
          consoleClient(),
          person(role),
          sims.urls.gatewayApiResource,
        )
      ).access_token;
    }
    tokens['wrong audience'] = (
      await clientCredentials(
        sims.provincialSso.issuer,
        {
          id: sims.credentials.provincialClient.clientId,
          secret: sims.credentials.provincialClient.clientSecret,
        },
        'baocao.read',
      )
    ).access_token;
    tokens['wrong issuer'] = (
      await signIn(
        stranger.issuer,
        consoleClient(),
        person('auditor'),
        sims.urls.gatewayApiResource,
      )
    ).access_token;
    sims.provincialSso.setTokenLifetimes({ accessTokenSeconds: 1 });
    tokens.expired = (
      await signIn(
        sims.provincialSso.issuer,
        consoleClient(),
        person('auditor'),
        sims.urls.gatewayApiResource,
      )
    ).access_token;
    sims.provincialSso.setTokenLifetimes({ accessTokenSeconds: 600 });
    await new Promise((resolve) => setTimeout(resolve, 7000));
  });
  afterAll(async () => {
    await gateway.close();
    await stranger.stop();
    await sims.stop();
  });

  const expected: Record<string, number> = {
    none: 401,
    expired: 401,
    'wrong audience': 401,
    'wrong issuer': 401,
    operator: 403,
    auditor: 200,
    admin: 200,
  };

  it.each(
    ENDPOINTS.flatMap((endpoint) => Object.keys(expected).map((who) => [endpoint, who] as const)),
  )('%s with %s token', async (endpoint, who) => {
    const call = request(gateway.url).get(endpoint);
    if (who !== 'none') call.set('Authorization', `Bearer ${tokens[who]}`);
    const response = await call;
    expect(response.status).toBe(expected[who]);
    if (expected[who] === 401)
      expect(response.headers['www-authenticate']).toContain('invalid_token');
  });

  it('/health stays open', async () => {
    await request(gateway.url).get('/health').expect(200);
    await request(gateway.url).get('/health/ready').expect(200);
  });

  it('a bad parameter is a 400 naming it', async () => {
    for (const [query, parameter] of [
      ['since=yesterday', 'since'],
      ['period=Q1', 'period'],
      ['limit=5000', 'limit'],
    ]) {
      const response = await request(gateway.url)
        .get(`/api/audit/events?${query}`)
        .set('Authorization', `Bearer ${tokens.auditor}`);
      expect({ query, status: response.status, parameter: response.body.parameter }).toEqual({
        query,
        status: 400,
        parameter,
      });
    }
  });

  it('an auditor verifies, pages through events and exports; the export names the auditor in the log', async () => {
    const auth = { Authorization: `Bearer ${tokens.auditor}` };
    const verified = await request(gateway.url).get('/api/audit/verify').set(auth).expect(200);
    expect(verified.body).toMatchObject({ ok: true });
    const exported = await request(gateway.url)
      .get('/api/audit/export?format=jsonl')
      .set(auth)
      .expect(200);
    const lines = exported.text.trimEnd().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({
      kind: 'baocao-gateway/audit-export@1',
      complete: true,
    });
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ kind: 'end' });
    const events = await request(gateway.url)
      .get('/api/audit/events?action=audit.export&limit=10')
      .set(auth)
      .expect(200);
    expect(
      events.body.items.some(
        (event: { actor: string }) => event.actor === person('auditor').username,
      ),
    ).toBe(true);
  });
});
