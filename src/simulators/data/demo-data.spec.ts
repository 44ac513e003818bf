import { unitsInForce } from './data-set';
import { generateDemoDataSet } from './demo-data';

const asOf = new Date('2026-11-27T12:00:00Z');
const data = generateDemoDataSet({ asOf });
const faulty = new Set(data.faults.map((fault) => fault.reportId));

function cell(
  values: (typeof data.reports)[number]['values'],
  indicator: string,
  sector: string | null,
): number {
  return (
    values.find((value) => value.indicatorCode === indicator && value.sectorCode === sector)
      ?.value ?? NaN
  );
}

describe('the seeded Quảng Ngãi data set', () => {
  it('is the same for the same seed and instant', () => {
    expect(JSON.stringify(generateDemoDataSet({ asOf }))).toBe(JSON.stringify(data));
  });

  it('has the three-tier tree before 1/7/2025 and the two-tier merged province after', () => {
    const before = unitsInForce(data.units, '2025-03-14');
    const after = unitsInForce(data.units, '2025-09-14');
    expect(before.filter((unit) => unit.level === 'district')).toHaveLength(13);
    expect(after.filter((unit) => unit.level === 'district')).toHaveLength(0);
    const communes = after.filter((unit) => unit.level === 'commune');
    expect(communes).toHaveLength(96);
    expect(communes.filter((unit) => unit.name.startsWith('Phường'))).toHaveLength(9);
    expect(communes.filter((unit) => unit.name.startsWith('Đặc khu'))).toHaveLength(1);
    expect(after.every((unit) => unit.level === 'province' || unit.parentCode === '51')).toBe(true);
    for (const old of before.filter((unit) => unit.level === 'commune')) {
      expect(old.successorCodes).toHaveLength(1);
      expect(after.map((unit) => unit.officeCode)).toContain(old.successorCodes[0]);
    }
  });

  it('marks every generated unit as demo and keeps the real names real', () => {
    expect(
      data.units.filter((unit) => unit.demo).every((unit) => unit.name.includes('(demo')),
    ).toBe(true);
    expect(data.units.find((unit) => unit.officeCode === 'QNG-SO-TC')).toMatchObject({
      name: 'Sở Tài chính',
      demo: false,
    });
    expect(data.units.find((unit) => unit.officeCode === 'QNG-H-LYSON')).toMatchObject({
      name: 'Huyện Lý Sơn',
      demo: false,
    });
  });

  it('covers Q1/2025, a quarter after the reorganisation and the current quarter', () => {
    const periods = new Set(data.reports.map((report) => report.periodId));
    for (const period of ['2025-Q1', '2025-Q3', '2026-Q4']) expect(periods).toContain(period);
  });

  it('obeys the II.06a balance rules in every report but the planted faults', () => {
    for (const report of data.reports.filter((candidate) => !faulty.has(candidate.reportId))) {
      for (const sector of new Set(report.values.map((value) => value.sectorCode))) {
        const c = (indicator: string) => cell(report.values, indicator, sector);
        const ok =
          c('TTHC_NHAN_TONG') ===
            c('TTHC_NHAN_TRUC_TUYEN') + c('TTHC_NHAN_TRUC_TIEP') + c('TTHC_TON_KY_TRUOC') &&
          c('TTHC_NHAN_TONG') === c('TTHC_DA_GQ_TONG') + c('TTHC_DANG_GQ_TONG') &&
          c('TTHC_DA_GQ_TONG') ===
            c('TTHC_DA_GQ_TRUOC_HAN') + c('TTHC_DA_GQ_DUNG_HAN') + c('TTHC_DA_GQ_QUA_HAN') &&
          c('TTHC_DANG_GQ_TONG') === c('TTHC_DANG_GQ_TRONG_HAN') + c('TTHC_DANG_GQ_QUA_HAN') &&
          report.values.every((value) => value.value >= 0);
        expect({ report: report.reportId, sector, ok }).toEqual({
          report: report.reportId,
          sector,
          ok: true,
        });
      }
    }
  });

  it('carries open dossiers over: column 6 of a quarter is column 11 of the one before', () => {
    const q3 = data.reports.find(
      (report) => report.periodId === '2025-Q3' && report.officeCode === 'QNG-SO-XD',
    )!;
    const q4 = data.reports.find(
      (report) => report.periodId === '2025-Q4' && report.officeCode === 'QNG-SO-XD',
    )!;
    for (const sector of ['LV-HDXAYDUNG', 'LV-NHAO', 'LV-DIENLUC']) {
      expect(cell(q4.values, 'TTHC_TON_KY_TRUOC', sector)).toBe(
        cell(q3.values, 'TTHC_DANG_GQ_TONG', sector),
      );
    }
  });

  it('a district summary on the provincial system is the sum of its units', () => {
    const summary = data.reports.find((report) => report.reportId === '2025-Q1.QNG-H-SONTAY.KSTT')!;
    const children = data.reports.filter(
      (report) => report.periodId === '2025-Q1' && report.officeCode.startsWith('QNG-H-SONTAY-'),
    );
    const sum = children
      .flatMap((child) => child.values)
      .filter(
        (value) =>
          value.indicatorCode === 'TTHC_NHAN_TRUC_TUYEN' && value.sectorCode === 'LV-HOTICH',
      );
    expect(cell(summary.values, 'TTHC_NHAN_TRUC_TUYEN', 'LV-HOTICH')).toBe(
      sum.reduce((total, value) => total + value.value, 0),
    );
  });

  it('plants each documented faulty report once, in the current quarter', () => {
    expect(data.faults.map((fault) => fault.kind).sort()).toEqual([
      'broken-balance',
      'duplicated-row',
      'negative-count',
      'nfd-sector-name',
      'oversized-text',
      'still-draft',
      'unit-no-longer-exists',
      'unknown-sector',
    ]);
    const byKind = new Map(
      data.faults.map((fault) => [
        fault.kind,
        data.reports.find((report) => report.reportId === fault.reportId)!,
      ]),
    );
    expect(byKind.get('still-draft')!.status).toBe('draft');
    expect(
      byKind.get('oversized-text')!.sections.some((section) => section.text.length >= 70_000),
    ).toBe(true);
    const nfd = byKind.get('nfd-sector-name')!.values.find((value) => value.sectorCode === null)!;
    expect(nfd.sectorName).not.toBe(nfd.sectorName!.normalize('NFC'));
    expect(data.faults.every((fault) => fault.reportId.startsWith('2026-Q4.'))).toBe(true);
  });
});
