import type { DataSource } from 'typeorm';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { TransferQueue } from '../src/transfers/transfer-queue';
import { TransfersService } from '../src/transfers/transfers.service';
import { engineAgainst } from './support/engine';

/**
 * A transfer's state changes in one place, each change guarded in SQL by the state it starts from
 * and by the push's lease: an operator's cancel and a push in flight cannot overwrite each other.
 */
describe('transfer transitions under a push in flight', () => {
  let sims: RunningSimulators;
  const faults = (body: object) =>
    fetch(`${sims.nationalReports.origin}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims?.stop());
  afterEach(() => faults({ latencyMs: 0 }));

  /** The first transfer of one commune planned for 2025-Q4, and its service and engine. */
  async function planned() {
    const context = await engineAgainst(sims, { policy: { confirmDelayMs: 0 } });
    const { engine, dataSource, audit, databaseUrl, config } = context;
    const result = await engine.planner.sync({
      periodId: '2025-Q4',
      units: ['QNG-X-030'],
      actor: 'test',
    });
    const [id] = result.transferIds;
    const service = new TransfersService({
      dataSource,
      audit,
      // The cancel enqueues nothing: the queue is never started here.
      queue: new TransferQueue(databaseUrl, 'sender'),
      engine: () => engine,
      config,
    });
    return { ...context, id, service };
  }

  const row = async (dataSource: DataSource, id: string) =>
    (
      await dataSource.query<
        Array<{ state: string; step: string | null; leased_by: string | null }>
      >('SELECT state, step, leased_by FROM transfer WHERE id = $1', [id])
    )[0];

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let tries = 0; tries < 300; tries++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('a cancel during a push is not overwritten by the push; what the push sent stays on record', async () => {
    const { engine, dataSource, audit, id, service, close } = await planned();
    try {
      await faults({ latencyMs: 400 });
      const pushing = engine.pusher.push(id, 'test');
      // The push holds the lease and has written its first step; its next call is in flight.
      await until(async () => {
        const [{ count }] = await dataSource.query<Array<{ count: string }>>(
          'SELECT count(*)::text AS count FROM transfer_attempt WHERE transfer_id = $1',
          [id],
        );
        return Number(count) >= 1 && (await row(dataSource, id)).leased_by !== null;
      }, 'the first step');
      const cancelling = new Date();
      await expect(service.cancel(id, 'vanthu', 'đơn vị nộp nhầm')).resolves.toEqual({
        id,
        state: 'cancelled',
      });
      // The push's next write is refused: it stops, and the cancel stands.
      await expect(pushing).resolves.toBe('busy');
      expect(await row(dataSource, id)).toMatchObject({ state: 'cancelled', leased_by: null });
      const attempts = await dataSource.query<
        Array<{ step: string; outcome: string; finished_at: Date }>
      >(
        'SELECT step, outcome, finished_at FROM transfer_attempt WHERE transfer_id = $1 ORDER BY finished_at',
        [id],
      );
      // The call in flight at the cancel was answered after it, and its answer is on record.
      expect(attempts.at(-1)).toMatchObject({ outcome: 'ok' });
      expect(attempts.at(-1)!.finished_at.getTime()).toBeGreaterThanOrEqual(cancelling.getTime());
      await audit.flush();
      const events = await dataSource.query<Array<{ action: string; details: string }>>(
        'SELECT action, details FROM audit_event WHERE transfer_id = $1 ORDER BY seq',
        [id],
      );
      expect(events.map((event) => event.action)).toEqual(
        expect.arrayContaining(['transfer.cancelled', `transfer.${attempts.at(-1)!.step}`]),
      );
      const cancelled = events.find((event) => event.action === 'transfer.cancelled')!;
      expect(JSON.parse(cancelled.details)).toMatchObject({
        stoppedPush: expect.any(String),
      });
      // Nothing pushes it again.
      expect(await engine.pusher.due(100)).not.toContain(id);
      await expect(engine.pusher.push(id)).resolves.toBe('busy');
    } finally {
      await close();
    }
  }, 60_000);

  it('a push finishing while a cancel holds the row is refused, and its answer is kept', async () => {
    const { engine, dataSource, audit, id, close } = await planned();
    try {
      await faults({ latencyMs: 300 });
      const pushing = engine.pusher.push(id, 'test');
      // The last national step is in flight.
      await until(async () => (await row(dataSource, id)).step === 'send', 'the send step');
      await dataSource.transaction(async (manager) => {
        const outcome = await engine.transitions.cancel(manager, id);
        expect(outcome).toMatchObject({ done: true, from: 'pushing' });
        // The send is answered and the push's final write waits for this transaction's row lock.
        await until(async () => {
          const waiting = await dataSource.query<Array<{ count: string }>>(
            `SELECT count(*)::text AS count FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND datname = current_database()`,
          );
          return Number(waiting[0].count) > 0;
        }, 'the final write to wait on the lock');
      });
      await expect(pushing).resolves.toBe('busy');
      expect(await row(dataSource, id)).toMatchObject({ state: 'cancelled' });
      const [send] = await dataSource.query<
        Array<{ outcome: string; response: { status: string } }>
      >("SELECT outcome, response FROM transfer_attempt WHERE transfer_id = $1 AND step = 'send'", [
        id,
      ]);
      expect(send).toMatchObject({ outcome: 'ok', response: { status: expect.any(String) } });
      await audit.flush();
      const [{ count }] = await dataSource.query<Array<{ count: string }>>(
        "SELECT count(*)::text AS count FROM audit_event WHERE transfer_id = $1 AND action = 'transfer.send'",
        [id],
      );
      expect(Number(count)).toBe(1);
    } finally {
      await close();
    }
  }, 60_000);

  it('a cancel after the push confirmed is refused and the confirmation stands', async () => {
    const { engine, dataSource, id, service, close } = await planned();
    try {
      await expect(engine.pusher.push(id, 'test')).resolves.toBe('confirmed');
      await expect(service.cancel(id, 'vanthu', 'muộn')).rejects.toMatchObject({
        code: 'TRANSFER_CONFIRMED',
        kind: 'conflict',
      });
      expect(await row(dataSource, id)).toMatchObject({ state: 'confirmed' });
    } finally {
      await close();
    }
  }, 60_000);

  it('a re-run while a push holds the transfer is refused, naming the push', async () => {
    const { engine, dataSource, id, service, close } = await planned();
    try {
      await faults({ latencyMs: 300 });
      const pushing = engine.pusher.push(id, 'test');
      await until(async () => (await row(dataSource, id)).leased_by !== null, 'the lease');
      await expect(service.rerun(id, 'vanthu', 'thử lại')).rejects.toMatchObject({
        code: 'TRANSFER_BEING_PUSHED',
      });
      await faults({ latencyMs: 0 });
      await expect(pushing).resolves.toBe('confirmed');
    } finally {
      await close();
    }
  }, 60_000);
});
