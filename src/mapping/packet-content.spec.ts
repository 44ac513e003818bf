import fc from 'fast-check';
import { canonicalJson } from '../common/canonical-json';
import type { SubmissionPacket } from '../contracts/national-wire';
import { packetContentText } from './packet-content';

/** What the content key covered before it was written out by hand. */
const canonical = (packet: Pick<SubmissionPacket, 'header' | 'body'>, mapping: string) => {
  const { clientReference: _reference, ...header } = packet.header;
  return canonicalJson({ header, body: packet.body, mapping });
};

const text = fc.string({ unit: 'binary' });
const header = fc.record({
  unitCode: text,
  formCode: text,
  formVersion: fc.integer({ min: 1, max: 99 }),
  regimeCode: text,
  periodId: text,
  clientReference: text,
});
/** Cells keyed by column numbers (past 9, where numeric and text order part) or any key. */
const cells = fc.dictionary(
  fc.oneof(fc.integer({ min: 0, max: 30 }).map(String), fc.string()),
  fc.oneof(
    fc.integer({ min: 0, max: 10 ** 9 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  ),
);
const row = fc.record({ rowKey: text, label: text, cells });
const section = fc.record({ code: text, title: text, text, fields: cells });
const grid = fc.record({ rowKind: fc.constantFrom('sector', 'unit'), rows: fc.array(row) });
const outline = fc.record({ sections: fc.array(section) });
/** A shape off the wire's: a key more or less, or a value of another type, anywhere. */
const odd = fc.oneof(
  fc.jsonValue(),
  fc.record({
    rowKind: text,
    rows: fc.array(fc.oneof(row, fc.jsonValue())),
    extra: fc.jsonValue(),
  }),
  fc.record({ rows: fc.array(row) }),
  fc.record({ sections: fc.array(fc.oneof(section, fc.jsonValue())) }),
  fc.record({ sections: fc.array(fc.record({ code: text, title: text, text })) }),
);
const oddHeader = fc.oneof(
  header,
  header.map((value) => ({ ...value, extra: 'x' })),
  header.map((value) => ({ ...value, formVersion: String(value.formVersion) })),
  header.map(({ periodId: _periodId, ...rest }) => rest),
  header.map((value) => ({ ...value, unitCode: undefined })),
);

describe('packetContentText', () => {
  it('is exactly canonical JSON of header, body and mapping, for packets of the wire', () => {
    fc.assert(
      fc.property(header, fc.oneof(grid, outline), text, (head, body, mapping) => {
        const packet = { header: head, body } as unknown as SubmissionPacket;
        return packetContentText(packet, mapping) === canonical(packet, mapping);
      }),
      { numRuns: 500 },
    );
  });

  it('is canonical JSON still for any other shape', () => {
    fc.assert(
      fc.property(oddHeader, fc.oneof(grid, outline, odd), text, (head, body, mapping) => {
        const packet = { header: head, body } as unknown as SubmissionPacket;
        return packetContentText(packet, mapping) === canonical(packet, mapping);
      }),
      { numRuns: 500 },
    );
  });
});
