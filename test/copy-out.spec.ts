import { Client } from 'pg';
import { copyBinaryRows } from '../src/database/copy-out';
import { workerDatabaseUrl } from './support/database';

/** Each row's fields as the bytes' text (null for a null), as handed over. */
function collect(rows: Array<Array<string | null>>, limit = Infinity) {
  return (data: Buffer, starts: Int32Array, ends: Int32Array, fields: number): boolean => {
    const row: Array<string | null> = [];
    for (let field = 0; field < fields; field++) {
      row.push(starts[field] < 0 ? null : data.toString('utf8', starts[field], ends[field]));
    }
    rows.push(row);
    return rows.length < limit;
  };
}

// Text columns in binary COPY are their UTF-8 bytes, so the rows can be compared as text.
const ROWS = `SELECT i::text AS n, CASE WHEN i % 7 = 0 THEN NULL ELSE repeat('Quảng Ngãi 📊 ', i % 50) END AS t,
  md5(i::text) AS h FROM generate_series(1, 20000) AS i ORDER BY i`;

describe('copyBinaryRows: binary COPY read from the socket, row by row', () => {
  let client: Client;

  beforeEach(async () => {
    client = new Client({ connectionString: await workerDatabaseUrl() });
    await client.connect();
  });

  afterEach(async () => {
    await client.end();
  });

  it('hands over every row with its fields, nulls as nulls, as a query reads them', async () => {
    const rows: Array<Array<string | null>> = [];
    const outcome = await copyBinaryRows(
      client,
      `COPY (${ROWS}) TO STDOUT (FORMAT binary)`,
      collect(rows),
    );
    expect(outcome).toBe('done');
    const expected = (await client.query<{ n: string; t: string | null; h: string }>(ROWS)).rows;
    expect(rows).toHaveLength(20_000);
    expect(rows).toEqual(expected.map((row) => [row.n, row.t, row.h]));
    // The connection is pg's again, ready for the next statement.
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a row larger than what the socket hands over at once arrives whole', async () => {
    const rows: Array<Array<string | null>> = [];
    await copyBinaryRows(
      client,
      `COPY (SELECT 'a', repeat('Đề án ', 400000), 'z' UNION ALL SELECT 'b', NULL, 'y') TO STDOUT (FORMAT binary)`,
      collect(rows),
    );
    expect(rows).toEqual([
      ['a', 'Đề án '.repeat(400_000), 'z'],
      ['b', null, 'y'],
    ]);
  });

  it('a handler that answers false stops the reading; the rest is not handed over', async () => {
    const rows: Array<Array<string | null>> = [];
    const outcome = await copyBinaryRows(
      client,
      `COPY (${ROWS}) TO STDOUT (FORMAT binary)`,
      collect(rows, 3),
    );
    expect(outcome).toBe('stopped');
    expect(rows.map(([n]) => n)).toEqual(['1', '2', '3']);
  });

  it('an error of the statement in the middle of the rows rejects, and the connection is usable again', async () => {
    const rows: Array<Array<string | null>> = [];
    await expect(
      copyBinaryRows(
        client,
        'COPY (SELECT (100 / (5000 - i))::text FROM generate_series(1, 10000) AS i) TO STDOUT (FORMAT binary)',
        collect(rows),
      ),
    ).rejects.toThrow('division by zero');
    expect(rows.length).toBeLessThan(5000);
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('an error thrown by the handler rejects with it', async () => {
    await expect(
      copyBinaryRows(client, `COPY (${ROWS}) TO STDOUT (FORMAT binary)`, () => {
        throw new Error('the handler gave up');
      }),
    ).rejects.toThrow('the handler gave up');
  });

  it('a COPY that does not answer in the binary format is refused', async () => {
    await expect(copyBinaryRows(client, 'COPY (SELECT 1) TO STDOUT', collect([]))).rejects.toThrow(
      'COPY did not answer in the binary format',
    );
  });
});
