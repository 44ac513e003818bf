import net from 'node:net';
import { Client } from 'pg';
import { copyBinaryRows } from '../src/database/copy-out';
import { copyRows } from '../src/database/copy-rows';
import { readingSocket, readingStream, takeInPlace } from '../src/database/reading-socket';
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

/**
 * A proxy on loopback that passes the server's bytes on a few at a time (1 to 40, a pause between),
 * so the client reads them in many small pieces cut anywhere: inside a message's header, inside a
 * tuple, inside the statement's completion after the COPY.
 */
async function choppingProxy(target: URL): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    client.pipe(upstream);
    let queue = Promise.resolve();
    let seed = 7;
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      queue = queue.then(async () => {
        for (let at = 0; at < chunk.length;) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const size = 1 + ((seed >>> 12) % 40);
          client.write(chunk.subarray(at, at + size));
          at += size;
          await new Promise((resolve) => setImmediate(resolve));
        }
        upstream.resume();
      });
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each([
  ["pg's own socket", undefined],
  ['a reading socket (the bytes taken in place)', readingStream],
])('copyBinaryRows on %s: binary COPY read from the socket, row by row', (_socket, stream) => {
  let client: Client;

  beforeEach(async () => {
    client = new Client({ connectionString: await workerDatabaseUrl(), stream });
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

  it('bytes that come a few at a time, cut anywhere, still make every row whole; pg reads on after', async () => {
    const proxy = await choppingProxy(new URL(await workerDatabaseUrl()));
    const chopped = new Client({ connectionString: proxy.url, stream });
    try {
      await chopped.connect();
      const sql = `SELECT i::text, repeat('Sơn Tịnh ', i % 9), md5(i::text) FROM generate_series(1, 300) AS i`;
      const rows: Array<Array<string | null>> = [];
      expect(
        await copyBinaryRows(chopped, `COPY (${sql}) TO STDOUT (FORMAT binary)`, collect(rows)),
      ).toBe('done');
      const expected = (await client.query<string[]>({ text: sql, rowMode: 'array' })).rows;
      expect(rows).toEqual(expected);
      // What came after the COPY (its completion, cut up too) went to pg's parser whole.
      const after = await chopped.query<{ n: string }>(
        `SELECT string_agg(i::text, ',') AS n FROM generate_series(1, 2000) AS i`,
      );
      expect(after.rows[0].n.split(',')).toHaveLength(2000);
    } finally {
      await chopped.end().catch(() => undefined);
      await proxy.close();
    }
  });

  it('the end of a COPY, cut anywhere, reaches pg whole: forty COPYs, each with a query after', async () => {
    const proxy = await choppingProxy(new URL(await workerDatabaseUrl()));
    const chopped = new Client({ connectionString: proxy.url, stream });
    try {
      await chopped.connect();
      for (let round = 1; round <= 40; round++) {
        const rows: Array<Array<string | null>> = [];
        await copyBinaryRows(
          chopped,
          `COPY (SELECT i::text FROM generate_series(1, ${round}) AS i) TO STDOUT (FORMAT binary)`,
          collect(rows),
        );
        expect(rows).toHaveLength(round);
        const after = await chopped.query<{ round: number }>('SELECT $1::int AS round', [round]);
        expect(after.rows).toEqual([{ round }]);
      }
    } finally {
      await chopped.end().catch(() => undefined);
      await proxy.close();
    }
  });

  it('a COPY that does not answer in the binary format is refused', async () => {
    await expect(copyBinaryRows(client, 'COPY (SELECT 1) TO STDOUT', collect([]))).rejects.toThrow(
      'COPY did not answer in the binary format',
    );
  });
});

describe('a reading socket', () => {
  it('gives pg copies of what it reads: a result larger than its buffer reads as pg reads it', async () => {
    const url = await workerDatabaseUrl();
    const reading = new Client({ connectionString: url, stream: readingSocket });
    const plain = new Client({ connectionString: url });
    await Promise.all([reading.connect(), plain.connect()]);
    try {
      const sql = `SELECT i, repeat(md5(i::text), 20) AS t FROM generate_series(1, 3000) AS i`;
      const [mine, theirs] = await Promise.all([reading.query(sql), plain.query(sql)]);
      expect(mine.rows).toHaveLength(3000);
      expect(mine.rows).toEqual(theirs.rows);
    } finally {
      await Promise.all([reading.end(), plain.end()]);
    }
  });

  it('serves pg-copy-streams, which reads it paused: a text COPY read slowly arrives whole', async () => {
    const client = new Client({
      connectionString: await workerDatabaseUrl(),
      stream: readingSocket,
    });
    await client.connect();
    try {
      const numbers: string[] = [];
      for await (const rows of copyRows(
        client,
        `COPY (SELECT i, repeat('Ba Tơ ', 40) FROM generate_series(1, 30000) AS i) TO STDOUT`,
      )) {
        for (const fields of rows) numbers.push(fields[0]);
        // A slow reader: the socket stops reading while pg-copy-streams holds enough.
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(numbers).toHaveLength(30_000);
      expect(numbers[29_999]).toBe('30000');
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('is not used where the connection is encrypted: TLS reads the socket itself', () => {
    const encrypted = readingStream({ ssl: { rejectUnauthorized: false } });
    const plain = readingStream({});
    try {
      expect(takeInPlace(encrypted, () => undefined)).toBeUndefined();
      expect(takeInPlace(plain, () => undefined)).toBeDefined();
    } finally {
      encrypted.destroy();
      plain.destroy();
    }
  });
});
