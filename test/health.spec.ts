import { Client } from 'pg';
import request from 'supertest';
import { LifecycleService } from '../src/common/lifecycle.service';
import { adminQuery, freshDatabaseUrl } from './support/database';
import { startTestGateway, type TestGateway } from './support/gateway';

describe('health', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  it('GET /health answers while the process lives, without touching the database', async () => {
    const response = await request(gateway.url).get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready reports the database and the migrations', async () => {
    const response = await request(gateway.url).get('/health/ready').expect(200);
    expect(response.body.details).toEqual({
      lifecycle: { status: 'up' },
      database: { status: 'up', responseTime: expect.any(Number) },
      migrations: { status: 'up' },
      faults: { status: 'up' },
    });
  });

  it('the API description lists the health endpoints', async () => {
    const response = await request(gateway.url).get('/api/openapi.json').expect(200);
    expect(Object.keys(response.body.paths as object)).toEqual(
      expect.arrayContaining(['/health', '/health/ready']),
    );
  });
});

describe('readiness when not ready', () => {
  it('is 503 naming a migration the database has not recorded', async () => {
    const databaseUrl = await freshDatabaseUrl({ fromTemplate: true });
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    const [{ name }] = (
      await client.query<{ name: string }>(
        'DELETE FROM typeorm_migrations WHERE id = (SELECT max(id) FROM typeorm_migrations) RETURNING name',
      )
    ).rows;
    await client.end();
    const gateway = await startTestGateway({
      env: { DATABASE_MIGRATIONS_RUN: 'false' },
      databaseUrl,
    });
    try {
      const response = await request(gateway.url).get('/health/ready').expect(503);
      expect(response.body.error.migrations).toEqual({ status: 'down', pending: [name] });
    } finally {
      await gateway.close();
    }
  });

  it('refuses to start on an unmigrated database when start-up migrations are off', async () => {
    const databaseUrl = await freshDatabaseUrl({ fromTemplate: false });
    const gateway = await startTestGateway({
      env: { DATABASE_MIGRATIONS_RUN: 'false' },
      databaseUrl,
    }).catch((error: unknown) => error);
    // With migrations off and an empty database the node registry cannot be written: the
    // gateway must refuse to start rather than run half-initialised.
    expect(gateway).toBeInstanceOf(Error);
    expect(String((gateway as Error).message)).toMatch(
      /relation "(gateway_node|audit_pending)" does not exist/,
    );
    // A backend leaves pg_stat_activity a moment after its client disconnects: poll briefly.
    let connections = '';
    for (let attempt = 0; attempt < 40 && connections !== '0'; attempt++) {
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await adminQuery<{ count: string }>(
        'SELECT count(*) FROM pg_stat_activity WHERE datname = $1',
        [new URL(databaseUrl).pathname.slice(1)],
      );
      connections = rows[0].count;
    }
    expect(connections).toBe('0');
  });

  it('is 503 once shutdown has begun, while liveness stays 200', async () => {
    const gateway = await startTestGateway();
    try {
      gateway.app.get(LifecycleService).beginShutdown();
      const response = await request(gateway.url).get('/health/ready').expect(503);
      expect(response.body.error.lifecycle).toEqual({ status: 'down', reason: 'shutting down' });
      await request(gateway.url).get('/health').expect(200);
    } finally {
      await gateway.close();
    }
  });
});
