import type { StatusPacket } from '../../src/contracts/national-wire';
import { NATIONAL_SCOPE } from '../../src/simulators/national-report-system';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators';
import { ii06aPacket } from '../support/national-fixtures';
import { basic, clientCredentials, discover } from '../support/oidc-login';

describe('fault knobs, each observable in the counters', () => {
  let sims: RunningSimulators;
  let token: string;
  const faults = (origin: string, settings: object) =>
    fetch(`${origin}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
  const counters = async (origin: string) =>
    (await (await fetch(`${origin}/__admin/counters`)).json()) as Record<string, any>;
  const periods = () =>
    fetch(`${sims.nationalReports.url}/periods`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((response) => response.status);
  const account = (id: string) => {
    const found = sims.credentials.nationalAccounts.find(
      (candidate) => candidate.accountId === id,
    )!;
    return { id: found.accountId, secret: found.secret };
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sims.nationalReports.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': `k-${Math.random()}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as StatusPacket;
  };

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
    token = (
      await clientCredentials(sims.nationalIdp.issuer, account('QNG-X-050.canbo'), NATIONAL_SCOPE)
    ).access_token;
  });
  afterAll(() => sims.stop());
  beforeEach(async () => {
    for (const origin of [sims.nationalReports.origin, sims.nationalIdp.issuer])
      await fetch(`${origin}/__admin/reset`, { method: 'POST' });
  });

  it('a requests-per-second cap answers 429 beyond it, and the peak is visible', async () => {
    await faults(sims.nationalReports.origin, { maxRequestsPerSecond: 3 });
    const statuses = await Promise.all(Array.from({ length: 8 }, periods));
    const refused = statuses.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThan(0);
    const seen = await counters(sims.nationalReports.origin);
    expect(seen.faults.rateCap).toBe(refused);
    expect(seen.peakRequestsPerSecond).toBeGreaterThanOrEqual(4);
  });

  it('an outage answers 503 until it ends, with Retry-After', async () => {
    await faults(sims.nationalReports.origin, {
      outageUntil: new Date(Date.now() + 1000).toISOString(),
    });
    const during = await fetch(`${sims.nationalReports.url}/periods`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(during.status).toBe(503);
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await periods()).toBe(200);
    expect((await counters(sims.nationalReports.origin)).faults.outage).toBe(1);
  });

  it('an identity-provider outage refuses token requests, and tokens flow again after it', async () => {
    const { token_endpoint } = await discover(sims.nationalIdp.issuer);
    const { id, secret } = account('QNG-X-050.canbo');
    const requestToken = () =>
      fetch(String(token_endpoint), {
        method: 'POST',
        headers: {
          authorization: basic(id, secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: NATIONAL_SCOPE }),
      }).then((response) => response.status);
    await faults(sims.nationalIdp.issuer, {
      outageUntil: new Date(Date.now() + 800).toISOString(),
    });
    expect(await requestToken()).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await requestToken()).toBe(200);
    expect((await counters(sims.nationalIdp.issuer)).faults.outage).toBe(1);
  });

  it('a latency holds the answer that long after the request came, with the work done meanwhile', async () => {
    const report = sims.data.reports.find(
      (candidate) => candidate.reportId === '2026-Q1.QNG-X-050.KSTT',
    )!;
    const packet = ii06aPacket(report, 'TT-05-2025-VPCP', 'knob-latency');
    const held = async () =>
      (
        (await (
          await fetch(`${sims.nationalReports.origin}/__admin/submissions`)
        ).json()) as Array<{
          clientReference: string;
        }>
      ).some((submission) => submission.clientReference === 'knob-latency');
    await faults(sims.nationalReports.origin, { latencyMs: 1500 });
    const sent = Date.now();
    let answeredAt: number | undefined;
    const answer = call('POST', '/submissions', packet).then((stored) => {
      answeredAt = Date.now();
      return stored;
    });
    // When the submission is stored, asked of the admin routes, which never wait.
    let storedAt: number | undefined;
    while (storedAt === undefined && answeredAt === undefined) {
      if (await held()) storedAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await answer).status).toBe('draft');
    expect(answeredAt! - sent).toBeGreaterThanOrEqual(1490);
    // Stored at the start of the wait, not at its end (a second is most of it).
    expect(answeredAt! - storedAt!).toBeGreaterThanOrEqual(1000);
    expect((await counters(sims.nationalReports.origin)).faults.latency).toBe(1);
  });

  it('returnRate returns received submissions for correction; driftRate changes the stored copy', async () => {
    const submitAndSend = async (reportId: string) => {
      const report = sims.data.reports.find((candidate) => candidate.reportId === reportId)!;
      const packet = ii06aPacket(report, 'TT-01-2020-VPCP', `knob-${reportId}`);
      const stored = await call('POST', '/submissions', packet);
      await call('POST', `/submissions/${stored.submissionId}/approve`);
      return { sent: await call('POST', `/submissions/${stored.submissionId}/send`), packet };
    };
    await faults(sims.nationalReports.origin, { returnRate: 1 });
    const returned = await submitAndSend('2025-Q3.QNG-X-050.KSTT');
    expect(returned.sent).toMatchObject({ status: 'returned', returnedReason: expect.any(String) });
    await faults(sims.nationalReports.origin, { returnRate: 0, driftRate: 1 });
    const drifted = await submitAndSend('2025-Q4.QNG-X-050.KSTT');
    expect(drifted.sent.status).toBe('received');
    const detail = (await (
      await fetch(`${sims.nationalReports.url}/submissions/${drifted.sent.submissionId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { versions: Array<{ packet: unknown }> };
    expect(detail.versions[0].packet).not.toEqual(drifted.packet);
    expect((await counters(sims.nationalReports.origin)).faults).toMatchObject({
      returned: 1,
      drift: 1,
    });
  });

  it('revoking an account is counted and refuses its earlier tokens at the report system', async () => {
    const before = (
      await clientCredentials(sims.nationalIdp.issuer, account('QNG-X-051.canbo'), NATIONAL_SCOPE)
    ).access_token;
    expect(
      (
        await fetch(`${sims.nationalIdp.issuer}/__admin/accounts/QNG-X-051.canbo/revoke`, {
          method: 'POST',
        })
      ).status,
    ).toBe(200);
    const response = await fetch(`${sims.nationalReports.url}/periods`, {
      headers: { authorization: `Bearer ${before}` },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toContain('revoked');
    expect((await counters(sims.nationalIdp.issuer)).faults.revoked).toBe(1);
  });
});
