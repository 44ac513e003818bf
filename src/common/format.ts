import { parsePeriod } from '../catalog/periods';

const VIETNAM = 'Asia/Ho_Chi_Minh';

const dateFormat = new Intl.DateTimeFormat('vi-VN', {
  timeZone: VIETNAM,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
});
const timeFormat = new Intl.DateTimeFormat('vi-VN', {
  timeZone: VIETNAM,
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const numberFormat = new Intl.NumberFormat('vi-VN');

type Instant = Date | string | null | undefined;

function toDate(value: Instant): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** dd/mm/yyyy in Vietnam time; a calendar date (YYYY-MM-DD) as it is. */
export function formatDate(value: Instant): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [year, month, day] = value.split('-');
    return `${day}/${month}/${year}`;
  }
  const date = toDate(value);
  return date ? dateFormat.format(date) : '—';
}

/** dd/mm/yyyy hh:mm:ss in Vietnam time. */
export function formatInstant(value: Instant): string {
  const date = toDate(value);
  return date ? `${dateFormat.format(date)} ${timeFormat.format(date)}` : '—';
}

/** 1.234.567 */
export function formatNumber(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? numberFormat.format(number) : String(value);
}

const ROMAN = ['I', 'II', 'III', 'IV'];

/** "Quý I/2025 (từ ngày 15/12/2024 đến ngày 14/3/2025)" and its short form "Quý I/2025". */
export function periodName(periodId: string, withDates = false): string {
  let period;
  try {
    period = parsePeriod(periodId);
  } catch {
    return periodId;
  }
  const name =
    period.kind === 'quarter'
      ? `Quý ${ROMAN[period.index - 1]}/${period.year}`
      : period.kind === 'month'
        ? `Tháng ${period.index}/${period.year}`
        : period.kind === 'half'
          ? `6 tháng đầu năm ${period.year}`
          : period.kind === 'nine-months'
            ? `9 tháng năm ${period.year}`
            : `Năm ${period.year}`;
  if (!withDates) return name;
  const short = (date: string) => {
    const [year, month, day] = date.split('-');
    return `${Number(day)}/${Number(month)}/${year}`;
  };
  return `${name} (từ ngày ${short(period.from)} đến ngày ${short(period.to)})`;
}

/** The form's own short name: "II.06a/VPCP/KSTT" → "Biểu II.06a". */
export function formShortName(formCode: string): string {
  return `Biểu ${formCode.split('/')[0]}`;
}
