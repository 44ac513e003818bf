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

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
/**
 * Every route of the API with what an authorised caller gets: a 2xx, or for writes sent empty or
 * to an unknown id, the 400/404 that shows the call got past the guard to the handler.
 */
const ENDPOINTS: Array<{
  method: 'get' | 'post';
  path: string;
  route: string;
  roles: string[];
  authorised: number;
}> = [
  ...['events', 'verify', 'checkpoints', 'export'].map((name) => ({
    method: 'get' as const,
    path: `/api/audit/${name}`,
    route: `GET /api/audit/${name}`,
    roles: ['auditor', 'admin'],
    authorised: 200,
  })),
  {
    method: 'get',
    path: '/metrics',
    route: 'GET /metrics',
    roles: ['operator', 'auditor', 'admin'],
    authorised: 200,
  },
  {
    method: 'get',
    path: '/api/admin/credentials',
    route: 'GET /api/admin/credentials',
    roles: ['admin'],
    authorised: 200,
  },
  {
    method: 'get',
    path: `/api/admin/credentials/${UNKNOWN}`,
    route: 'GET /api/admin/credentials/{id}',
    roles: ['admin'],
    authorised: 404,
  },
  {
    method: 'post',
    path: '/api/admin/credentials',
    route: 'POST /api/admin/credentials',
    roles: ['admin'],
    authorised: 400,
  },
  ...['rotate', 'disable', 'enable'].map((action) => ({
    method: 'post' as const,
    path: `/api/admin/credentials/${UNKNOWN}/${action}`,
    route: `POST /api/admin/credentials/{id}/${action}`,
    roles: ['admin'],
    authorised: 400,
  })),
  {
    method: 'post',
    path: '/api/sync',
    route: 'POST /api/sync',
    roles: ['operator', 'admin'],
    authorised: 400,
  },
  {
    method: 'get',
    path: '/api/transfers',
    route: 'GET /api/transfers',
    roles: ['operator', 'auditor', 'admin'],
    authorised: 200,
  },
  {
    method: 'get',
    path: `/api/transfers/${UNKNOWN}`,
    route: 'GET /api/transfers/{id}',
    roles: ['operator', 'auditor', 'admin'],
    authorised: 404,
  },
  {
    method: 'get',
    path: `/api/transfers/${UNKNOWN}/workbook`,
    route: 'GET /api/transfers/{id}/workbook',
    roles: ['operator', 'auditor'],
    authorised: 404,
  },
  {
    method: 'get',
    path: '/api/workbooks/draft',
    route: 'GET /api/workbooks/draft',
    roles: ['operator', 'auditor'],
    authorised: 400,
  },
  {
    method: 'get',
    path: '/api/workbooks/compliance',
    route: 'GET /api/workbooks/compliance',
    roles: ['operator', 'auditor'],
    authorised: 400,
  },
  ...['rerun', 'cancel'].map((action) => ({
    method: 'post' as const,
    path: `/api/transfers/${UNKNOWN}/${action}`,
    route: `POST /api/transfers/{id}/${action}`,
    roles: ['operator', 'admin'],
    authorised: 400,
  })),
  {
    method: 'post',
    path: '/api/transfers/rerun',
    route: 'POST /api/transfers/rerun',
    roles: ['operator', 'admin'],
    authorised: 400,
  },
  {
    method: 'post',
    path: '/api/reconcile',
    route: 'POST /api/reconcile',
    roles: ['operator', 'admin'],
    authorised: 400,
  },
  {
    method: 'get',
    path: '/api/discrepancies',
    route: 'GET /api/discrepancies',
    roles: ['operator', 'auditor', 'admin'],
    authorised: 200,
  },
  {
    method: 'post',
    path: `/api/discrepancies/${UNKNOWN}/resolve`,
    route: 'POST /api/discrepancies/{id}/resolve',
    roles: ['operator', 'admin'],
    authorised: 400,
  },
  // The gateway under test reads with its service account: a person's sign-in is a conflict.
  {
    method: 'post',
    path: '/api/admin/provincial/sign-in',
    route: 'POST /api/admin/provincial/sign-in',
    roles: ['admin'],
    authorised: 409,
  },
  {
    method: 'post',
    path: `/api/admin/credentials/${UNKNOWN}/test`,
    route: 'POST /api/admin/credentials/{id}/test',
    roles: ['admin'],
    authorised: 404,
  },
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

  const WHO = ['none', 'expired', 'wrong audience', 'wrong issuer', 'operator', 'auditor', 'admin'];
  const expectedFor = (endpoint: (typeof ENDPOINTS)[number], who: string) =>
    ['none', 'expired', 'wrong audience', 'wrong issuer'].includes(who)
      ? 401
      : endpoint.roles.includes(who)
        ? endpoint.authorised
        : 403;

  it.each(
    ENDPOINTS.flatMap((endpoint) => WHO.map((who) => [endpoint.route, who, endpoint] as const)),
  )('%s with %s token', async (_route, who, endpoint) => {
    const call = request(gateway.url)[endpoint.method](endpoint.path);
    if (who !== 'none') call.set('Authorization', `Bearer ${tokens[who]}`);
    const response = endpoint.method === 'post' ? await call.send({}) : await call;
    expect(response.status).toBe(expectedFor(endpoint, who));
    if (response.status === 401)
      expect(response.headers['www-authenticate']).toContain('invalid_token');
    // Every refusal: a stable code, a Vietnamese message and the request id.
    if (response.status >= 400)
      expect(response.body).toMatchObject({
        statusCode: response.status,
        code: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/),
        message: expect.any(String),
        requestId: response.headers['x-request-id'],
      });
  });

  it('covers every route of the API description', async () => {
    const document = (await request(gateway.url).get('/api/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths).flatMap(([route, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`),
    );
    const open = ['GET /health', 'GET /health/ready', 'GET /api/auth/provincial/callback'];
    expect(documented.filter((route) => !open.includes(route)).sort()).toEqual(
      ENDPOINTS.map((endpoint) => endpoint.route).sort(),
    );
  });

  it('/health stays open', async () => {
    await request(gateway.url).get('/health').expect(200);
    await request(gateway.url).get('/health/ready').expect(200);
    // The SSO's redirect lands without a bearer token; a forged state is refused by the handler.
    await request(gateway.url).get('/api/auth/provincial/callback?code=x&state=y').expect(400);
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
