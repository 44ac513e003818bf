import type { DataSource } from 'typeorm';
import type { DiscrepancyFilters } from './dto/transfer-requests';
import { scopeCondition } from './unit-scope';

export interface DiscrepancyRow {
  id: string;
  periodId: string;
  unitCode: string;
  formCode: string;
  transferId: string | null;
  kind: string;
  details: Record<string, unknown>;
  status: string;
  detectedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
}

const COLUMNS = `id, period_id AS "periodId", unit_code AS "unitCode", form_code AS "formCode",
  transfer_id AS "transferId", kind, details, status, detected_at AS "detectedAt",
  resolved_at AS "resolvedAt", resolved_by AS "resolvedBy", resolution`;

/** One discrepancy by id, or undefined. */
export async function findDiscrepancy(
  dataSource: DataSource,
  id: string,
): Promise<DiscrepancyRow | undefined> {
  const [row] = await dataSource.query<DiscrepancyRow[]>(
    `SELECT ${COLUMNS} FROM discrepancy WHERE id = $1`,
    [id],
  );
  return row;
}

/** One page of discrepancies in the order they were found; `after` is the last id shown. */
export async function queryDiscrepancies(
  dataSource: DataSource,
  filters: DiscrepancyFilters,
  page: { limit: number; after: string | undefined },
): Promise<{ items: DiscrepancyRow[]; nextAfter: string | null }> {
  const parameters: unknown[] = [];
  const conditions: string[] = [];
  if (filters.status) conditions.push(`status = $${parameters.push(filters.status)}`);
  if (filters.kind) conditions.push(`kind = $${parameters.push(filters.kind)}`);
  if (filters.period) conditions.push(`period_id = $${parameters.push(filters.period)}`);
  if (filters.unit) conditions.push(`unit_code = $${parameters.push(filters.unit)}`);
  const scope = scopeCondition(filters.scope, 'unit_code', parameters);
  if (scope) conditions.push(scope);
  if (page.after)
    conditions.push(
      `(detected_at, id) > (SELECT detected_at, id FROM discrepancy WHERE id = $${parameters.push(page.after)})`,
    );
  const items = await dataSource.query<DiscrepancyRow[]>(
    `SELECT ${COLUMNS}
       FROM discrepancy ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY detected_at, id LIMIT $${parameters.push(page.limit + 1)}`,
    parameters,
  );
  const more = items.length > page.limit;
  if (more) items.pop();
  return { items, nextAfter: more ? items[items.length - 1].id : null };
}
