import { canonicalJson } from '../common/canonical-json';
import type {
  FiguresPacket,
  GridRow,
  OutlinePacket,
  OutlineSection,
  SubmissionPacket,
} from '../contracts/national-wire';

/**
 * The text a packet's content key hashes: canonicalJson({ header without clientReference, body,
 * mapping }), written out for the shapes of the wire (national-wire.ts) with their keys in
 * sorted order, so that only the cells and fields have their key order looked up. A header, a
 * body, a row or a section of any other shape (a key more or less, a value of another type) is
 * written by canonicalJson itself; a property test holds the two texts equal.
 */
export function packetContentText(
  packet: Pick<SubmissionPacket, 'header' | 'body'>,
  mappingVersion: string,
): string {
  return `{"body":${bodyText(packet.body)},"header":${headerContentText(packet.header)},"mapping":${canonicalJson(mappingVersion)}}`;
}

type Kind = 'string' | 'number' | 'object' | 'array';
/** The keys of a shape of the wire, each with the kind of its value. */
type Shape = ReadonlyArray<readonly [string, Kind]>;
const shape = (fields: Record<string, Kind>): Shape => Object.entries(fields);

const HEADER = shape({
  clientReference: 'string',
  formCode: 'string',
  formVersion: 'number',
  periodId: 'string',
  regimeCode: 'string',
  unitCode: 'string',
});
const GRID = shape({ rowKind: 'string', rows: 'array' });
const OUTLINE = shape({ sections: 'array' });
const ROW = shape({ cells: 'object', label: 'string', rowKey: 'string' });
const SECTION = shape({ code: 'string', fields: 'object', text: 'string', title: 'string' });

/** The header's part of packetContentText: canonical JSON of the header without clientReference. */
export function headerContentText(header: SubmissionPacket['header']): string {
  if (!shaped(header, HEADER)) {
    const { clientReference: _reference, ...content } = header;
    return canonicalJson(content);
  }
  return `{"formCode":${canonicalJson(header.formCode)},"formVersion":${canonicalJson(header.formVersion)},"periodId":${canonicalJson(header.periodId)},"regimeCode":${canonicalJson(header.regimeCode)},"unitCode":${canonicalJson(header.unitCode)}}`;
}

function bodyText(body: SubmissionPacket['body']): string {
  if (shaped(body, GRID)) {
    const { rowKind, rows } = body as FiguresPacket['body'];
    return `{"rowKind":${canonicalJson(rowKind)},"rows":${listText(rows, rowText)}}`;
  }
  if (shaped(body, OUTLINE))
    return `{"sections":${listText((body as OutlinePacket['body']).sections, sectionText)}}`;
  return canonicalJson(body);
}

function rowText(row: GridRow): string {
  if (!shaped(row, ROW)) return canonicalJson(row);
  return `{"cells":${canonicalJson(row.cells)},"label":${canonicalJson(row.label)},"rowKey":${canonicalJson(row.rowKey)}}`;
}

function sectionText(section: OutlineSection): string {
  if (!shaped(section, SECTION)) return canonicalJson(section);
  return `{"code":${canonicalJson(section.code)},"fields":${canonicalJson(section.fields)},"text":${canonicalJson(section.text)},"title":${canonicalJson(section.title)}}`;
}

function listText<T>(items: readonly T[], itemText: (item: T) => string): string {
  let text = '[';
  for (let index = 0; index < items.length; index++) {
    if (index > 0) text += ',';
    text += itemText(items[index]);
  }
  return `${text}]`;
}

/**
 * Whether a value is a plain object with each of a shape's keys holding a value of its kind (an
 * object: a plain one, not an array or null) and no other own key (keys whose value is undefined
 * aside, as canonicalJson leaves them out). Packets are object literals and parsed JSON, whose
 * keys are their own.
 */
function shaped(value: unknown, fields: Shape): boolean {
  if (!isRecord(value)) return false;
  for (const [key, kind] of fields) if (!ofKind(value[key], kind)) return false;
  let count = 0;
  for (const key in value)
    if (Object.prototype.hasOwnProperty.call(value, key) && value[key] !== undefined) count++;
  return count === fields.length;
}

function ofKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === kind;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
