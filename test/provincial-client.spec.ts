import { FormCatalogue } from '../src/catalog/forms';
import { UnitRegistry } from '../src/catalog/units';
import { RemoteSystemError } from '../src/common/remote-system-error';
import { loadConfig } from '../src/config/load-config';
import { ProvincialClient } from '../src/provincial/provincial.client';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { remoteSystemsEnv } from '../src/simulators/demo';

describe('the provincial client against the simulated provincial system and SSO', () => {
  let sims: RunningSimulators;
  const configFor = (overrides: Record<string, string> = {}) =>
    loadConfig({
      env: {
        ...remoteSystemsEnv(sims),
        AUDIT_SIGNING_KEY_FILE: '/nonexistent/only-checked-when-used.pem',
        VAULT_KEY_FILE: '/nonexistent/only-checked-when-used.key',
        ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
        ...overrides,
      },
    });
  const counters = async (origin: string) =>
    (await (await fetch(`${origin}/__admin/counters`)).json()) as Record<string, any>;
  const reset = (origin: string) => fetch(`${origin}/__admin/reset`, { method: 'POST' });
  const faults = (origin: string, settings: object) =>
    fetch(`${origin}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims.stop());
  beforeEach(async () => {
    await Promise.all([reset(sims.provincialReports.origin), reset(sims.provincialSso.issuer)]);
  });

  it('fills the unit registry from the provincial system: the tree in force decides who files what', async () => {
    const client = new ProvincialClient(configFor());
    const registry = new UnitRegistry(await client.units());
    expect(registry.units).toHaveLength(sims.data.units.length);
    const filings = registry.filings('2025-Q1', FormCatalogue.load());
    expect(filings.filter((filing) => filing.form.code === 'II.06/VPCP/KSTT')).toHaveLength(13);
    expect(await client.sectors()).toEqual(sims.data.sectors);
  });

  it('reads every report of a period across pages', async () => {
    const client = new ProvincialClient(configFor());
    const ids: string[] = [];
    for await (const report of client.reports({ periodId: '2025-Q1' })) ids.push(report.reportId);
    expect(ids.sort()).toEqual(
      sims.data.reports
        .filter((report) => report.periodId === '2025-Q1')
        .map((report) => report.reportId)
        .sort(),
    );
  });

  it('100 concurrent calls make one token request', async () => {
    const client = new ProvincialClient(configFor());
    await Promise.all(Array.from({ length: 100 }, () => client.periods()));
    expect((await counters(sims.provincialSso.issuer)).tokensIssued).toBe(1);
    expect((await counters(sims.provincialReports.origin)).byStatus).toEqual({ '200': 100 });
  });

  it('a revoked token is dropped and the call tried once more with a new one', async () => {
    const client = new ProvincialClient(configFor());
    await client.periods();
    sims.provincialSso.revoke(sims.credentials.provincialClient.clientId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await client.periods()).length).toBeGreaterThan(0);
    expect((await counters(sims.provincialSso.issuer)).tokensIssued).toBe(2);
    expect((await counters(sims.provincialReports.origin)).byStatus).toEqual({
      '200': 2,
      '401': 1,
    });
  });

  it('a disabled account is a non-retryable error naming it, with no storm of token requests', async () => {
    const client = new ProvincialClient(configFor());
    sims.provincialSso.disable(sims.credentials.provincialClient.clientId);
    try {
      const errors = await Promise.all(
        Array.from({ length: 20 }, () => client.periods().catch((error: unknown) => error)),
      );
      for (const error of errors) {
        expect(error).toBeInstanceOf(RemoteSystemError);
        expect(error).toMatchObject({
          system: 'provincial-sso',
          retryable: false,
          account: 'baocao-gateway',
        });
      }
      // Later calls get the remembered refusal without asking the SSO again.
      await expect(client.periods()).rejects.toMatchObject({
        retryable: false,
        account: 'baocao-gateway',
      });
      const seen = await counters(sims.provincialSso.issuer);
      expect(seen.byRoute['POST /token']).toBe(1);
    } finally {
      await fetch(`${sims.provincialSso.issuer}/__admin/accounts/baocao-gateway/enable`, {
        method: 'POST',
      });
    }
  });

  it('server errors are retryable, throttling carries Retry-After, and no AxiosError escapes', async () => {
    const client = new ProvincialClient(configFor());
    await client.periods();
    await faults(sims.provincialReports.origin, { errorRate: 1, errorStatuses: [503] });
    await expect(client.periods()).rejects.toMatchObject({
      name: 'RemoteSystemError',
      system: 'provincial',
      status: 503,
      retryable: true,
    });
    await faults(sims.provincialReports.origin, {
      errorRate: 0,
      throttleRate: 1,
      retryAfterSeconds: 9,
    });
    await expect(client.periods()).rejects.toMatchObject({
      status: 429,
      retryable: true,
      retryAfterSeconds: 9,
    });
    await faults(sims.provincialReports.origin, { throttleRate: 0 });
    await expect(client.reports({ periodId: 'Q1-2025' }).next()).rejects.toMatchObject({
      status: 400,
      retryable: false,
      message: expect.stringContaining('periodId'),
    });
  });

  it('refuses plain http unless allowed, and then only to loopback', () => {
    expect(() => new ProvincialClient(configFor({ ALLOW_PLAIN_HTTP_LOOPBACK: 'false' }))).toThrow(
      /chỉ cho phép https/,
    );
    expect(
      () =>
        new ProvincialClient(
          configFor({ PROVINCIAL_BASE_URL: 'http://baocao.quangngai.gov.vn/api' }),
        ),
    ).toThrow(expect.objectContaining({ code: 'OUTBOUND_NOT_HTTPS' }));
  });
});
