import { BinaryRows } from './copy-out';

/** A binary COPY stream as PostgreSQL writes it: header, tuples of text fields, trailer. */
function binaryCopy(rows: Array<Array<string | null>>, extension = Buffer.alloc(0)): Buffer {
  const parts = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  parts[1].writeUInt32BE(extension.length, 4);
  parts.push(extension);
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const length = Buffer.alloc(4);
      const bytes = field === null ? Buffer.alloc(0) : Buffer.from(field, 'utf8');
      length.writeInt32BE(field === null ? -1 : bytes.length);
      parts.push(length, bytes);
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

function read(messages: Buffer[]): Array<Array<string | null>> {
  const rows: Array<Array<string | null>> = [];
  const reader = new BinaryRows();
  for (const message of messages) {
    // Each message sits inside a larger buffer, as a socket's chunk holds it.
    const chunk = Buffer.concat([Buffer.from('xx'), message, Buffer.from('yy')]);
    reader.feed(chunk, 2, 2 + message.length, (data, starts, ends, fields) => {
      rows.push(
        Array.from({ length: fields }, (_, field) =>
          starts[field] < 0 ? null : data.toString('utf8', starts[field], ends[field]),
        ),
      );
      return true;
    });
  }
  expect(reader.ended).toBe(true);
  return rows;
}

describe('the tuples of a binary COPY, whatever the messages that carry them', () => {
  const rows = [
    ['1', 'Quảng Ngãi', null],
    ['2', '', '📊'],
    [null, 'x'.repeat(300), 'z'],
  ];

  it('read from one message', () => {
    expect(read([binaryCopy(rows)])).toEqual(rows);
  });

  it('read from two messages split at any byte, the header extension skipped', () => {
    const stream = binaryCopy(rows, Buffer.from('ext'));
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(read([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(rows);
    }
  });

  it('read a byte at a time', () => {
    const stream = binaryCopy(rows);
    expect(read(Array.from(stream, (byte) => Buffer.from([byte])))).toEqual(rows);
  });

  it('a stream that is not binary COPY is refused at its first byte', () => {
    expect(() => read([Buffer.from('1\n')])).toThrow('COPY did not answer in the binary format');
  });
});
