import { freshDatabaseUrl } from './support/database';
import { startTestGateway, type TestGateway } from './support/gateway';

/** Per-caller rate limits: 429 with Retry-After and a Vietnamese message; probes never limited. */
describe('rate limits', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      env: { SERVER_RATE_LIMIT_PER_MINUTE: '5' },
      databaseUrl: await freshDatabaseUrl({ fromTemplate: true }),
    });
  });
  afterAll(() => gateway?.close());

  it('a caller over the limit gets 429 with Retry-After; another caller and /health do not', async () => {
    const call = (token: string) =>
      fetch(`${gateway.url}/api/transfers`, { headers: { authorization: `Bearer ${token}` } });
    const statuses: number[] = [];
    for (let index = 0; index < 7; index++) statuses.push((await call('caller-a')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await call('caller-a');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: expect.stringContaining('Quá nhiều yêu cầu'),
      requestId: expect.stringMatching(/\S/),
    });
    expect((await call('caller-b')).status).toBe(401);
    for (let index = 0; index < 10; index++)
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });
});
