import { formatDate, formatInstant, formatNumber, formShortName, periodName } from './format';
import { safeReturn } from '../console/console-sessions';

describe('the console in Vietnamese: dates, numbers, periods', () => {
  it('shows instants as dd/mm/yyyy in Vietnam time, whatever the server clock zone', () => {
    // 17:30 UTC on 16/3 is already 17/3 in Vietnam.
    expect(formatDate(new Date('2025-03-16T17:30:00Z'))).toBe('17/03/2025');
    expect(formatInstant('2025-03-16T17:30:05Z')).toBe('17/03/2025 00:30:05');
    expect(formatDate('2025-03-19')).toBe('19/03/2025');
    expect(formatDate(null)).toBe('—');
  });

  it('groups thousands with dots', () => {
    expect(formatNumber(1234567)).toBe('1.234.567');
    expect(formatNumber('42')).toBe('42');
    expect(formatNumber(null)).toBe('—');
  });

  it('names periods the way the forms do, with the cut-off dates', () => {
    expect(periodName('2025-Q1', true)).toBe('Quý I/2025 (từ ngày 15/12/2024 đến ngày 14/3/2025)');
    expect(periodName('2025-M03')).toBe('Tháng 3/2025');
    expect(periodName('not-a-period')).toBe('not-a-period');
    expect(formShortName('II.01-ĐC/VPCP/KSTT')).toBe('Biểu II.01-ĐC');
  });
});

describe('after sign-in, only a page of the console', () => {
  it.each([
    ['/transfers?status=failed', '/transfers?status=failed'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['/auth/logout', '/'],
    [undefined, '/'],
  ])('%s → %s', (asked, kept) => {
    expect(safeReturn(asked)).toBe(kept);
  });
});
