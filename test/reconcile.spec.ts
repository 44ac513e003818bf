import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { engineAgainst } from './support/engine';
import { ii06aPacket } from './support/national-fixtures';

/** Reconciliation in both directions against the simulated national system. */
describe('reconciliation', () => {
  let sims: RunningSimulators;
  const admin = async (pathname: string, body?: object) =>
    (await (
      await fetch(`${sims.nationalReports.origin}/__admin${pathname}`, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      })
    ).json()) as any;

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims?.stop());

  it('finds a missing, a different, a returned and an unexpected submission, and resolves them', async () => {
    const { engine, dataSource, audit, close } = await engineAgainst(sims);
    const { reconciler, national } = engine;
    try {
      const units = ['QNG-X-011', 'QNG-X-012', 'QNG-X-013', 'QNG-X-014'];
      const planned = await engine.planner.sync({ periodId: '2025-Q4', units, actor: 'test' });
      const ii06a = async (unit: string) =>
        (
          await dataSource.query<Array<{ id: string }>>(
            "SELECT id FROM transfer WHERE unit_code = $1 AND form_code = 'II.06a/VPCP/KSTT'",
            [unit],
          )
        )[0].id;
      // X-014's II.06a the gateway "confirmed", but the national system never got it.
      const lost = await ii06a('QNG-X-014');
      await dataSource.query("UPDATE transfer SET state = 'confirmed' WHERE id = $1", [lost]);
      for (const id of planned.transferIds) await engine.pusher.push(id);

      const held = (await admin('/submissions')) as Array<{
        submissionId: string;
        unitCode: string;
        formCode: string;
      }>;
      const submissionOf = (unit: string) =>
        held.find((item) => item.unitCode === unit && item.formCode === 'II.06a/VPCP/KSTT')!
          .submissionId;
      await admin(`/submissions/${submissionOf('QNG-X-011')}/drift`, {});
      await admin(`/submissions/${submissionOf('QNG-X-012')}/return`, { reason: 'Sai số liệu' });
      // Someone entered X-015's form on the national system by hand.
      const stranger = sims.data.reports.find(
        (report) => report.reportId === '2025-Q4.QNG-X-015.KSTT',
      )!;
      await national.submit(ii06aPacket(stranger, 'TT-01-2020-VPCP', 'by-hand'), {
        idempotencyKey: 'by-hand',
      });

      const result = await reconciler.reconcile('2025-Q4', [...units, 'QNG-X-015'], 'test');
      expect(result.found).toEqual({ missing: 1, different: 1, returned: 1, unexpected: 1 });
      expect(result.repushed).toEqual([lost]);
      const open = await dataSource.query<
        Array<{
          kind: string;
          unit_code: string;
          details: { differences?: Array<{ path: string }> };
        }>
      >("SELECT kind, unit_code, details FROM discrepancy WHERE status = 'open' ORDER BY kind");
      expect(open.map((row) => `${row.kind} ${row.unit_code}`)).toEqual([
        'different QNG-X-011',
        'missing QNG-X-014',
        'returned QNG-X-012',
        'unexpected QNG-X-015',
      ]);
      const drift = open[0].details.differences!;
      expect(drift).toHaveLength(1);
      expect(drift[0].path).toMatch(/^body\.rows\[0\]\.cells\./);
      const states = await dataSource.query<Array<{ unit_code: string; state: string }>>(
        "SELECT unit_code, state FROM transfer WHERE form_code = 'II.06a/VPCP/KSTT' ORDER BY unit_code",
      );
      expect(states).toEqual([
        { unit_code: 'QNG-X-011', state: 'drifted' },
        { unit_code: 'QNG-X-012', state: 'returned' },
        { unit_code: 'QNG-X-013', state: 'confirmed' },
        { unit_code: 'QNG-X-014', state: 'mapped' },
      ]);

      // A second pass opens nothing new; the missing copy, pushed again, is there.
      expect(await engine.pusher.push(lost)).toMatch(/confirmed|pushed/);
      const again = await reconciler.reconcile('2025-Q4', units, 'test');
      expect(again.repushed).toEqual([]);
      const [{ count }] = await dataSource.query<Array<{ count: string }>>(
        "SELECT count(*)::text AS count FROM discrepancy WHERE status = 'open'",
      );
      expect(count).toBe('4');

      const [different] = await dataSource.query<Array<{ id: string }>>(
        "SELECT id FROM discrepancy WHERE kind = 'unexpected'",
      );
      const resolved = await reconciler.resolve(
        different.id,
        'vanthu',
        'nhập tay, đã xác minh',
        'accept',
      );
      expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'vanthu' });
      await expect(
        reconciler.resolve(different.id, 'vanthu', 'again', 'accept'),
      ).rejects.toMatchObject({ code: 'DISCREPANCY_ALREADY_RESOLVED', kind: 'conflict' });
      await audit.flush();
      const recorded = (
        await dataSource.query<Array<{ action: string }>>('SELECT action FROM audit_event')
      ).map((event) => event.action);
      expect(recorded).toEqual(
        expect.arrayContaining(['reconcile.missing', 'discrepancy.resolved']),
      );
    } finally {
      await close();
    }
  });
});
