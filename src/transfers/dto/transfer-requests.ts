import type { UnitScope } from '../../access/roles.decorator';
import type { FormCatalogue } from '../../catalog/forms';
import { isPeriodId, parsePeriod } from '../../catalog/periods';
import { isUuid } from '../../common/paging';
import type {
  DiscrepancyKind,
  DiscrepancyStatus,
} from '../../database/entities/discrepancy.entity';
import type { TransferState } from '../../database/entities/transfer.entity';
import { TransferError } from '../transfer-error';

/** What an operator sends to start a sync (API body or CLI options), unchecked. */
export interface SyncParameters {
  periodId?: unknown;
  units?: unknown;
  forms?: unknown;
  dryRun?: unknown;
  reason?: unknown;
}

export interface SyncCommand {
  periodId: string;
  units?: string[];
  forms?: string[];
  dryRun: boolean;
  reason?: string;
}

export function periodIdOf(value: unknown, parameter = 'periodId'): string {
  if (typeof value !== 'string' || !isPeriodId(value))
    throw new TransferError(
      'invalid',
      'PERIOD_INVALID',
      `${parameter} phải là mã kỳ báo cáo, ví dụ 2026-Q4`,
      parameter,
    );
  return value;
}

function codesOf(value: unknown, parameter: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !item))
    throw new TransferError(
      'invalid',
      'CODES_INVALID',
      `${parameter} phải là danh sách mã (chuỗi không rỗng)`,
      parameter,
    );
  return value as string[];
}

/**
 * A period the gateway can work on: one a national report regime covers (the data cannot hold a
 * period before the national system existed), and one that has begun (nothing is reported for a
 * period years ahead). Refused with the reason rather than answered with an empty success.
 */
export function periodInReachOf(
  value: unknown,
  forms: FormCatalogue,
  now = new Date(),
  parameter = 'periodId',
): string {
  const periodId = periodIdOf(value, parameter);
  const period = parsePeriod(periodId);
  if (!forms.regimeFor(period)) {
    const first = forms.regimes.map((regime) => regime.validFrom).sort()[0];
    throw new TransferError(
      'invalid',
      'PERIOD_OUT_OF_RANGE',
      `Kỳ ${periodId} kết thúc ngày ${period.to}, ngoài mọi chế độ báo cáo của hệ thống quốc gia (sớm nhất từ ${first}): không có biểu nào để gửi`,
      parameter,
      { periodId, firstRegimeFrom: first },
    );
  }
  if (period.startsAt.getTime() > now.getTime())
    throw new TransferError(
      'invalid',
      'PERIOD_NOT_STARTED',
      `Kỳ ${periodId} chưa bắt đầu (từ ngày ${period.from}): chưa có báo cáo nào của kỳ này`,
      parameter,
      { periodId, from: period.from },
    );
  return periodId;
}

/** A sync request checked: the period, the units and forms in force for it. */
export function syncCommandOf(
  parameters: SyncParameters,
  forms: FormCatalogue,
  now = new Date(),
): SyncCommand {
  const periodId = periodInReachOf(parameters.periodId, forms, now);
  if (parameters.dryRun !== undefined && typeof parameters.dryRun !== 'boolean')
    throw new TransferError(
      'invalid',
      'DRY_RUN_INVALID',
      'dryRun phải là true hoặc false',
      'dryRun',
    );
  const formCodes = codesOf(parameters.forms, 'forms');
  const inForce = forms.formsFor(parsePeriod(periodId));
  const unknownForms = (formCodes ?? []).filter(
    (code) => !inForce.some((form) => form.code === code),
  );
  if (unknownForms.length)
    throw new TransferError(
      'invalid',
      'FORM_NOT_IN_FORCE',
      `Biểu ${unknownForms.join(', ')} không áp dụng cho kỳ ${periodId}`,
      'forms',
    );
  return {
    periodId,
    units: codesOf(parameters.units, 'units'),
    forms: formCodes,
    dryRun: parameters.dryRun === true,
    reason: typeof parameters.reason === 'string' ? parameters.reason : undefined,
  };
}

export function reconcileCommandOf(
  parameters: { periodId?: unknown; units?: unknown },
  forms: FormCatalogue,
): {
  periodId: string;
  units?: string[];
} {
  return {
    periodId: periodInReachOf(parameters.periodId, forms),
    units: codesOf(parameters.units, 'units'),
  };
}

/** Every operator action says why, for the audit trail. */
export function reasonOf(reason: unknown): string {
  if (typeof reason !== 'string' || !reason.trim())
    throw new TransferError(
      'invalid',
      'REASON_REQUIRED',
      'Cần ghi lý do (reason) để lưu vào nhật ký kiểm toán',
      'reason',
    );
  return reason.trim();
}

export function transferIdOf(id: string): string {
  if (!isUuid(id))
    throw new TransferError(
      'invalid',
      'TRANSFER_ID_INVALID',
      `${id} không phải mã lượt chuyển (UUID)`,
      'id',
    );
  return id;
}

export function discrepancyIdOf(id: string): string {
  if (!isUuid(id))
    throw new TransferError(
      'invalid',
      'DISCREPANCY_ID_INVALID',
      `${id} không phải mã sai lệch (UUID)`,
      'id',
    );
  return id;
}

const DISCREPANCY_STATUSES: DiscrepancyStatus[] = ['open', 'resolved', 'repushed'];
const DISCREPANCY_KINDS: DiscrepancyKind[] = ['missing', 'different', 'unexpected', 'returned'];

export interface DiscrepancyFilters {
  status?: DiscrepancyStatus;
  kind?: DiscrepancyKind;
  period?: string;
  unit?: string;
  /** The caller's district or unit (from their token). */
  scope?: UnitScope;
}

export function discrepancyFiltersOf(query: Record<string, unknown>): DiscrepancyFilters {
  const filters: DiscrepancyFilters = {};
  const status = queryText(query, 'status');
  if (status)
    filters.status = oneOf(status, DISCREPANCY_STATUSES, 'DISCREPANCY_STATUS_UNKNOWN', 'status');
  const kind = queryText(query, 'kind');
  if (kind) filters.kind = oneOf(kind, DISCREPANCY_KINDS, 'DISCREPANCY_KIND_UNKNOWN', 'kind');
  const period = queryText(query, 'period');
  if (period) filters.period = periodIdOf(period, 'period');
  const unit = queryText(query, 'unit');
  if (unit) filters.unit = unit;
  return filters;
}

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
const LEVELS = ['province', 'department', 'district', 'commune', 'district-agency'] as const;

export interface TransferFilters {
  status?: TransferState[];
  period?: string;
  unit?: string[];
  form?: string;
  level?: string;
  /** The caller's district or unit (from their token, never from the query). */
  scope?: UnitScope;
}

/** Transfer filters from query text (API or CLI): status and unit may be comma-separated lists. */
export function parseTransferFilters(query: Record<string, unknown>): TransferFilters {
  const filters: TransferFilters = {};
  const status = queryText(query, 'status');
  if (status)
    filters.status = status
      .split(',')
      .map((state) => oneOf(state.trim(), STATES, 'STATUS_UNKNOWN', 'status'));
  const period = queryText(query, 'period');
  if (period) filters.period = periodIdOf(period, 'period');
  const unit = queryText(query, 'unit');
  if (unit) filters.unit = unit.split(',').map((code) => code.trim());
  const form = queryText(query, 'form');
  if (form) filters.form = form;
  const level = queryText(query, 'level');
  if (level) filters.level = oneOf(level, LEVELS, 'LEVEL_UNKNOWN', 'level');
  return filters;
}

/** One query parameter as text, or nothing; given twice (an array) it is refused. */
function queryText(query: Record<string, unknown>, name: string): string | undefined {
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
}

/** A value from a closed set, or a refusal that lists the set. */
function oneOf<T extends string>(
  value: string,
  allowed: readonly T[],
  code: string,
  parameter: string,
): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new TransferError(
      'invalid',
      code,
      `${parameter} ${value} không có; chọn một trong: ${allowed.join(', ')}`,
      parameter,
    );
  return value as T;
}

export function resolutionOf(body: { reason?: unknown; action?: unknown }): {
  reason: string;
  action: 'accept' | 'repush';
} {
  const reason = reasonOf(body.reason);
  const action = body.action ?? 'accept';
  if (action !== 'accept' && action !== 'repush')
    throw new TransferError(
      'invalid',
      'RESOLUTION_ACTION_INVALID',
      'action phải là accept (chấp nhận bản quốc gia) hoặc repush (đẩy lại)',
      'action',
    );
  return { reason, action };
}
