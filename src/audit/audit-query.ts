import { GatewayError } from '../common/gateway-error';
import { isPeriodId } from '../catalog/periods';
import type { DataSource } from 'typeorm';
import { CONTENT_AS_JSON, type EventRow } from './audit-verifier';

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
  /** Only events of these units (a person limited to a district or a unit). */
  unitCodes?: string[];
}

const COLUMNS: Record<Exclude<keyof AuditFilters, 'since' | 'until' | 'unitCodes'>, string> = {
  unitCode: 'unit_code',
  periodId: 'period_id',
  formCode: 'form_code',
  actor: 'actor',
  action: 'action',
  outcome: 'outcome',
  transferId: 'transfer_id',
};

/** The filters as SQL conditions; `table` qualifies the columns when another relation has the same names. */
export function filterClause(filters: AuditFilters, parameters: unknown[], table = ''): string {
  const column = (name: string) => (table ? `${table}.${name}` : name);
  const conditions: string[] = [];
  if (filters.since)
    conditions.push(`${column('occurred_at')} >= $${parameters.push(filters.since)}`);
  if (filters.until)
    conditions.push(`${column('occurred_at')} < $${parameters.push(filters.until)}`);
  if (filters.unitCodes)
    conditions.push(`${column('unit_code')} = ANY($${parameters.push(filters.unitCodes)})`);
  for (const [key, name] of Object.entries(COLUMNS) as Array<[keyof typeof COLUMNS, string]>) {
    const value = filters[key];
    if (value !== undefined) conditions.push(`${column(name)} = $${parameters.push(value)}`);
  }
  return conditions.length ? conditions.join(' AND ') : 'TRUE';
}

/** Every column; bodies and details (kept as canonical JSON text) as JSON objects. */
const PAGE_COLUMNS = `seq, occurred_at, chained_at, ${CONTENT_AS_JSON}`;

/** The statement of one page of events in chain order after `afterSeq`. */
export function auditPageStatement(
  filters: AuditFilters,
  afterSeq: string | undefined,
  limit: number,
): { sql: string; parameters: unknown[] } {
  const parameters: unknown[] = [];
  const where = filterClause(filters, parameters);
  const after = afterSeq === undefined ? '' : ` AND seq > $${parameters.push(afterSeq)}`;
  const sql = `SELECT ${PAGE_COLUMNS} FROM audit_event WHERE ${where}${after} ORDER BY seq LIMIT $${parameters.push(limit)}`;
  return { sql, parameters };
}

/** One page of events in chain order after `afterSeq` (keyset paging: pass the last seq back). */
export async function queryAuditPage(
  dataSource: DataSource,
  filters: AuditFilters,
  afterSeq: string | undefined,
  limit: number,
): Promise<{ items: EventRow[]; nextAfter: string | null }> {
  const { sql, parameters } = auditPageStatement(filters, afterSeq, limit);
  const items = await dataSource.query<EventRow[]>(sql, parameters);
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

/** The filters' names as people type them (query string, command line). */
export const AUDIT_FILTER_NAMES = [
  'since',
  'until',
  'unit',
  'period',
  'form',
  'actor',
  'action',
  'outcome',
  'transfer',
] as const;
export type AuditFilterText = Partial<Record<(typeof AUDIT_FILTER_NAMES)[number], string>>;

/** A filter of the audit trail the gateway refuses, naming the parameter. */
export class AuditFilterError extends GatewayError {}

/** The filters as people type them (query string, command line): checked, named on error. */
export function parseAuditFilters(raw: AuditFilterText): AuditFilters {
  const instant = (name: 'since' | 'until') => {
    const value = raw[name];
    if (value === undefined) return undefined;
    const parsed = new Date(value);
    // Years PostgreSQL and people both hold; JavaScript reaches far beyond either.
    const year = parsed.getUTCFullYear();
    if (Number.isNaN(parsed.getTime()) || year < 1 || year > 9999)
      throw new AuditFilterError(
        'invalid',
        'INSTANT_INVALID',
        `${name} phải là thời điểm theo ISO 8601, ví dụ 2026-03-17T00:00:00+07:00`,
        name,
      );
    return parsed;
  };
  if (raw.period !== undefined && !isPeriodId(raw.period)) {
    throw new AuditFilterError(
      'invalid',
      'PERIOD_INVALID',
      'period phải là mã kỳ báo cáo, ví dụ 2025-Q1',
      'period',
    );
  }
  if (raw.transfer !== undefined && !/^[0-9a-f-]{36}$/i.test(raw.transfer)) {
    throw new AuditFilterError(
      'invalid',
      'TRANSFER_ID_INVALID',
      'transfer phải là mã lượt chuyển (UUID)',
      'transfer',
    );
  }
  const filters: AuditFilters = {
    since: instant('since'),
    until: instant('until'),
    unitCode: raw.unit,
    periodId: raw.period,
    formCode: raw.form,
    actor: raw.actor,
    action: raw.action,
    outcome: raw.outcome,
    transferId: raw.transfer,
  };
  for (const key of Object.keys(filters) as Array<keyof AuditFilters>)
    if (filters[key] === undefined) delete filters[key];
  return filters;
}
