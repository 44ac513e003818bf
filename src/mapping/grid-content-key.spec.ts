import fc from 'fast-check';
import { FormCatalogue } from '../catalog/forms';
import { SectorCatalogue } from '../catalog/sectors';
import type { FiguresPacket, GridRow } from '../contracts/national-wire';
import { loadDemoSeeds } from '../simulators/data/demo-data';
import { gridContentKey } from './grid-content-key';
import { MappingTables } from './mapping-tables';
import { contentKeyOf } from './report-mapper';

const { sectors: records } = loadDemoSeeds();
const sectors = SectorCatalogue.load(records);
const mapping = MappingTables.load()
  .tables[0].forms.filter((candidate) => candidate.kind === 'grid')
  .find((candidate) => candidate.form === 'II.06a/VPCP/KSTT')!;
const form = FormCatalogue.load().form('II.06a/VPCP/KSTT', '2025-Q1');
const columns = [...new Set(Object.values(mapping.kind === 'grid' ? mapping.cells : {}))];
const VERSION = 'kstt-to-vpcp-kstt@1';

function packet(rows: GridRow[]): FiguresPacket {
  return {
    packetKind: 'SO_LIEU_BAO_CAO',
    header: {
      unitCode: 'QNG-X-001',
      formCode: form.code,
      formVersion: form.version,
      regimeCode: form.regime,
      periodId: '2025-Q1',
      clientReference: '',
    },
    body: { rowKind: 'sector', rows },
  };
}

const rowOf = (index: number, cells: Record<string, number>): GridRow => {
  const record = records[index % records.length];
  return { rowKey: record.MALINHVUC, label: record.TENLINHVUC, cells };
};

/** Counts as a report may give them: whole ones of any size, and the odd negative or fraction. */
const count = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 100_000 }) },
  fc.constantFrom(0, 9, 10, 99, 100, 1e15 - 1, 1e15, 2 ** 53, 2 ** 53 + 2, 1e21, 1e22, -0),
  fc.integer({ min: -1000, max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const cells = fc
  .subarray(columns)
  .chain((present) => fc.tuple(...present.map(() => count)).map((values) => ({ present, values })))
  .map(({ present, values }) =>
    Object.fromEntries(present.map((column, index) => [column, values[index]])),
  );

describe('gridContentKey', () => {
  it('is contentKeyOf of the same packet, for rows of catalogue sectors with any counts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), cells), { maxLength: 40 }), ([...rows]) => {
        const built = packet(rows.map(([index, given]) => rowOf(index, given)));
        expect(gridContentKey(built, mapping as never, sectors, VERSION)).toBe(
          contentKeyOf(built, VERSION),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('grows its buffer for a large body, and leaves a body past its bound to contentKeyOf', () => {
    const full = Object.fromEntries(columns.map((column) => [column, 123_456_789]));
    // Some 26 KB of text, past the 16 KiB the buffer starts with.
    const large = packet(Array.from({ length: 120 }, (_, index) => rowOf(index, full)));
    expect(JSON.stringify(large.body).length).toBeGreaterThan(24 * 1024);
    expect(gridContentKey(large, mapping as never, sectors, VERSION)).toBe(
      contentKeyOf(large, VERSION),
    );
    const past = packet(Array.from({ length: 20_000 }, (_, index) => rowOf(index, full)));
    expect(gridContentKey(past, mapping as never, sectors, VERSION)).toBeUndefined();
    const small = packet([rowOf(0, { 3: 1 })]);
    expect(gridContentKey(small, mapping as never, sectors, VERSION)).toBe(
      contentKeyOf(small, VERSION),
    );
  });

  it('leaves a row that is not its catalogue sector, labelled with its name, to contentKeyOf', () => {
    const renamed = packet([{ ...rowOf(0, { 3: 1 }), label: 'Tên khác' }]);
    expect(gridContentKey(renamed, mapping as never, sectors, VERSION)).toBeUndefined();
    const unknown = packet([{ rowKey: 'LV-KHONGCO', label: 'Không có', cells: { 3: 1 } }]);
    expect(gridContentKey(unknown, mapping as never, sectors, VERSION)).toBeUndefined();
  });
});
