import type { DataSource } from 'typeorm';
import { isPeriodId } from '../catalog/periods';
import type { TransferState } from '../database/entities/transfer.entity';
import { TransferError } from './transfer-error';

export const STATES: TransferState[] = [
  'planned',
  'mapped',
  'invalid',
  'pushing',
  'pushed',
  'confirmed',
  'failed',
  'unknown',
  'drifted',
  'returned',
  'cancelled',
];
const LEVELS = ['province', 'department', 'district', 'commune', 'district-agency'];

export interface TransferFilters {
  status?: TransferState[];
  period?: string;
  unit?: string[];
  form?: string;
  level?: string;
}

/** Filters from query text: status and unit may be comma-separated lists. */
export function parseTransferFilters(query: Record<string, unknown>): TransferFilters {
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string')
      throw new TransferError(
        'invalid',
        'FILTER_REPEATED',
        `${name} chỉ được cho một lần, dạng văn bản`,
        name,
      );
    return value;
  };
  const filters: TransferFilters = {};
  const status = text('status');
  if (status) {
    const states = status.split(',').map((state) => state.trim());
    const unknown = states.filter((state) => !STATES.includes(state as TransferState));
    if (unknown.length)
      throw new TransferError(
        'invalid',
        'STATUS_UNKNOWN',
        `Trạng thái ${unknown.join(', ')} không có; chọn trong: ${STATES.join(', ')}`,
        'status',
      );
    filters.status = states as TransferState[];
  }
  const period = text('period');
  if (period) {
    if (!isPeriodId(period))
      throw new TransferError(
        'invalid',
        'PERIOD_INVALID',
        `Kỳ ${period} không đúng dạng mã kỳ (ví dụ 2026-Q4)`,
        'period',
      );
    filters.period = period;
  }
  const unit = text('unit');
  if (unit) filters.unit = unit.split(',').map((code) => code.trim());
  const form = text('form');
  if (form) filters.form = form;
  const level = text('level');
  if (level) {
    if (!LEVELS.includes(level))
      throw new TransferError(
        'invalid',
        'LEVEL_UNKNOWN',
        `Cấp ${level} không có; chọn trong: ${LEVELS.join(', ')}`,
        'level',
      );
    filters.level = level;
  }
  return filters;
}

export function whereOf(filters: TransferFilters, parameters: unknown[]): string[] {
  const conditions: string[] = [];
  if (filters.status) conditions.push(`state = ANY($${parameters.push(filters.status)})`);
  if (filters.period) conditions.push(`period_id = $${parameters.push(filters.period)}`);
  if (filters.unit) conditions.push(`unit_code = ANY($${parameters.push(filters.unit)})`);
  if (filters.form) conditions.push(`form_code = $${parameters.push(filters.form)}`);
  if (filters.level) conditions.push(`level = $${parameters.push(filters.level)}`);
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
 * One page of transfers in (period, unit, form) order. `after` is the id of the last transfer of
 * the previous page (keyset paging: stable while transfers change).
 */
export async function queryTransfers(
  dataSource: DataSource,
  filters: TransferFilters,
  after: string | undefined,
  limit: number,
): Promise<{ items: TransferRow[]; nextAfter: string | null }> {
  const parameters: unknown[] = [];
  const conditions = whereOf(filters, parameters);
  if (after) {
    conditions.push(
      `(period_id, unit_code, form_code) > (SELECT period_id, unit_code, form_code FROM transfer WHERE id = $${parameters.push(after)})`,
    );
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const items = await dataSource.query<TransferRow[]>(
    `SELECT ${COLUMNS} FROM transfer ${where} ORDER BY period_id, unit_code, form_code LIMIT $${parameters.push(limit + 1)}`,
    parameters,
  );
  const more = items.length > limit;
  if (more) items.pop();
  return { items, nextAfter: more ? items[items.length - 1].id : null };
}
