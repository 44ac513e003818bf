import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { EXPORT_KIND } from './audit-export';
import type { AuditLog } from './audit-log';
import { EVENT_COLUMNS, type CheckpointRow, type EventRow } from './audit-verifier';

export interface ArchiveOutcome {
  archiveId: string;
  fromSeq: string;
  toSeq: string;
  events: number;
  file: string;
  fileSha256: string;
}

/**
 * Retention: moves the oldest events, those that occurred before `before` and are covered by a
 * signed checkpoint, to a JSON Lines file that keeps their links (the same format as a complete
 * export, starting from the first event's prev_hash), records the archive, and only then deletes
 * them, through the one path the database allows. The chain in the database goes on from the
 * archive's last hash, so verification works across the boundary.
 */
export async function archiveAudit(
  dataSource: DataSource,
  log: AuditLog,
  options: { before: Date; directory: string; actor: string },
): Promise<ArchiveOutcome | undefined> {
  await log.checkpoint();
  const [bounds] = await dataSource.query<
    Array<{ first: string | null; last_old: string | null; signed: string | null }>
  >(
    `SELECT (SELECT min(seq) FROM audit_event) AS first,
            coalesce((SELECT min(seq) - 1 FROM audit_event WHERE occurred_at >= $1), (SELECT max(seq) FROM audit_event)) AS last_old,
            (SELECT max(seq) FROM audit_checkpoint) AS signed`,
    [options.before],
  );
  if (!bounds.first || !bounds.last_old || !bounds.signed) return undefined;
  const toSeq = BigInt(bounds.last_old) < BigInt(bounds.signed) ? bounds.last_old : bounds.signed;
  const fromSeq = bounds.first;
  if (BigInt(toSeq) < BigInt(fromSeq)) return undefined;

  const archiveId = randomUUID();
  mkdirSync(options.directory, { recursive: true });
  const fileName = `audit-${fromSeq.padStart(12, '0')}-${toSeq.padStart(12, '0')}.jsonl`;
  const file = path.join(options.directory, fileName);
  const digest = createHash('sha256');
  const output = createWriteStream(file, { mode: 0o640 });
  const write = async (line: string) => {
    digest.update(line);
    if (!output.write(line)) await once(output, 'drain');
  };
  const checkpoints = await dataSource.query<CheckpointRow[]>(
    'SELECT seq, hash, signed_at, key_id, public_key, signature FROM audit_checkpoint WHERE seq <= $1 ORDER BY seq DESC LIMIT 1',
    [toSeq],
  );
  const [first] = await dataSource.query<Array<{ prev_hash: string }>>(
    'SELECT prev_hash FROM audit_event WHERE seq = $1',
    [fromSeq],
  );
  await write(
    `${JSON.stringify({ kind: EXPORT_KIND, archiveId, exportedAt: new Date().toISOString(), filters: {}, complete: true, start: { seq: (BigInt(fromSeq) - 1n).toString(), hash: first.prev_hash }, checkpoint: checkpoints[0] ?? null })}\n`,
  );
  let events = 0;
  let endHash = first.prev_hash;
  for (let after = (BigInt(fromSeq) - 1n).toString(); ;) {
    const rows = await dataSource.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM audit_event WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 5000`,
      [after, toSeq],
    );
    for (const row of rows) await write(`${JSON.stringify(row)}\n`);
    events += rows.length;
    if (rows.length === 0) break;
    after = rows[rows.length - 1].seq;
    endHash = rows[rows.length - 1].hash;
  }
  await write(`${JSON.stringify({ kind: 'end', events })}\n`);
  await new Promise<void>((resolve, reject) =>
    output.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  const fileSha256 = digest.digest('hex');

  await dataSource.transaction(async (manager) => {
    await manager.query(
      'INSERT INTO audit_archive (id, from_seq, to_seq, start_prev_hash, end_hash, file_name, file_sha256, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)',
      [archiveId, fromSeq, toSeq, first.prev_hash, endHash, fileName, fileSha256, options.actor],
    );
    await manager.query("SELECT set_config('baocao.audit_archive_id', $1, true)", [archiveId]);
    await manager.query('DELETE FROM audit_event WHERE seq BETWEEN $1 AND $2', [fromSeq, toSeq]);
    await log.record(
      {
        actor: options.actor,
        action: 'audit.archive',
        outcome: 'ok',
        details: { archiveId, fromSeq, toSeq, events, fileName, fileSha256 },
      },
      manager,
    );
  });
  await log.flush();
  return { archiveId, fromSeq, toSeq, events, file, fileSha256 };
}
