import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { openApiDocument } from '../src/bootstrap';
import { type RunningSimulators } from '../src/simulators/simulators';
import { type TestGateway } from './support/gateway';
import { startSimulatedGateway } from './support/simulated-gateway';
import { personToken } from './support/gateway-env';

const VIETNAMESE = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;

interface Route {
  method: 'GET' | 'POST';
  path: string;
  query: string[];
  pathParameters: string[];
}

/** What a hostile client puts where a value goes. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.uuid(),
  // Shaped like a UUID, but not one.
  fc.stringMatching(/^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/),
  fc.constantFrom(
    '99999999999999999999999999',
    '-1',
    '1e400',
    'NaN',
    '0',
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2025-Q5',
    '99999-Q1',
    '1900-Q1',
    '2100-Q4',
    '%00',
    '\u0000',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    'a'.repeat(5000),
  ),
  fc.integer().map(String),
  fc.double().map(String),
);

const hostileBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      periodId: hostileText,
      units: fc.oneof(fc.array(hostileText, { maxLength: 3 }), hostileText),
      forms: fc.oneof(fc.array(hostileText, { maxLength: 3 }), hostileText),
      dryRun: fc.oneof(fc.boolean(), hostileText),
      reason: fc.oneof(hostileText, fc.integer()),
      action: hostileText,
      secret: hostileText,
      system: hostileText,
      kind: hostileText,
      account: hostileText,
    },
    { requiredKeys: [] },
  ),
);

/**
 * Every route and parameter of the API, tried as a hostile client would (fast-check): whatever
 * comes, the answer is never a 5xx; a refusal carries a stable code, a Vietnamese message and a
 * request id; and the gateway is healthy afterwards.
 */
describe('hostile input', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let routes: Route[];
  let token: string;

  beforeAll(async () => {
    ({ sims, gateway } = await startSimulatedGateway({ SERVER_BODY_LIMIT_BYTES: '65536' }));
    const document = openApiDocument(gateway.app);
    routes = Object.entries(document.paths).flatMap(([path, item]) =>
      (['get', 'post'] as const)
        .filter((method) => item[method])
        .map((method) => {
          const parameters = (item[method]!.parameters ?? []) as Array<{
            name: string;
            in: string;
          }>;
          return {
            method: method.toUpperCase() as 'GET' | 'POST',
            path,
            query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
            pathParameters: parameters.filter((p) => p.in === 'path').map((p) => p.name),
          };
        }),
    );
    token = await personToken(sims, (person) => person.role === 'admin');
  });
  afterAll(async () => {
    await gateway?.close();
    await sims?.stop();
  });

  async function expectRefusedWell(response: Response, what: string): Promise<void> {
    const text = await response.text();
    if (response.status >= 500) throw new Error(`${what} answered ${response.status}: ${text}`);
    if (response.status < 400) return;
    const body = JSON.parse(text) as { code?: string; message?: string; requestId?: string };
    expect({ what, code: body.code }).toEqual({
      what,
      code: expect.stringMatching(/^[A-Z0-9_]+$/),
    });
    expect({ what, message: VIETNAMESE.test(body.message ?? '') }).toEqual({ what, message: true });
    expect({ what, requestId: Boolean(body.requestId) }).toEqual({ what, requestId: true });
  }

  it('covers the routes of the API description', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  it('no route and no parameter, however malformed, gets a 5xx', async () => {
    const request = fc.record({
      route: fc.constantFrom(...routes),
      values: fc.dictionary(fc.string({ maxLength: 12 }), hostileText, { maxKeys: 4 }),
      pathValue: hostileText,
      body: hostileBody,
      repeated: fc.boolean(),
    });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ route, values, pathValue, body, repeated }) => {
        const path = route.pathParameters.reduce(
          (built, name) => built.replace(`{${name}}`, encodeURIComponent(pathValue)),
          route.path,
        );
        const query = new URLSearchParams();
        for (const name of route.query) if (values[name] === undefined) continue;
        for (const [index, name] of route.query.entries()) {
          const value = Object.values(values)[index % Math.max(1, Object.keys(values).length)];
          if (value === undefined) continue;
          query.append(name, value);
          if (repeated) query.append(name, value);
        }
        const url = `${gateway.url}${path}${query.size ? `?${query.toString()}` : ''}`;
        const response = await fetch(url, {
          method: route.method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}),
          },
          body: route.method === 'POST' ? JSON.stringify(body) : undefined,
        });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        await expectRefusedWell(response, `${route.method} ${url}`);
      }),
      { numRuns: 250 },
    );
    // The property reached the handlers, not only the guard: successes and refusals both came.
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect([...statuses.keys()].some((status) => status >= 200 && status < 300)).toBe(true);
  }, 170_000);

  it('bodies too large, in another charset or encoding, or not what they claim get a 4xx', async () => {
    const post = (headers: Record<string, string>, body: string | Uint8Array) =>
      fetch(`${gateway.url}/api/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...headers },
        body,
      });
    const json = { 'content-type': 'application/json' };
    const cases: Array<[string, Promise<Response>, number, string]> = [
      [
        'too large',
        post(json, JSON.stringify({ reason: 'x'.repeat(70_000) })),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'koi8-r',
        post({ 'content-type': 'application/json; charset=koi8-r' }, '{}'),
        415,
        'CHARSET_UNSUPPORTED',
      ],
      [
        'compress claimed',
        post({ ...json, 'content-encoding': 'compress' }, '{}'),
        415,
        'CONTENT_ENCODING_UNSUPPORTED',
      ],
      [
        'gzip that is not',
        post({ ...json, 'content-encoding': 'gzip' }, 'not gzip'),
        400,
        'BODY_INVALID',
      ],
      [
        'gzip of too much',
        post(
          { ...json, 'content-encoding': 'gzip' },
          gzipSync(JSON.stringify({ reason: 'x'.repeat(200_000) })),
        ),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      ['not JSON', post(json, '{bad'), 400, 'BODY_INVALID'],
    ];
    for (const [what, sent, status, code] of cases) {
      const response = await sent;
      const text = await response.text();
      expect({
        what,
        status: response.status,
        code: (JSON.parse(text) as { code: string }).code,
      }).toEqual({ what, status, code });
      expect(JSON.parse(text)).toMatchObject({
        requestId: expect.stringMatching(/\S/),
        message: expect.stringMatching(VIETNAMESE),
      });
    }
  });

  it('an export whose filter is bad answers 400 instead of dropping the connection', async () => {
    for (const filter of [
      'since=nope',
      'until=+275760-09-13T00:00:00Z',
      'period=2025-Q9',
      'transfer=zzz',
    ]) {
      const response = await fetch(`${gateway.url}/api/audit/export?${filter}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect({ filter, status: response.status }).toEqual({ filter, status: 400 });
      await expectRefusedWell(response, filter);
    }
  });

  it('is healthy afterwards', async () => {
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
  });
});
