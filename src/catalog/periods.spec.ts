import fc from 'fast-check';
import {
  makePeriod,
  nextPeriod,
  parsePeriod,
  periodContaining,
  PeriodError,
  previousPeriod,
  type PeriodKind,
} from './periods';

describe('periods', () => {
  it('Q1/2025 runs 15/12/2024 to 14/03/2025 in Vietnam time', () => {
    const q1 = parsePeriod('2025-Q1');
    expect(q1).toMatchObject({
      kind: 'quarter',
      year: 2025,
      index: 1,
      from: '2024-12-15',
      to: '2025-03-14',
    });
    expect(q1.startsAt.toISOString()).toBe('2024-12-14T17:00:00.000Z');
    expect(q1.endsBefore.toISOString()).toBe('2025-03-14T17:00:00.000Z');
  });

  it.each([
    ['2025-M03', '2025-02-15', '2025-03-14'],
    ['2025-M01', '2024-12-15', '2025-01-14'],
    ['2025-Q2', '2025-03-15', '2025-06-14'],
    ['2025-Q3', '2025-06-15', '2025-09-14'],
    ['2025-Q4', '2025-09-15', '2025-12-14'],
    ['2025-H1', '2024-12-15', '2025-06-14'],
    ['2025-H2', '2025-06-15', '2025-12-14'],
    ['2025-9M', '2024-12-15', '2025-09-14'],
    ['2025-Y', '2024-12-15', '2025-12-14'],
  ])('%s runs %s to %s', (id, from, to) => {
    expect(parsePeriod(id)).toMatchObject({ id, from, to });
  });

  it('refuses what is not a period id', () => {
    for (const bad of ['2025-Q5', '2025-M13', '2025-M3', 'Q1-2025', '2025-H3', '']) {
      expect(() => parsePeriod(bad)).toThrow(PeriodError);
    }
  });

  it('places the day boundary at midnight Vietnam time', () => {
    expect(periodContaining('quarter', new Date('2025-03-14T16:59:59.999Z')).id).toBe('2025-Q1');
    expect(periodContaining('quarter', new Date('2025-03-14T17:00:00.000Z')).id).toBe('2025-Q2');
    expect(periodContaining('year', new Date('2025-12-14T17:00:00.000Z')).id).toBe('2026-Y');
    expect(periodContaining('nine-months', new Date('2025-10-01T00:00:00Z'))).toBeUndefined();
  });

  const instant = fc.date({
    min: new Date('1990-01-01T00:00:00Z'),
    max: new Date('2090-01-01T00:00:00Z'),
    noInvalidDate: true,
  });
  const tilingKind = fc.constantFrom<Exclude<PeriodKind, 'nine-months'>>(
    'month',
    'quarter',
    'half',
    'year',
  );

  it('periods of one kind tile time: each ends exactly where the next begins', () => {
    fc.assert(
      fc.property(tilingKind, instant, (kind, at) => {
        const period = periodContaining(kind, at);
        const next = nextPeriod(period);
        return (
          next.startsAt.getTime() === period.endsBefore.getTime() &&
          previousPeriod(next).id === period.id &&
          period.startsAt < period.endsBefore
        );
      }),
    );
  });

  it('every instant is in exactly one period of each kind', () => {
    fc.assert(
      fc.property(tilingKind, instant, (kind, at) => {
        const period = periodContaining(kind, at);
        const contains = (candidate: typeof period) =>
          candidate.startsAt <= at && at < candidate.endsBefore;
        return (
          contains(period) && !contains(previousPeriod(period)) && !contains(nextPeriod(period))
        );
      }),
    );
  });

  it('ids round-trip', () => {
    fc.assert(
      fc.property(
        tilingKind,
        fc.integer({ min: 1990, max: 2090 }),
        fc.integer({ min: 1, max: 12 }),
        (kind, year, raw) => {
          const index = {
            month: raw,
            quarter: ((raw - 1) % 4) + 1,
            half: ((raw - 1) % 2) + 1,
            year: 1,
          }[kind];
          const period = makePeriod(kind, year, index);
          return parsePeriod(period.id).startsAt.getTime() === period.startsAt.getTime();
        },
      ),
    );
  });
});
