import net from 'node:net';

/** What a reader taking a socket's bytes in place is handed: valid only during the call. */
type InPlaceReader = (bytes: Buffer) => void;

const READER = Symbol('in-place reader');

interface ReadingSocket extends net.Socket {
  [READER]?: InPlaceReader;
}

/**
 * How many bytes one read of a reading socket takes at most. A binary COPY of the audit trail
 * comes in reads of about 11 KiB while the reader keeps up; the buffer only bounds the reads
 * that come after a busy moment.
 */
const READ_SIZE = 256 * 1024;

/**
 * A socket for a pg client that reads into one buffer made once, instead of a new buffer for each
 * read (reading 540 MB over loopback took 0.45 to 0.59 CPU s in user mode with Node's buffers,
 * 0.07 to 0.09 with one; docs/performance.md). What it reads is pushed as a copy, as Node's own
 * socket pushes what it reads: pg's parser takes it as a 'data' event, pg-copy-streams reads it
 * paused, with backpressure. While a reader takes the bytes in place (takeInPlace), they go to
 * that reader as they lie in the buffer, copied nowhere. For a connection that carries a long
 * COPY: the audit verifier's.
 *
 * Only for a plain TCP connection: TLS reads the socket's handle itself.
 */
export function readingSocket(): net.Socket {
  const buffer = Buffer.allocUnsafe(READ_SIZE);
  const socket: ReadingSocket = new net.Socket({
    onread: {
      buffer,
      callback: (length: number): boolean => {
        const bytes = buffer.subarray(0, length);
        const reader = socket[READER];
        if (!reader) return socket.push(Buffer.from(bytes));
        reader(bytes);
        return true;
      },
    },
  });
  socket[READER] = undefined;
  return socket;
}

/**
 * The stream option of a pg client whose COPY is read in place: a reading socket for a plain
 * connection, pg's own socket where the connection is encrypted.
 */
export const readingStream = (config?: { ssl?: unknown }): net.Socket =>
  config?.ssl ? new net.Socket() : readingSocket();

/**
 * Hands what the socket reads to `reader` in place, until the returned release is called; then it
 * goes to pg's parser again. Undefined for a socket that is not a reading socket: the caller then
 * reads the 'data' events.
 */
export function takeInPlace(socket: object, reader: InPlaceReader): (() => void) | undefined {
  const reading = socket as ReadingSocket;
  if (!(READER in reading)) return undefined;
  reading[READER] = reader;
  return () => {
    reading[READER] = undefined;
  };
}
