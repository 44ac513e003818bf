import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { remoteSystemsEnv, seedDemoVault } from '../src/simulators/demo';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { TransfersService } from '../src/transfers/transfers.service';
import { VaultService } from '../src/vault/vault.service';
import { freshDatabaseUrl } from './support/database';
import { engineAgainst } from './support/engine';
import { startTestGateway, type TestGateway } from './support/gateway';

/** Exactly-once effect under lost answers and with two replicas on one database. */
describe('the transfer engine never pushes a content version twice', () => {
  let sims: RunningSimulators;
  const admin = async (pathname: string, body?: object) =>
    (await (
      await fetch(`${sims.nationalReports.origin}/__admin${pathname}`, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      })
    ).json()) as any;
  const submissions = async (periodId: string) =>
    ((await admin('/submissions')) as Array<{ periodId: string; versions: unknown[] }>).filter(
      (submission) => submission.periodId === periodId,
    );

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims?.stop());
  beforeEach(() => admin('/faults', { dropAfterStoreRate: 0 }));

  it('answers dropped after storing on 20% of pushes: every transfer confirmed, no duplicate', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims, {
      policy: { backoffBaseMs: 1, backoffMaxMs: 1, confirmDelayMs: 0 },
    });
    try {
      const planned = await engine.planner.sync({ periodId: '2025-Q2', actor: 'test' });
      expect(planned.transferIds.length).toBeGreaterThan(200);
      // (the whole quarter: a few hundred transfers, about a fifth of their steps answered never)
      await admin('/faults', { dropAfterStoreRate: 0.2 });
      for (let round = 0; round < 40; round++) {
        const due = await engine.pusher.due(1000);
        if (!due.length) break;
        for (let index = 0; index < due.length; index += 16)
          await Promise.all(due.slice(index, index + 16).map((id) => engine.pusher.push(id)));
      }
      const states = await dataSource.query<Array<{ state: string; count: string }>>(
        "SELECT state, count(*)::text AS count FROM transfer WHERE period_id = '2025-Q2' GROUP BY state",
      );
      expect(states).toEqual([{ state: 'confirmed', count: String(planned.transferIds.length) }]);
      const unknowns = await dataSource.query<Array<{ count: string }>>(
        "SELECT count(*)::text AS count FROM transfer_attempt WHERE outcome = 'unknown'",
      );
      expect(Number(unknowns[0].count)).toBeGreaterThan(20);
      const national = await submissions('2025-Q2');
      expect(national).toHaveLength(planned.transferIds.length);
      expect(national.filter((submission) => submission.versions.length !== 1)).toEqual([]);
      const counters = await admin('/counters');
      expect(counters.stored).toBe(planned.transferIds.length);
    } finally {
      await close();
    }
  }, 240_000);

  it('answers lost on 30% of pushes are settled by reading back: the circuit breaker stays closed', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims, {
      policy: { backoffBaseMs: 1, backoffMaxMs: 1, confirmDelayMs: 0 },
      // Three failures in a row would open it: lost answers must not be counted as failures.
      env: { OUTBOUND_CIRCUIT_FAILURES: '3' },
    });
    try {
      const planned = await engine.planner.sync({ periodId: '2025-Q3', actor: 'test' });
      await admin('/faults', { dropAfterStoreRate: 0.3 });
      const states = new Set<string>();
      for (let round = 0; round < 40; round++) {
        const due = await engine.pusher.due(1000);
        if (!due.length) break;
        for (let index = 0; index < due.length; index += 16) {
          await Promise.all(due.slice(index, index + 16).map((id) => engine.pusher.push(id)));
          states.add(engine.national.gate.circuit.state);
        }
      }
      expect([...states]).toEqual(['closed']);
      const [{ count }] = await dataSource.query<Array<{ count: number }>>(
        "SELECT count(*)::int AS count FROM transfer WHERE period_id = '2025-Q3' AND state = 'confirmed'",
      );
      expect(count).toBe(planned.transferIds.length);
      const [lost] = await dataSource.query<Array<{ unknown: number; circuit: number }>>(
        `SELECT count(*) FILTER (WHERE outcome = 'unknown')::int AS unknown,
                count(*) FILTER (WHERE error LIKE '%mạch ngắt%')::int AS circuit
           FROM transfer_attempt`,
      );
      expect(lost.unknown).toBeGreaterThan(30);
      expect(lost.circuit).toBe(0);
    } finally {
      await close();
    }
  }, 240_000);

  it('a 429 storm: the gateway keeps to its caps, honours Retry-After and finishes', async () => {
    const { engine, dataSource, close } = await engineAgainst(sims, {
      policy: { backoffBaseMs: 1, backoffMaxMs: 1, confirmDelayMs: 0 },
      env: { NATIONAL_MAX_CONCURRENT: '4', NATIONAL_MAX_REQUESTS_PER_SECOND: '40' },
    });
    try {
      const communes = sims.data.units
        .filter((unit) => unit.level === 'commune' && unit.officeCode.startsWith('QNG-X-'))
        .slice(0, 40)
        .map((unit) => unit.officeCode);
      const planned = await engine.planner.sync({
        periodId: '2025-Q4',
        units: communes,
        actor: 'test',
      });
      expect(planned.transferIds.length).toBeGreaterThan(60);
      await admin('/reset', {});
      await admin('/faults', {
        throttleRate: 0.3,
        retryAfterSeconds: 1,
        maxConcurrent: 4,
        maxRequestsPerSecond: 41,
      });
      const honoured: boolean[] = [];
      for (let round = 0; round < 60; round++) {
        const due = await engine.pusher.due(1000);
        if (!due.length) break;
        await Promise.all(due.slice(0, 64).map((id) => engine.pusher.push(id)));
        // Every transfer the storm hit waits at least the Retry-After (1 s) after the 429 came
        // back before its next try: its next attempt time against its last attempt's end.
        const waits = await dataSource.query<Array<{ ok: boolean }>>(
          `SELECT coalesce(t.next_attempt_at >= a.finished_at + interval '1 second', false) AS ok
             FROM transfer t
             JOIN LATERAL (SELECT finished_at, http_status FROM transfer_attempt
                            WHERE transfer_id = t.id ORDER BY finished_at DESC LIMIT 1) a ON true
            WHERE a.http_status = 429 AND t.state = 'pushing'`,
        );
        honoured.push(...waits.map((row) => row.ok));
        if (due.length && !waits.length) continue;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const counters = await admin('/counters');
      expect(counters.faults.throttle).toBeGreaterThan(20);
      expect(counters.faults.concurrencyCap ?? 0).toBe(0);
      expect(counters.faults.rateCap ?? 0).toBe(0);
      expect(counters.peakConcurrent).toBeLessThanOrEqual(4);
      expect(honoured.length).toBeGreaterThan(0);
      expect(honoured.every(Boolean)).toBe(true);
      const [{ open }] = await dataSource.query<Array<{ open: string }>>(
        "SELECT count(*)::text AS open FROM transfer WHERE period_id = '2025-Q4' AND state <> 'confirmed'",
      );
      expect(Number(open)).toBe(0);
      const national = await submissions('2025-Q4');
      expect(national).toHaveLength(planned.transferIds.length);
    } finally {
      await admin('/faults', { throttleRate: 0, maxConcurrent: 0, maxRequestsPerSecond: 0 });
      await close();
    }
  }, 240_000);

  it('two gateways on one database: each submission pushed once, and both did work', async () => {
    const databaseUrl = await freshDatabaseUrl({ fromTemplate: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-anchors-'));
    const anchors = path.join(dir, 'anchors.pem');
    writeFileSync(anchors, sims.credentials.signingAuthority.certificatePem);
    const env = {
      ...remoteSystemsEnv(sims),
      NATIONAL_SIGNING_TRUST_ANCHORS_FILE: anchors,
      ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
      TRANSFERS_SCHEDULE_ENABLED: 'false',
      TRANSFERS_PUSH_CONCURRENCY: '8',
      LOG_LEVEL: 'warn',
      AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      VAULT_KEY: 'OKPJWolEzV6x4w2rFogWyYKxCxVaDnL77PnJZkKmxpI=',
    };
    const gateways: TestGateway[] = [];
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
    try {
      gateways.push(await startTestGateway({ env, databaseUrl }));
      gateways.push(await startTestGateway({ env, databaseUrl }));
      await seedDemoVault(gateways[0].app.get(VaultService).vault, sims);
      const result = await gateways[0].app
        .get(TransfersService)
        .startSync({ periodId: '2025-Q1' }, 'test');
      const total = result.transferIds.length;
      expect(total).toBeGreaterThan(200);
      const deadline = Date.now() + 180_000;
      for (;;) {
        const [{ open }] = await dataSource.query<Array<{ open: string }>>(
          "SELECT count(*)::text AS open FROM transfer WHERE period_id = '2025-Q1' AND state <> 'confirmed'",
        );
        if (Number(open) === 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const national = await submissions('2025-Q1');
      expect(national).toHaveLength(total);
      expect(national.filter((submission) => submission.versions.length !== 1)).toEqual([]);
      const nodes = await dataSource.query<Array<{ node: string; count: string }>>(
        "SELECT node, count(*)::text AS count FROM transfer_attempt WHERE step = 'submit' GROUP BY node",
      );
      expect(nodes).toHaveLength(2);
      for (const node of nodes) expect(Number(node.count)).toBeGreaterThan(0);
      const submits = await dataSource.query<Array<{ count: string }>>(
        "SELECT count(*)::text AS count FROM transfer_attempt WHERE step = 'submit' AND outcome = 'ok'",
      );
      expect(Number(submits[0].count)).toBe(total);
    } finally {
      for (const gateway of gateways) await gateway.close();
      await dataSource.destroy();
    }
  }, 240_000);
});
