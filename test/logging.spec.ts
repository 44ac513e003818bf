import { Logger } from '@nestjs/common';
import request from 'supertest';
import { startTestGateway, type TestGateway } from './support/gateway';

describe('logging', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  const secrets = {
    bearer: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvcGVyYXRvciJ9.c2lnbmF0dXJlLXNlY3JldA',
    cookie: 'session-cookie-secret-123',
    apiKey: 'api-key-secret-456',
    queryToken: 'query-token-secret-789',
    clientSecret: 'client-secret-abc',
    password: 'password-secret-def',
  };

  it('writes JSON lines with the request, and none of the secrets it carried', async () => {
    await request(gateway.url)
      .get(`/health/ready?access_token=${secrets.queryToken}&unit=UBND-BINHSON`)
      .set('Authorization', `Bearer ${secrets.bearer}`)
      .set('Cookie', `sid=${secrets.cookie}`)
      .set('X-Api-Key', secrets.apiKey)
      .set('X-Request-Id', 'req-logging-1')
      .expect(200);
    new Logger('Test').log(
      {
        account: { clientSecret: secrets.clientSecret, password: secrets.password },
        unit: 'UBND-BINHSON',
      },
      'credential used',
    );
    new Logger('Test').error(`login failed with Bearer ${secrets.bearer}`);

    const lines = gateway.logLines;
    const requestLine = lines
      .map((line) => JSON.parse(line) as Record<string, any>)
      .find((entry) => entry.req?.id === 'req-logging-1');
    expect(requestLine).toBeDefined();
    expect(requestLine!.req.url).toContain('unit=UBND-BINHSON');
    expect(requestLine!.req.headers.authorization).toBe('[redacted]');
    expect(requestLine!.res.statusCode).toBe(200);
    expect(
      lines.some((line) => line.includes('credential used') && line.includes('UBND-BINHSON')),
    ).toBe(true);
    expect(lines.some((line) => line.includes('login failed with Bearer [redacted]'))).toBe(true);
    for (const [name, secret] of Object.entries(secrets)) {
      const leaking = lines.filter((line) => line.includes(secret));
      expect({ name, leaking }).toEqual({ name, leaking: [] });
    }
  });

  it('answers an unexpected error with a request id and no stack', async () => {
    const response = await request(gateway.url)
      .get('/no-such-route')
      .set('X-Request-Id', 'req-404')
      .expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, requestId: 'req-404' });
    expect(JSON.stringify(response.body)).not.toContain(' at ');
  });
});
