import { once } from 'node:events';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { AuditLog } from './audit-log';
import { filterClause, streamAuditEvents, type AuditFilters } from './audit-query';
import { connectionUrl, type CheckpointRow, type EventRow } from './audit-verifier';

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
  const through = checkpoint ? String(checkpoint.seq) : undefined;
  if (format === 'jsonl') {
    // PostgreSQL writes each line; the bytes go from its COPY stream to the output as they come,
    // so the gateway holds a chunk at a time whatever the count.
    events = await copyEventLines(dataSource, options.filters, through, output);
  } else {
    for await (const row of streamAuditEvents(dataSource, options.filters, 1000)) {
      if (through !== undefined && BigInt(row.seq) > BigInt(through)) break;
      events += 1;
      await write(output, `${CSV_COLUMNS.map((column) => csvCell(row[column])).join(',')}\n`);
    }
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

/** An instant as JSON.stringify writes a Date: ISO 8601 in UTC with milliseconds. */
const isoOf = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One event as a line of the export, in the columns and order of an API page (queryAuditPage):
 * seq as text, instants as JSON dates, bodies and details as the canonical JSON kept. row_to_json
 * writes it compact, as JSON.stringify does.
 */
const EVENT_LINE = `row_to_json(line) FROM audit_event CROSS JOIN LATERAL (SELECT seq::text AS seq,
  ${isoOf('occurred_at')} AS occurred_at, ${isoOf('chained_at')} AS chained_at, actor, action,
  unit_code, form_code, period_id, transfer_id, outcome, request_sha256, response_sha256,
  bodies::json AS bodies, reason, details::json AS details, prev_hash, hash) AS line`;

/**
 * The export's event lines in chain order, up to `through`, copied from PostgreSQL to `output`
 * (left open for the trailer); returns how many. COPY takes no parameters, so the filters' values
 * go in as quoted literals. CSV format with control characters as quote and delimiter leaves the
 * JSON text as it is: JSON never holds a raw control character, so nothing is quoted or escaped.
 */
async function copyEventLines(
  dataSource: DataSource,
  filters: AuditFilters,
  through: string | undefined,
  output: Writable,
): Promise<number> {
  const client = new Client({
    connectionString: connectionUrl(dataSource),
    application_name: 'baocao-gateway audit export',
  });
  await client.connect();
  try {
    // The rows come by walking the primary key as they are read, never sorted first.
    await client.query('SET enable_sort = off');
    const parameters: unknown[] = [];
    const where = filterClause(filters, parameters, 'audit_event');
    const upTo =
      through === undefined ? '' : ` AND audit_event.seq <= $${parameters.push(through)}`;
    const select = `SELECT ${EVENT_LINE} WHERE ${where}${upTo} ORDER BY audit_event.seq`;
    const stream = client.query(
      copyTo(
        `COPY (${inline(select, parameters, client)}) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')`,
      ),
    );
    let events = 0;
    // Counting in the pipeline keeps its back-pressure: a 'data' listener would let the rows flow
    // faster than the output takes them.
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) events += 1;
        done(null, chunk);
      },
    });
    await pipeline(stream, counting, output, { end: false });
    return events;
  } finally {
    await client.end();
  }
}

/** A statement with its $n placeholders replaced by the values, quoted as literals. */
function inline(sql: string, parameters: unknown[], client: Client): string {
  const literal = (value: unknown): string =>
    value instanceof Date
      ? `${client.escapeLiteral(value.toISOString())}::timestamptz`
      : Array.isArray(value)
        ? `ARRAY[${value.map(literal).join(',')}]::text[]`
        : client.escapeLiteral(String(value));
  return sql.replace(/\$(\d+)/g, (_, index: string) => literal(parameters[Number(index) - 1]));
}
