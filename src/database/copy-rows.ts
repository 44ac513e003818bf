import { once } from 'node:events';
import type { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** The pg client a TypeORM query runner holds (its transaction's connection, once connected): for
 * COPY, which TypeORM does not speak. */
export function connectionOf(runner: QueryRunner): Client {
  return (runner as unknown as { databaseConnection: Client }).databaseConnection;
}

const ESCAPED: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * One field of PostgreSQL's COPY text format: `\N` is null; a backslash escapes the character
 * after it (COPY TO writes only \b \f \n \r \t \v and \\, never octal or hex forms).
 */
export function copyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/gs, (_, escaped: string) => ESCAPED[escaped] ?? escaped);
}

/**
 * The rows of `COPY (…) TO STDOUT` in text format, in batches as they arrive, each row its
 * fields still as COPY wrote them (see copyField). The rows stream with backpressure: memory
 * stays flat however many there are. Breaking out of the loop stops reading; the caller then
 * closes the connection, which is left mid-COPY.
 */
export async function* copyRows(client: Client, sql: string): AsyncGenerator<string[][]> {
  let rest: Buffer | undefined;
  for await (const chunk of client.query(copyTo(sql)) as AsyncIterable<Buffer>) {
    const data = rest ? Buffer.concat([rest, chunk]) : chunk;
    // A row ends at a newline byte; one inside a value is always escaped, and no byte of a
    // multi-byte UTF-8 character is 0x0a, so the text up to the last newline is whole rows.
    const end = data.lastIndexOf(10);
    if (end < 0) {
      rest = data;
      continue;
    }
    rest = end + 1 < data.length ? data.subarray(end + 1) : undefined;
    yield data
      .toString('utf8', 0, end)
      .split('\n')
      .map((line) => line.split('\t'));
  }
  if (rest?.length) throw new Error('COPY ended in the middle of a row');
}

const TO_ESCAPE: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * A value as COPY's text format reads it (copyField's inverse): null as `\N`; a backslash, tab,
 * newline or carriage return escaped, every other character as it is.
 */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (character) => TO_ESCAPE[character])
    : value;
}

/**
 * `COPY … FROM STDIN` in text format on the client's connection (inside its transaction, if it
 * has one): each chunk is rows of copyText fields joined by tabs, each row ending in a newline.
 * The statement is sent before the first chunk is made; once PostgreSQL has answered it, each
 * chunk goes to the socket as soon as it is made, so PostgreSQL stores rows while the next ones
 * are made.
 */
export async function copyLines(
  client: Client,
  sql: string,
  chunks: Iterable<string>,
): Promise<void> {
  const copying = client.query(copyFrom(sql));
  const done = once(copying, 'finish');
  // Awaited below; a failure while writing rejects the race first.
  done.catch(() => undefined);
  let answered = false;
  for (const chunk of chunks) {
    if (!answered) {
      // The stream holds what is written until PostgreSQL answers the statement.
      answered = true;
      const written = new Promise<void>((resolve, reject) =>
        copying.write(chunk, (error) => (error ? reject(error) : resolve())),
      );
      await Promise.race([written, done]);
    } else if (!copying.write(chunk)) await Promise.race([once(copying, 'drain'), done]);
  }
  copying.end();
  await done;
}
