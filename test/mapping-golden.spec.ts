import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { FormCatalogue } from '../src/catalog/forms';
import { canonicalJson } from '../src/common/canonical-json';
import type { IndicatorValue } from '../src/contracts/provincial-wire';
import { MappingTables } from '../src/mapping/mapping-tables';
import { mapReport, mapSummary, sortRows, type ReportMapping } from '../src/mapping/report-mapper';
import { demoMappingContext, runGolden, type GoldenInput } from './support/mapping-context';

// Regenerate after a deliberate change: npx ts-node --transpile-only scripts/update-mapping-fixtures.ts
const fixtures = path.join(__dirname, 'fixtures', 'mapping');
const { data, context } = demoMappingContext();
const golden = (folder: 'ok' | 'bad') =>
  readdirSync(path.join(fixtures, folder))
    .filter((name) => name.endsWith('.json'))
    .map(
      (name) =>
        [
          name,
          JSON.parse(readFileSync(path.join(fixtures, folder, name), 'utf8')) as {
            description: string;
            input: GoldenInput;
            expected: ReportMapping;
          },
        ] as const,
    );
const errorsOf = (mapping: ReportMapping) =>
  [...mapping.problems, ...mapping.forms.flatMap((form) => form.problems)].filter(
    (problem) => problem.severity === 'error',
  );

describe('mapping golden files', () => {
  describe.each(golden('ok'))('ok/%s', (_name, fixture) => {
    it('maps to the expected national packets, every form valid', () => {
      const result = runGolden(fixture.input, context);
      expect(result).toEqual(fixture.expected);
      expect(result.eligible).toBe(true);
      expect(result.forms.length).toBeGreaterThan(0);
      expect(result.forms.every((form) => form.valid)).toBe(true);
    });
  });

  describe.each(golden('bad'))('bad/%s', (_name, fixture) => {
    it('is refused with the expected problems, each with a code, field, rule, expected, actual and a Vietnamese message', () => {
      const result = runGolden(fixture.input, context);
      expect(result).toEqual(fixture.expected);
      if (!result.eligible) {
        expect(result.skipReason).toMatch(/bản nháp/);
        return;
      }
      const errors = errorsOf(result);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toEqual(
          expect.objectContaining({
            code: expect.stringMatching(/^[A-Z_]+$/),
            field: expect.any(String),
            rule: expect.any(String),
            message: expect.any(String),
          }),
        );
        expect(error).toHaveProperty('expected');
        expect(error).toHaveProperty('actual');
      }
    });
  });

  it('covers every form, both unit trees and every planted faulty report', () => {
    const all = [...golden('ok'), ...golden('bad')].map(([, fixture]) => fixture);
    const forms = new Set(
      all.flatMap((fixture) => fixture.expected.forms.map((form) => form.formCode)),
    );
    expect([...forms].sort()).toEqual([
      'II.01-ĐC/VPCP/KSTT',
      'II.05/VPCP/KSTT',
      'II.05a/VPCP/KSTT',
      'II.06/VPCP/KSTT',
      'II.06a/VPCP/KSTT',
    ]);
    const periods = new Set(all.map((fixture) => fixture.input.report.periodId));
    expect([...periods]).toEqual(expect.arrayContaining(['2025-Q1', '2025-Q3', '2026-Q4']));
    const inputs = new Set(all.map((fixture) => fixture.input.report.reportId));
    for (const fault of data.faults)
      expect({ fault: fault.kind, covered: inputs.has(fault.reportId) }).toEqual({
        fault: fault.kind,
        covered: true,
      });
  });
});

describe('mapping specifics', () => {
  it('a summary names each cell where the provincial figure differs, and the column 4 check fails readably', () => {
    const [, fixture] = golden('bad').find(([name]) => name === 'summary-differs.json')!;
    const ii06 = fixture.expected.forms.find((form) => form.formCode === 'II.06/VPCP/KSTT')!;
    const differs = ii06.problems.filter((problem) => problem.code === 'SUMMARY_DIFFERS');
    expect(differs.length).toBeGreaterThan(0);
    expect(
      differs.every(
        (problem) =>
          Number(problem.actual) - Number(problem.expected) === 5 &&
          /cột (3|4)/.test(problem.message),
      ),
    ).toBe(true);
    expect(ii06.checks!.find((check) => check.id === 'ONLINE_RECEIVED')).toMatchObject({
      passed: false,
      details: [expect.stringContaining('tỉnh ghi')],
    });
  });

  it('normalises satisfaction labels to three levels and keeps the source labels', () => {
    const report = data.reports.find(
      (candidate) => candidate.reportId === '2025-Q3.QNG-X-030.KSTT',
    )!;
    const outline = mapReport(report, context).forms.find(
      (form) => form.formCode === 'II.01-ĐC/VPCP/KSTT',
    )!;
    const section =
      outline.packet.packetKind === 'GUI_DE_CUONG'
        ? outline.packet.body.sections.find((candidate) => candidate.code === 'DC_HAI_LONG')!
        : undefined;
    const tablet = report.satisfaction.filter((count) => count.channel === 'tablet');
    expect(
      section!.fields['tablet.level1'] +
        section!.fields['tablet.level2'] +
        section!.fields['tablet.level3'],
    ).toBe(tablet.reduce((sum, count) => sum + count.count, 0));
    for (const count of report.satisfaction) expect(section!.text).toContain(`"${count.label}"`);
  });

  it('the same report maps to the same content key; a changed figure to another', () => {
    const report = data.reports.find(
      (candidate) => candidate.reportId === '2025-Q1.QNG-SO-XD.KSTT',
    )!;
    const first = mapReport(report, context).forms.map((form) => form.contentKey);
    expect(
      mapReport(structuredClone(report), context).forms.map((form) => form.contentKey),
    ).toEqual(first);
    const changed = structuredClone(report);
    changed.values.find((value) => value.indicatorCode === 'PAKN_DA_XU_LY')!.value += 1;
    changed.values.find((value) => value.indicatorCode === 'PAKN_DANG_XU_LY')!.value -= 1;
    const keys = mapReport(changed, context).forms.map((form) => form.contentKey);
    expect(keys.filter((key, index) => key !== first[index])).toHaveLength(1);
  });

  it('maps onto a form added as data, with no code change', () => {
    const extension = path.join(__dirname, 'fixtures', 'catalogue-extension');
    const extended = {
      ...context,
      forms: FormCatalogue.load(path.join(extension, 'forms')),
      tables: MappingTables.load(path.join(extension, 'mappings')),
    };
    const report = data.reports.find(
      (candidate) => candidate.reportId === '2025-Q1.QNG-H-BATO-X02.KSTT',
    )!;
    const result = mapReport(report, extended);
    expect(result.forms.map((form) => form.formCode)).toEqual(['II.07a/TEST']);
    const form = result.forms[0];
    expect(form.valid).toBe(false);
    expect(form.problems.map((problem) => problem.code)).toContain('RULE_BROKEN');
    const row = form.packet.packetKind === 'SO_LIEU_BAO_CAO' ? form.packet.body.rows[0] : undefined;
    const value = (indicator: string) =>
      report.values.find(
        (candidate) =>
          candidate.indicatorCode === indicator && candidate.sectorCode === row!.rowKey,
      )!.value;
    expect(row!.cells).toEqual({
      '3': value('PAKN_NHAN_TONG'),
      '4': value('TTHC_NHAN_TRUC_TUYEN'),
      '5': value('TTHC_NHAN_TRUC_TIEP'),
    });
    expect(result.problems.map((problem) => problem.code)).toContain('INDICATOR_UNMAPPED');
  });

  it('warns once per form of a sector the unit does not handle, naming the first of its values', () => {
    const report = structuredClone(
      data.reports.find((candidate) => candidate.reportId === '2025-Q1.QNG-SO-XD.KSTT')!,
    );
    const handled = new Set(context.units.sectorsHandled(report.officeCode, '2025-03-31'));
    const other = data.sectors.find((sector) => !handled.has(sector.MALINHVUC))!;
    const borrowed = report.values.filter(
      (value) => value.sectorCode === report.values[0].sectorCode,
    );
    const at = report.values.length;
    report.values.push(
      ...borrowed.map((value) => ({
        ...value,
        sectorCode: other.MALINHVUC,
        sectorName: other.TENLINHVUC,
      })),
    );
    const result = mapReport(report, context);
    const grids = result.forms.filter((form) => form.packet.packetKind === 'SO_LIEU_BAO_CAO');
    expect(grids.length).toBeGreaterThan(1);
    for (const form of grids) {
      const warnings = form.problems.filter((issue) => issue.code === 'SECTOR_NOT_HANDLED');
      expect(warnings).toEqual([
        expect.objectContaining({ severity: 'warning', actual: other.MALINHVUC }),
      ]);
      const first = Number(/^report\.values\[(\d+)\]$/.exec(warnings[0].field)![1]);
      expect(first).toBeGreaterThanOrEqual(at);
      const table = context.tables.tableFor(report.regimeCode, form.regimeCode)!;
      const cells = (
        table.forms.find((mapping) => mapping.form === form.formCode) as {
          cells: Record<string, number>;
        }
      ).cells;
      expect(
        report.values.findIndex((value, index) => index >= at && value.indicatorCode in cells),
      ).toBe(first);
      expect(form.valid).toBe(true);
    }
  });

  it('a row given only some of its values has those cells and no others, the rest reported missing', () => {
    const report = structuredClone(
      data.reports.find((candidate) => candidate.reportId === '2025-Q1.QNG-SO-XD.KSTT')!,
    );
    const sector = report.values[0].sectorCode;
    const left = new Set(['TTHC_NHAN_TRUC_TUYEN', 'PAKN_DA_XU_LY']);
    report.values = report.values.filter(
      (value) => value.sectorCode !== sector || !left.has(value.indicatorCode),
    );
    const table = context.tables.tableFor(report.regimeCode, 'TT-01-2020-VPCP')!;
    for (const form of mapReport(report, context).forms) {
      if (form.packet.packetKind !== 'SO_LIEU_BAO_CAO') continue;
      const cells = (
        table.forms.find((mapping) => mapping.form === form.formCode) as {
          cells: Record<string, number>;
        }
      ).cells;
      const given = report.values.filter(
        (value) => value.sectorCode === sector && value.indicatorCode in cells,
      );
      const row = form.packet.body.rows.find((candidate) => candidate.rowKey === sector)!;
      expect(row.cells).toEqual(
        Object.fromEntries(given.map((value) => [cells[value.indicatorCode], value.value])),
      );
      const at = form.packet.body.rows.indexOf(row);
      const missing = [...left]
        .filter((indicator) => indicator in cells)
        .map((indicator) => `packet.body.rows[${at}].cells.${cells[indicator]}`);
      expect(
        form.problems.filter((issue) => issue.code === 'CELL_MISSING').map((issue) => issue.field),
      ).toEqual(missing);
    }
  });

  it('refuses a period whose regime has no form in force, saying so', () => {
    const report = {
      ...data.reports.find((candidate) => candidate.reportId === '2025-Q1.QNG-SO-TC.KSTT')!,
      periodId: '2019-Q1',
      reportId: 'x',
    };
    const result = mapReport(report, context);
    expect(result.problems.map((problem) => problem.code)).toEqual(['UNIT_NOT_IN_FORCE']);
    const beforeRegime = mapReport({ ...report, periodId: '2020-Q3', officeCode: '51' }, context);
    expect(beforeRegime.problems.map((problem) => problem.code)).toEqual(['NO_REGIME']);
  });
});

describe('summaries by unit rows', () => {
  it('II.06 with a row per unit sums each unit over its sectors', () => {
    const byUnit = new MappingTables(
      MappingTables.load().tables.map((table) => ({
        ...table,
        forms: table.forms.map((mapping) =>
          mapping.kind === 'summary' ? { ...mapping, rowKind: 'unit' as const } : mapping,
        ),
      })),
    );
    const unitContext = { ...context, tables: byUnit };
    const children = data.reports.filter(
      (report) => report.periodId === '2025-Q1' && report.officeCode.startsWith('QNG-H-SONTAY-'),
    );
    const mapped = children.map((child) => mapReport(child, unitContext));
    const district = data.reports.find(
      (report) => report.reportId === '2025-Q1.QNG-H-SONTAY.KSTT',
    )!;
    const summary = mapSummary({ report: district, children: mapped }, unitContext).forms.find(
      (form) => form.formCode === 'II.06/VPCP/KSTT',
    )!;
    expect(summary.valid).toBe(true);
    expect(summary.packet.packetKind === 'SO_LIEU_BAO_CAO' && summary.packet.body.rowKind).toBe(
      'unit',
    );
    const rows = summary.packet.packetKind === 'SO_LIEU_BAO_CAO' ? summary.packet.body.rows : [];
    expect(rows.map((row) => row.rowKey).sort()).toEqual(
      children.map((child) => child.officeCode).sort(),
    );
    const commune = children.find((child) => child.officeCode === 'QNG-H-SONTAY-X01')!;
    const online = commune.values
      .filter((value) => value.indicatorCode === 'TTHC_NHAN_TRUC_TUYEN')
      .reduce((sum, value) => sum + value.value, 0);
    expect(rows.find((row) => row.rowKey === 'QNG-H-SONTAY-X01')!.cells['4']).toBe(online);
  });
});

describe('content keys and value order', () => {
  /** A catalogue sector the unit does not handle. */
  const unhandled = (officeCode: string) => {
    const handled = new Set(context.units.sectorsHandled(officeCode, '2026-12-31'));
    return data.sectors.find((sector) => !handled.has(sector.MALINHVUC))!.MALINHVUC;
  };
  const approved = data.reports.filter(
    (report) => report.status === 'approved' && report.values.length > 0,
  );
  /** A report's values changed as a unit might send them: some left out, some given twice, some
   * by sector name alone, by a name not in the catalogue or for a sector the unit does not
   * handle, some under an indicator named as an object's inherited property, some figures off;
   * and the same values in another order. */
  const changed = fc
    .record({
      report: fc.constantFrom(...approved),
      changes: fc.array(
        fc.record({
          at: fc.nat(),
          how: fc.constantFrom(
            'drop',
            'twice',
            'byName',
            'unknownName',
            'unhandled',
            'inherited',
            'negative',
            'half',
          ),
        }),
        { maxLength: 8 },
      ),
      order: fc.array(fc.nat(), { maxLength: 200 }),
    })
    .map(({ report, changes, order }) => {
      const values: IndicatorValue[] = report.values.map((value) => ({ ...value }));
      for (const { at, how } of changes) {
        if (values.length === 0) break;
        const index = at % values.length;
        const value = values[index];
        if (how === 'drop') values.splice(index, 1);
        else if (how === 'twice') values.splice(index, 0, { ...value, value: value.value + 1 });
        else if (how === 'byName') values[index] = { ...value, sectorCode: null };
        else if (how === 'unknownName')
          values[index] = { ...value, sectorCode: null, sectorName: 'Lĩnh vực chưa có' };
        else if (how === 'unhandled')
          values[index] = { ...value, sectorCode: unhandled(report.officeCode) };
        else if (how === 'inherited') values[index] = { ...value, indicatorCode: 'constructor' };
        else if (how === 'negative') values[index] = { ...value, value: -1 - value.value };
        else values[index] = { ...value, value: value.value + 0.5 };
      }
      const shuffled = [...values];
      order.forEach((swap, index) => {
        const from = index % shuffled.length;
        const to = swap % shuffled.length;
        [shuffled[from], shuffled[to]] = [shuffled[to], shuffled[from]];
      });
      return { grouped: { ...report, values }, shuffled: { ...report, values: shuffled } };
    });

  it("a form's content key is the SHA-256 of canonical JSON of its header, body and mapping", () => {
    fc.assert(
      fc.property(changed, ({ grouped }) =>
        mapReport(grouped, context).forms.every((form) => {
          const { clientReference: _reference, ...header } = form.packet.header;
          const text = canonicalJson({
            header,
            body: form.packet.body,
            mapping: form.mappingVersion,
          });
          return form.contentKey === createHash('sha256').update(text).digest('hex');
        }),
      ),
      { numRuns: 300 },
    );
  });

  it('values in another order, none given twice, give the same packets, content keys and kinds of problem', () => {
    const kinds = (mapping: ReportMapping) =>
      mapping.forms
        .flatMap((form) => form.problems.map((issue) => `${form.formCode} ${issue.code}`))
        .sort();
    fc.assert(
      fc.property(changed, ({ grouped, shuffled }) => {
        const one = mapReport(grouped, context);
        // Of a figure given twice, the first is kept: which that is depends on the order.
        fc.pre(!kinds(one).some((kind) => kind.endsWith(' VALUE_DUPLICATE')));
        const other = mapReport(shuffled, context);
        expect(other.forms.map((form) => [form.packet, form.contentKey, form.valid])).toEqual(
          one.forms.map((form) => [form.packet, form.contentKey, form.valid]),
        );
        expect(kinds(other)).toEqual(kinds(one));
        // Rows in the order sortRows gives them.
        for (const form of other.forms)
          if (form.packet.packetKind === 'SO_LIEU_BAO_CAO') {
            const keys = form.packet.body.rows.map((row) => row.rowKey);
            expect(keys).toEqual(sortRows([...form.packet.body.rows]).map((row) => row.rowKey));
          }
      }),
      { numRuns: 300 },
    );
  });
});
