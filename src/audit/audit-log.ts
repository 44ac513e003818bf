import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { connectionOf, copyLines, copyText } from '../database/copy-rows';
import { prepared } from '../database/prepared';
import { canonicalJson } from '../common/canonical-json';
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
 * `of` makes them, so they are always scrubbed. A body that is null or absent is none. `canonical`
 * is the text the chained event keeps as its `bodies` (canonicalJson of `{request, response}`),
 * written from the two texts the hashes were taken of, so the chain writer does not write them
 * out again.
 */
export class ScrubbedBodies {
  private constructor(
    /** Each body scrubbed, as canonical JSON text; null where there is none. */
    readonly requestJson: string | null,
    readonly responseJson: string | null,
    readonly requestSha256: string | null,
    readonly responseSha256: string | null,
    readonly canonical: string | null,
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
    const requestText = scrubbedRequest === undefined ? undefined : canonicalJson(scrubbedRequest);
    const responseText =
      scrubbedResponse === undefined ? undefined : canonicalJson(scrubbedResponse);
    // canonicalJson's key order: "request" sorts before "response".
    const members = [
      requestText === undefined ? undefined : `"request":${requestText}`,
      responseText === undefined ? undefined : `"response":${responseText}`,
    ].filter((member) => member !== undefined);
    return new ScrubbedBodies(
      requestText ?? null,
      responseText ?? null,
      bodyHash(scrubbedRequest, requestText),
      bodyHash(scrubbedResponse, responseText),
      members.length ? `{${members.join(',')}}` : null,
    );
  }
}

/** sha256Hex of a body from its canonical text: a text body is hashed as it is, not quoted. */
function bodyHash(body: unknown, text: string | undefined): string | null {
  if (text === undefined) return null;
  return sha256Hex(typeof body === 'string' ? body : text);
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
      await manager.query(
        'INSERT INTO audit_pending (occurred_at, event, bodies) VALUES ($1, $2, $3)',
        this.pendingRow(input),
      );
      return;
    }
    // Inserted as JSON text embedded in one array (insertPending): the bodies stay in the event.
    const row: [Date, string] = [
      input.occurredAt ?? new Date(),
      JSON.stringify(pendingEvent(input)),
    ];
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
   * trip for a change and its audit record): INSERT INTO audit_pending (occurred_at, event,
   * bodies). The bodies' canonical text goes in a column of its own, not escaped into the event.
   */
  pendingRow(input: AuditEventInput): PendingRow {
    const given = input.bodies ?? ScrubbedBodies.ofEvent(input);
    const event = pendingEvent(input, given);
    event.bodies = null;
    return [input.occurredAt ?? new Date(), JSON.stringify(event), given.canonical];
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

  /**
   * Runs the chain writer every `intervalMs`, as every replica does: one flush at a time, a
   * failed one told to `onError` and tried again at the next tick. Returns a stop that clears the
   * timer and waits for the flush in flight. The timer does not hold the process open.
   */
  chainEvery(intervalMs: number, onError: (error: unknown) => void): () => Promise<void> {
    let flushing: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      flushing ??= this.flush()
        .catch(onError)
        .finally(() => (flushing = undefined));
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await flushing;
    };
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
      const [{ now }] = await manager.query<Array<{ now: string }>>(
        'SELECT pg_advisory_xact_lock($1::bigint), now()::text AS now',
        [CHAIN_LOCK_KEY],
      );
      const pending = await manager.query<PendingRead[]>(PENDING_BATCH, [this.batchSize]);
      if (pending.length === 0) return 0;
      const head = await manager.query<Array<{ seq: string; hash: string }>>(
        'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
      );
      const last = head.length ? BigInt(head[0].seq) : 0n;
      let seq = last;
      let prevHash = head.length ? head[0].hash : GENESIS_HASH;
      // COPY, text format: PostgreSQL reads plain lines, with nothing to parse as JSON, and
      // stores each chunk while the next is hashed.
      await copyLines(
        connectionOf(manager.queryRunner!),
        CHAIN_COPY,
        (function* chained() {
          let lines = '';
          for (const [index, row] of pending.entries()) {
            seq += 1n;
            const content = chainedContent(seq.toString(), row);
            const hash = eventHash(prevHash, content);
            lines += `${copyRow({ ...content, chainedAt: now, prevHash, hash })}\n`;
            prevHash = hash;
            if (index % COPY_CHUNK === COPY_CHUNK - 1) {
              yield lines;
              lines = '';
            }
          }
          if (lines) yield lines;
        })(),
      );
      await manager.query('DELETE FROM audit_pending WHERE id = ANY($1::bigint[])', [
        pending.map((row) => row.id),
      ]);
      const every = BigInt(this.options.checkpointEvery);
      if (last / every !== seq / every)
        await this.writeCheckpoint(manager, seq.toString(), prevHash);
      return pending.length;
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

/**
 * A batch of pending events in order, each field taken out of the jsonb by PostgreSQL (no JSON
 * parsed here for the plain fields) and the instant written as the hash covers it (ISO 8601 in
 * UTC with milliseconds, the microseconds cut, as Date.toISOString would).
 */
const PENDING_BATCH = `SELECT id,
    to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt",
    event->>'actor' AS actor, event->>'action' AS action, event->>'unitCode' AS "unitCode",
    event->>'formCode' AS "formCode", event->>'periodId' AS "periodId",
    event->>'transferId' AS "transferId", event->>'outcome' AS outcome,
    event->>'requestSha256' AS "requestSha256", event->>'responseSha256' AS "responseSha256",
    COALESCE(bodies, event->>'bodies') AS bodies,
    bodies IS NOT NULL OR jsonb_typeof(event->'bodies') = 'string' AS "bodiesCanonical",
    event->>'reason' AS reason, event->>'details' AS details
  FROM audit_pending ORDER BY id LIMIT $1`;

/** Rows per chunk of the chain writer's COPY. */
const COPY_CHUNK = 250;

/** A chained event as the chain writer stores it: its content, its place and its hashes. */
type ChainedRow = ChainedContent & { chainedAt: string; prevHash: string; hash: string };

/** The columns of audit_event the chain writer fills, each with the field it takes. */
const CHAINED_COLUMNS: ReadonlyArray<readonly [column: string, field: keyof ChainedRow]> = [
  ['seq', 'seq'],
  ['occurred_at', 'occurredAt'],
  ['chained_at', 'chainedAt'],
  ['actor', 'actor'],
  ['action', 'action'],
  ['unit_code', 'unitCode'],
  ['form_code', 'formCode'],
  ['period_id', 'periodId'],
  ['transfer_id', 'transferId'],
  ['outcome', 'outcome'],
  ['request_sha256', 'requestSha256'],
  ['response_sha256', 'responseSha256'],
  ['bodies', 'bodies'],
  ['reason', 'reason'],
  ['details', 'details'],
  ['prev_hash', 'prevHash'],
  ['hash', 'hash'],
];

const CHAIN_COPY = `COPY audit_event (${CHAINED_COLUMNS.map(([column]) => column).join(', ')}) FROM STDIN`;

/** A chained event as a line of COPY text (without its newline), in CHAINED_COLUMNS' order. */
function copyRow(row: ChainedRow): string {
  return CHAINED_COLUMNS.map(([, field]) => copyText(row[field])).join('\t');
}

type PendingRead = Omit<ChainedContent, 'seq'> & { id: string; bodiesCanonical: boolean | null };

/**
 * A pending event's content at its place in the chain. Bodies are kept as their canonical text
 * already (ScrubbedBodies.canonical), or, pending from before that, as an object; details, which
 * a keep's statement fills in, are an object: both come as PostgreSQL's jsonb text and are
 * written out canonically here.
 */
function chainedContent(seq: string, row: PendingRead): ChainedContent {
  return {
    seq,
    occurredAt: row.occurredAt,
    actor: row.actor,
    action: row.action,
    unitCode: row.unitCode,
    formCode: row.formCode,
    periodId: row.periodId,
    transferId: row.transferId,
    outcome: row.outcome,
    requestSha256: row.requestSha256,
    responseSha256: row.responseSha256,
    bodies:
      row.bodies === null || row.bodiesCanonical
        ? row.bodies
        : canonicalText(JSON.parse(row.bodies) as Record<string, unknown>),
    reason: row.reason,
    details:
      row.details === null
        ? null
        : canonicalText(JSON.parse(row.details) as Record<string, unknown>),
  };
}

/**
 * An event's pending row as a statement writes it: when it occurred, the event (jsonb), and its
 * bodies' canonical text (or null).
 */
export type PendingRow = [occurredAt: Date, event: string, bodies: string | null];

/**
 * An event waiting to be chained (jsonb in audit_pending): bodies as their canonical text
 * (ScrubbedBodies.canonical), or, in events pending from before that, as the object; details
 * still an object, which a keep's statement fills in (TransferTransitions.version).
 */
type PendingEvent = Omit<ChainedContent, 'seq' | 'occurredAt' | 'bodies' | 'details'> & {
  bodies: string | Record<string, unknown> | null;
  details: Record<string, unknown> | null;
};

function pendingEvent(
  input: AuditEventInput,
  given = input.bodies ?? ScrubbedBodies.ofEvent(input),
): PendingEvent {
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
    bodies: given.canonical,
    reason: input.reason ?? null,
    details: input.details ? (scrub(input.details) as Record<string, unknown>) : null,
  };
}
