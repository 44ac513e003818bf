import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { copyBinaryRows } from '../database/copy-out';
import { copyField, copyRows } from '../database/copy-rows';
import { readingStream } from '../database/reading-socket';
import {
  canonicalText,
  DETAILS_KEY,
  eventHash,
  GENESIS_HASH,
  type ChainedContent,
} from './audit-chain';
import { verifyCheckpointSignature } from './audit-signer';
import { ChainBytes } from './chain-bytes';

export interface EventRow {
  seq: string;
  /** An instant: ISO 8601 text, a Date, or milliseconds since the epoch. */
  occurred_at: Date | string | number;
  actor: string;
  action: string;
  unit_code: string | null;
  form_code: string | null;
  period_id: string | null;
  transfer_id: string | null;
  outcome: string;
  request_sha256: string | null;
  response_sha256: string | null;
  /** Canonical JSON text as stored, or the object (an export file, the API). */
  bodies: string | Record<string, unknown> | null;
  reason: string | null;
  details: string | Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

export interface CheckpointRow {
  seq: string;
  hash: string;
  signed_at: Date | string;
  key_id: string;
  public_key: string;
  signature: string;
}

export type VerifyResult =
  | {
      ok: true;
      events: number;
      from: string;
      head: { seq: string; hash: string } | null;
      checkpointsChecked: number;
      lastCheckpoint: string | null;
    }
  | { ok: false; seq: string; code: ChainProblem; reason: string; events: number };

/** The reason given for an event whose hash does not match what it holds. */
export const alteredReason = (seq: string | number | bigint): string =>
  `Nội dung sự kiện ${seq} đã bị sửa: mã băm không khớp với nội dung`;

/** Why a chain does not verify: a stable code beside the Vietnamese reason. */
export type ChainProblem =
  | 'CHECKPOINT_KEY_UNTRUSTED'
  | 'CHECKPOINT_SIGNATURE_INVALID'
  | 'EVENT_MISSING'
  | 'EVENT_OUT_OF_ORDER'
  | 'EVENT_LINK_BROKEN'
  | 'EVENT_ALTERED'
  | 'CHECKPOINT_MISMATCH'
  | 'EVENTS_REMOVED';

/** An event's content columns, bodies and details read through `stored` (as kept, or as JSON). */
const contentColumns = (stored: (column: 'bodies' | 'details') => string) =>
  `actor, action, unit_code, form_code, period_id, transfer_id, outcome, request_sha256,
  response_sha256, ${stored('bodies')}, reason, ${stored('details')}, prev_hash, hash`;

/** The content columns for people: bodies and details (kept as canonical text) as JSON objects. */
export const CONTENT_AS_JSON = contentColumns((column) => `${column}::json AS ${column}`);

/**
 * An event's columns for people (the API, exports, archives): the instant in ISO 8601 with
 * milliseconds as hashed, bodies and details as JSON objects.
 */
export const EVENT_COLUMNS = `seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, ${CONTENT_AS_JSON}`;

const canonical = (value: string | Record<string, unknown> | null): string | null =>
  typeof value === 'string' ? value : canonicalText(value);

export function contentOf(row: EventRow): ChainedContent {
  return {
    seq: String(row.seq),
    occurredAt:
      typeof row.occurred_at === 'string'
        ? row.occurred_at
        : new Date(row.occurred_at).toISOString(),
    actor: row.actor,
    action: row.action,
    unitCode: row.unit_code,
    formCode: row.form_code,
    periodId: row.period_id,
    transferId: row.transfer_id,
    outcome: row.outcome,
    requestSha256: row.request_sha256,
    responseSha256: row.response_sha256,
    bodies: canonical(row.bodies),
    reason: row.reason,
    details: canonical(row.details),
  };
}

const holdsDetailsKey = (value: string | Record<string, unknown> | null): boolean =>
  typeof value === 'string' && value.includes(DETAILS_KEY);

/** Whether bodies or details kept as text is anything but one JSON value. */
function notOneJsonValue(value: string | Record<string, unknown> | null): boolean {
  if (typeof value !== 'string') return false;
  try {
    JSON.parse(value);
    return false;
  } catch {
    return true;
  }
}

/**
 * Recomputes the chain, one event after the other, and checks the signed checkpoints against it.
 * Works on any source of rows in seq order (the database, an export file), so the offline
 * verifier and the database one are the same code.
 */
export class ChainVerifier {
  private expectedSeq: bigint;
  private prevHash: string;
  private events = 0;
  /** The last event accepted (kept as its row, so accepting an event makes no object of its own). */
  private last: { seq: string; hash: string } | null = null;
  private readonly checkpoints: Map<string, CheckpointRow>;
  private checkpointsChecked = 0;
  failure?: { seq: string; code: ChainProblem; reason: string };

  constructor(
    checkpoints: CheckpointRow[],
    private readonly trustedKeys: string[],
    start: { seq: string; hash: string } = { seq: '0', hash: GENESIS_HASH },
  ) {
    this.expectedSeq = BigInt(start.seq) + 1n;
    this.prevHash = start.hash;
    this.checkpoints = new Map(
      checkpoints.map((checkpoint) => [String(checkpoint.seq), checkpoint]),
    );
    for (const checkpoint of checkpoints) {
      const problem = this.checkpointProblem(checkpoint);
      if (problem) {
        this.failure = { seq: String(checkpoint.seq), ...problem };
        break;
      }
    }
  }

  private checkpointProblem(
    checkpoint: CheckpointRow,
  ): { code: ChainProblem; reason: string } | undefined {
    if (!this.trustedKeys.includes(normalisePem(checkpoint.public_key)))
      return {
        code: 'CHECKPOINT_KEY_UNTRUSTED',
        reason: `Điểm kiểm tra tại sự kiện ${checkpoint.seq} được ký bằng khóa ${checkpoint.key_id}, không phải khóa được tin cậy`,
      };
    const statement = {
      seq: String(checkpoint.seq),
      hash: checkpoint.hash,
      signedAt: new Date(checkpoint.signed_at).toISOString(),
      keyId: checkpoint.key_id,
    };
    if (!verifyCheckpointSignature(statement, checkpoint.signature, checkpoint.public_key))
      return {
        code: 'CHECKPOINT_SIGNATURE_INVALID',
        reason: `Chữ ký của điểm kiểm tra tại sự kiện ${checkpoint.seq} không hợp lệ: điểm kiểm tra đã bị sửa`,
      };
    return undefined;
  }

  /** Feeds the next row; false once a fault is found (then `failure` says which and why). */
  accept(row: EventRow): boolean {
    if (this.failure) return false;
    const seq = BigInt(row.seq);
    if (seq !== this.expectedSeq) {
      this.failure =
        seq > this.expectedSeq
          ? {
              seq: this.expectedSeq.toString(),
              code: 'EVENT_MISSING',
              reason: `Thiếu sự kiện ${this.expectedSeq}: sự kiện tiếp theo còn lại là ${seq}`,
            }
          : {
              seq: String(row.seq),
              code: 'EVENT_OUT_OF_ORDER',
              reason: `Sự kiện ${seq} sai thứ tự hoặc lặp lại (cần sự kiện ${this.expectedSeq})`,
            };
      return false;
    }
    if (row.prev_hash !== this.prevHash) {
      this.failure = {
        seq: String(row.seq),
        code: 'EVENT_LINK_BROKEN',
        reason: `Sự kiện ${seq} không nối với sự kiện trước nó: prev_hash khác mã băm của sự kiện đó`,
      };
      return false;
    }
    const recomputed = eventHash(this.prevHash, contentOf(row));
    if (recomputed !== row.hash) {
      this.failure = {
        seq: String(row.seq),
        code: 'EVENT_ALTERED',
        reason: alteredReason(seq),
      };
      return false;
    }
    // Bytes moved between bodies and details at DETAILS_KEY hash alike; where either holds it,
    // each must still be one JSON value (parsed only then, as the byte path does).
    const misshapen =
      holdsDetailsKey(row.bodies) || holdsDetailsKey(row.details)
        ? (['bodies', 'details'] as const).find((field) => notOneJsonValue(row[field]))
        : undefined;
    if (misshapen) {
      this.failure = {
        seq: String(row.seq),
        code: 'EVENT_ALTERED',
        reason: `Nội dung sự kiện ${seq} đã bị sửa: ${misshapen} không còn là một giá trị JSON`,
      };
      return false;
    }
    const checkpoint = this.checkpoints.get(String(row.seq));
    if (checkpoint) {
      if (checkpoint.hash !== row.hash) {
        this.failure = {
          seq: String(row.seq),
          code: 'CHECKPOINT_MISMATCH',
          reason: `Sự kiện ${seq} khác với điểm kiểm tra có ký của nó: chuỗi đã bị viết lại từ đây hoặc trước đó`,
        };
        return false;
      }
      this.checkpointsChecked += 1;
    }
    this.prevHash = row.hash;
    this.expectedSeq = seq + 1n;
    this.events += 1;
    this.last = row;
    return true;
  }

  /** The seqs of the checkpoints this verifier checks events against. */
  get signedSeqs(): Iterable<string> {
    return this.checkpoints.keys();
  }

  /** Where the check stands: the seq expected next and the hash it must link to. */
  get position(): { next: bigint; prevHash: string } {
    return { next: this.expectedSeq, prevHash: this.prevHash };
  }

  /**
   * Events the caller has checked itself, exactly as accept would (ChainBytes, from the bytes of
   * a binary COPY): the chain moves on past them, to the last one's seq and hash.
   */
  passed(events: number, seq: string, hash: string): void {
    if (this.failure) throw new Error('events passed after a fault was found');
    this.events += events;
    this.expectedSeq = BigInt(seq) + 1n;
    this.prevHash = hash;
    this.last = { seq, hash };
  }

  /**
   * Ends the check. `through`, when given, is the last event this verifier was due to see: a
   * segment of a parallel verification must reach its end, or the events up to it are missing.
   */
  finish(from: string, through?: string): VerifyResult {
    if (!this.failure && through !== undefined && this.expectedSeq <= BigInt(through)) {
      this.failure = {
        seq: this.expectedSeq.toString(),
        code: 'EVENT_MISSING',
        reason: `Thiếu sự kiện ${this.expectedSeq}: nhật ký nhảy tới một sự kiện sau`,
      };
    }
    if (!this.failure) {
      const beyond = [...this.checkpoints.keys()]
        .map(BigInt)
        .filter((seq) => seq >= this.expectedSeq)
        .sort((a, b) => (a < b ? -1 : 1));
      if (beyond.length) {
        this.failure = {
          seq: this.expectedSeq.toString(),
          code: 'EVENTS_REMOVED',
          reason: `Nhật ký dừng ở sự kiện ${this.expectedSeq - 1n} nhưng một điểm kiểm tra có ký bao tới sự kiện ${beyond[beyond.length - 1]}: các sự kiện sau ${this.expectedSeq - 1n} đã bị xóa`,
        };
      }
    }
    if (this.failure) return { ok: false, ...this.failure, events: this.events };
    const signed = [...this.checkpoints.keys()].map(BigInt).sort((a, b) => (a < b ? -1 : 1));
    return {
      ok: true,
      events: this.events,
      from,
      head: this.last && { seq: String(this.last.seq), hash: this.last.hash },
      checkpointsChecked: this.checkpointsChecked,
      lastCheckpoint: signed.length ? signed[signed.length - 1].toString() : null,
    };
  }
}

export function normalisePem(pem: string): string {
  return pem.replace(/\r/g, '').trim();
}

/**
 * Verifies the chain in the database from the start, or from the latest signed checkpoint
 * (trusting it once its signature verifies). Streams the events: memory stays flat.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  options: {
    trustedKeys: string[];
    fromCheckpoint?: boolean;
    /** Segments verified side by side (default: half the cores, at most 4; see planSegments). */
    parallel?: number;
    /** The fewest events a segment is worth (default 200,000). */
    minSegment?: number;
    /** How segments read the events (default: binary where the database keeps UTF-8). */
    reading?: SegmentReading;
  },
): Promise<VerifyResult> {
  const checkpoints = await dataSource.query<CheckpointRow[]>(
    'SELECT seq, hash, signed_at, key_id, public_key, signature FROM audit_checkpoint ORDER BY seq',
  );
  const trusted = options.trustedKeys.map(normalisePem);
  // Events moved to archive files by the retention path: the chain in the database goes on from
  // the last archive's final hash (the files are verified on their own, see verifyExportFile).
  const [archive] = await dataSource.query<Array<{ to_seq: string; end_hash: string }>>(
    'SELECT to_seq, end_hash FROM audit_archive ORDER BY to_seq DESC LIMIT 1',
  );
  let start = archive
    ? { seq: String(archive.to_seq), hash: archive.end_hash }
    : { seq: '0', hash: GENESIS_HASH };
  for (const checkpoint of checkpoints.filter(
    (candidate) => BigInt(candidate.seq) <= BigInt(start.seq),
  )) {
    const probe = new ChainVerifier([checkpoint], trusted);
    if (probe.failure) return { ok: false, ...probe.failure, events: 0 };
  }
  if (
    options.fromCheckpoint &&
    checkpoints.length &&
    BigInt(checkpoints[checkpoints.length - 1].seq) > BigInt(start.seq)
  ) {
    const latest = checkpoints[checkpoints.length - 1];
    const probe = new ChainVerifier([latest], trusted);
    if (probe.failure) return { ok: false, ...probe.failure, events: 0 };
    const present = await dataSource.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM audit_event WHERE seq = $1`,
      [latest.seq],
    );
    if (!present.length || present[0].hash !== latest.hash) {
      return {
        ok: false,
        seq: String(latest.seq),
        code: 'CHECKPOINT_MISMATCH',
        reason: `Sự kiện ${latest.seq} không còn khớp với điểm kiểm tra có ký của nó`,
        events: 0,
      };
    }
    start = { seq: String(latest.seq), hash: latest.hash };
  }
  const later = checkpoints.filter((checkpoint) => BigInt(checkpoint.seq) > BigInt(start.seq));
  const [{ last }] = await dataSource.query<Array<{ last: string | null }>>(
    'SELECT max(seq)::text AS last FROM audit_event',
  );
  const segments = planSegments(start.seq, last ?? start.seq, options);
  const url = connectionUrl(dataSource);
  if (segments.length === 1) {
    return verifySegment(url, {
      start,
      checkpoints: later,
      trustedKeys: trusted,
      reading: options.reading,
    });
  }
  // Each later segment starts from the hash stored at its boundary; the segment before it
  // recomputes that very hash, so the chain is still checked link by link across boundaries.
  const boundaries = segments.slice(1).map((segment) => segment.after);
  const stored = new Map(
    (
      await dataSource.query<Array<{ seq: string; hash: string }>>(
        'SELECT seq::text AS seq, hash FROM audit_event WHERE seq = ANY($1::bigint[])',
        [boundaries],
      )
    ).map((row) => [row.seq, row.hash]),
  );
  const results = await Promise.all(
    segments.map((segment, index) => {
      const final = index === segments.length - 1;
      const jobStart =
        index === 0 ? start : { seq: segment.after, hash: stored.get(segment.after) ?? '' };
      if (index > 0 && !stored.has(segment.after)) {
        return Promise.resolve<VerifyResult>({
          ok: false,
          seq: segment.after,
          code: 'EVENT_MISSING',
          reason: `Thiếu sự kiện ${segment.after}`,
          events: 0,
        });
      }
      const job: SegmentJob = {
        start: jobStart,
        through: final ? undefined : segment.through,
        checkpoints: later.filter(
          (checkpoint) =>
            BigInt(checkpoint.seq) > BigInt(segment.after) &&
            (final || BigInt(checkpoint.seq) <= BigInt(segment.through)),
        ),
        trustedKeys: trusted,
        reading: options.reading,
      };
      // The first segment runs here, the others in worker threads; each reads on its own connection.
      return index === 0 ? verifySegment(url, job) : verifyInWorker(url, job);
    }),
  );
  return combineSegments(results, start.seq);
}

export interface SegmentJob {
  start: { seq: string; hash: string };
  /** The last event the segment must reach; none for the final segment, which runs to the end. */
  through?: string;
  checkpoints: CheckpointRow[];
  trustedKeys: string[];
  /** How the segment reads its events (default: binary where the database keeps UTF-8). */
  reading?: SegmentReading;
}

/**
 * The columns the verifier reads, as stored: bodies and details as the canonical text the hash
 * covers (nothing parsed, nothing written out again); the instant as PostgreSQL writes it in UTC
 * (see isoMillis).
 */
const VERIFY_COLUMNS = `seq, occurred_at, ${contentColumns((column) => column)}`;

/**
 * The segment's events in seq order, through COPY, in the binary format (ChainBytes reads it) or
 * as text, split into fields by the gateway (a million rows in 3.9 to 5.1 s, against 5.8 to 7.2 s
 * read as query results; docs/audit.md). Sorting is ruled out so the rows come by walking the
 * primary key, whatever the statistics say.
 */
function segmentCopy(job: SegmentJob, binary: boolean): string {
  const after = BigInt(job.start.seq);
  const through = job.through === undefined ? '' : ` AND seq <= ${BigInt(job.through)}`;
  const format = binary ? ' (FORMAT binary)' : '';
  return `COPY (SELECT ${VERIFY_COLUMNS} FROM audit_event WHERE seq > ${after}${through} ORDER BY seq) TO STDOUT${format}`;
}

const READING_SETTINGS = `SET enable_sort = off; SET TimeZone = 'UTC'; SET DateStyle = 'ISO'`;

/**
 * An instant as PostgreSQL writes a timestamptz in UTC with DateStyle ISO
 * ('2026-11-28 03:51:53.88+00') to the ISO 8601 form with milliseconds the hash covers; the
 * microseconds beyond are cut, as when the event was chained.
 */
export function isoMillis(text: string): string {
  if (text.length < 22 || text[10] !== ' ' || !text.endsWith('+00')) {
    return new Date(text).toISOString();
  }
  const fraction = text[19] === '.' ? `${text.slice(20, text.length - 3)}00`.slice(0, 3) : '000';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
}

function eventOf(fields: string[]): EventRow {
  return {
    seq: fields[0],
    occurred_at: isoMillis(fields[1]),
    actor: copyField(fields[2])!,
    action: copyField(fields[3])!,
    unit_code: copyField(fields[4]),
    form_code: copyField(fields[5]),
    period_id: copyField(fields[6]),
    transfer_id: copyField(fields[7]),
    outcome: copyField(fields[8])!,
    request_sha256: copyField(fields[9]),
    response_sha256: copyField(fields[10]),
    bodies: copyField(fields[11]),
    reason: copyField(fields[12]),
    details: copyField(fields[13]),
    prev_hash: fields[14],
    hash: fields[15],
  };
}

/**
 * How a segment reads its events: 'binary' (the bytes checked as they arrive, ChainBytes) where
 * the database keeps text in UTF-8, as the hash covers it; 'text' otherwise (PostgreSQL converts
 * text COPY to the client's UTF-8, not binary), or when asked.
 */
export type SegmentReading = 'binary' | 'text';

/**
 * Feeds the segment's events to the verifier through binary COPY, each checked from its bytes
 * where it can be (ChainBytes), the others as rows. Answers the ChainBytes, which counts what it
 * took from bytes alone.
 */
export async function readBinarySegment(
  client: Client,
  job: SegmentJob,
  verifier: ChainVerifier,
): Promise<ChainBytes> {
  const bytes = new ChainBytes(verifier);
  await copyBinaryRows(client, segmentCopy(job, true), (data, starts, ends, fields) =>
    bytes.accept(data, starts, ends, fields),
  );
  bytes.tell();
  return bytes;
}

/** Verifies one run of the chain on a connection of its own. */
export async function verifySegment(url: string, job: SegmentJob): Promise<VerifyResult> {
  const verifier = new ChainVerifier(job.checkpoints, job.trustedKeys, job.start);
  const client = new Client({
    connectionString: url,
    application_name: 'baocao-gateway audit verify',
    stream: readingStream,
  });
  await client.connect();
  try {
    await client.query(READING_SETTINGS);
    const [{ server_encoding: encoding }] = (
      await client.query<{ server_encoding: string }>('SHOW server_encoding')
    ).rows;
    if ((job.reading ?? 'binary') === 'binary' && encoding === 'UTF8') {
      await readBinarySegment(client, job, verifier);
      return verifier.finish(job.start.seq, job.through);
    }
    for await (const rows of copyRows(client, segmentCopy(job, false))) {
      for (const fields of rows) {
        if (!verifier.accept(eventOf(fields))) return verifier.finish(job.start.seq, job.through);
      }
    }
    return verifier.finish(job.start.seq, job.through);
  } finally {
    // Also mid-COPY, when a fault ended the reading early: the connection goes with it.
    await client.end();
  }
}

/** The events of a verification, split into segments verified side by side. */
export function planSegments(
  after: string,
  last: string,
  options: { parallel?: number; minSegment?: number },
): Array<{ after: string; through: string }> {
  const from = BigInt(after);
  const span = BigInt(last) - from;
  const minSegment = BigInt(options.minSegment ?? 200_000);
  // A segment keeps two cores busy: PostgreSQL writing the rows and a thread hashing them.
  const wanted = BigInt(
    Math.max(1, options.parallel ?? Math.min(4, Math.floor(availableParallelism() / 2))),
  );
  let parts = span / minSegment < wanted ? span / minSegment : wanted;
  if (parts < 1n) parts = 1n;
  const segments: Array<{ after: string; through: string }> = [];
  for (let index = 0n; index < parts; index++) {
    const lo = from + (span * index) / parts;
    const hi = index === parts - 1n ? BigInt(last) : from + (span * (index + 1n)) / parts;
    segments.push({ after: lo.toString(), through: hi.toString() });
  }
  return segments;
}

/** One verdict from segments in chain order: the first failure is the first bad event. */
function combineSegments(results: VerifyResult[], from: string): VerifyResult {
  let events = 0;
  let checkpointsChecked = 0;
  for (const result of results) {
    events += result.events;
    if (!result.ok) return { ...result, events };
    checkpointsChecked += result.checkpointsChecked;
  }
  const last = results[results.length - 1];
  const lastCheckpoint = [...results]
    .reverse()
    .map((result) => (result.ok ? result.lastCheckpoint : null))
    .find((seq) => seq !== null);
  return {
    ok: true,
    events,
    from,
    head: last.ok ? last.head : null,
    checkpointsChecked,
    lastCheckpoint: lastCheckpoint ?? null,
  };
}

/** The database URL a connection of its own (COPY, a worker) is opened with. */
export function connectionUrl(dataSource: DataSource): string {
  const url = (dataSource.options as { url?: string }).url;
  if (!url) throw new Error('a connection of its own needs the database URL');
  return url;
}

/** Runs a segment in a worker thread with its own connection. */
function verifyInWorker(url: string, job: SegmentJob): Promise<VerifyResult> {
  const compiled = __filename.endsWith('.js');
  const worker = new Worker(path.join(__dirname, `audit-verify-worker.${compiled ? 'js' : 'ts'}`), {
    workerData: { url, job },
    execArgv: compiled ? [] : ['--require', 'ts-node/register/transpile-only'],
  });
  return new Promise<VerifyResult>((resolve, reject) => {
    worker.once('message', (message: { result?: VerifyResult; error?: string }) => {
      if (message.result) resolve(message.result);
      else reject(new Error(message.error ?? 'the audit verification worker failed'));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the audit verification worker exited with code ${code}`));
    });
  });
}
