import type { DataSource } from 'typeorm';
import type { EventRow } from './audit-verifier';

/** Filters auditors query and export by. Every one optional; together they narrow. */
export interface AuditFilters {
  since?: Date;
  until?: Date;
  unitCode?: string;
  periodId?: string;
  formCode?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  transferId?: string;
}

const COLUMNS: Record<Exclude<keyof AuditFilters, 'since' | 'until'>, string> = {
  unitCode: 'unit_code',
  periodId: 'period_id',
  formCode: 'form_code',
  actor: 'actor',
  action: 'action',
  outcome: 'outcome',
  transferId: 'transfer_id',
};

export function filterClause(filters: AuditFilters, parameters: unknown[]): string {
  const conditions: string[] = [];
  if (filters.since) conditions.push(`occurred_at >= $${parameters.push(filters.since)}`);
  if (filters.until) conditions.push(`occurred_at < $${parameters.push(filters.until)}`);
  for (const [key, column] of Object.entries(COLUMNS) as Array<[keyof typeof COLUMNS, string]>) {
    const value = filters[key];
    if (value !== undefined) conditions.push(`${column} = $${parameters.push(value)}`);
  }
  return conditions.length ? conditions.join(' AND ') : 'TRUE';
}

/** One page of events in chain order after `afterSeq` (keyset paging: pass the last seq back). */
export async function queryAuditPage(
  dataSource: DataSource,
  filters: AuditFilters,
  afterSeq: string | undefined,
  limit: number,
): Promise<{ items: EventRow[]; nextAfter: string | null }> {
  const parameters: unknown[] = [];
  const where = filterClause(filters, parameters);
  const after = afterSeq === undefined ? '' : ` AND seq > $${parameters.push(afterSeq)}`;
  const items = await dataSource.query<EventRow[]>(
    `SELECT * FROM audit_event WHERE ${where}${after} ORDER BY seq LIMIT $${parameters.push(limit)}`,
    parameters,
  );
  return { items, nextAfter: items.length === limit ? items[items.length - 1].seq : null };
}

/** Every matching event in chain order, a batch at a time: memory stays flat whatever the count. */
export async function* streamAuditEvents(
  dataSource: DataSource,
  filters: AuditFilters,
  batchSize = 5000,
): AsyncGenerator<EventRow> {
  let after: string | undefined;
  for (;;) {
    const page = await queryAuditPage(dataSource, filters, after, batchSize);
    yield* page.items;
    if (!page.nextAfter) return;
    after = page.nextAfter;
  }
}
