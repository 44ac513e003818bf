import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { PgBoss } from 'pg-boss';

/** Any fixed bigint, apart from the migration and audit-chain locks by value. */
const QUEUE_LOCK_KEY = '2025070153';

/**
 * A tick or sync job in hand sends a heartbeat this often (half of it, by pg-boss); when one is
 * missed (its replica killed, frozen or cut off) the supervisor of a live replica, which looks
 * every `SUPERVISE_SECONDS`, hands the job back to the queue. pg-boss' floor is 10.
 */
export const JOB_HEARTBEAT_SECONDS = 10;
const SUPERVISE_SECONDS = 10;

/** pg-boss 12 migrates its schema from version 25 on; pg-boss 10, used until 2026-11, left 24. */
const FIRST_MIGRATABLE_SCHEMA = 25;

export const QUEUES = {
  /** A schedule tick: which one and when, keyed so that replicas enqueue it once. */
  tick: 'transfers.tick',
  /** Extract, map and validate one period (optionally some units and forms). */
  sync: 'transfers.sync',
  /** Take one transfer as far as it goes (its lease decides who, if two jobs name it). */
  push: 'transfers.push-transfer',
} as const;

export interface TickJob {
  tick: 'plan' | 'push' | 'reconcile';
  at: string;
  /** A gateway's start counts as a tick of its own, beside the schedule's tick of that minute. */
  source?: 'schedule' | 'start';
}

export interface SyncJob {
  periodId: string;
  units?: string[];
  forms?: string[];
  actor: string;
  reason?: string;
}

export interface PushJob {
  transferId: string;
  actor: string;
}

/** A UUID from a name: the same tick on every replica makes the same job id, so it is stored once. */
export function jobIdFor(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** pg-boss in the gateway's own PostgreSQL (schema pgboss): the jobs survive any crash. */
export class TransferQueue {
  readonly boss: PgBoss;

  /**
   * `sender`: only enqueues (the CLI): no maintenance, no cron of pg-boss' own, one connection;
   * the gateway's replicas (`worker`) do those.
   */
  constructor(
    private readonly url: string,
    role: 'worker' | 'sender' = 'worker',
  ) {
    this.boss = new PgBoss({
      connectionString: url,
      application_name: 'baocao-gateway jobs',
      max: role === 'worker' ? 4 : 1,
      schema: 'pgboss',
      instanceName: `baocao-gateway ${role}`,
      ...(role === 'sender'
        ? { supervise: false, schedule: false, registerInstance: false }
        : { superviseIntervalSeconds: SUPERVISE_SECONDS }),
    });
  }

  async start(onError: (error: Error) => void): Promise<void> {
    this.boss.on('error', onError);
    // Replicas starting together on a new database would create the same queues at once, and
    // pg-boss' create_queue deadlocked on that (PostgreSQL 40P01: the losing replica failed to
    // start). One replica at a time, under a session advisory lock; the later ones find them.
    const lock = new Client({
      connectionString: this.url,
      application_name: 'baocao-gateway jobs',
    });
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1::bigint)', [QUEUE_LOCK_KEY]);
      await stashOldSchema(lock);
      await this.boss.start();
      for (const [name, heartbeatSeconds] of [
        [QUEUES.tick, JOB_HEARTBEAT_SECONDS],
        [QUEUES.sync, JOB_HEARTBEAT_SECONDS],
        // No heartbeat: a push job left active by a killed replica must not hold its transfer
        // back, and does not: the transfer's own lease lapses, and the next push tick enqueues
        // it again. The lease also keeps two replicas from pushing it at once.
        [QUEUES.push, undefined],
      ] as const) {
        // The queue's settings as declared here, on a new queue and on one an earlier version
        // (or an earlier start) left with others.
        const settings = {
          retryLimit: 3,
          retryDelay: 5,
          retryBackoff: true,
          expireInSeconds: 15 * 60,
          heartbeatSeconds: heartbeatSeconds ?? null,
        };
        const queue = await this.boss.getQueue(name);
        if (!queue)
          await this.boss.createQueue(name, {
            retryLimit: settings.retryLimit,
            retryDelay: settings.retryDelay,
            retryBackoff: settings.retryBackoff,
            expireInSeconds: settings.expireInSeconds,
            policy: 'standard',
            // pg-boss refuses the key present without a number.
            ...(heartbeatSeconds ? { heartbeatSeconds } : {}),
          });
        else if (
          (Object.keys(settings) as Array<keyof typeof settings>).some(
            (key) => (queue[key] ?? null) !== settings[key],
          )
        )
          await this.boss.updateQueue(name, settings);
      }
      // Into the queues as configured above (their retries, expiry and heartbeats).
      await this.takeStash(lock);
    } finally {
      await lock.end();
    }
  }

  /** Puts back the jobs that `stashOldSchema` kept from an older pg-boss schema. */
  private async takeStash(lock: Client): Promise<void> {
    const stash = await lock.query<{ found: boolean }>(
      `SELECT to_regclass('public.pgboss_upgrade_stash') IS NOT NULL AS found`,
    );
    if (!stash.rows[0].found) return;
    const { rows } = await lock.query<{ name: string; data: object | null; start_after: Date }>(
      `SELECT name, data, start_after FROM pgboss_upgrade_stash
        WHERE name = ANY($1::text[]) ORDER BY created_on`,
      [Object.values(QUEUES)],
    );
    for (const name of Object.values(QUEUES)) {
      const jobs = rows
        .filter((row) => row.name === name)
        .map((row) => ({ data: row.data ?? undefined, startAfter: row.start_after }));
      if (jobs.length) await this.boss.insert(name, jobs);
    }
    await lock.query('DROP TABLE pgboss_upgrade_stash');
  }

  /** Enqueues a tick once per name and minute, however many replicas ask. */
  tick(job: TickJob): Promise<string | null> {
    return this.boss.send(QUEUES.tick, job, {
      id: jobIdFor(`${job.tick}|${job.at}|${job.source ?? 'schedule'}`),
    });
  }

  sync(job: SyncJob): Promise<string | null> {
    return this.boss.send(QUEUES.sync, job);
  }

  push(job: PushJob): Promise<string | null> {
    this.pump?.nudge();
    return this.boss.send(QUEUES.push, job);
  }

  /**
   * Enqueues pushes of many transfers in one statement, in the order given, leaving out those
   * already waiting in the queue (a transfer waits there at most once; one being pushed right
   * now may wait for its next step).
   */
  async pushMany(transferIds: string[], actor: string): Promise<number> {
    if (!transferIds.length) return 0;
    const waiting = await this.boss.getDb().executeSql(
      `SELECT data->>'transferId' AS id FROM pgboss.job
          WHERE name = $1 AND state IN ('created', 'retry') AND data->>'transferId' = ANY($2::text[])`,
      [QUEUES.push, transferIds],
    );
    const queued = new Set((waiting.rows as Array<{ id: string }>).map((row) => row.id));
    const jobs = transferIds
      .filter((id) => !queued.has(id))
      .map((transferId) => ({ data: { transferId, actor } }));
    if (jobs.length) await this.boss.insert(QUEUES.push, jobs);
    this.pump?.nudge();
    return jobs.length;
  }

  /** Works the push queue on this replica (see PushPump). */
  workPushes(
    concurrency: number,
    push: (job: PushJob) => Promise<unknown>,
    onError: (error: Error) => void,
  ): void {
    this.pump = new PushPump(this.boss, concurrency, push, onError);
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.pump?.stop(timeoutMs);
    await this.boss.stop({ graceful: true, timeout: timeoutMs });
  }

  private pump?: PushPump;
}

/**
 * A schema left by pg-boss 10 (version 24), which pg-boss 12 cannot migrate: the jobs still to do
 * (waiting, retrying, or active under a replica stopped for the upgrade) go to a stash table in the
 * same transaction that drops the old schema, and come back once pg-boss 12 has installed its own.
 * Jobs done or failed are not kept: the gateway's tables hold what happened, and the queue only
 * what is left to do (a backup leaves it out for the same reason).
 */
async function stashOldSchema(client: Client): Promise<void> {
  const installed = await client.query<{ found: boolean }>(
    `SELECT to_regclass('pgboss.version') IS NOT NULL AS found`,
  );
  if (!installed.rows[0].found) return;
  const version = await client.query<{ version: number }>(
    'SELECT version::int AS version FROM pgboss.version LIMIT 1',
  );
  if ((version.rows[0]?.version ?? FIRST_MIGRATABLE_SCHEMA) >= FIRST_MIGRATABLE_SCHEMA) return;
  await client.query('BEGIN');
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS pgboss_upgrade_stash
         (name text NOT NULL, data jsonb, start_after timestamptz NOT NULL, created_on timestamptz NOT NULL)`,
    );
    await client.query(
      `INSERT INTO pgboss_upgrade_stash (name, data, start_after, created_on)
       SELECT name, data, start_after, created_on FROM pgboss.job
        WHERE state IN ('created', 'retry', 'active')`,
    );
    await client.query('DROP SCHEMA pgboss CASCADE');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/**
 * Keeps up to `concurrency` pushes in flight on one replica: a freed slot takes the next waiting
 * job at once. (pg-boss' own worker takes a batch, waits for all of it, then for its polling
 * interval: at most one batch a second per replica, whatever the national system could take.)
 * Finished jobs are completed together; a push that throws fails its job, which pg-boss retries
 * by the queue's policy. With nothing waiting, it looks again after `idleMs` or when this
 * replica enqueues something.
 */
export class PushPump {
  private readonly running = new Set<Promise<void>>();
  private completed: string[] = [];
  private stopping = false;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly boss: PgBoss,
    private readonly concurrency: number,
    private readonly push: (job: PushJob) => Promise<unknown>,
    private readonly onError: (error: Error) => void,
    private readonly idleMs = 1000,
  ) {
    this.loop = this.run();
  }

  nudge(): void {
    this.wake?.();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.nudge();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    // Jobs still running stay active in pg-boss and come back after their expiry; the
    // transfers' leases lapse sooner and their state says what is left to do.
    await this.complete().catch((error: Error) => this.onError(error));
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let idle = false;
      try {
        await this.complete();
        const free = this.concurrency - this.running.size;
        if (free > 0) {
          const jobs = await this.boss.fetch<PushJob>(QUEUES.push, { batchSize: free });
          for (const job of jobs) this.start(job.id, job.data);
          idle = jobs.length < free;
        }
      } catch (error) {
        this.onError(error as Error);
        idle = true;
      }
      if (this.stopping) break;
      // Wait for the queue to fill (idle) or for a quarter of the slots to free up.
      await new Promise<void>((resolve) => {
        const timer = idle ? setTimeout(done, this.idleMs) : undefined;
        this.wake = () => {
          if (
            idle ||
            this.stopping ||
            this.concurrency - this.running.size >= Math.max(1, this.concurrency >> 2)
          )
            done();
        };
        function done() {
          clearTimeout(timer);
          resolve();
        }
        if (!idle) this.wake();
      });
      this.wake = undefined;
    }
  }

  private start(id: string, job: PushJob): void {
    const running: Promise<void> = this.push(job).then(
      () => {
        this.completed.push(id);
      },
      (error: Error) => {
        this.onError(error);
        return this.boss.fail(QUEUES.push, id, { message: error.message }).then(
          () => undefined,
          (failed: Error) => this.onError(failed),
        );
      },
    );
    this.running.add(running);
    void running.finally(() => {
      this.running.delete(running);
      this.nudge();
    });
  }

  private async complete(): Promise<void> {
    if (!this.completed.length) return;
    const ids = this.completed;
    this.completed = [];
    await this.boss.complete(QUEUES.push, ids);
  }
}
