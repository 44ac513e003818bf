import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { AuditLog } from './audit-log';
import { streamAuditEvents, type AuditFilters } from './audit-query';
import type { CheckpointRow, EventRow } from './audit-verifier';

export type ExportFormat = 'jsonl' | 'csv';

export const EXPORT_KIND = 'baocao-gateway/audit-export@1';

const CSV_COLUMNS: Array<keyof EventRow> = [
  'seq',
  'occurred_at',
  'actor',
  'action',
  'unit_code',
  'form_code',
  'period_id',
  'transfer_id',
  'outcome',
  'request_sha256',
  'response_sha256',
  'bodies',
  'reason',
  'details',
  'prev_hash',
  'hash',
];

function csvCell(value: EventRow[keyof EventRow]): string {
  if (value === null) return '';
  const text =
    typeof value === 'string'
      ? value
      : value instanceof Date || typeof value === 'number'
        ? new Date(value).toISOString()
        : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function write(output: Writable, text: string): Promise<void> {
  if (!output.write(text)) await once(output, 'drain');
}

/**
 * Streams the events matching the filters, in chain order, to `output`. First the head is
 * chained and signed, so the export carries the checkpoint it verifies against; the export is
 * itself an audit event. JSON Lines: a header line (filters, checkpoint), one line per event, a
 * trailer line with the count. CSV: a header row, one row per event; the checkpoint goes in a
 * separate JSON line at the top, prefixed by "#".
 */
export async function exportAudit(
  dataSource: DataSource,
  log: AuditLog,
  options: { format: ExportFormat; filters: AuditFilters; output: Writable; actor: string },
): Promise<{ events: number; checkpoint: CheckpointRow | null }> {
  await log.checkpoint();
  const [checkpoint] = await dataSource.query<CheckpointRow[]>(
    'SELECT seq, hash, signed_at, key_id, public_key, signature FROM audit_checkpoint ORDER BY seq DESC LIMIT 1',
  );
  const header = {
    kind: EXPORT_KIND,
    exportedAt: new Date().toISOString(),
    filters: options.filters,
    complete: Object.values(options.filters).every((value) => value === undefined),
    checkpoint: checkpoint ?? null,
  };
  const { format, output } = options;
  await write(
    output,
    format === 'jsonl'
      ? `${JSON.stringify(header)}\n`
      : `# ${JSON.stringify(header)}\n${CSV_COLUMNS.join(',')}\n`,
  );
  let events = 0;
  for await (const row of streamAuditEvents(dataSource, options.filters)) {
    if (checkpoint && BigInt(row.seq) > BigInt(checkpoint.seq)) break;
    events += 1;
    await write(
      output,
      format === 'jsonl'
        ? `${JSON.stringify(row)}\n`
        : `${CSV_COLUMNS.map((column) => csvCell(row[column])).join(',')}\n`,
    );
  }
  if (format === 'jsonl') await write(output, `${JSON.stringify({ kind: 'end', events })}\n`);
  await log.record({
    actor: options.actor,
    action: 'audit.export',
    outcome: 'ok',
    details: { format, filters: options.filters, events, checkpointSeq: checkpoint?.seq ?? null },
  });
  await log.flush();
  return { events, checkpoint: checkpoint ?? null };
}
