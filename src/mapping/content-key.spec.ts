import fc from 'fast-check';
import { FormCatalogue, type OutlineForm } from '../catalog/forms';
import { SectorCatalogue } from '../catalog/sectors';
import type { FiguresPacket, GridRow, OutlinePacket } from '../contracts/national-wire';
import { loadDemoSeeds } from '../simulators/data/demo-data';
import { gridContentKey, outlineContentKey } from './content-key';
import { MappingTables } from './mapping-tables';
import { contentKeyOf, packetHeader } from './report-mapper';

const { sectors: records } = loadDemoSeeds();
const sectors = SectorCatalogue.load(records);
const mapping = MappingTables.load()
  .tables[0].forms.filter((candidate) => candidate.kind === 'grid')
  .find((candidate) => candidate.form === 'II.06a/VPCP/KSTT')!;
const form = FormCatalogue.load().form('II.06a/VPCP/KSTT', '2025-Q1');
const columns = [...new Set(Object.values(mapping.kind === 'grid' ? mapping.cells : {}))];
const VERSION = 'kstt-to-vpcp-kstt@1';

/** Headers as finishForm writes them, and others: codes with what JSON escapes or non-ASCII, long
 * ones, versions that are not whole counts, a key more, no client reference. */
const anyHeader = (formCode: string, regimeCode: string) =>
  fc
    .record({
      unitCode: fc.oneof(
        fc.constantFrom('QNG-X-001', '51', 'QNG-H-BATO-X02'),
        fc.string({ unit: 'binary', maxLength: 80 }),
      ),
      periodId: fc.oneof(fc.constantFrom('2025-Q1', '2026-Q4'), fc.string({ maxLength: 70 })),
      formVersion: fc.oneof(fc.nat({ max: 30 }), fc.constantFrom(1.5, -1, 1e21, 1e15)),
      shape: fc.constantFrom('as written', 'a key more', 'no reference'),
    })
    .map(({ shape, ...fields }) => {
      const header = { ...fields, formCode, regimeCode, clientReference: '' };
      if (shape === 'a key more') return { ...header, extra: 'x' };
      if (shape === 'no reference') return { ...header, clientReference: undefined };
      return header;
    }) as unknown as fc.Arbitrary<FiguresPacket['header']>;

function packet(rows: GridRow[]): FiguresPacket {
  return {
    packetKind: 'SO_LIEU_BAO_CAO',
    header: packetHeader(form, 'QNG-X-001', '2025-Q1'),
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
  it('is contentKeyOf of the same packet, for rows of catalogue sectors with any counts and any header', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), cells), { maxLength: 40 }),
        anyHeader(form.code, form.regime),
        ([...rows], header) => {
          const built = { ...packet(rows.map(([index, given]) => rowOf(index, given))), header };
          expect(gridContentKey(built, mapping as never, sectors, VERSION)).toBe(
            contentKeyOf(built, VERSION),
          );
        },
      ),
      { numRuns: 1000 },
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

describe('outlineContentKey', () => {
  const outline = FormCatalogue.load().form('II.01-ĐC/VPCP/KSTT', '2025-Q1') as OutlineForm;
  const packetOf = (sections: OutlinePacket['body']['sections']): OutlinePacket => ({
    packetKind: 'GUI_DE_CUONG',
    header: packetHeader(outline, 'QNG-X-001', '2025-Q1'),
    body: { sections },
  });
  /** Prose as units write it, and text with what JSON escapes: quotation marks, backslashes, line
   * breaks, control characters, lone surrogates. */
  const prose = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc
      .tuple(
        fc.string({ maxLength: 80 }),
        fc.constantFrom('"', '\\', '\n', '\u0001', '\ud800', '😀'),
      )
      .map(([text, odd]) => `Trong kỳ ${text}${odd}${text} hồ sơ`),
  );
  const fields = fc.oneof(
    fc.constant({}),
    fc.constant([]),
    fc.constant([1, 2]),
    fc.constant({ 'tablet.level1': undefined }),
    fc.dictionary(
      fc.constantFrom('tablet.level1', 'tablet.level2', 'counter.level3', 'online.level1'),
      fc.nat({ max: 10_000 }),
    ),
  );
  const section = fc.record({
    code: fc.oneof(fc.constantFrom(...outline.sections.map((one) => one.code)), fc.string()),
    title: fc.oneof(
      fc.constantFrom(...outline.sections.map((one) => one.title)),
      prose,
      fc.string({ minLength: 190, maxLength: 400 }),
    ),
    text: prose,
    fields,
  });

  it('is contentKeyOf of the same packet, for sections of any text and any header', () => {
    fc.assert(
      fc.property(
        fc.array(section, { maxLength: 8 }),
        anyHeader(outline.code, outline.regime),
        (sections, header) => {
          const built = { ...packetOf(sections as OutlinePacket['body']['sections']), header };
          expect(outlineContentKey(built, VERSION)).toBe(contentKeyOf(built, VERSION));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('grows its buffer for long prose, and leaves text past its bound to contentKeyOf', () => {
    const section = (text: string) => ({ code: 'DC_KET_QUA', title: 'II', text, fields: {} });
    const long = packetOf([section('Hồ sơ '.repeat(20_000))]);
    expect(outlineContentKey(long, VERSION)).toBe(contentKeyOf(long, VERSION));
    const past = packetOf([section('Hồ sơ '.repeat(200_000))]);
    expect(outlineContentKey(past, VERSION)).toBeUndefined();
  });

  it('leaves a section of another shape to contentKeyOf', () => {
    const odd = packetOf([
      { code: 'DC_KET_QUA', title: 'II', text: 42, fields: {} },
    ] as unknown as OutlinePacket['body']['sections']);
    expect(outlineContentKey(odd, VERSION)).toBeUndefined();
  });
});
