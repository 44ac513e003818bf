import { hash } from 'node:crypto';
import { DETAILS_KEY as DETAILS_KEY_TEXT } from './audit-chain';
import type { ChainVerifier, EventRow } from './audit-verifier';

/**
 * The verifier's columns as `COPY … (FORMAT binary)` sends them, in this order: seq (int8),
 * occurred_at (timestamptz), then text but for transfer_id (uuid). See VERIFY_COLUMNS.
 */
const enum Field {
  Seq,
  OccurredAt,
  Actor,
  Action,
  UnitCode,
  FormCode,
  PeriodId,
  TransferId,
  Outcome,
  RequestSha256,
  ResponseSha256,
  Bodies,
  Reason,
  Details,
  PrevHash,
  Hash,
}
const FIELDS = 16;

/** How a field is written into the canonical text: a JSON string, JSON kept as text, … */
const enum Kind {
  Text,
  Json,
  Instant,
  Seq,
  Uuid,
}

/** canonicalContent's keys in their order, each with the field it writes and how. */
const LAYOUT: Array<[label: string, field: Field, kind: Kind]> = [
  ['{"action":', Field.Action, Kind.Text],
  [',"actor":', Field.Actor, Kind.Text],
  [',"bodies":', Field.Bodies, Kind.Json],
  [',"details":', Field.Details, Kind.Json],
  [',"formCode":', Field.FormCode, Kind.Text],
  [',"occurredAt":', Field.OccurredAt, Kind.Instant],
  [',"outcome":', Field.Outcome, Kind.Text],
  [',"periodId":', Field.PeriodId, Kind.Text],
  [',"reason":', Field.Reason, Kind.Text],
  [',"requestSha256":', Field.RequestSha256, Kind.Text],
  [',"responseSha256":', Field.ResponseSha256, Kind.Text],
  [',"seq":', Field.Seq, Kind.Seq],
  [',"transferId":', Field.TransferId, Kind.Uuid],
  [',"unitCode":', Field.UnitCode, Kind.Text],
];
const LABELS = LAYOUT.map(([label]) => Buffer.from(label, 'latin1'));
const LAYOUT_FIELDS = LAYOUT.map(([, field]) => field);
const LAYOUT_KINDS = LAYOUT.map(([, , kind]) => kind);
/**
 * More than the bytes a row adds to its fields' own: the hash link, labels, the brace, and for each
 * of the 14 values at most 16 (quotes, `null`, an instant's or a seq's or a uuid's text beyond its
 * 8 or 16 bytes).
 */
const OVERHEAD = 65 + LABELS.reduce((sum, label) => sum + label.length, 0) + 14 * 16 + 1;

const NULL = Buffer.from('null', 'latin1');
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const QUOTE = 0x22;
/** The bytes a JSON string escapes: control characters, the quote and the backslash. */
const ESCAPED = new Uint8Array(256).map((_, byte) =>
  byte < 0x20 || byte === QUOTE || byte === 0x5c ? 1 : 0,
);
/** Microseconds since 2000-01-01, PostgreSQL's epoch, in milliseconds since 1970-01-01. */
const POSTGRES_EPOCH_MS = 946_684_800_000;
/** The instants the byte path writes itself (1970 to 2099); others go to the row path. */
const LAST_MS = 4_102_444_800_000;
const TWO_TO_32 = 4_294_967_296;
/** The largest 32-bit high half of an int8 that keeps the whole exact as a number. */
const SAFE_HIGH = 0x100000;
/** The last seq the byte path counts as a number (2^52); later ones go to the row path. */
const MOST_SEQ = 2n ** 52n;

/**
 * The chain checked from the bytes of a binary COPY, without making a string or an object for an
 * event: its canonical text (canonicalContent) is written straight into a reused buffer behind
 * the hash it links to, hashed from there, and the stored hashes compared byte for byte. Only an
 * event the bytes show to be sound goes this way: its seq is the one expected, no checkpoint
 * names it, its prev_hash is the hash before it, every text field is plain (nothing a JSON string
 * escapes), its instant is of 1970 to 2099, the SHA-256 of the text matches the stored hash, and
 * neither its bodies nor its details hold DETAILS_KEY. Every other event is made into a row and
 * handed to the ChainVerifier, which decides as it always has (and names the fault), after being
 * told of the events passed before it. Plain fields are quoted as they are, exactly what
 * canonicalContent writes for them, so an event passes here only if the ChainVerifier would pass
 * it.
 */
export class ChainBytes {
  /** The seq expected next, or -1 while the byte path is off (a seq past 2^52, an odd start). */
  private next = -1;
  /** Events passed here that the ChainVerifier has not been told of yet. */
  private passed = 0;
  /** Events passed from their bytes alone, all told (the rest went to the ChainVerifier as rows). */
  byBytes = 0;
  /** The text being hashed: the previous hash (the first 64 bytes), a newline, the content. */
  private text = Buffer.allocUnsafe(4096);
  private views: Buffer[] = [];
  private at = 0;
  private readonly signed: Set<number>;
  /** The instant's text up to its milliseconds, for the second last written. */
  private second = Number.NaN;
  private readonly secondText = Buffer.alloc(20);

  constructor(private readonly verifier: ChainVerifier) {
    this.signed = new Set(Array.from(verifier.signedSeqs, Number));
    this.resume();
  }

  /** The next event of the chain, as a row of the binary COPY; false once a fault is found. */
  accept(data: Buffer, starts: Int32Array, ends: Int32Array, fields: number): boolean {
    if (this.next >= 0 && fields === FIELDS && this.sound(data, starts, ends)) {
      this.passed += 1;
      this.byBytes += 1;
      this.next += 1;
      return true;
    }
    this.tell();
    const accepted = this.verifier.accept(binaryEvent(data, starts, ends, fields));
    if (accepted) this.resume();
    return accepted;
  }

  /** Tells the ChainVerifier of the events passed here; call before asking it for a verdict. */
  tell(): void {
    if (!this.passed) return;
    this.verifier.passed(this.passed, String(this.next - 1), this.text.toString('latin1', 0, 64));
    this.passed = 0;
  }

  /** Picks up where the ChainVerifier stands. */
  private resume(): void {
    const { next, prevHash } = this.verifier.position;
    if (this.verifier.failure || next > MOST_SEQ || !/^[0-9a-f]{64}$/.test(prevHash)) {
      this.next = -1;
      return;
    }
    this.next = Number(next);
    this.text.write(prevHash, 0, 64, 'latin1');
    this.text[64] = 0x0a;
  }

  private sound(data: Buffer, starts: Int32Array, ends: Int32Array): boolean {
    const seqAt = starts[Field.Seq];
    if (seqAt < 0 || ends[Field.Seq] - seqAt !== 8) return false;
    const high = data.readUInt32BE(seqAt);
    if (high >= SAFE_HIGH) return false;
    const seq = high * TWO_TO_32 + data.readUInt32BE(seqAt + 4);
    if (seq !== this.next || this.signed.has(seq)) return false;
    const prevAt = starts[Field.PrevHash];
    if (prevAt < 0 || ends[Field.PrevHash] - prevAt !== 64) return false;
    const text = this.text;
    for (let index = 0; index < 64; index++) {
      if (data[prevAt + index] !== text[index]) return false;
    }
    const hashAt = starts[Field.Hash];
    if (hashAt < 0 || ends[Field.Hash] - hashAt !== 64) return false;

    // The row's fields lie in order from the seq to the hash (with their lengths between them),
    // so that span bounds what their text takes.
    const size = OVERHEAD + ends[Field.Hash] - seqAt;
    if (size > this.text.length) this.grow(size);
    this.at = 65;
    for (let index = 0; index < LABELS.length; index++) {
      this.put(LABELS[index]);
      const field = LAYOUT_FIELDS[index];
      const start = starts[field];
      if (start < 0) {
        this.put(NULL);
        continue;
      }
      const end = ends[field];
      switch (LAYOUT_KINDS[index]) {
        case Kind.Text:
          if (!this.quoted(data, start, end)) return false;
          break;
        case Kind.Json:
          this.raw(data, start, end);
          break;
        case Kind.Instant:
          if (end - start !== 8 || !this.instant(data, start)) return false;
          break;
        case Kind.Seq:
          this.decimal(seq);
          break;
        case Kind.Uuid:
          if (end - start !== 16) return false;
          this.uuid(data, start);
          break;
      }
    }
    this.text[this.at++] = 0x7d; // }
    // As hex: crypto.hash answers a hex string in half the time it takes to answer a buffer.
    const digest = hash('sha256', this.view(this.at), 'hex');
    for (let index = 0; index < 64; index++) {
      if (data[hashAt + index] !== digest.charCodeAt(index)) return false;
    }
    // Bytes moved between bodies and details at DETAILS_KEY hash alike; where either holds it,
    // the row path checks each is still one JSON value. One search covers both: they lie in the
    // row with only the reason between them (which then sends a row the row path's way too,
    // harmlessly).
    const from = starts[Field.Bodies] >= 0 ? starts[Field.Bodies] : starts[Field.Details];
    const to = starts[Field.Details] >= 0 ? ends[Field.Details] : ends[Field.Bodies];
    if (from >= 0 && holdsDetailsKey(data, from, to)) return false;
    // This event's hash is what the next one links to.
    data.copy(this.text, 0, hashAt, hashAt + 64);
    return true;
  }

  private grow(size: number): void {
    const text = Buffer.allocUnsafe(Math.max(size, 2 * this.text.length));
    this.text.copy(text, 0, 0, 65);
    this.text = text;
    this.views = [];
  }

  /** The text's first `length` bytes, a view made once for each length (events differ little). */
  private view(length: number): Buffer {
    return (this.views[length] ??= this.text.subarray(0, length));
  }

  private put(bytes: Buffer): void {
    const text = this.text;
    let at = this.at;
    for (let index = 0; index < bytes.length; index++) text[at++] = bytes[index];
    this.at = at;
  }

  /** A text field as a JSON string, if nothing in it needs escaping; false otherwise. */
  private quoted(data: Buffer, start: number, end: number): boolean {
    const text = this.text;
    let at = this.at;
    text[at++] = QUOTE;
    for (let index = start; index < end; index++) {
      const byte = data[index];
      if (ESCAPED[byte]) return false;
      text[at++] = byte;
    }
    text[at++] = QUOTE;
    this.at = at;
    return true;
  }

  private raw(data: Buffer, start: number, end: number): void {
    if (end - start > 64) {
      this.at += data.copy(this.text, this.at, start, end);
      return;
    }
    const text = this.text;
    let at = this.at;
    for (let index = start; index < end; index++) text[at++] = data[index];
    this.at = at;
  }

  /** The instant as the hash covers it, `"YYYY-MM-DDTHH:MM:SS.mmmZ"`; false outside 1970 to 2099. */
  private instant(data: Buffer, start: number): boolean {
    const high = data.readInt32BE(start);
    if (high >= SAFE_HIGH || high < -SAFE_HIGH) return false;
    const micros = high * TWO_TO_32 + data.readUInt32BE(start + 4);
    const ms = Math.floor(micros / 1000) + POSTGRES_EPOCH_MS;
    if (ms < 0 || ms >= LAST_MS) return false;
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.secondText.write(new Date(second * 1000).toISOString(), 0, 20, 'latin1');
    }
    const text = this.text;
    let at = this.at;
    text[at++] = QUOTE;
    for (let index = 0; index < 20; index++) text[at++] = this.secondText[index];
    const millis = ms - second * 1000;
    text[at++] = 0x30 + Math.floor(millis / 100);
    text[at++] = 0x30 + (Math.floor(millis / 10) % 10);
    text[at++] = 0x30 + (millis % 10);
    text[at++] = 0x5a; // Z
    text[at++] = QUOTE;
    this.at = at;
    return true;
  }

  /** The seq as a JSON string of its decimal digits. */
  private decimal(value: number): void {
    const text = this.text;
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
    text[this.at] = QUOTE;
    let at = this.at + digits;
    for (let rest = value; at > this.at; rest = Math.floor(rest / 10)) {
      text[at--] = 0x30 + (rest % 10);
    }
    this.at += digits + 1;
    text[this.at++] = QUOTE;
  }

  /** A uuid's 16 bytes as PostgreSQL writes it, in lowercase hex with its four dashes. */
  private uuid(data: Buffer, start: number): void {
    const text = this.text;
    let at = this.at;
    text[at++] = QUOTE;
    for (let index = 0; index < 16; index++) {
      if (index === 4 || index === 6 || index === 8 || index === 10) text[at++] = 0x2d;
      const byte = data[start + index];
      text[at++] = HEX[byte >> 4];
      text[at++] = HEX[byte & 15];
    }
    text[at++] = QUOTE;
    this.at = at;
  }
}

const DETAILS_KEY = Buffer.from(DETAILS_KEY_TEXT, 'latin1');

/**
 * Whether the bytes from `from` to `to` hold DETAILS_KEY. A loop on the comma and the quote:
 * `Buffer.prototype.includes` on a view cost the verifier a tenth of its speed.
 */
function holdsDetailsKey(data: Buffer, from: number, to: number): boolean {
  const last = to - DETAILS_KEY.length;
  for (let index = from; index <= last; index++) {
    if (data[index] !== 0x2c || data[index + 1] !== QUOTE) continue;
    let matched = 2;
    while (matched < DETAILS_KEY.length && data[index + matched] === DETAILS_KEY[matched]) {
      matched += 1;
    }
    if (matched === DETAILS_KEY.length) return true;
  }
  return false;
}

const utf8 = (data: Buffer, starts: Int32Array, ends: Int32Array, field: Field): string | null =>
  starts[field] < 0 ? null : data.toString('utf8', starts[field], ends[field]);

/** A uuid's text from its 16 bytes. */
function uuidText(data: Buffer, start: number): string {
  const hex = data.toString('hex', start, start + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An event of the binary COPY as the ChainVerifier reads rows. */
export function binaryEvent(
  data: Buffer,
  starts: Int32Array,
  ends: Int32Array,
  fields: number,
): EventRow {
  if (fields !== FIELDS || starts[Field.Seq] < 0 || starts[Field.OccurredAt] < 0) {
    throw new Error(`the audit verifier read a row of ${fields} columns it does not expect`);
  }
  const micros = data.readBigInt64BE(starts[Field.OccurredAt]);
  // Cut to the millisecond, as the hash covers it: towards the past, before 2000 as after.
  const millis = micros >= 0n ? micros / 1000n : (micros - 999n) / 1000n;
  const transfer = starts[Field.TransferId];
  return {
    seq: data.readBigInt64BE(starts[Field.Seq]).toString(),
    occurred_at: Number(millis) + POSTGRES_EPOCH_MS,
    actor: utf8(data, starts, ends, Field.Actor)!,
    action: utf8(data, starts, ends, Field.Action)!,
    unit_code: utf8(data, starts, ends, Field.UnitCode),
    form_code: utf8(data, starts, ends, Field.FormCode),
    period_id: utf8(data, starts, ends, Field.PeriodId),
    transfer_id:
      transfer < 0
        ? null
        : ends[Field.TransferId] - transfer === 16
          ? uuidText(data, transfer)
          : data.toString('utf8', transfer, ends[Field.TransferId]),
    outcome: utf8(data, starts, ends, Field.Outcome)!,
    request_sha256: utf8(data, starts, ends, Field.RequestSha256),
    response_sha256: utf8(data, starts, ends, Field.ResponseSha256),
    bodies: utf8(data, starts, ends, Field.Bodies),
    reason: utf8(data, starts, ends, Field.Reason),
    details: utf8(data, starts, ends, Field.Details),
    prev_hash: utf8(data, starts, ends, Field.PrevHash)!,
    hash: utf8(data, starts, ends, Field.Hash)!,
  };
}
