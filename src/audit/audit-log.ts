import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { prepared } from '../database/prepared';
import { scrub } from '../logging/redact';
import {
  canonicalText,
  eventHash,
  GENESIS_HASH,
  sha256Hex,
  type ChainedContent,
} from './audit-chain';
import type { AuditSigner } from './audit-signer';

/** What the rest of the gateway records. */
export interface AuditEventInput {
  /** "schedule", "system", or the person's SSO subject. */
  actor: string;
  action: string;
  outcome: string;
  unitCode?: string | null;
  formCode?: string | null;
  periodId?: string | null;
  transferId?: string | null;
  /** Bodies exchanged with an outside system: secrets are removed before they are kept and hashed. */
  request?: unknown;
  response?: unknown;
  /** The same, scrubbed and hashed already (for a caller that keeps them elsewhere too). */
  bodies?: ScrubbedBodies;
  reason?: string | null;
  details?: Record<string, unknown> | null;
  occurredAt?: Date;
}

/**
 * Bodies exchanged with an outside system, secrets removed, with their SHA-256 (of the canonical
 * JSON): made once for a push step, whose attempt row and audit record keep the same bodies. Only
 * `of` makes them, so they are always scrubbed. A body that is null or absent is none.
 */
export class ScrubbedBodies {
  private constructor(
    readonly request: unknown,
    readonly response: unknown,
    readonly requestSha256: string | null,
    readonly responseSha256: string | null,
  ) {}

  static of(request: unknown, response: unknown): ScrubbedBodies {
    return ScrubbedBodies.scrubbing(request, response, true);
  }

  /** An event's own request and response (`record`): there only an absent body is none. */
  static ofEvent(input: Pick<AuditEventInput, 'request' | 'response'>): ScrubbedBodies {
    return ScrubbedBodies.scrubbing(input.request, input.response, false);
  }

  private static scrubbing(
    request: unknown,
    response: unknown,
    nullIsNone: boolean,
  ): ScrubbedBodies {
    const kept = (body: unknown) =>
      body === undefined || (nullIsNone && body === null) ? undefined : scrub(body);
    const scrubbedRequest = kept(request);
    const scrubbedResponse = kept(response);
    return new ScrubbedBodies(
      scrubbedRequest,
      scrubbedResponse,
      scrubbedRequest === undefined ? null : sha256Hex(scrubbedRequest),
      scrubbedResponse === undefined ? null : sha256Hex(scrubbedResponse),
    );
  }
}

export interface AuditLogOptions {
  checkpointEvery: number;
  batchSize?: number;
}

// Any fixed bigint distinct from the migration lock: one chain writer at a time, across replicas.
const CHAIN_LOCK_KEY = '2025070152';

/**
 * The append-only, hash-chained transfer log. record() only inserts into audit_pending (any
 * replica, any transaction, durable at once); flush() is the single writer: under an advisory
 * lock it takes pending events in order, chains them onto the head and signs checkpoints.
 */
export class AuditLog {
  private readonly batchSize: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly signer: AuditSigner,
    private readonly options: AuditLogOptions,
  ) {
    this.batchSize = options.batchSize ?? 2000;
  }

  /**
   * Records an event; pass a transaction's manager to record atomically with the change it
   * describes. Without one, events recorded at the same moment go in together: one INSERT for
   * all those that arrived while the previous one was being written (each caller still returns
   * only once its own event is durable). An INSERT that fails for several is tried event by
   * event, so one event the database refuses fails only its own caller.
   */
  async record(input: AuditEventInput, manager?: EntityManager): Promise<void> {
    if (manager && manager !== this.dataSource.manager) {
      await manager.query('INSERT INTO audit_pending (occurred_at, event) VALUES ($1, $2)', [
        input.occurredAt ?? new Date(),
        JSON.stringify(pendingEvent(input)),
      ]);
      return;
    }
    const row = this.pendingRow(input);
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ row, resolve, reject });
      this.writeWaiting();
    });
  }

  private readonly waiting: Array<{
    row: [Date, string];
    resolve: () => void;
    reject: (error: unknown) => void;
  }> = [];
  /** One INSERT at a time: events recorded without a transaction keep the order of the calls. */
  private writing = false;

  private writeWaiting(): void {
    if (this.writing || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, 1000);
    this.writing = true;
    this.insertPending(batch.map((entry) => entry.row))
      .then(
        () => batch.forEach((entry) => entry.resolve()),
        async (error: unknown) => {
          if (batch.length === 1) return batch[0].reject(error);
          for (const entry of batch)
            await this.insertPending([entry.row]).then(entry.resolve, entry.reject);
        },
      )
      // The callers just answered record again at once; their events wait for the next turn of
      // the event loop and go in together instead of one alone and the rest after.
      .finally(() =>
        setImmediate(() => {
          this.writing = false;
          this.writeWaiting();
        }),
      );
  }

  /**
   * Pending rows in one statement on the pool itself (no ORM between the event and the
   * database), as one JSON array of [instant, event] pairs: the events are JSON text already, so
   * nothing is escaped again. Rows get their ids in the array's order.
   */
  private async insertPending(rows: Array<[Date, string]>): Promise<void> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    await pool.query(
      prepared(
        `INSERT INTO audit_pending (occurred_at, event)
         SELECT (pair->>0)::timestamptz, pair->1 FROM jsonb_array_elements($1::jsonb) AS pair`,
        [`[${rows.map(([at, event]) => `["${at.toISOString()}",${event}]`).join(',')}]`],
      ),
    );
  }

  /**
   * The pending row of an event, for a caller that writes it within its own statement (one round
   * trip for a change and its audit record): INSERT INTO audit_pending (occurred_at, event).
   */
  pendingRow(input: AuditEventInput): [Date, string] {
    return [input.occurredAt ?? new Date(), JSON.stringify(pendingEvent(input))];
  }

  async recordMany(inputs: AuditEventInput[]): Promise<void> {
    if (inputs.length === 0) return;
    await this.dataSource.query(
      'INSERT INTO audit_pending (occurred_at, event) SELECT * FROM unnest($1::timestamptz[], $2::jsonb[])',
      [
        inputs.map((input) => input.occurredAt ?? new Date()),
        inputs.map((input) => JSON.stringify(pendingEvent(input))),
      ],
    );
  }

  /** Chains every pending event. Returns how many were chained by this call. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const chained = await this.chainBatch();
      total += chained;
      if (chained < this.batchSize) return total;
    }
  }

  private async chainBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [CHAIN_LOCK_KEY]);
      const pending = await manager.query<
        Array<{ id: string; occurred_at: Date; event: PendingEvent }>
      >('SELECT id, occurred_at, event FROM audit_pending ORDER BY id LIMIT $1', [this.batchSize]);
      if (pending.length === 0) return 0;
      const head = await manager.query<Array<{ seq: string; hash: string }>>(
        'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
      );
      let seq = head.length ? BigInt(head[0].seq) : 0n;
      let prevHash = head.length ? head[0].hash : GENESIS_HASH;
      const rows: Array<ChainedContent & { prevHash: string; hash: string }> = [];
      for (const row of pending) {
        seq += 1n;
        const content: ChainedContent = {
          seq: seq.toString(),
          occurredAt: new Date(row.occurred_at).toISOString(),
          ...row.event,
          bodies: canonicalText(row.event.bodies),
          details: canonicalText(row.event.details),
        };
        const hash = eventHash(prevHash, content);
        rows.push({ ...content, prevHash, hash });
        prevHash = hash;
      }
      // One JSON array of the rows as the one parameter: PostgreSQL reads it with
      // jsonb_to_recordset, and nothing is escaped twice into array literals on the way.
      await manager.query(
        `INSERT INTO audit_event (seq, occurred_at, chained_at, actor, action, unit_code, form_code, period_id, transfer_id, outcome,
           request_sha256, response_sha256, bodies, reason, details, prev_hash, hash)
         SELECT seq, "occurredAt", now(), actor, action, "unitCode", "formCode", "periodId", "transferId", outcome,
           "requestSha256", "responseSha256", bodies, reason, details, "prevHash", hash
         FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, "occurredAt" timestamptz, actor text, action text,
           "unitCode" text, "formCode" text, "periodId" text, "transferId" uuid, outcome text, "requestSha256" text,
           "responseSha256" text, bodies text, reason text, details text, "prevHash" text, hash text)`,
        [JSON.stringify(rows)],
      );
      await manager.query('DELETE FROM audit_pending WHERE id = ANY($1::bigint[])', [
        pending.map((row) => row.id),
      ]);
      const first = BigInt(rows[0].seq);
      const every = BigInt(this.options.checkpointEvery);
      if ((first - 1n) / every !== seq / every)
        await this.writeCheckpoint(manager, seq.toString(), prevHash);
      return rows.length;
    });
  }

  /** Chains what is pending and signs the head, if no checkpoint covers it yet. */
  async checkpoint(): Promise<{ seq: string; hash: string } | undefined> {
    await this.flush();
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [CHAIN_LOCK_KEY]);
      const head = await manager.query<Array<{ seq: string; hash: string }>>(
        'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
      );
      if (!head.length) return undefined;
      const last = await manager.query<Array<{ seq: string }>>(
        'SELECT seq FROM audit_checkpoint ORDER BY seq DESC LIMIT 1',
      );
      if (!last.length || last[0].seq !== head[0].seq)
        await this.writeCheckpoint(manager, head[0].seq, head[0].hash);
      return head[0];
    });
  }

  private async writeCheckpoint(manager: EntityManager, seq: string, hash: string): Promise<void> {
    const signedAt = new Date();
    const { statement, signature } = this.signer.sign({
      seq,
      hash,
      signedAt: signedAt.toISOString(),
    });
    await manager.query(
      'INSERT INTO audit_checkpoint (seq, hash, signed_at, key_id, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        statement.seq,
        statement.hash,
        signedAt,
        statement.keyId,
        this.signer.publicKeyPem,
        signature,
      ],
    );
  }
}

/** An event waiting to be chained: bodies and details still objects (jsonb in audit_pending). */
type PendingEvent = Omit<ChainedContent, 'seq' | 'occurredAt' | 'bodies' | 'details'> & {
  bodies: Record<string, unknown> | null;
  details: Record<string, unknown> | null;
};

function pendingEvent(input: AuditEventInput): PendingEvent {
  const given = input.bodies ?? ScrubbedBodies.ofEvent(input);
  const { request, response } = given;
  const bodies =
    request === undefined && response === undefined
      ? null
      : {
          ...(request !== undefined ? { request } : {}),
          ...(response !== undefined ? { response } : {}),
        };
  return {
    actor: input.actor,
    action: input.action,
    unitCode: input.unitCode ?? null,
    formCode: input.formCode ?? null,
    periodId: input.periodId ?? null,
    transferId: input.transferId ?? null,
    outcome: input.outcome,
    requestSha256: given.requestSha256,
    responseSha256: given.responseSha256,
    bodies,
    reason: input.reason ?? null,
    details: input.details ? (scrub(input.details) as Record<string, unknown>) : null,
  };
}
