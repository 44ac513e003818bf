/**
 * Reporting periods under NĐ 09/2019/NĐ-CP: a period runs from the 15th of the month before it
 * to the 14th of its last month, both inclusive, in Vietnam time (UTC+7, no daylight saving).
 * Ids: 2025-M03, 2025-Q1, 2025-H1, 2025-H2, 2025-9M, 2025-Y.
 */
export type PeriodKind = 'month' | 'quarter' | 'half' | 'nine-months' | 'year';

export interface Period {
  id: string;
  kind: PeriodKind;
  /** The data year (năm số liệu): Q1/2025 starts on 15/12/2024 but belongs to 2025. */
  year: number;
  /** Month 1–12, quarter 1–4, half 1–2; 1 for nine months and year. */
  index: number;
  /** First day, inclusive, as a Vietnam calendar date YYYY-MM-DD. */
  from: string;
  /** Last day, inclusive, as a Vietnam calendar date YYYY-MM-DD. */
  to: string;
  /** The instant the period starts (00:00 Vietnam time on `from`). */
  startsAt: Date;
  /** The instant just after it ends (00:00 Vietnam time on the day after `to`). */
  endsBefore: Date;
}

const VIETNAM_OFFSET_MS = 7 * 3600_000;
const ID = /^(\d{4})-(?:M(0[1-9]|1[0-2])|Q([1-4])|H([12])|(9M)|(Y))$/;

/** Months (1–12) a period covers: first and last, in its data year. */
function monthSpan(kind: PeriodKind, index: number): [number, number] {
  switch (kind) {
    case 'month':
      return [index, index];
    case 'quarter':
      return [3 * index - 2, 3 * index];
    case 'half':
      return [6 * index - 5, 6 * index];
    case 'nine-months':
      return [1, 9];
    case 'year':
      return [1, 12];
  }
}

function vietnamMidnight(year: number, month: number, day: number): Date {
  // Date.UTC normalises month 0 to December of the year before.
  return new Date(Date.UTC(year, month - 1, day) - VIETNAM_OFFSET_MS);
}

function calendarDate(instant: Date): string {
  return new Date(instant.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

export function periodId(kind: PeriodKind, year: number, index = 1): string {
  switch (kind) {
    case 'month':
      return `${year}-M${String(index).padStart(2, '0')}`;
    case 'quarter':
      return `${year}-Q${index}`;
    case 'half':
      return `${year}-H${index}`;
    case 'nine-months':
      return `${year}-9M`;
    case 'year':
      return `${year}-Y`;
  }
}

export function makePeriod(kind: PeriodKind, year: number, index = 1): Period {
  const [first, last] = monthSpan(kind, index);
  const startsAt = vietnamMidnight(year, first - 1, 15);
  const endsBefore = vietnamMidnight(year, last, 15);
  return {
    id: periodId(kind, year, index),
    kind,
    year,
    index,
    from: calendarDate(startsAt),
    to: calendarDate(new Date(endsBefore.getTime() - 1)),
    startsAt,
    endsBefore,
  };
}

export class PeriodError extends Error {
  constructor(readonly value: string) {
    super(
      `"${value}" is not a period id: expected e.g. 2025-Q1, 2025-M03, 2025-H1, 2025-9M or 2025-Y`,
    );
    this.name = 'PeriodError';
  }
}

export function parsePeriod(id: string): Period {
  const match = ID.exec(id);
  if (!match) throw new PeriodError(id);
  const year = Number(match[1]);
  if (match[2]) return makePeriod('month', year, Number(match[2]));
  if (match[3]) return makePeriod('quarter', year, Number(match[3]));
  if (match[4]) return makePeriod('half', year, Number(match[4]));
  if (match[5]) return makePeriod('nine-months', year);
  return makePeriod('year', year);
}

export function isPeriodId(id: string): boolean {
  return ID.test(id);
}

/**
 * The period of a kind that contains an instant. Nine-month periods do not cover 15/09–14/12,
 * so for an instant there the answer is undefined.
 */
export function periodContaining(kind: 'nine-months', instant: Date): Period | undefined;
export function periodContaining(kind: Exclude<PeriodKind, 'nine-months'>, instant: Date): Period;
export function periodContaining(kind: PeriodKind, instant: Date): Period | undefined {
  const local = new Date(instant.getTime() + VIETNAM_OFFSET_MS);
  let year = local.getUTCFullYear();
  let month = local.getUTCMonth() + 1;
  if (local.getUTCDate() >= 15) month += 1;
  if (month === 13) {
    month = 1;
    year += 1;
  }
  switch (kind) {
    case 'month':
      return makePeriod('month', year, month);
    case 'quarter':
      return makePeriod('quarter', year, Math.ceil(month / 3));
    case 'half':
      return makePeriod('half', year, month <= 6 ? 1 : 2);
    case 'nine-months':
      return month <= 9 ? makePeriod('nine-months', year) : undefined;
    case 'year':
      return makePeriod('year', year);
  }
}

/** The next period of the same kind (for nine months: the next year's). */
export function nextPeriod(period: Period): Period {
  const perYear = { month: 12, quarter: 4, half: 2, 'nine-months': 1, year: 1 }[period.kind];
  return period.index === perYear
    ? makePeriod(period.kind, period.year + 1, 1)
    : makePeriod(period.kind, period.year, period.index + 1);
}

export function previousPeriod(period: Period): Period {
  const perYear = { month: 12, quarter: 4, half: 2, 'nine-months': 1, year: 1 }[period.kind];
  return period.index === 1
    ? makePeriod(period.kind, period.year - 1, perYear)
    : makePeriod(period.kind, period.year, period.index - 1);
}

/** Periods of one kind from `first` to `last`, both inclusive. */
export function periodsFromTo(first: Period, last: Period): Period[] {
  const periods: Period[] = [];
  for (let period = first; period.startsAt <= last.startsAt; period = nextPeriod(period))
    periods.push(period);
  return periods;
}

/** The quarter of an instant and `back` quarters before it, newest first. */
export function quartersBack(at: Date, back: number): Period[] {
  const periods: Period[] = [];
  let period = periodContaining('quarter', at);
  for (let step = 0; step <= back; step++) {
    periods.push(period);
    period = previousPeriod(period);
  }
  return periods;
}
