import { FormCatalogue } from '../catalog/forms';
import type { FiguresPacket } from '../contracts/national-wire';
import { validatePacket } from './payload-validation';

const form = FormCatalogue.load().form('II.06a/VPCP/KSTT', '2025-Q1');

/** One sector row whose counts add up: c3 = c4 + c5 + c6, c3 = c7 + c11, c7 = c8 + c9 + c10, c11 = c12 + c13. */
function packet(cells: Record<string, unknown>): FiguresPacket {
  return {
    packetKind: 'SO_LIEU_BAO_CAO',
    header: {
      unitCode: 'QNG-X-001',
      formCode: form.code,
      formVersion: form.version,
      regimeCode: form.regime,
      periodId: '2025-Q1',
      clientReference: 'ref',
    },
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
