import type { DataSource, EntityManager } from 'typeorm';
import type { PendingRow } from '../audit/audit-log';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { columnsOf, entityOf, preparedQuery } from '../database/prepared';
import {
  TransferEntity,
  type TransferState,
  type TransferStep,
} from '../database/entities/transfer.entity';
import { PushWrite } from './push-write';
import { TransferError } from './transfer-error';

/**
 * What a push reads of the transfer it leases: its identity, content and where it stands (the
 * lease returns these, not the whole row: a third of the columns, none of the timestamps).
 */
const LEASED = [
  'id',
  'periodId',
  'unitCode',
  'formCode',
  'level',
  'state',
  'step',
  'version',
  'contentKey',
  'payload',
  'submissionId',
  'attempts',
] as const satisfies ReadonlyArray<keyof TransferEntity>;

export type LeasedTransfer = Pick<TransferEntity, (typeof LEASED)[number]>;

/** States a push works on: what the lease takes and each step's write expects. */
export const PUSHABLE: readonly TransferState[] = ['mapped', 'pushing', 'unknown', 'pushed'];
/** States reconciliation compares with the national copy, and a re-push starts from. */
export const RECONCILED: readonly TransferState[] = ['confirmed', 'drifted', 'returned'];

/**
 * Every change of a transfer's state, the states it starts from and what it does with a push's
 * lease. The SQL of each transition below checks both; a change whose transfer is not in one of
 * its states (or whose lease is not as it needs) changes nothing and says so.
 *
 * lease: 'free' needs no replica pushing it (no lease, or one that ran out); 'held' needs the
 * lease of the replica that writes; 'taken' ends any push in flight: the lease is cleared, so
 * that push's next write is refused (its attempt and audit records are kept all the same).
 */
export const TRANSITIONS = {
  /** A new transfer, or a new content version of one: the planner's. */
  version: { from: 'any', to: ['mapped', 'planned', 'invalid'], lease: 'taken' },
  /** A waiting summary goes, once its children are confirmed or its deadline came. */
  release: { from: ['planned'], to: ['mapped'], lease: 'free' },
  /** A replica takes a transfer to push it. */
  lease: { from: PUSHABLE, to: 'unchanged', lease: 'free' },
  /** One step of a push: its attempt, audit records and next state in one statement. */
  step: {
    from: PUSHABLE,
    to: ['pushing', 'pushed', 'unknown', 'confirmed', 'returned', 'invalid', 'failed'],
    lease: 'held',
  },
  /** A push cut short by an unexpected error gives its lease back. */
  unlease: { from: 'any', to: 'unchanged', lease: 'held' },
  /** An operator tries a failed, lost or waiting transfer again now. */
  retry: {
    from: ['failed', 'unknown', 'mapped', 'pushing', 'pushed'],
    to: ['pushing', 'unknown', 'mapped', 'pushed'],
    lease: 'free',
  },
  /** Reconciliation or an operator sends a confirmed content again (a missing or drifted copy). */
  repush: { from: RECONCILED, to: ['mapped'], lease: 'free' },
  /** Reconciliation found the national copy different from what was confirmed. */
  drift: { from: RECONCILED, to: ['drifted'], lease: 'free' },
  /** Reconciliation found the national copy sent back for correction. */
  return: { from: RECONCILED, to: ['returned'], lease: 'free' },
  /** An operator stops a transfer that is not confirmed; a push in flight stops at its next write. */
  cancel: {
    from: [
      'planned',
      'mapped',
      'invalid',
      'pushing',
      'pushed',
      'failed',
      'unknown',
      'drifted',
      'returned',
    ],
    to: ['cancelled'],
    lease: 'taken',
  },
} as const satisfies Record<
  string,
  {
    from: 'any' | readonly TransferState[];
    to: 'unchanged' | readonly TransferState[];
    lease: 'free' | 'held' | 'taken';
  }
>;

export type TransitionName = keyof typeof TRANSITIONS;

/** What a guarded change found: done, or the state (and holder) that kept it from happening. */
export type TransitionOutcome =
  | { done: true; from: TransferState; stoppedPush: string | null }
  | { done: false; state: TransferState | null; leasedBy: string | null };

/**
 * What a content version writes into its transfer and version row (TransferTransitions.version);
 * the version number is the statement's to count.
 */
export type TransferContent = Pick<
  TransferEntity,
  | 'id'
  | 'periodId'
  | 'unitCode'
  | 'formCode'
  | 'level'
  | 'regimeCode'
  | 'contentKey'
  | 'mappingVersion'
  | 'payload'
  | 'problems'
  | 'provisional'
  | 'sourceReportId'
  | 'sourceUpdatedAt'
> & { valid: boolean };

const FREE_LEASE = '(leased_until IS NULL OR leased_until < now())';
/** The same, of the row as it was before the UPDATE (the `before` of `change`). */
const WAS_FREE = '(before.leased_until IS NULL OR before.leased_until < now())';

/**
 * The one place a transfer's state is written. Planner, pusher, reconciler and operators ask for a
 * named transition; each is one guarded UPDATE that also returns the state it started from.
 */
export class TransferTransitions {
  /** The lease statement and the columns it returns, made once (see preparedQuery). */
  private leasing?: { statement: string; columns: ColumnMetadata[] };

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes the transfer for `node` until `until`, and returns what a push reads of it, in one round
   * trip; nothing when it is not pushable or another replica holds it.
   */
  async lease(
    transferId: string,
    node: string,
    until: Date,
    now: Date,
  ): Promise<LeasedTransfer | undefined> {
    const metadata = this.dataSource.getMetadata(TransferEntity);
    if (!this.leasing) {
      const columns = LEASED.map((field) => metadata.findColumnWithPropertyName(field)!);
      this.leasing = {
        columns,
        statement: `UPDATE transfer SET leased_until = $2, leased_by = $3
          WHERE id = $1 AND state = ANY($5::text[])
            AND (leased_until IS NULL OR leased_until < $4)
          RETURNING ${columnsOf(columns)}`,
      };
    }
    const [row] = await preparedQuery<Record<string, unknown>>(
      this.dataSource,
      this.leasing.statement,
      [transferId, until, node, now, TRANSITIONS.lease.from],
    );
    return row ? entityOf<LeasedTransfer>(metadata, row, this.leasing.columns) : undefined;
  }

  /**
   * The write of one push step, guarded by the lease of `node` and by the state the step starts
   * from: refused when the transfer was cancelled or given new content meanwhile.
   */
  step(transfer: LeasedTransfer, node: string): PushWrite {
    return new PushWrite(transfer.id, { holder: node, state: transfer.state });
  }

  /** Gives the lease back after a push that stopped on an unexpected error. */
  async unlease(transferId: string, node: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE transfer SET leased_until = NULL, leased_by = NULL WHERE id = $1 AND leased_by = $2`,
      [transferId, node],
    );
  }

  /** A waiting summary goes now; false when it is no longer waiting. */
  async release(manager: EntityManager, transferId: string, now: Date): Promise<boolean> {
    const outcome = await this.change(manager, 'release', transferId, {
      state: 'mapped',
      step: 'submit',
      nextAttemptAt: now,
    });
    return outcome.done;
  }

  /**
   * A new transfer or a new content version, written whole with the planner's content: `mapped`
   * to be pushed from its first step now, `planned` (a summary waiting for its children) or
   * `invalid` (never pushed). A push of the earlier content still in flight loses its lease and
   * stops at its next write. One statement, one round trip, holding a connection of the pool only
   * for that (the plan runs beside the pushes): the transfer's row locked if it exists, and only
   * when its content key differs, the row inserted or its content, state and step replaced (its
   * identity, level and national ids kept), the version row and the audit record written. The
   * audit record's `transferId`, `details.version` and `details.correction` are filled in from
   * what was found.
   * Answers what was found and what was written.
   */
  async version(
    content: TransferContent,
    to: (typeof TRANSITIONS.version.to)[number],
    now: Date,
    audit: PendingRow,
  ): Promise<{
    found: { id: string; state: TransferState; version: number } | null;
    written: { id: string; version: number } | null;
  }> {
    const [row] = await preparedQuery<{
      foundId: string | null;
      foundState: TransferState | null;
      foundVersion: number | null;
      writtenId: string | null;
      writtenVersion: number | null;
    }>(
      this.dataSource,
      `WITH found AS (
         SELECT id, version, state, content_key FROM transfer
          WHERE period_id = $2 AND unit_code = $3 AND form_code = $4 FOR UPDATE),
       next AS (
         SELECT COALESCE((SELECT id FROM found), $1::uuid) AS id,
                COALESCE((SELECT version FROM found), 0) + 1 AS version,
                EXISTS (SELECT 1 FROM found) AS correction
          WHERE NOT EXISTS (SELECT 1 FROM found WHERE content_key = $7)),
       written AS (
         INSERT INTO transfer (id, period_id, unit_code, form_code, level, version, regime_code,
           content_key, mapping_version, payload, problems, provisional, source_report_id,
           source_updated_at, state, step, attempts, next_attempt_at, last_error, leased_until,
           leased_by)
         SELECT next.id, $2, $3, $4, $5, next.version, $6, $7, $8, $9::jsonb, $10::jsonb, $11,
                $12, $13, $14, $15, 0, $16, NULL, NULL, NULL
           FROM next
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version,
           regime_code = EXCLUDED.regime_code, content_key = EXCLUDED.content_key,
           mapping_version = EXCLUDED.mapping_version, payload = EXCLUDED.payload,
           problems = EXCLUDED.problems, provisional = EXCLUDED.provisional,
           source_report_id = EXCLUDED.source_report_id,
           source_updated_at = EXCLUDED.source_updated_at, state = EXCLUDED.state,
           step = EXCLUDED.step, attempts = 0, next_attempt_at = EXCLUDED.next_attempt_at,
           last_error = NULL, leased_until = NULL, leased_by = NULL, updated_at = now()
         RETURNING id, version),
       kept AS (
         INSERT INTO transfer_version (transfer_id, version, content_key, payload, valid,
           source_report_id, source_updated_at)
         SELECT id, version, $7, $9::jsonb, $17, $12, $13 FROM written),
       audited AS (
         INSERT INTO audit_pending (occurred_at, event, bodies)
         SELECT $18, jsonb_set(jsonb_set(jsonb_set($19::jsonb,
                  '{transferId}', to_jsonb(written.id::text)),
                  '{details,version}', to_jsonb(written.version)),
                  '{details,correction}', to_jsonb(next.correction)), $20::text
           FROM written, next)
       SELECT found.id AS "foundId", found.state AS "foundState", found.version AS "foundVersion",
              written.id AS "writtenId", written.version AS "writtenVersion"
         FROM (SELECT 1) AS one LEFT JOIN found ON true LEFT JOIN written ON true`,
      [
        content.id,
        content.periodId,
        content.unitCode,
        content.formCode,
        content.level,
        content.regimeCode,
        content.contentKey,
        content.mappingVersion,
        JSON.stringify(content.payload),
        JSON.stringify(content.problems),
        content.provisional,
        content.sourceReportId,
        content.sourceUpdatedAt,
        to,
        to === 'mapped' ? 'submit' : null,
        to === 'mapped' ? now : null,
        content.valid,
        audit[0],
        audit[1],
        audit[2],
      ],
    );
    return {
      found: row.foundId
        ? { id: row.foundId, state: row.foundState!, version: row.foundVersion! }
        : null,
      written: row.writtenId ? { id: row.writtenId, version: row.writtenVersion! } : null,
    };
  }

  /** Tries again now: a failed one goes back to pushing with a fresh retry budget. */
  retry(transferId: string, from: TransferState): Promise<TransitionOutcome> {
    return this.change(this.dataSource.manager, 'retry', transferId, {
      state: from === 'failed' ? 'pushing' : from,
      attempts: 0,
      nextAttemptAt: new Date(),
      expect: from,
    });
  }

  /** The confirmed content goes again from its first step. */
  repush(manager: EntityManager, transferId: string): Promise<TransitionOutcome> {
    return this.change(manager, 'repush', transferId, {
      state: 'mapped',
      step: 'submit',
      attempts: 0,
      nextAttemptAt: new Date(),
    });
  }

  /** What reconciliation found: the national copy differs, or was sent back. */
  mark(transferId: string, to: 'drifted' | 'returned'): Promise<TransitionOutcome> {
    return this.change(this.dataSource.manager, to === 'drifted' ? 'drift' : 'return', transferId, {
      state: to,
      nextAttemptAt: null,
    });
  }

  cancel(manager: EntityManager, transferId: string): Promise<TransitionOutcome> {
    return this.change(manager, 'cancel', transferId, {
      state: 'cancelled',
      step: null,
      nextAttemptAt: null,
    });
  }

  /**
   * One guarded UPDATE: the row changes only from the transition's states (or exactly `expect`)
   * and with the lease as the transition needs it. Returns the state it started from, or what
   * stood in the way.
   */
  private async change(
    manager: EntityManager,
    name: TransitionName,
    transferId: string,
    change: {
      state: TransferState;
      step?: TransferStep | null;
      attempts?: number;
      nextAttemptAt: Date | null;
      expect?: TransferState;
    },
  ): Promise<TransitionOutcome> {
    const transition = TRANSITIONS[name];
    const from = transition.from === 'any' ? null : [...transition.from];
    const parameters: unknown[] = [transferId, change.state, change.nextAttemptAt];
    const sets = ['state = $2', 'next_attempt_at = $3', 'updated_at = now()'];
    if (change.step !== undefined) sets.push(`step = $${parameters.push(change.step)}`);
    if (change.attempts !== undefined) sets.push(`attempts = $${parameters.push(change.attempts)}`);
    const guards: string[] = [];
    if (from) guards.push(`before.state = ANY($${parameters.push(from)}::text[])`);
    if (change.expect) guards.push(`before.state = $${parameters.push(change.expect)}`);
    if (transition.lease === 'free') guards.push(WAS_FREE);
    if (transition.lease === 'taken') sets.push('leased_until = NULL', 'leased_by = NULL');
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows] = await manager.query<
      [Array<{ from: TransferState; stoppedPush: string | null }>, number]
    >(
      `UPDATE transfer SET ${sets.join(', ')}
         FROM (SELECT id, state, leased_until, leased_by FROM transfer WHERE id = $1 FOR UPDATE) before
        WHERE transfer.id = before.id${guards.map((guard) => ` AND ${guard}`).join('')}
        RETURNING before.state AS "from",
                  CASE WHEN NOT ${WAS_FREE} THEN before.leased_by END AS "stoppedPush"`,
      parameters,
    );
    if (rows.length) return { done: true, from: rows[0].from, stoppedPush: rows[0].stoppedPush };
    const [found] = await manager.query<
      Array<{ state: TransferState; leasedBy: string | null; held: boolean }>
    >(
      `SELECT state, leased_by AS "leasedBy", NOT ${FREE_LEASE} AS held FROM transfer WHERE id = $1`,
      [transferId],
    );
    return {
      done: false,
      state: found?.state ?? null,
      leasedBy: found?.held ? found.leasedBy : null,
    };
  }
}

/** A transition refused because the transfer moved meanwhile, or a push holds it. */
export function refuseUnlessDone(id: string, outcome: TransitionOutcome): void {
  if (outcome.done) return;
  if (outcome.leasedBy)
    throw new TransferError(
      'conflict',
      'TRANSFER_BEING_PUSHED',
      `Lượt chuyển ${id} đang được đẩy (bản sao ${outcome.leasedBy}); thử lại khi lượt đẩy này kết thúc`,
      undefined,
      { state: outcome.state, leasedBy: outcome.leasedBy },
    );
  throw new TransferError(
    'conflict',
    'TRANSFER_STATE_CHANGED',
    `Lượt chuyển ${id} vừa chuyển sang trạng thái ${outcome.state ?? 'không rõ'}; xem lại rồi thử lại`,
    undefined,
    { state: outcome.state },
  );
}
