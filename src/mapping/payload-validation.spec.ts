import fc from 'fast-check';
import { FormCatalogue } from '../catalog/forms';
import type { FiguresPacket } from '../contracts/national-wire';
import { validatePacket } from './payload-validation';
import { packetHeader } from './report-mapper';

const form = FormCatalogue.load().form('II.06a/VPCP/KSTT', '2025-Q1');

/** One sector row whose counts add up: c3 = c4 + c5 + c6, c3 = c7 + c11, c7 = c8 + c9 + c10, c11 = c12 + c13. */
function packet(cells: Record<string, unknown>): FiguresPacket {
  return {
    packetKind: 'SO_LIEU_BAO_CAO',
    header: { ...packetHeader(form, 'QNG-X-001', '2025-Q1'), clientReference: 'ref' },
    body: {
      rowKind: 'sector',
      rows: [{ rowKey: 'LV-HOTICH', label: 'Hộ tịch', cells: cells as Record<string, number> }],
    },
  };
}

const good = { 3: 10, 4: 4, 5: 5, 6: 1, 7: 8, 8: 2, 9: 5, 10: 1, 11: 2, 12: 1, 13: 1 };
const codes = (cells: Record<string, unknown>) =>
  validatePacket(packet(cells), {
    form,
    unit: { officeCode: 'QNG-X-001', level: 'commune' },
    knownSectorCodes: new Set(['LV-HOTICH']),
  }).map((issue) => `${issue.code} ${issue.field}`);

describe('validatePacket: the cells the rules read', () => {
  it('a row whose counts add up has no problem', () => {
    expect(codes(good)).toEqual([]);
  });

  it('a cell that is not a whole count is left out of the rules, not added in', () => {
    // c4 = -1 would break c3 = c4 + c5 + c6 if it were read; left out, the rule cannot apply.
    expect(codes({ ...good, 4: -1 })).toEqual(['CELL_NEGATIVE body.rows[0].cells.4']);
    expect(codes({ ...good, 4: 1.5 })).toEqual(['CELL_NOT_INTEGER body.rows[0].cells.4']);
  });

  it('a column written otherwise than as its number still counts for the rules', () => {
    const { 4: _four, ...rest } = good;
    // "04" is column 4 to the rules, and 9 does not add up; column "4" itself is missing.
    expect(codes({ ...rest, '04': 9 })).toEqual([
      'CELL_MISSING body.rows[0].cells.4',
      'RULE_BROKEN body.rows[0].cells.3',
    ]);
  });
});

describe('validatePacket: rows read by counting and rows read key by key', () => {
  const value = fc.oneof(fc.nat({ max: 20 }), fc.constantFrom(-1, 1.5, '3', null, undefined, -0));
  const cells = fc.dictionary(
    fc.oneof(fc.integer({ min: 1, max: 15 }).map(String), fc.constantFrom('04', '3.0', ' 5')),
    value,
    { maxKeys: 14 },
  );
  const row = fc.record({
    rowKey: fc.constantFrom('LV-HOTICH', 'LV-X'),
    label: fc.string(),
    cells,
  });
  const context = {
    form,
    unit: { officeCode: 'QNG-X-001', level: 'commune' as const },
    knownSectorCodes: new Set(['LV-HOTICH']),
  };
  const withRows = (rows: Array<{ rowKey: string; label: string; cells: object }>) => {
    const base = packet(good);
    return { ...base, body: { rowKind: 'sector', rows } } as unknown as FiguresPacket;
  };

  it('a key no form has, added to every row, adds its issue to each row and changes nothing else', () => {
    // The rows as generated are mostly read by counting (their keys are count columns holding
    // whole counts); with the key added, every row is read key by key.
    fc.assert(
      fc.property(fc.array(row, { maxLength: 4 }), (rows) => {
        const issues = validatePacket(withRows(rows), context);
        const marked = validatePacket(
          withRows(rows.map((one) => ({ ...one, cells: { ...one.cells, x: 1 } }))),
          context,
        );
        const added = marked.filter((issue) => /\.cells\.x$/.test(issue.field));
        expect(added.map((issue) => issue.code)).toEqual(rows.map(() => 'CELL_UNKNOWN_COLUMN'));
        expect(marked.filter((issue) => !added.includes(issue))).toEqual(issues);
      }),
      { numRuns: 500 },
    );
  });
});
