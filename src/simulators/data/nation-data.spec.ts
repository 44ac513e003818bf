import { loadDemoSeeds } from './demo-data';
import { nationReports, nationUnits } from './nation-data';

describe('the nation-sized data set', () => {
  const units = nationUnits();

  it('has about 3,300 communes and 700 agencies over 34 provinces', () => {
    expect(units.filter((unit) => unit.level === 'province')).toHaveLength(34);
    expect(units.filter((unit) => unit.level === 'commune')).toHaveLength(3298);
    expect(units.filter((unit) => unit.level === 'department')).toHaveLength(714);
    expect(units.every((unit) => unit.demo)).toBe(true);
  });

  it('streams one balanced report per unit for the current quarter', () => {
    const { sectors } = loadDemoSeeds();
    let count = 0;
    for (const report of nationReports(units, sectors, {
      asOf: new Date('2026-11-27T12:00:00Z'),
    })) {
      count += 1;
      expect(report.periodId).toBe('2026-Q4');
      const sector = report.values[0].sectorCode;
      const cell = (code: string) =>
        report.values.find((value) => value.indicatorCode === code && value.sectorCode === sector)!
          .value;
      expect(cell('TTHC_NHAN_TONG')).toBe(
        cell('TTHC_NHAN_TRUC_TUYEN') + cell('TTHC_NHAN_TRUC_TIEP') + cell('TTHC_TON_KY_TRUOC'),
      );
    }
    expect(count).toBe(3298 + 714);
  });
});
