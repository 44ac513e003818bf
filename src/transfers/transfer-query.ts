import type { DataSource } from 'typeorm';
import type { TransferState } from '../database/entities/transfer.entity';
import type { TransferFilters } from './dto/transfer-requests';
import { scopeCondition } from './unit-scope';

/**
 * column = $n for one value, column = ANY($n) for several: with one value the planner walks the
 * index on that column in the list's order instead of sorting what it finds.
 */
function oneOf(column: string, values: readonly string[], parameters: unknown[]): string {
  return values.length === 1
    ? `${column} = $${parameters.push(values[0])}`
    : `${column} = ANY($${parameters.push(values)})`;
}

export function whereOf(filters: TransferFilters, parameters: unknown[]): string[] {
  const conditions: string[] = [];
  if (filters.status) conditions.push(oneOf('state', filters.status, parameters));
  if (filters.period) conditions.push(`period_id = $${parameters.push(filters.period)}`);
  if (filters.unit) conditions.push(oneOf('unit_code', filters.unit, parameters));
  if (filters.form) conditions.push(`form_code = $${parameters.push(filters.form)}`);
  if (filters.level) conditions.push(`level = $${parameters.push(filters.level)}`);
  const scope = scopeCondition(filters.scope, 'unit_code', parameters);
  if (scope) conditions.push(scope);
  return conditions;
}

export interface TransferRow {
  id: string;
  periodId: string;
  unitCode: string;
  formCode: string;
  level: string;
  state: TransferState;
  version: number;
  step: string | null;
  attempts: number;
  contentKey: string | null;
  submissionId: string | null;
  nationalStatus: string | null;
  provisional: boolean;
  nextAttemptAt: string | null;
  lastError: Record<string, unknown> | null;
  problems: unknown[];
  updatedAt: string;
}

const COLUMNS = `id, period_id AS "periodId", unit_code AS "unitCode", form_code AS "formCode", level,
  state, version, step, attempts, content_key AS "contentKey", submission_id AS "submissionId",
  national_status AS "nationalStatus", provisional, next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", problems, updated_at AS "updatedAt"`;

/**
 * The statement of one page of transfers in (period, unit, form) order, `limit + 1` rows to tell
 * whether there is more. `after` is the id of the last transfer of the previous page (keyset
 * paging: stable while transfers change). Each filter has an index that gives this order
 * (docs/performance.md).
 */
export function transferPageStatement(
  filters: TransferFilters,
  after: string | undefined,
  limit: number,
): { sql: string; parameters: unknown[] } {
  const parameters: unknown[] = [];
  const conditions = whereOf(filters, parameters);
  if (after) {
    conditions.push(
      `(period_id, unit_code, form_code) > (SELECT period_id, unit_code, form_code FROM transfer WHERE id = $${parameters.push(after)})`,
    );
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const sql = `SELECT ${COLUMNS} FROM transfer ${where} ORDER BY period_id, unit_code, form_code LIMIT $${parameters.push(limit + 1)}`;
  return { sql, parameters };
}

/** One page of transfers (transferPageStatement) and the id to pass back for the next. */
export async function queryTransfers(
  dataSource: DataSource,
  filters: TransferFilters,
  after: string | undefined,
  limit: number,
): Promise<{ items: TransferRow[]; nextAfter: string | null }> {
  const { sql, parameters } = transferPageStatement(filters, after, limit);
  const items = await dataSource.query<TransferRow[]>(sql, parameters);
  const more = items.length > limit;
  if (more) items.pop();
  return { items, nextAfter: more ? items[items.length - 1].id : null };
}
