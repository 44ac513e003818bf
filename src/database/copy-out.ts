import type { Readable } from 'node:stream';
import type { Client } from 'pg';
import { takeInPlace } from './reading-socket';

/**
 * What `copyBinaryRows` hands over for each row: the bytes it sits in and where each field
 * starts and ends (`start` -1 for a null). The buffer is reused: what is kept must be copied.
 */
export type BinaryRowHandler = (
  data: Buffer,
  starts: Int32Array,
  ends: Int32Array,
  fields: number,
) => boolean;

const COPY_DATA = 0x64; // 'd'
/**
 * The messages read here: CopyOutResponse, CopyData, and those the server may send in the middle
 * of a COPY, which change nothing here (a notice, a parameter's status, a notification).
 */
const READ_HERE = new Set([0x48, COPY_DATA, 0x4e, 0x53, 0x41]); // 'H', 'd', 'N', 'S', 'A'

/** The signature that opens `COPY … TO STDOUT (FORMAT binary)`, before its flags and extension. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

type Handlers = (buffer: Buffer) => void;

/**
 * `COPY (…) TO STDOUT (FORMAT binary)` read straight from the connection's socket, each row handed
 * over where it lies in the bytes received: no buffer, string or array is made for a row, so the
 * rows of a long COPY cost the reader little more than looking at them (pg-copy-streams makes a
 * buffer for every row and joins them again). Each row is handled before the next bytes are read,
 * so memory stays flat however many rows there are. A handler that answers false stops the
 * reading: the promise then answers 'stopped' and the caller must end the connection, which is
 * left mid-COPY. An error of the statement rejects the promise, and the connection can be used
 * again.
 *
 * It is a pg submittable: it takes the socket's bytes from the connection's parser while the COPY
 * lasts, as pg-copy-streams does, and gives them back at the end of the COPY (or at an error), so
 * pg reads the statement's completion itself.
 */
export function copyBinaryRows(
  client: Client,
  sql: string,
  onRow: BinaryRowHandler,
): Promise<'done' | 'stopped'> {
  return new Promise((resolve, reject) => {
    const query = new BinaryCopyOut(sql, onRow, resolve, reject);
    (client as unknown as { query(submittable: BinaryCopyOut): void }).query(query);
  });
}

interface PgConnection {
  stream: NodeJS.ReadableStream & {
    listeners(event: 'data'): Handlers[];
    removeListener(event: 'data', handler: Handlers): void;
    on(event: 'data', handler: Handlers): void;
  };
  query(text: string): void;
}

class BinaryCopyOut {
  private connection?: PgConnection;
  private pgHandler?: Handlers;
  /** Ends the reading in place (a reading socket's bytes go to pg's parser again). */
  private release?: () => void;
  private settled = false;
  private stopped = false;
  /** The message being read, when it did not arrive whole: its bytes so far. */
  private partial?: { code: number; bytes: Buffer; filled: number };
  /** The header of the next message, when a chunk ended inside it. */
  private headerCarry?: Buffer;
  /** The rows' bytes: the binary COPY's header is read once, then rows until the trailer. */
  private rows = new BinaryRows();

  constructor(
    readonly text: string,
    private readonly onRow: BinaryRowHandler,
    private readonly resolve: (outcome: 'done' | 'stopped') => void,
    private readonly reject: (error: Error) => void,
  ) {}

  submit(connection: PgConnection): void {
    this.connection = connection;
    // On a reading socket the bytes come in place, pg's listener staying where it is; on another
    // socket this reader stands in for pg's listener while the COPY lasts.
    this.release = takeInPlace(connection.stream, this.received);
    if (!this.release) {
      const [pgHandler] = connection.stream.listeners('data');
      this.pgHandler = pgHandler;
      connection.stream.removeListener('data', pgHandler);
      connection.stream.on('data', this.received);
    }
    connection.query(this.text);
  }

  private readonly received = (chunk: Buffer): void => {
    if (this.stopped) return; // the caller ends the connection; what is still coming is dropped
    let data = chunk;
    let at = 0;
    if (this.headerCarry) {
      data = Buffer.concat([this.headerCarry, chunk]);
      this.headerCarry = undefined;
    }
    if (this.partial) {
      const { bytes } = this.partial;
      const taken = Math.min(bytes.length - this.partial.filled, data.length);
      data.copy(bytes, this.partial.filled, 0, taken);
      this.partial.filled += taken;
      at = taken;
      if (this.partial.filled < bytes.length) return;
      const { code } = this.partial;
      this.partial = undefined;
      if (!this.message(code, bytes, 0, bytes.length)) return;
    }
    while (at < data.length) {
      if (data.length - at < 5) {
        this.headerCarry = Buffer.from(data.subarray(at));
        return;
      }
      const code = data[at];
      if (!READ_HERE.has(code)) {
        // CopyDone ('c'), an error or anything else: pg reads the rest (CopyDone is harmless to
        // it), the statement's completion among it.
        this.handBack(data.subarray(at));
        return;
      }
      const length = data.readUInt32BE(at + 1) - 4;
      const start = at + 5;
      if (start + length > data.length) {
        const bytes = Buffer.allocUnsafe(length);
        const filled = data.copy(bytes, 0, start);
        this.partial = { code, bytes, filled };
        return;
      }
      at = start + length;
      if (!this.message(code, data, start, at)) return;
    }
  };

  /** One whole message; false once the reading is over. */
  private message(code: number, data: Buffer, start: number, end: number): boolean {
    if (code !== COPY_DATA) return true;
    let outcome: boolean;
    try {
      outcome = this.rows.feed(data, start, end, this.onRow);
    } catch (error) {
      this.stopped = true;
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    if (!outcome) {
      this.stopped = true;
      if (!this.settled) {
        this.settled = true;
        this.resolve('stopped');
      }
      return false;
    }
    return true;
  }

  /** Gives the socket back to pg's parser, with what it has not read yet (copied: pg keeps it). */
  private handBack(rest: Buffer): void {
    const { connection, pgHandler, release } = this;
    if (!connection) return;
    if (release) {
      this.release = undefined;
      release();
      // Pushed as the socket pushes what it reads, so it reaches pg's parser in order.
      (connection.stream as unknown as Readable).push(Buffer.from(rest));
      return;
    }
    if (!pgHandler) return;
    connection.stream.removeListener('data', this.received);
    connection.stream.on('data', pgHandler);
    this.pgHandler = undefined;
    pgHandler(rest);
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  // What pg's client calls once it reads the messages again: only the statement's end (or an
  // error) is left to it, never a row.
  handleError(error: Error): void {
    this.fail(error);
  }

  handleCommandComplete(): void {
    if (!this.rows.ended && !this.settled) {
      this.fail(new Error('COPY ended before its trailer'));
    }
  }

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve('done');
  }
}

/**
 * The tuples of the binary COPY format, fed the CopyData messages' bytes in order: the header
 * first, then tuples (a 16-bit field count, each field a 32-bit length, -1 for null, and its
 * bytes), then -1 as the trailer. PostgreSQL sends a tuple per message; a tuple split across
 * messages is put together first.
 */
export class BinaryRows {
  private headerRead = false;
  ended = false;
  private starts = new Int32Array(16);
  private ends = new Int32Array(16);
  private carry?: Buffer;

  feed(data: Buffer, start: number, end: number, onRow: BinaryRowHandler): boolean {
    let bytes = data;
    let at = start;
    let stop = end;
    if (this.carry) {
      bytes = Buffer.concat([this.carry, data.subarray(start, end)]);
      this.carry = undefined;
      at = 0;
      stop = bytes.length;
    }
    if (!this.headerRead) {
      const seen = Math.min(SIGNATURE.length, stop - at);
      if (!bytes.subarray(at, at + seen).equals(SIGNATURE.subarray(0, seen))) {
        throw new Error('COPY did not answer in the binary format');
      }
      if (stop - at < 19) {
        this.carry = Buffer.from(bytes.subarray(at, stop));
        return true;
      }
      const extension = bytes.readUInt32BE(at + 15);
      if (stop - at < 19 + extension) {
        this.carry = Buffer.from(bytes.subarray(at, stop));
        return true;
      }
      at += 19 + extension;
      this.headerRead = true;
    }
    while (at < stop) {
      if (this.ended) throw new Error('COPY sent bytes after its trailer');
      if (stop - at < 2) break;
      const fields = bytes.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        at += 2;
        continue;
      }
      if (fields > this.starts.length) {
        this.starts = new Int32Array(fields);
        this.ends = new Int32Array(fields);
      }
      let cursor = at + 2;
      let whole = true;
      for (let field = 0; field < fields; field++) {
        if (stop - cursor < 4) {
          whole = false;
          break;
        }
        const length = bytes.readInt32BE(cursor);
        cursor += 4;
        if (length < 0) {
          this.starts[field] = -1;
          this.ends[field] = -1;
          continue;
        }
        if (stop - cursor < length) {
          whole = false;
          break;
        }
        this.starts[field] = cursor;
        this.ends[field] = cursor + length;
        cursor += length;
      }
      if (!whole) break;
      at = cursor;
      if (!onRow(bytes, this.starts, this.ends, fields)) return false;
    }
    if (at < stop) this.carry = Buffer.from(bytes.subarray(at, stop));
    return true;
  }
}
