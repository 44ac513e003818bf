import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { engineAgainst } from './support/engine';

/**
 * Tokens that expire every three seconds, and the national identity provider down for 30 seconds
 * in the middle of a sync: nothing fails for good, and the sync completes after recovery.
 */
describe('a sync through short-lived tokens and an identity-provider outage', () => {
  let sims: RunningSimulators;
  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
      accessTokenTtlSeconds: 3,
    });
  });
  afterAll(() => sims?.stop());

  it('completes after the identity provider comes back', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims, {
      policy: { backoffBaseMs: 500, backoffMaxMs: 4_000, retryLimit: 60, confirmDelayMs: 0 },
      env: { OUTBOUND_CIRCUIT_COOLDOWN_MS: '5000' },
    });
    const idp = sims.nationalIdp.issuer;
    const counters = async () =>
      (await (await fetch(`${idp}/__admin/counters`)).json()) as {
        tokensIssued: number;
        faults: Record<string, number>;
      };
    try {
      const communes = sims.data.units
        .filter((unit) => unit.level === 'commune' && unit.officeCode.startsWith('QNG-X-'))
        .slice(0, 30)
        .map((unit) => unit.officeCode);
      const planned = await engine.planner.sync({
        periodId: '2025-Q4',
        units: communes,
        actor: 'test',
      });
      const total = planned.transferIds.length;
      const started = Date.now();
      let outageSet = false;
      let recoveredAt = 0;
      for (;;) {
        const due = await engine.pusher.due(1000);
        const [{ open }] = await dataSource.query<Array<{ open: string }>>(
          "SELECT count(*)::text AS open FROM transfer WHERE period_id = '2025-Q4' AND state NOT IN ('confirmed', 'failed', 'invalid')",
        );
        if (Number(open) === 0 || Date.now() - started > 150_000) break;
        await Promise.all(due.slice(0, 8).map((id) => engine.pusher.push(id)));
        if (!outageSet) {
          // A few pushed, then the identity provider goes down for 30 seconds.
          outageSet = true;
          const until = new Date(Date.now() + 30_000);
          recoveredAt = until.getTime();
          await fetch(`${idp}/__admin/faults`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ outageUntil: until.toISOString() }),
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const states = await dataSource.query<Array<{ state: string; count: string }>>(
        "SELECT state, count(*)::text AS count FROM transfer WHERE period_id = '2025-Q4' GROUP BY state",
      );
      expect(states).toEqual([{ state: 'confirmed', count: String(total) }]);
      expect(Date.now()).toBeGreaterThan(recoveredAt);
      const seen = await counters();
      expect(seen.faults.outage).toBeGreaterThan(0);
      // Tokens of three seconds were renewed along the way, not at every call.
      expect(seen.tokensIssued).toBeGreaterThan(10);
      const [{ calls }] = await dataSource.query<Array<{ calls: string }>>(
        "SELECT count(*)::text AS calls FROM transfer_attempt WHERE outcome = 'ok'",
      );
      expect(seen.tokensIssued).toBeLessThan(Number(calls));
      const failedTries = await dataSource.query<Array<{ error: string }>>(
        "SELECT error FROM transfer_attempt WHERE outcome = 'failed' LIMIT 1",
      );
      expect(failedTries[0]?.error ?? '').toMatch(/Hệ thống định danh quốc gia|mạch ngắt/);
    } finally {
      await close();
    }
  }, 240_000);
});
