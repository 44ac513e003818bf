import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';

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

  constructor(url: string) {
    this.boss = new PgBoss({
      connectionString: url,
      application_name: 'baocao-gateway jobs',
      max: 4,
      schema: 'pgboss',
    });
  }

  async start(onError: (error: Error) => void): Promise<void> {
    this.boss.on('error', onError);
    await this.boss.start();
    for (const [name, policy] of [
      [QUEUES.tick, 'standard'],
      [QUEUES.sync, 'standard'],
      // Standard: a push job left active by a killed replica must not hold its transfer back;
      // the transfer's own lease keeps two replicas from pushing it at once.
      [QUEUES.push, 'standard'],
    ] as const) {
      if (!(await this.boss.getQueue(name)))
        await this.boss.createQueue(name, {
          name,
          policy,
          retryLimit: 3,
          retryDelay: 5,
          retryBackoff: true,
          expireInMinutes: 15,
        });
    }
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
    return this.boss.send(QUEUES.push, job);
  }

  stop(timeoutMs: number): Promise<void> {
    return this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
