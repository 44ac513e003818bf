import PgBoss10 from 'pg-boss-10';
import { Client } from 'pg';
import { QUEUES, TransferQueue, JOB_HEARTBEAT_SECONDS } from '../src/transfers/transfer-queue';
import { freshDatabaseUrl } from './support/database';

/**
 * A database whose queue pg-boss 10 made (schema version 24), which pg-boss 12 cannot migrate:
 * the gateway's start keeps the jobs still to do and installs the new schema.
 */
describe('the job queue of a database from pg-boss 10', () => {
  it('starts on pg-boss 12 with the waiting jobs kept and the finished ones left behind', async () => {
    const url = await freshDatabaseUrl({ fromTemplate: false });
    const old = new PgBoss10({
      connectionString: url,
      schema: 'pgboss',
      supervise: false,
      schedule: false,
    });
    await old.start();
    for (const name of Object.values(QUEUES))
      await old.createQueue(name, { name, policy: 'standard' });
    await old.send(QUEUES.sync, { periodId: '2026-Q4', actor: 'operator:an', reason: 'chạy lại' });
    await old.send(QUEUES.push, {
      transferId: 'a0000000-0000-4000-8000-000000000001',
      actor: 'schedule',
    });
    const done = await old.send(QUEUES.push, {
      transferId: 'a0000000-0000-4000-8000-000000000002',
      actor: 'schedule',
    });
    const [fetched] = await old.fetch(QUEUES.push, { batchSize: 5 });
    expect(fetched).toBeDefined();
    await old.complete(QUEUES.push, done!);
    await old.stop({ graceful: false, wait: true });

    const client = new Client({ connectionString: url });
    await client.connect();
    const queue = new TransferQueue(url);
    try {
      expect((await client.query('SELECT version::int AS v FROM pgboss.version')).rows[0].v).toBe(
        24,
      );
      const errors: Error[] = [];
      await queue.start((error) => errors.push(error));
      expect(errors).toEqual([]);
      expect(
        (await client.query('SELECT version::int AS v FROM pgboss.version')).rows[0].v,
      ).toBeGreaterThanOrEqual(25);
      const { rows } = await client.query<{
        name: string;
        data: Record<string, string>;
        state: string;
      }>(`SELECT name, data, state FROM pgboss.job ORDER BY name, data->>'transferId'`);
      // The sync still to do and the push fetched (active under a stopped replica) come back as
      // waiting jobs; the completed push does not.
      expect(
        rows.map((row) => [row.name, row.data.transferId ?? row.data.periodId, row.state]),
      ).toEqual([
        [QUEUES.push, 'a0000000-0000-4000-8000-000000000001', 'created'],
        [QUEUES.sync, '2026-Q4', 'created'],
      ]);
      expect(rows[1].data).toEqual({
        periodId: '2026-Q4',
        actor: 'operator:an',
        reason: 'chạy lại',
      });
      expect(
        (await client.query(`SELECT to_regclass('public.pgboss_upgrade_stash') AS t`)).rows[0].t,
      ).toBeNull();
      const queues = await queue.boss.getQueues(Object.values(QUEUES));
      // The queues have the gateway's own settings, not pg-boss' defaults.
      expect(queues.map((found) => [found.name, found.retryLimit, found.expireInSeconds])).toEqual(
        Object.values(QUEUES)
          .sort()
          .map((name) => [name, 3, 900]),
      );
      expect(
        Object.fromEntries(queues.map((found) => [found.name, found.heartbeatSeconds ?? null])),
      ).toEqual({
        [QUEUES.tick]: JOB_HEARTBEAT_SECONDS,
        [QUEUES.sync]: JOB_HEARTBEAT_SECONDS,
        [QUEUES.push]: null,
      });
      // A queue left with other settings (by an earlier version) gets the declared ones back at
      // the next start, which finds nothing more to carry.
      await queue.boss.updateQueue(QUEUES.push, { retryLimit: 2, heartbeatSeconds: 30 });
      await queue.stop(1000);
      const again = new TransferQueue(url);
      await again.start((error) => errors.push(error));
      expect(await again.boss.getQueue(QUEUES.push)).toMatchObject({
        retryLimit: 3,
        heartbeatSeconds: null,
      });
      await again.stop(1000);
      expect((await client.query('SELECT count(*)::int AS n FROM pgboss.job')).rows[0].n).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await queue.stop(1000).catch(() => undefined);
      await client.end();
    }
  }, 120_000);
});
