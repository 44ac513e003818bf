import { hash } from 'node:crypto';
import type { Sector, SectorCatalogue } from '../catalog/sectors';
import { canonicalJson } from '../common/canonical-json';
import type { FiguresPacket } from '../contracts/national-wire';
import type { FormMapping } from './mapping-tables';
import { headerContentText } from './packet-content';

type GridMapping = Extract<FormMapping, { kind: 'grid' }>;

/**
 * The content key of a grid packet the mapper wrote: SHA-256 of the UTF-8 bytes of
 * packetContentText (canonical JSON of header, body and mapping), written as bytes. Hashing that
 * text as a string has V8 encode it to UTF-8 first, which for Vietnamese text costs more than the
 * hash; here the parts that repeat (a sector's label and code, a column's key) are encoded once
 * and copied, and the counts are written digit by digit.
 *
 * It rests on what gridBody makes sure of: a row's cells hold only the mapping's columns, and each
 * row is a catalogue sector's, labelled with its name. Should a row not be, or the text outgrow
 * MAX_BYTES, it answers undefined and the text is hashed as a string. The golden files, the
 * mapping bench's recorded results and a property test over changed reports hold the keys equal
 * to canonical JSON's.
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
      if (!writeCount(value) && !writeText(canonicalJson(value))) return undefined;
    }
    scratch.set(end, at);
    at += end.length;
  }
  const tail = `]},"header":${headerContentText(packet.header)},"mapping":${canonicalJson(mappingVersion)}}`;
  if (!writeText(tail)) return undefined;
  return hash('sha256', scratch.subarray(0, at), 'hex');
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

const cellOrders = new WeakMap<GridMapping, CellOrder>();

/**
 * A grid mapping's columns in the order canonical JSON writes a row's cells (their keys' text
 * order, "10" before "3"), each with its key quoted: worked out once per mapping.
 */
function cellOrderOf(mapping: GridMapping): CellOrder {
  let order = cellOrders.get(mapping);
  if (!order) {
    const cells = [...new Set(Object.values(mapping.cells))]
      .map(String)
      .sort()
      .map((key) => ({ column: Number(key), key: Buffer.from(`${JSON.stringify(key)}:`) }));
    const rowBytes =
      ROW_START.length +
      1 +
      cells.reduce((sum, cell) => sum + cell.key.length + COUNT_BYTES + 1, 0);
    order = { cells, rowBytes };
    cellOrders.set(mapping, order);
  }
  return order;
}

const rowEnds = new WeakMap<Sector, Uint8Array>();

/** The end of a sector's row (its label and row key) in bytes, encoded once per sector. */
function rowEndOf(sector: Sector): Uint8Array {
  let end = rowEnds.get(sector);
  if (end === undefined) {
    end = Buffer.from(
      `},"label":${canonicalJson(sector.name)},"rowKey":${canonicalJson(sector.code)}}`,
    );
    rowEnds.set(sector, end);
  }
  return end;
}
