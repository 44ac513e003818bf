import type { DataSource } from 'typeorm';
import { eventHash, GENESIS_HASH, type ChainedContent } from './audit-chain';
import { verifyCheckpointSignature } from './audit-signer';

export interface EventRow {
  seq: string;
  occurred_at: Date | string;
  actor: string;
  action: string;
  unit_code: string | null;
  form_code: string | null;
  period_id: string | null;
  transfer_id: string | null;
  outcome: string;
  request_sha256: string | null;
  response_sha256: string | null;
  bodies: Record<string, unknown> | null;
  reason: string | null;
  details: Record<string, unknown> | null;
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
  | { ok: false; seq: string; reason: string; events: number };

/** The columns as the verifier reads them: the instant already in ISO 8601 with milliseconds, as hashed. */
export const EVENT_COLUMNS = `seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, actor, action, unit_code,
  form_code, period_id, transfer_id, outcome, request_sha256, response_sha256, bodies, reason, details, prev_hash, hash`;

export function contentOf(row: EventRow): ChainedContent {
  return {
    seq: String(row.seq),
    occurredAt:
      typeof row.occurred_at === 'string' ? row.occurred_at : row.occurred_at.toISOString(),
    actor: row.actor,
    action: row.action,
    unitCode: row.unit_code,
    formCode: row.form_code,
    periodId: row.period_id,
    transferId: row.transfer_id,
    outcome: row.outcome,
    requestSha256: row.request_sha256,
    responseSha256: row.response_sha256,
    bodies: row.bodies,
    reason: row.reason,
    details: row.details,
  };
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
  private head: { seq: string; hash: string } | null = null;
  private readonly checkpoints: Map<string, CheckpointRow>;
  private checkpointsChecked = 0;
  failure?: { seq: string; reason: string };

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
        this.failure = { seq: String(checkpoint.seq), reason: problem };
        break;
      }
    }
  }

  private checkpointProblem(checkpoint: CheckpointRow): string | undefined {
    if (!this.trustedKeys.includes(normalisePem(checkpoint.public_key)))
      return `checkpoint at event ${checkpoint.seq} is signed by key ${checkpoint.key_id}, which is not a trusted key`;
    const statement = {
      seq: String(checkpoint.seq),
      hash: checkpoint.hash,
      signedAt: new Date(checkpoint.signed_at).toISOString(),
      keyId: checkpoint.key_id,
    };
    if (!verifyCheckpointSignature(statement, checkpoint.signature, checkpoint.public_key))
      return `the signature of the checkpoint at event ${checkpoint.seq} does not verify: the checkpoint was altered`;
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
              reason: `event ${this.expectedSeq} is missing: the next event present is ${seq}`,
            }
          : {
              seq: String(row.seq),
              reason: `event ${seq} appears out of order or twice (expected ${this.expectedSeq})`,
            };
      return false;
    }
    if (row.prev_hash !== this.prevHash) {
      this.failure = {
        seq: String(row.seq),
        reason: `event ${seq} does not link to the event before it: prev_hash differs from that event's hash`,
      };
      return false;
    }
    const recomputed = eventHash(this.prevHash, contentOf(row));
    if (recomputed !== row.hash) {
      this.failure = {
        seq: String(row.seq),
        reason: `the content of event ${seq} was altered: its hash does not match what it holds`,
      };
      return false;
    }
    const checkpoint = this.checkpoints.get(String(row.seq));
    if (checkpoint) {
      if (checkpoint.hash !== row.hash) {
        this.failure = {
          seq: String(row.seq),
          reason: `event ${seq} differs from its signed checkpoint: the chain was rewritten from here or before`,
        };
        return false;
      }
      this.checkpointsChecked += 1;
    }
    this.prevHash = row.hash;
    this.expectedSeq = seq + 1n;
    this.events += 1;
    this.head = { seq: String(row.seq), hash: row.hash };
    return true;
  }

  finish(from: string): VerifyResult {
    if (!this.failure) {
      const beyond = [...this.checkpoints.keys()]
        .map(BigInt)
        .filter((seq) => seq >= this.expectedSeq)
        .sort((a, b) => (a < b ? -1 : 1));
      if (beyond.length) {
        this.failure = {
          seq: this.expectedSeq.toString(),
          reason: `the log ends at event ${this.expectedSeq - 1n} but a signed checkpoint covers event ${beyond[beyond.length - 1]}: events after ${this.expectedSeq - 1n} were removed`,
        };
      }
    }
    if (this.failure) return { ok: false, ...this.failure, events: this.events };
    const signed = [...this.checkpoints.keys()].map(BigInt).sort((a, b) => (a < b ? -1 : 1));
    return {
      ok: true,
      events: this.events,
      from,
      head: this.head,
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
 * (trusting it once its signature verifies). Reads in batches: memory stays flat.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  options: { trustedKeys: string[]; fromCheckpoint?: boolean; batchSize?: number },
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
        reason: `event ${latest.seq} no longer matches its signed checkpoint`,
        events: 0,
      };
    }
    start = { seq: String(latest.seq), hash: latest.hash };
  }
  const verifier = new ChainVerifier(
    checkpoints.filter((checkpoint) => BigInt(checkpoint.seq) > BigInt(start.seq)),
    trusted,
    start,
  );
  const batch = options.batchSize ?? 10_000;
  const fetch = (after: string) =>
    dataSource.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [after, batch],
    );
  let pending = fetch(start.seq);
  for (;;) {
    const rows = await pending;
    // The next batch is read while this one is hashed.
    if (rows.length === batch) pending = fetch(rows[rows.length - 1].seq);
    for (const row of rows) if (!verifier.accept(row)) return verifier.finish(start.seq);
    if (rows.length < batch) break;
  }
  return verifier.finish(start.seq);
}
