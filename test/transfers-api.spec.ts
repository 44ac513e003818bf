import request from 'supertest';
import { type RunningSimulators } from '../src/simulators/simulators';
import { personToken } from './support/gateway-env';
import { type TestGateway } from './support/gateway';
import { startSimulatedGateway } from './support/simulated-gateway';

/** Operators drive the engine through the API; pg-boss jobs push, over real HTTP to the simulators. */
describe('transfers through the API', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let operator: string;
  let auditor: string;
  let districtOperator: string;
  const UNITS = ['QNG-X-010', 'QNG-SO-XD'];

  const counters = async () =>
    (await (await fetch(`${sims.nationalReports.origin}/__admin/counters`)).json()) as Record<
      string,
      any
    >;

  beforeAll(async () => {
    ({ sims, gateway } = await startSimulatedGateway());
    const token = (role: string) =>
      personToken(sims, (person) =>
        role === 'district' ? Boolean(person.district) : person.role === role && !person.district,
      );
    operator = await token('operator');
    auditor = await token('auditor');
    districtOperator = await token('district');
  });
  afterAll(async () => {
    await gateway?.close();
    await sims?.stop();
  });

  const api = (method: 'get' | 'post', url: string, who = operator) =>
    request(gateway.url)[method](url).set('Authorization', `Bearer ${who}`);

  it('a dry run answers with each payload and sends nothing', async () => {
    const response = await api('post', '/api/sync')
      .send({ periodId: '2025-Q3', units: UNITS, dryRun: true })
      .expect(200);
    expect(response.body.dryRunItems.length).toBeGreaterThanOrEqual(2);
    expect(response.body.dryRunItems[0]).toMatchObject({
      action: 'push',
      valid: true,
      national: null,
    });
    expect((await counters()).byRoute?.['POST /api/v1/submissions'] ?? 0).toBe(0);
  });

  it('a sync is pushed by the jobs to confirmed; a re-run of it is refused with the reason', async () => {
    const started = await api('post', '/api/sync')
      .send({ periodId: '2025-Q3', units: UNITS, reason: 'rehearsal' })
      .expect(200);
    const ids = started.body.transferIds as string[];
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const deadline = Date.now() + 45_000;
    let confirmed = 0;
    while (Date.now() < deadline) {
      const page = await api(
        'get',
        '/api/transfers?period=2025-Q3&status=confirmed',
        auditor,
      ).expect(200);
      confirmed = page.body.items.length;
      if (confirmed === ids.length) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(confirmed).toBe(ids.length);
    const shown = await api('get', `/api/transfers/${ids[0]}`, auditor).expect(200);
    expect(shown.body.attempts.map((attempt: { step: string }) => attempt.step)).toEqual(
      expect.arrayContaining(['submit', 'approve', 'send']),
    );
    expect(shown.body.attempts[0]).toMatchObject({
      request: expect.any(Object),
      requestSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const refused = await api('post', `/api/transfers/${ids[0]}/rerun`)
      .send({ reason: 'again please' })
      .expect(409);
    expect(refused.body).toMatchObject({
      statusCode: 409,
      code: 'RERUN_CONFIRMED_UNCHANGED',
      message: expect.stringContaining('không có gì để đẩy lại'),
      requestId: expect.stringMatching(/\S/),
    });
    expect(
      (await api('post', `/api/transfers/${ids[0]}/rerun`).send({}).expect(400)).body,
    ).toMatchObject({ code: 'REASON_REQUIRED', parameter: 'reason' });
    // Audit events are chained by the writer every 200 ms: wait for the refusal to be chained.
    let actions: string[] = [];
    for (let tries = 0; tries < 30 && !actions.includes('transfer.rerun'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const events = await request(gateway.url)
        .get(`/api/audit/events?transfer=${ids[0]}`)
        .set('Authorization', `Bearer ${auditor}`)
        .expect(200);
      actions = events.body.items.map((event: { action: string }) => event.action);
    }
    expect(actions).toEqual(
      expect.arrayContaining([
        'transfer.mapped',
        'transfer.submit',
        'transfer.send',
        'transfer.rerun',
      ]),
    );
  });

  it("keeps a district's officer to that district's units", async () => {
    await api('post', '/api/sync')
      .send({ periodId: '2025-Q3', units: UNITS, reason: 'scope' })
      .expect(200);
    const all = await api('get', '/api/transfers?period=2025-Q3', auditor).expect(200);
    expect(all.body.items.length).toBeGreaterThan(0);
    // After 1/7/2025 Huyện Bình Sơn has no units: none of these transfers is theirs.
    const theirs = await api('get', '/api/transfers?period=2025-Q3', districtOperator).expect(200);
    expect(theirs.body.items).toEqual([]);
    const refused = await api(
      'get',
      `/api/transfers/${all.body.items[0].id}`,
      districtOperator,
    ).expect(403);
    expect(refused.body).toMatchObject({ code: 'OUT_OF_SCOPE', requestId: expect.any(String) });
    await api('post', `/api/transfers/${all.body.items[0].id}/rerun`, districtOperator)
      .send({ reason: 'not mine' })
      .expect(403);
    const sync = await api('post', '/api/sync', districtOperator)
      .send({ periodId: '2025-Q3', units: ['QNG-X-010'], dryRun: true })
      .expect(403);
    expect(sync.body.code).toBe('OUT_OF_SCOPE');
  });

  it('names the bad parameter', async () => {
    const bad = await api('get', '/api/transfers?status=bogus').expect(400);
    expect(bad.body).toMatchObject({
      parameter: 'status',
      code: 'STATUS_UNKNOWN',
      requestId: expect.stringMatching(/\S/),
    });
    expect((await api('get', '/api/transfers?limit=0').expect(400)).body).toMatchObject({
      parameter: 'limit',
      code: 'PAGE_LIMIT_INVALID',
    });
    expect((await api('get', '/api/discrepancies?after=nope').expect(400)).body).toMatchObject({
      parameter: 'after',
      code: 'PAGE_AFTER_INVALID',
    });
    expect(
      (await api('post', '/api/sync').send({ periodId: 'Q3' }).expect(400)).body,
    ).toMatchObject({
      parameter: 'periodId',
    });
    expect(
      (
        await api('post', '/api/sync')
          .send({ periodId: '2025-Q3', forms: ['X'] })
          .expect(400)
      ).body,
    ).toMatchObject({ parameter: 'forms' });
  });

  it('refuses, with the reason, a period the data cannot hold instead of an empty success', async () => {
    const before = await api('post', '/api/sync')
      .send({ periodId: '2019-Q4', dryRun: true })
      .expect(400);
    expect(before.body).toMatchObject({
      code: 'PERIOD_OUT_OF_RANGE',
      parameter: 'periodId',
      message: expect.stringContaining('2020-12-05'),
    });
    const ahead = await api('post', '/api/reconcile').send({ periodId: '2031-Q2' }).expect(400);
    expect(ahead.body).toMatchObject({
      code: 'PERIOD_NOT_STARTED',
      message: expect.stringContaining('2031-03-15'),
    });
  });
});
