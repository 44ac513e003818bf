import type { Page, ProvincialReport, UnitRecord } from '../../src/contracts/provincial-wire';
import { generateDemoDataSet } from '../../src/simulators/data/demo-data';
import { SimulatedIdentityProvider } from '../../src/simulators/identity-provider';
import {
  PROVINCIAL_SCOPE,
  ProvincialReportSystem,
} from '../../src/simulators/provincial-report-system';
import { clientCredentials } from '../support/oidc-login';

const gateway = { id: 'baocao-gateway', secret: 'gateway-secret' };
const stranger = { id: 'other-app', secret: 'other-secret' };

describe('provincial report system simulator', () => {
  const data = generateDemoDataSet({ asOf: new Date('2026-11-27T12:00:00Z') });
  let sso: SimulatedIdentityProvider;
  let otherIdp: SimulatedIdentityProvider;
  let system: ProvincialReportSystem;
  let token: string;

  const get = async (path: string, bearer = token) => {
    const response = await fetch(`${system.url}${path}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as any,
    };
  };

  beforeAll(async () => {
    const clients = [
      {
        clientId: gateway.id,
        clientSecret: gateway.secret,
        grantTypes: ['client_credentials' as const],
      },
      {
        clientId: stranger.id,
        clientSecret: stranger.secret,
        grantTypes: ['client_credentials' as const],
      },
    ];
    sso = await SimulatedIdentityProvider.start({
      name: 'provincial-sso',
      clients,
      resources: [{ indicator: 'http://provincial.test/api', scope: PROVINCIAL_SCOPE }],
    });
    otherIdp = await SimulatedIdentityProvider.start({
      name: 'other',
      clients,
      resources: [{ indicator: 'http://provincial.test/api', scope: PROVINCIAL_SCOPE }],
    });
    system = await ProvincialReportSystem.start({ data, sso });
    token = (await clientCredentials(sso.issuer, gateway, PROVINCIAL_SCOPE)).access_token;
  });
  afterAll(async () => {
    await system.stop();
    await sso.stop();
    await otherIdp.stop();
  });

  describe('refuses requests without a valid SSO token', () => {
    it('no token: 401 with WWW-Authenticate', async () => {
      const response = await fetch(`${system.url}/units`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('invalid_token');
    });

    it('a token from another issuer: 401', async () => {
      const foreign = (await clientCredentials(otherIdp.issuer, gateway, PROVINCIAL_SCOPE))
        .access_token;
      expect((await get('/units', foreign)).status).toBe(401);
    });

    it('a token without the scope: 403', async () => {
      const unscoped = (await clientCredentials(sso.issuer, stranger)).access_token;
      const response = await get('/units', unscoped);
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('insufficient_scope');
    });

    it('an expired token: 401', async () => {
      sso.setTokenLifetimes({ accessTokenSeconds: 1 });
      const short = (await clientCredentials(sso.issuer, gateway, PROVINCIAL_SCOPE)).access_token;
      sso.setTokenLifetimes({ accessTokenSeconds: 600 });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await get('/units', short);
      expect(response.status).toBe(401);
      expect(response.body.message).toMatch(/exp/);
    });
  });

  it('serves the unit registry as in force on a date', async () => {
    const before = await get('/units?validOn=2025-03-14&limit=500');
    const after = await get('/units?validOn=2025-09-14&level=commune&limit=500');
    expect(
      (before.body as Page<UnitRecord>).items.filter((unit) => unit.level === 'district'),
    ).toHaveLength(13);
    expect((after.body as Page<UnitRecord>).total).toBe(96);
  });

  it('serves sectors in the vendor field names, periods and indicators', async () => {
    expect((await get('/sectors')).body.items[0]).toEqual({
      MALINHVUC: 'LV-DATDAI',
      TENLINHVUC: 'Đất đai',
      MANGANH: 'NGANH-NNMT',
    });
    expect(
      (await get('/periods')).body.items.map((period: { periodId: string }) => period.periodId),
    ).toContain('2025-Q1');
    expect((await get('/indicators')).body.items.length).toBeGreaterThan(10);
  });

  it('pages through a period by keyset: every report once, in update order', async () => {
    const seen: ProvincialReport[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Page<ProvincialReport> } = await get(
        `/reports?periodId=2025-Q1&limit=37${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const expected = data.reports.filter((report) => report.periodId === '2025-Q1');
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen.map((report) => report.reportId)).size).toBe(expected.length);
    const keys = seen.map((report) => `${report.updatedAt}|${report.reportId}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('filters by unit, status and updated-since', async () => {
    const one = await get('/reports?periodId=2025-Q1&officeCode=QNG-SO-TC');
    expect(one.body.items).toHaveLength(1);
    expect(one.body.items[0]).toEqual(
      data.reports.find((report) => report.reportId === '2025-Q1.QNG-SO-TC.KSTT'),
    );
    const drafts = await get('/reports?status=draft&limit=200');
    expect(drafts.body.items.map((report: ProvincialReport) => report.reportId)).toEqual(
      data.faults.filter((fault) => fault.kind === 'still-draft').map((fault) => fault.reportId),
    );
    const cutoff = '2026-01-01T00:00:00.000Z';
    const recent = await get(`/reports?updatedSince=${cutoff}&limit=200`);
    expect(recent.body.total).toBe(
      data.reports.filter((report) => report.updatedAt >= cutoff).length,
    );
  });

  it('answers 400 naming the parameter for bad input', async () => {
    for (const [query, field] of [
      ['periodId=2025-Q5', 'periodId'],
      ['status=done', 'status'],
      ['updatedSince=yesterday', 'updatedSince'],
      ['limit=0', 'limit'],
      ['cursor=%%%', 'cursor'],
    ]) {
      const response = await get(`/reports?${query}`);
      expect({ query, status: response.status, field: response.body.field }).toEqual({
        query,
        status: 400,
        field,
      });
    }
  });

  it('a report changed on the provincial system gets a new version and shows up as updated', async () => {
    const reportId = '2025-Q3.QNG-SO-KHCN.KSTT';
    const before = (await get(`/reports/${encodeURIComponent(reportId)}`)).body as ProvincialReport;
    const since = new Date().toISOString();
    const admin = await fetch(`${system.origin}/__admin/reports/${encodeURIComponent(reportId)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sections: before.sections.map((section) => ({ ...section, text: `${section.text} (sửa)` })),
      }),
    });
    expect(admin.status).toBe(200);
    const changed = await get(`/reports?updatedSince=${since}`);
    expect(changed.body.items).toHaveLength(1);
    expect(changed.body.items[0]).toMatchObject({ reportId, version: before.version + 1 });
  });

  it('injects faults and counts them', async () => {
    const configure = (faults: object) =>
      fetch(`${system.origin}/__admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(faults),
      });
    await fetch(`${system.origin}/__admin/reset`, { method: 'POST' });
    expect((await configure({ errorRate: 1, errorStatuses: [502] })).status).toBe(200);
    expect((await get('/periods')).status).toBe(502);
    await configure({ errorRate: 0, throttleRate: 1, retryAfterSeconds: 7 });
    const throttled = await get('/periods');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    await configure({ throttleRate: 0, latencyMs: 150 });
    const started = Date.now();
    expect((await get('/periods')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await configure({ errorRate: 2 })).status).toBe(400);
    const counters = (await (await fetch(`${system.origin}/__admin/counters`)).json()) as any;
    expect(counters).toMatchObject({
      requests: 3,
      faults: { error: 1, throttle: 1, latency: 1 },
      byStatus: { '502': 1, '429': 1, '200': 1 },
    });
    await fetch(`${system.origin}/__admin/reset`, { method: 'POST' });
  });
});
