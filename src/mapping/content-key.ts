import { hash } from 'node:crypto';
import type { Sector, SectorCatalogue } from '../catalog/sectors';
import { canonicalJson, quotedAsIs } from '../common/canonical-json';
import { rememberPer, rememberUpTo } from '../common/remember';
import type { FiguresPacket, OutlinePacket } from '../contracts/national-wire';
import type { FormMapping } from './mapping-tables';
import { headerContentText } from './packet-content';

type GridMapping = Extract<FormMapping, { kind: 'grid' }>;

/*
 * The content keys of the packets the mapper writes: SHA-256 of the UTF-8 bytes of
 * packetContentText (canonical JSON of header, body and mapping), written as bytes. Hashing that
 * text as a string has V8 encode all of it to UTF-8 first, which for Vietnamese text costs more
 * than the hash; here the parts that repeat (a sector's label and code, a column's key, a
 * section's code and title) are encoded once and copied, the counts are written digit by digit,
 * and only a report's own prose is encoded. Should a packet not have the shape the mapper gives
 * it, or its text outgrow MAX_BYTES, the answer is undefined and the text is hashed as a string.
 * The golden files, the mapping bench's recorded results and property tests hold the keys equal
 * to canonical JSON's.
 */

/**
 * A grid packet's content key. It rests on what gridBody makes sure of: a row's cells hold only
 * the mapping's columns, and each row is a catalogue sector's, labelled with its name.
 */
export function gridContentKey(
  packet: Pick<FiguresPacket, 'header' | 'body'>,
  mapping: GridMapping,
  sectors: SectorCatalogue,
  mappingVersion: string,
): string | undefined {
  const { body } = packet;
  const order = cellOrderOf(mapping);
  at = 0;
  if (!writeText(`{"body":{"rowKind":${canonicalJson(body.rowKind)},"rows":[`)) return undefined;
  for (let index = 0; index < body.rows.length; index++) {
    const row = body.rows[index];
    const sector = sectors.byCodeOrUndefined(row.rowKey);
    if (!sector || sector.name !== row.label) return undefined;
    const end = rowEndOf(sector);
    if (!room(order.rowBytes + end.length)) return undefined;
    if (index > 0) scratch[at++] = COMMA;
    copy(ROW_START);
    let first = true;
    for (const cell of order.cells) {
      const value = row.cells[cell.column];
      if (value === undefined) continue;
      if (first) first = false;
      else scratch[at++] = COMMA;
      copy(cell.key);
      // A value that is not a whole count is written as canonicalJson writes it, and the room
      // for the rest of the row is made sure of again.
      if (
        !writeCount(value) &&
        !(writeText(canonicalJson(value)) && room(order.rowBytes + end.length))
      )
        return undefined;
    }
    put(end);
  }
  return finish(packet, mappingVersion);
}

/**
 * An outline packet's content key, for sections of the shape outlineBody writes: a code, a title
 * and a text that are strings, and fields.
 */
export function outlineContentKey(
  packet: Pick<OutlinePacket, 'header' | 'body'>,
  mappingVersion: string,
): string | undefined {
  const { sections } = packet.body;
  at = 0;
  if (!room(SECTIONS_START.length)) return undefined;
  copy(SECTIONS_START);
  for (let index = 0; index < sections.length; index++) {
    const { code, title, text, fields } = sections[index];
    if (
      typeof code !== 'string' ||
      typeof title !== 'string' ||
      typeof text !== 'string' ||
      typeof fields !== 'object' ||
      fields === null
    )
      return undefined;
    if (!room(1 + CODE_KEY.length)) return undefined;
    if (index > 0) scratch[at++] = COMMA;
    copy(CODE_KEY);
    if (!writeQuoted(code) || !room(FIELDS_KEY.length)) return undefined;
    copy(FIELDS_KEY);
    if (!Array.isArray(fields) && isEmpty(fields)) {
      if (!room(EMPTY_OBJECT.length)) return undefined;
      copy(EMPTY_OBJECT);
    } else if (!writeText(canonicalJson(fields))) return undefined;
    if (!room(TEXT_KEY.length + 1)) return undefined;
    copy(TEXT_KEY);
    if (quotedAsIs(text)) {
      scratch[at++] = QUOTE;
      if (!writeText(text) || !room(1)) return undefined;
      scratch[at++] = QUOTE;
    } else if (!writeText(canonicalJson(text))) return undefined;
    if (!room(TITLE_KEY.length)) return undefined;
    copy(TITLE_KEY);
    if (!writeQuoted(title) || !room(1)) return undefined;
    scratch[at++] = CLOSE;
  }
  return finish(packet, mappingVersion);
}

/** The body's end, the header and the mapping, and the hash of it all. */
function finish(
  packet: Pick<FiguresPacket | OutlinePacket, 'header'>,
  mappingVersion: string,
): string | undefined {
  if (!writeHeader(packet.header, mappingVersion)) {
    const tail = `]},"header":${headerContentText(packet.header)},"mapping":${canonicalJson(mappingVersion)}}`;
    if (!writeText(tail)) return undefined;
  }
  // A byte past the buffer is dropped without a word, so should one ever be written (room
  // misjudged), the string path answers instead.
  if (at > scratch.length) return undefined;
  return hash('sha256', scratch.subarray(0, at), 'hex');
}

/**
 * The body's end, the header and the mapping, for a header of the six fields finishForm writes
 * (codes of plain ASCII, a whole form version): the form's and the regime's codes from bytes
 * encoded once, the unit's code and the period written byte by byte. False, having written
 * nothing, for any other header.
 */
function writeHeader(header: FiguresPacket['header'], mappingVersion: string): boolean {
  const { formCode, formVersion, periodId, regimeCode, unitCode } = header;
  if (
    typeof formCode !== 'string' ||
    typeof periodId !== 'string' ||
    typeof regimeCode !== 'string' ||
    typeof unitCode !== 'string' ||
    typeof header.clientReference !== 'string' ||
    keyCount(header) !== 6 ||
    periodId.length > 64 ||
    unitCode.length > 64 ||
    formCode.length > REMEMBERED_LENGTH ||
    regimeCode.length > REMEMBERED_LENGTH ||
    mappingVersion.length > REMEMBERED_LENGTH
  )
    return false;
  const form = quotedBytes(formCode);
  const regime = quotedBytes(regimeCode);
  const mapping = quotedBytes(mappingVersion);
  const codes = form.length + regime.length + mapping.length + periodId.length + unitCode.length;
  if (!room(HEADER_BYTES + codes)) return false;
  const start = at;
  copy(HEADER_START);
  put(form);
  copy(FORM_VERSION_KEY);
  if (!writeCount(formVersion)) return rewind(start);
  copy(PERIOD_KEY);
  if (!writePlainAscii(periodId)) return rewind(start);
  copy(REGIME_KEY);
  put(regime);
  copy(UNIT_KEY);
  if (!writePlainAscii(unitCode)) return rewind(start);
  copy(MAPPING_KEY);
  put(mapping);
  scratch[at++] = CLOSE;
  return true;
}

function rewind(start: number): false {
  at = start;
  return false;
}

/** How many own enumerable keys an object has whose value is not undefined (as canonicalJson
 * writes them). */
function keyCount(value: object): number {
  let count = 0;
  for (const key in value)
    if (
      Object.prototype.hasOwnProperty.call(value, key) &&
      (value as Record<string, unknown>)[key] !== undefined
    )
      count++;
  return count;
}

/**
 * A string of printable ASCII with no quotation mark or backslash (a code), quoted, byte by byte;
 * false, having written nothing, for any other (room for it and its quotes is the caller's).
 */
function writePlainAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === QUOTE || code === BACKSLASH) return false;
  }
  scratch[at++] = QUOTE;
  for (let index = 0; index < text.length; index++) scratch[at++] = text.charCodeAt(index);
  scratch[at++] = QUOTE;
  return true;
}

// The parts of the canonical text that never change, as bytes: of an outline's sections, then of
// the header and the mapping.
const [SECTIONS_START, CODE_KEY, FIELDS_KEY, TEXT_KEY, TITLE_KEY, EMPTY_OBJECT] = [
  '{"body":{"sections":[',
  '{"code":',
  ',"fields":',
  ',"text":',
  ',"title":',
  '{}',
].map((text) => Buffer.from(text));
const [HEADER_START, FORM_VERSION_KEY, PERIOD_KEY, REGIME_KEY, UNIT_KEY, MAPPING_KEY] = [
  ']},"header":{"formCode":',
  ',"formVersion":',
  ',"periodId":',
  ',"regimeCode":',
  ',"unitCode":',
  '},"mapping":',
].map((text) => Buffer.from(text));
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x7d;

/** Whether an object has no own enumerable key (as canonicalJson writes it, `{}`). */
function isEmpty(value: object): boolean {
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return true;
}

/** A text that repeats (a code, a section's title) as its canonical JSON in bytes. */
const quotedBytes = rememberUpTo(1000, (text: string) => Buffer.from(canonicalJson(text)));

/** The longest text quotedBytes keeps: a title a report gave itself may be any length. */
const REMEMBERED_LENGTH = 200;

/** A text as canonicalJson writes it: from the bytes kept for it when it is short. */
function writeQuoted(text: string): boolean {
  if (text.length > REMEMBERED_LENGTH) return writeText(canonicalJson(text));
  const bytes = quotedBytes(text);
  if (!room(bytes.length)) return false;
  put(bytes);
  return true;
}

function put(bytes: Uint8Array): void {
  scratch.set(bytes, at);
  at += bytes.length;
}

/** The most bytes a text is written into before it is left to the string path. */
const MAX_BYTES = 1024 * 1024;
/** The bytes, reused: grown (up to MAX_BYTES) when a text needs more. */
let scratch = Buffer.allocUnsafe(16 * 1024);
/** Where the next byte goes. */
let at = 0;

const COMMA = 0x2c;
const ROW_START = Buffer.from('{"cells":{');
/** A count writeCount writes has at most 15 digits. */
const COUNT_BYTES = 15;
/** What writeHeader writes besides the codes: the keys, a version of at most COUNT_BYTES digits,
 * the quotation marks of the period and the unit, the closing brace. */
const HEADER_BYTES =
  HEADER_START.length +
  FORM_VERSION_KEY.length +
  PERIOD_KEY.length +
  REGIME_KEY.length +
  UNIT_KEY.length +
  MAPPING_KEY.length +
  COUNT_BYTES +
  5;

/** Whether `bytes` more fit, growing the scratch buffer if they do not and may. */
function room(bytes: number): boolean {
  if (at + bytes <= scratch.length) return true;
  if (at + bytes > MAX_BYTES) return false;
  const grown = Buffer.allocUnsafe(Math.min(MAX_BYTES, Math.max(scratch.length * 2, at + bytes)));
  scratch.copy(grown, 0, 0, at);
  scratch = grown;
  return true;
}

function writeText(text: string): boolean {
  // A UTF-16 code unit is at most three bytes of UTF-8 (a surrogate pair, two units, is four).
  if (!room(text.length * 3)) return false;
  at += scratch.write(text, at, 'utf8');
  return true;
}

function copy(bytes: Uint8Array): void {
  for (let index = 0; index < bytes.length; index++) scratch[at++] = bytes[index];
}

/**
 * A whole count below 10^15 in its digits, as String() writes it (and so canonicalJson); false,
 * writing nothing, for any other value.
 */
function writeCount(value: unknown): boolean {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 1e15)
    return false;
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) digits++;
  let rest = value;
  for (let index = at + digits - 1; index >= at; index--) {
    const quotient = Math.floor(rest / 10);
    scratch[index] = 0x30 + (rest - quotient * 10);
    rest = quotient;
  }
  at += digits;
  return true;
}

interface CellOrder {
  /** Each column with its key, `"13":`, in bytes. */
  cells: ReadonlyArray<{ column: number; key: Uint8Array }>;
  /** The most bytes a row's start and cells take when each is a count writeCount writes. */
  rowBytes: number;
}

/**
 * A grid mapping's columns in the order canonical JSON writes a row's cells (their keys' text
 * order, "10" before "3"), each with its key quoted: worked out once per mapping.
 */
const cellOrderOf = rememberPer((mapping: GridMapping): CellOrder => {
  const cells = [...new Set(Object.values(mapping.cells))]
    .map(String)
    .sort()
    .map((key) => ({ column: Number(key), key: Buffer.from(`${JSON.stringify(key)}:`) }));
  const rowBytes =
    ROW_START.length + 1 + cells.reduce((sum, cell) => sum + cell.key.length + COUNT_BYTES + 1, 0);
  return { cells, rowBytes };
});

/** The end of a sector's row (its label and row key) in bytes, encoded once per sector. */
const rowEndOf = rememberPer((sector: Sector): Uint8Array =>
  Buffer.from(`},"label":${canonicalJson(sector.name)},"rowKey":${canonicalJson(sector.code)}}`),
);
