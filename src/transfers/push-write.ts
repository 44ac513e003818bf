import type { DataSource } from 'typeorm';
import type { PendingRow } from '../audit/audit-log';
import { nationalStepsTotal } from '../common/metrics';
import { preparedQuery } from '../database/prepared';
import { TransferEntity, type TransferState } from '../database/entities/transfer.entity';

/** One national call of a push as `transfer_attempt` keeps it. */
export interface AttemptRow {
  id: string;
  transferId: string;
  version: number;
  step: string;
  account: string | null;
  node: string;
  startedAt: Date;
  finishedAt: Date;
  outcome: string;
  httpStatus: number | null;
  /** The bodies as JSON text (ScrubbedBodies' canonical text: written as it is, not again). */
  requestJson: string | null;
  responseJson: string | null;
  requestSha256: string | null;
  responseSha256: string | null;
  error: string | null;
  retryable: boolean | null;
}

/**
 * Everything one step of a push writes (its attempt, its audit records, the transfer's next state,
 * the unit's cursor), sent as one statement of data-modifying CTEs: one round trip, all or
 * nothing. PostgreSQL runs each data-modifying CTE once whether or not anything reads it; a row
 * may be updated by only one of them, so the transfer's changes are merged into one UPDATE.
 */
export class PushWrite {
  private readonly params: unknown[] = [];
  private readonly parts: string[] = [];
  private readonly audits: PendingRow[] = [];
  private readonly change: Partial<Record<keyof TransferEntity, unknown>> = {};

  /**
   * `guard`: the replica whose lease the transfer's change needs and the state it expects to find
   * (TransferTransitions.step); none for no condition.
   */
  constructor(
    private readonly transferId: string,
    private readonly guard?: { holder: string; state: TransferState },
  ) {}

  /**
   * A parameter placeholder for `value`. An instant goes as its ISO 8601 text (every column it
   * fills is timestamptz): pg's own writing of a Date in local time with its offset cost more.
   */
  param(value: unknown, cast = ''): string {
    this.params.push(value instanceof Date ? value.toISOString() : value);
    return `$${this.params.length}${cast}`;
  }

  attempt(row: AttemptRow): this {
    nationalStepsTotal.inc({ step: row.step, outcome: row.outcome });
    this.parts.push(
      `INSERT INTO transfer_attempt (id, transfer_id, version, step, account, node, started_at,
         finished_at, outcome, http_status, request, response, request_sha256, response_sha256,
         error, retryable)
       VALUES (${[
         this.param(row.id),
         this.param(row.transferId),
         this.param(row.version),
         this.param(row.step),
         this.param(row.account),
         this.param(row.node),
         this.param(row.startedAt),
         this.param(row.finishedAt),
         this.param(row.outcome),
         this.param(row.httpStatus),
         this.param(row.requestJson, '::jsonb'),
         this.param(row.responseJson, '::jsonb'),
         this.param(row.requestSha256),
         this.param(row.responseSha256),
         this.param(row.error),
         this.param(row.retryable),
       ].join(', ')})`,
    );
    return this;
  }

  /** An audit record, as the audit module's pending row (chained later by its one writer). */
  audit(row: PendingRow): this {
    this.audits.push(row);
    return this;
  }

  /** Changes to the transfer, merged with those already asked for. */
  set(change: Partial<TransferEntity>): this {
    Object.assign(this.change, change);
    return this;
  }

  /**
   * Singer's rule: the unit's cursor moves to the newest data read for it once every other
   * transfer of the unit and period is settled (confirmed, or invalid and waiting for new data).
   */
  advanceCursor(periodId: string, unitCode: string, at: Date): this {
    const period = this.param(periodId);
    const unit = this.param(unitCode);
    this.parts.push(
      `INSERT INTO extraction_cursor (period_id, unit_code, updated_since, advanced_at)
       SELECT ${period}, ${unit}, newest, ${this.param(at, '::timestamptz')} FROM (
         SELECT count(*) FILTER (WHERE id <> ${this.param(this.transferId)}
                  AND state NOT IN ('confirmed', 'invalid', 'cancelled')) AS open,
                max(source_updated_at) AS newest
           FROM transfer WHERE period_id = ${period} AND unit_code = ${unit}) AS unit
        WHERE open = 0 AND newest IS NOT NULL
       ON CONFLICT (period_id, unit_code) DO UPDATE
         SET updated_since = GREATEST(extraction_cursor.updated_since, EXCLUDED.updated_since),
             advanced_at = EXCLUDED.advanced_at`,
    );
    return this;
  }

  /**
   * Writes it all. Returns false when the transfer's change was refused because its lease is no
   * longer this replica's or its state moved (a cancel, new content): the attempt and the audit
   * records are written all the same, since what was sent was sent.
   */
  async run(dataSource: DataSource): Promise<boolean> {
    const parts = [...this.parts];
    const changed = Object.entries(this.change);
    if (changed.length) {
      const metadata = dataSource.getMetadata(TransferEntity);
      const assignments = changed.map(([property, value]) => {
        const column = metadata.findColumnWithPropertyName(property);
        if (!column) throw new Error(`transfer has no column for ${property}`);
        const jsonb = column.type === 'jsonb';
        const placeholder = jsonb
          ? this.param(value === null ? null : JSON.stringify(value), '::jsonb')
          : this.param(value);
        return `${column.databaseName} = ${placeholder}`;
      });
      const leaseHeld = this.guard
        ? ` AND leased_by = ${this.param(this.guard.holder)} AND state = ${this.param(this.guard.state)}`
        : '';
      parts.push(
        `UPDATE transfer SET ${assignments.join(', ')}, updated_at = now()
          WHERE id = ${this.param(this.transferId)}${leaseHeld} RETURNING id`,
      );
    }
    const moved = changed.length ? `w${parts.length - 1}` : undefined;
    if (this.audits.length)
      parts.push(
        `INSERT INTO audit_pending (occurred_at, event, bodies) VALUES ${this.audits
          .map(
            ([at, event, bodies]) =>
              `(${this.param(at)}, ${this.param(event, '::jsonb')}, ${this.param(bodies, '::text')})`,
          )
          .join(', ')}`,
      );
    if (!parts.length) return true;
    const [{ held }] = await preparedQuery<{ held: boolean }>(
      dataSource,
      `WITH ${parts.map((sql, index) => `w${index} AS (${sql})`).join(',\n')}
       SELECT ${moved ? `EXISTS (SELECT 1 FROM ${moved})` : 'true'} AS held`,
      this.params,
    );
    return held;
  }
}
