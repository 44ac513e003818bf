import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { connectionOf } from './copy-rows';

export const BACKUP_FORMAT = 'baocao-gateway/backup@1';

/** The gateway's tables not copied: the migration record (restore migrates) and derived ones. */
const SKIPPED = new Set(['typeorm_migrations']);

export interface BackupHeader {
  format: string;
  takenAt: string;
  migrations: string[];
  tables: Array<{ name: string; rows: number }>;
}

/** Tables of the public schema in an order that satisfies their foreign keys. */
async function tablesInOrder(client: Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string; refers: string[] | null }>(
    `SELECT c.relname AS name,
            array_agg(DISTINCT r.relname) FILTER (WHERE r.relname IS NOT NULL AND r.relname <> c.relname) AS refers
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
       LEFT JOIN pg_class r ON r.oid = k.confrelid
      WHERE c.relkind = 'r'
      GROUP BY c.relname ORDER BY c.relname`,
  );
  const ordered: string[] = [];
  const pending = new Map(rows.map((row) => [row.name, new Set(row.refers ?? [])]));
  while (pending.size) {
    const ready = [...pending].filter(([, refers]) =>
      [...refers].every((name) => !pending.has(name)),
    );
    if (!ready.length) throw new Error('the tables refer to each other in a cycle');
    for (const [name] of ready) {
      ordered.push(name);
      pending.delete(name);
    }
  }
  return ordered.filter((name) => !SKIPPED.has(name));
}

/**
 * A consistent backup of a (possibly running) gateway's database into one gzip file: a header
 * line, then each table's rows as PostgreSQL COPY text, all read in one REPEATABLE READ snapshot.
 * The job queue (schema pgboss) is not kept: it is derived, and a restored gateway enqueues what
 * is due again from the transfers.
 */
export async function backupDatabase(url: string, file: string): Promise<BackupHeader> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const gzip = createGzip();
  const written = pipeline(gzip, createWriteStream(file, { mode: 0o600 }));
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const tables = await tablesInOrder(client);
    const { rows: migrations } = await client.query<{ name: string }>(
      'SELECT name FROM typeorm_migrations ORDER BY id',
    );
    const counted: BackupHeader['tables'] = [];
    for (const name of tables) {
      const { rows } = await client.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM "${name}"`,
      );
      counted.push({ name, rows: Number(rows[0].count) });
    }
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      takenAt: new Date().toISOString(),
      migrations: migrations.map((row) => row.name),
      tables: counted,
    };
    gzip.write(`${JSON.stringify(header)}\n`);
    for (const { name } of counted) {
      gzip.write(`\\table ${name}\n`);
      const stream = client.query(copyTo(`COPY "${name}" TO STDOUT`));
      for await (const chunk of stream) if (!gzip.write(chunk)) await once(gzip, 'drain');
      gzip.write('\\.\n');
    }
    await client.query('COMMIT');
    gzip.end();
    await written;
    return header;
  } catch (error) {
    gzip.destroy();
    await written.catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

export class RestoreError extends Error {}

/**
 * Restores a backup into a database the gateway has just migrated (and nothing else wrote to):
 * the migrations must be the ones the backup was taken at; each table's rows are copied in, in
 * one transaction, in the order their foreign keys need (rows are only inserted, so the audit
 * trail's append-only triggers stand), and the sequences are set past what was restored.
 */
export async function restoreDatabase(dataSource: DataSource, file: string): Promise<BackupHeader> {
  const lines = createInterface({
    input: createReadStream(file).pipe(createGunzip()),
    crlfDelay: Infinity,
  });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const header = JSON.parse(first.value as string) as BackupHeader;
  if (header.format !== BACKUP_FORMAT)
    throw new RestoreError(`${file} không phải bản sao lưu của cổng (${BACKUP_FORMAT})`);
  const applied = (
    await dataSource.query<Array<{ name: string }>>(
      'SELECT name FROM typeorm_migrations ORDER BY id',
    )
  ).map((row) => row.name);
  if (applied.join() !== header.migrations.join())
    throw new RestoreError(
      `Bản sao lưu có ${header.migrations.length} migration, cơ sở dữ liệu đích có ${applied.length}: hãy khôi phục bằng đúng phiên bản cổng đã sao lưu`,
    );
  for (const { name } of header.tables) {
    const [row] = await dataSource.query<Array<{ any: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM "${name}") AS any`,
    );
    if (row.any)
      throw new RestoreError(
        `Bảng ${name} của cơ sở dữ liệu đích đã có dữ liệu: chỉ khôi phục vào cơ sở dữ liệu mới`,
      );
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const client = connectionOf(runner);
  try {
    await client.query('BEGIN');
    let copying: ReturnType<typeof copyFrom> | undefined;
    let done: Promise<void> | undefined;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const line = next.value;
      if (!copying) {
        const match = /^\\table (\w+)$/.exec(line);
        if (!match) throw new RestoreError(`Bản sao lưu hỏng gần dòng: ${line.slice(0, 60)}`);
        copying = client.query(copyFrom(`COPY "${match[1]}" FROM STDIN`));
        done = once(copying, 'finish').then(() => undefined);
        continue;
      }
      if (line === '\\.') {
        copying.end();
        await done;
        copying = undefined;
        continue;
      }
      if (!copying.write(`${line}\n`)) await once(copying, 'drain');
    }
    if (copying) throw new RestoreError('Bản sao lưu bị cắt giữa chừng');
    // Sequences past the rows restored.
    const sequences = await client.query<{ table: string; column: string; sequence: string }>(
      `SELECT t.relname AS table, a.attname AS column, s.relname AS sequence
         FROM pg_depend d
         JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
         JOIN pg_class t ON t.oid = d.refobjid
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
         JOIN pg_namespace n ON n.oid = s.relnamespace AND n.nspname = 'public'`,
    );
    for (const row of sequences.rows)
      await client.query(
        `SELECT setval('"${row.sequence}"', GREATEST((SELECT max("${row.column}") FROM "${row.table}"), 1))`,
      );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
    lines.close();
  }
  return header;
}
