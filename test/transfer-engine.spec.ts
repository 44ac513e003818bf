import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { engineAgainst } from './support/engine';

/** The transfer engine over real HTTP against the simulators, on a real PostgreSQL. */
describe('the transfer engine', () => {
  let sims: RunningSimulators;
  const admin = async (origin: string, path: string, body?: object) =>
    (await (
      await fetch(`${origin}/__admin${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      })
    ).json()) as any;
  const stored = async () =>
    (await admin(sims.nationalReports.origin, '/submissions')) as Array<{
      unitCode: string;
      formCode: string;
      periodId: string;
      status: string;
      versions: Array<{ clientReference: string }>;
    }>;
  const UNITS = ['QNG-X-010', 'QNG-X-020', 'QNG-SO-TC'];

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims?.stop());
  beforeEach(async () => {
    await admin(sims.nationalReports.origin, '/reset', {});
    await admin(sims.nationalReports.origin, '/faults', {
      errorRate: 0,
      dropAfterStoreRate: 0,
      throttleRate: 0,
    });
  });

  it('a dry run shows each payload and sends nothing', async () => {
    const { engine, close } = await engineAgainst(sims);
    try {
      const result = await engine.planner.sync({
        periodId: '2025-Q3',
        units: UNITS,
        dryRun: true,
        actor: 'test',
      });
      expect(result.dryRunItems!.length).toBeGreaterThanOrEqual(UNITS.length);
      expect(result.dryRunItems!.every((item) => item.action === 'push')).toBe(true);
      expect(result.dryRunItems![0].payload.header.clientReference).toBe(
        result.dryRunItems![0].contentKey,
      );
      expect(result.transferIds).toEqual([]);
      const counters = await admin(sims.nationalReports.origin, '/counters');
      expect(counters.stored ?? 0).toBe(0);
      expect(counters.byRoute?.['POST /api/v1/submissions'] ?? 0).toBe(0);
    } finally {
      await close();
    }
  });

  it('tells its caller each batch it kept while it plans, and keeps each transfer once', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims);
    try {
      const batches: string[][] = [];
      let pushedEarly: string | undefined;
      const result = await engine.planner.sync(
        { periodId: '2025-Q3', actor: 'test' },
        {
          planned: async (transferIds) => {
            batches.push(transferIds);
            // A push while the plan goes on, as the queue's workers do.
            if (!pushedEarly) {
              [pushedEarly] = await engine.pusher.dueAmong(transferIds);
              await engine.pusher.push(pushedEarly);
            }
          },
        },
      );
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.flat()).toEqual(result.transferIds);
      expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(200);
      expect(result.created).toBe(result.transferIds.length);
      const [counts] = await dataSource.query<Array<{ transfers: string; versions: string }>>(
        `SELECT (SELECT count(*) FROM transfer)::text AS transfers,
                (SELECT count(*) FROM transfer_version)::text AS versions`,
      );
      expect(counts).toEqual({
        transfers: String(result.transferIds.length),
        versions: String(result.transferIds.length),
      });
      const [early] = await dataSource.query<Array<{ state: string }>>(
        'SELECT state FROM transfer WHERE id = $1',
        [pushedEarly],
      );
      expect(early.state).toMatch(/confirmed|pushed/);
      const again = await engine.planner.sync({ periodId: '2025-Q3', actor: 'test' });
      expect(again).toMatchObject({ created: 0, newVersions: 0 });
      expect(again.unchanged).toBe(result.transferIds.length);
      expect(again.transferIds).toEqual(result.transferIds);
    } finally {
      await close();
      // The others count what the national system holds for their units only.
      await fetch(`${sims.nationalReports.origin}/__admin/submissions`, { method: 'DELETE' });
    }
  });

  it('pushes each transfer once under the unit’s accounts, confirms it, and a second run changes nothing', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims);
    try {
      const planned = await engine.planner.sync({
        periodId: '2025-Q3',
        units: UNITS,
        actor: 'test',
      });
      expect(planned.created).toBe(planned.transferIds.length);
      expect(planned.invalid).toBe(0);
      for (const id of planned.transferIds)
        expect(await engine.pusher.push(id)).toMatch(/confirmed|pushed/);
      // Anything still waiting for "received" is confirmed on the next pass.
      for (const id of await engine.pusher.due()) await engine.pusher.push(id);
      const states = await dataSource.query<Array<{ state: string; count: string }>>(
        'SELECT state, count(*)::text AS count FROM transfer GROUP BY state',
      );
      expect(states).toEqual([{ state: 'confirmed', count: String(planned.transferIds.length) }]);
      const national = (await stored()).filter((submission) => submission.periodId === '2025-Q3');
      expect(national).toHaveLength(planned.transferIds.length);
      for (const submission of national) expect(submission.versions).toHaveLength(1);

      const again = await engine.planner.sync({ periodId: '2025-Q3', units: UNITS, actor: 'test' });
      expect(again).toMatchObject({ created: 0, newVersions: 0 });
      expect(await engine.pusher.due()).toEqual([]);
      const steps = await dataSource.query<Array<{ step: string; account: string }>>(
        `SELECT a.step, a.account FROM transfer_attempt a JOIN transfer t ON t.id = a.transfer_id
          WHERE t.unit_code = 'QNG-SO-TC' AND a.step IN ('submit', 'approve', 'send') ORDER BY a.started_at`,
      );
      expect(steps.map((row) => `${row.step} ${row.account}`)).toEqual(
        expect.arrayContaining([
          'submit QNG-SO-TC.nhap',
          'approve QNG-SO-TC.duyet',
          'send QNG-SO-TC.gui',
        ]),
      );
    } finally {
      await close();
    }
  });

  it('a lost answer becomes unknown, and the next try reads back and adopts instead of resending', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims);
    try {
      const [id] = (
        await engine.planner.sync({ periodId: '2025-Q3', units: ['QNG-X-030'], actor: 'test' })
      ).transferIds;
      await admin(sims.nationalReports.origin, '/faults', { dropAfterStoreRate: 1 });
      expect(await engine.pusher.push(id)).toBe('unknown');
      await admin(sims.nationalReports.origin, '/faults', { dropAfterStoreRate: 0 });
      await dataSource.query('UPDATE transfer SET next_attempt_at = now() WHERE id = $1', [id]);
      expect(await engine.pusher.push(id)).toMatch(/confirmed|pushed/);
      const attempts = await dataSource.query<Array<{ step: string; outcome: string }>>(
        'SELECT step, outcome FROM transfer_attempt WHERE transfer_id = $1 ORDER BY started_at',
        [id],
      );
      expect(attempts.slice(0, 2)).toEqual([
        { step: 'submit', outcome: 'unknown' },
        { step: 'readback', outcome: 'adopted' },
      ]);
      const counters = await admin(sims.nationalReports.origin, '/counters');
      expect(counters.stored).toBe(1);
    } finally {
      await close();
    }
  });

  it('server errors are retried later with backoff; a changed report becomes a correction', async () => {
    const { engine, dataSource, audit, close } = await engineAgainst(sims, {
      policy: { backoffBaseMs: 60_000 },
    });
    try {
      await engine.planner.sync({ periodId: '2025-Q3', units: ['QNG-X-040'], actor: 'test' });
      const [{ id }] = await dataSource.query<Array<{ id: string }>>(
        "SELECT id FROM transfer WHERE unit_code = 'QNG-X-040' AND form_code = 'II.06a/VPCP/KSTT'",
      );
      await admin(sims.nationalReports.origin, '/faults', { errorRate: 1, errorStatuses: [503] });
      expect(await engine.pusher.push(id)).toBe('pushing');
      const [row] = await dataSource.query<
        Array<{ attempts: number; next: Date; last_error: { status: number } }>
      >('SELECT attempts, next_attempt_at AS next, last_error FROM transfer WHERE id = $1', [id]);
      expect(row.attempts).toBe(1);
      expect(row.last_error.status).toBe(503);
      expect(new Date(row.next).getTime()).toBeGreaterThan(Date.now() + 25_000);
      expect(await engine.pusher.due()).not.toContain(id);
      await admin(sims.nationalReports.origin, '/faults', { errorRate: 0 });
      await dataSource.query('UPDATE transfer SET next_attempt_at = now() WHERE id = $1', [id]);
      expect(await engine.pusher.push(id)).toMatch(/confirmed|pushed/);

      // The province changes the report after confirmation: a new version, pushed as a correction.
      const report = sims.data.reports.find(
        (candidate) => candidate.reportId === '2025-Q3.QNG-X-040.KSTT',
      )!;
      const values = report.values.map((value) => ({ ...value }));
      const first = values.find((value) => value.indicatorCode === 'TTHC_NHAN_TRUC_TUYEN')!;
      const total = values.find(
        (value) =>
          value.indicatorCode === 'TTHC_NHAN_TONG' && value.sectorCode === first.sectorCode,
      )!;
      first.value += 1;
      total.value += 1;
      const pending = values.find(
        (value) =>
          value.indicatorCode === 'TTHC_DANG_GQ_TONG' && value.sectorCode === first.sectorCode,
      )!;
      const pendingInTime = values.find(
        (value) =>
          value.indicatorCode === 'TTHC_DANG_GQ_TRONG_HAN' && value.sectorCode === first.sectorCode,
      )!;
      pending.value += 1;
      pendingInTime.value += 1;
      await admin(sims.provincialReports.origin, '/reports/2025-Q3.QNG-X-040.KSTT', { values });
      const changed = await engine.planner.sync({
        periodId: '2025-Q3',
        units: ['QNG-X-040'],
        actor: 'test',
      });
      expect(changed).toMatchObject({ newVersions: 1, created: 0 });
      // The audit records of the plan name the transfer, its version and whether it corrects one.
      await audit.flush();
      const mapped = await dataSource.query<
        Array<{ transferId: string; version: number; correction: boolean }>
      >(
        `SELECT transfer_id AS "transferId", (details::jsonb->>'version')::int AS version,
                (details::jsonb->>'correction')::boolean AS correction
           FROM audit_event WHERE action = 'transfer.mapped' AND transfer_id = $1 ORDER BY seq`,
        [id],
      );
      expect(mapped).toEqual([
        { transferId: id, version: 1, correction: false },
        { transferId: id, version: 2, correction: true },
      ]);
      expect(await engine.pusher.push(id)).toMatch(/confirmed|pushed/);
      const national = (await stored()).find(
        (submission) =>
          submission.unitCode === 'QNG-X-040' &&
          submission.periodId === '2025-Q3' &&
          submission.formCode === 'II.06a/VPCP/KSTT',
      )!;
      expect(national.versions).toHaveLength(2);
    } finally {
      await close();
    }
  });

  it('a report that breaks a form rule is invalid, with field, rule, expected and actual, and never pushed', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims);
    try {
      const result = await engine.planner.sync({
        periodId: '2026-Q4',
        units: ['QNG-X-001', 'QNG-X-002', 'QNG-X-010'],
        actor: 'test',
      });
      expect(result.invalid).toBeGreaterThanOrEqual(1);
      const invalid = await dataSource.query<
        Array<{ unit_code: string; problems: Array<Record<string, unknown>> }>
      >("SELECT unit_code, problems FROM transfer WHERE state = 'invalid'");
      expect(invalid.length).toBeGreaterThanOrEqual(1);
      expect(invalid[0].problems[0]).toMatchObject({
        field: expect.any(String),
        rule: expect.any(String),
        expected: expect.anything(),
        actual: expect.anything(),
      });
      const due = await engine.pusher.due();
      const invalidIds = await dataSource.query<Array<{ id: string }>>(
        "SELECT id FROM transfer WHERE state = 'invalid'",
      );
      for (const { id } of invalidIds) {
        expect(due).not.toContain(id);
        expect(await engine.pusher.push(id)).toBe('busy');
      }
    } finally {
      await close();
    }
  });
});

describe('district summaries', () => {
  let sims: RunningSimulators;
  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims?.stop());
  const district = 'QNG-H-BATO';
  const unitsOf = () => [
    district,
    ...sims.data.units
      .filter((unit) => unit.parentCode === district)
      .map((unit) => unit.officeCode),
  ];

  it('a summary waits for its children, then goes under the district’s tổng hợp account, signed', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims, { summaryPolicy: 'children' });
    try {
      await engine.planner.sync({ periodId: '2025-Q1', units: unitsOf(), actor: 'test' });
      const summaries = async () =>
        dataSource.query<Array<{ id: string; form_code: string; state: string }>>(
          "SELECT id, form_code, state FROM transfer WHERE unit_code = $1 AND form_code IN ('II.06/VPCP/KSTT', 'II.05/VPCP/KSTT') ORDER BY form_code",
          [district],
        );
      const waiting = await summaries();
      expect(waiting.length).toBeGreaterThanOrEqual(1);
      expect(waiting.every((row) => row.state === 'planned')).toBe(true);
      for (const row of waiting) expect(await engine.pusher.due()).not.toContain(row.id);
      for (let round = 0; round < 5; round++)
        for (const id of await engine.pusher.due()) await engine.pusher.push(id);
      // The next plan sees the children confirmed and lets the summaries go.
      await engine.planner.sync({ periodId: '2025-Q1', units: unitsOf(), actor: 'test' });
      for (let round = 0; round < 5; round++)
        for (const id of await engine.pusher.due()) await engine.pusher.push(id);
      const done = await summaries();
      expect(done.map((row) => row.state)).toEqual(done.map(() => 'confirmed'));
      const [submit] = await dataSource.query<
        Array<{ account: string; request: { signature: unknown } }>
      >(
        "SELECT account, request FROM transfer_attempt WHERE transfer_id = $1 AND step = 'submit'",
        [done.find((row) => row.form_code === 'II.06/VPCP/KSTT')!.id],
      );
      expect(submit.account).toBe(`${district}.tonghop`);
      expect(submit.request.signature).toMatchObject({ format: 'jws-x5c' });
    } finally {
      await close();
    }
  });

  it('with children-or-deadline, a summary past its deadline goes with what is there', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims, {
      summaryPolicy: 'children-or-deadline',
    });
    try {
      await engine.planner.sync({ periodId: '2025-Q1', units: unitsOf(), actor: 'test' });
      const rows = await dataSource.query<Array<{ state: string }>>(
        "SELECT state FROM transfer WHERE unit_code = $1 AND form_code = 'II.06/VPCP/KSTT'",
        [district],
      );
      // 2025-Q1's deadline is long past on 2026-11-27: no waiting.
      expect(rows.map((row) => row.state)).toEqual(['mapped']);
    } finally {
      await close();
    }
  });
});
