import { canonicalJson } from '../common/canonical-json';
import type { GridRow, OutlineSection, SubmissionPacket } from '../contracts/national-wire';

/**
 * The text a packet's content key hashes: canonicalJson({ header without clientReference, body,
 * mapping }), written out for the shapes of the wire (national-wire.ts) with their keys in
 * sorted order, so that no object but the cells and fields is asked for its keys. A header, a
 * body, a row or a section of any other shape (a key more or less, a value of another type) is
 * written by canonicalJson itself; a property test holds the two texts equal.
 */
export function packetContentText(
  packet: Pick<SubmissionPacket, 'header' | 'body'>,
  mappingVersion: string,
): string {
  return `{"body":${bodyText(packet.body)},"header":${headerText(packet.header)},"mapping":${canonicalJson(mappingVersion)}}`;
}

function headerText(header: SubmissionPacket['header']): string {
  if (
    countKeys(header) !== 6 ||
    typeof header.clientReference !== 'string' ||
    typeof header.formCode !== 'string' ||
    typeof header.formVersion !== 'number' ||
    typeof header.periodId !== 'string' ||
    typeof header.regimeCode !== 'string' ||
    typeof header.unitCode !== 'string'
  ) {
    const { clientReference: _reference, ...content } = header;
    return canonicalJson(content);
  }
  return `{"formCode":${canonicalJson(header.formCode)},"formVersion":${canonicalJson(header.formVersion)},"periodId":${canonicalJson(header.periodId)},"regimeCode":${canonicalJson(header.regimeCode)},"unitCode":${canonicalJson(header.unitCode)}}`;
}

function bodyText(body: SubmissionPacket['body']): string {
  if (!isRecord(body)) return canonicalJson(body);
  if ('rows' in body) {
    if (countKeys(body) !== 2 || typeof body.rowKind !== 'string' || !Array.isArray(body.rows))
      return canonicalJson(body);
    const rows = body.rows;
    let text = `{"rowKind":${canonicalJson(body.rowKind)},"rows":[`;
    for (let index = 0; index < rows.length; index++) {
      if (index > 0) text += ',';
      text += rowText(rows[index]);
    }
    return `${text}]}`;
  }
  if ('sections' in body) {
    if (countKeys(body) !== 1 || !Array.isArray(body.sections)) return canonicalJson(body);
    const sections = body.sections;
    let text = '{"sections":[';
    for (let index = 0; index < sections.length; index++) {
      if (index > 0) text += ',';
      text += sectionText(sections[index]);
    }
    return `${text}]}`;
  }
  return canonicalJson(body);
}

function rowText(row: GridRow): string {
  if (
    !isRecord(row) ||
    countKeys(row) !== 3 ||
    typeof row.rowKey !== 'string' ||
    typeof row.label !== 'string' ||
    !isRecord(row.cells)
  )
    return canonicalJson(row);
  return `{"cells":${canonicalJson(row.cells)},"label":${canonicalJson(row.label)},"rowKey":${canonicalJson(row.rowKey)}}`;
}

function sectionText(section: OutlineSection): string {
  if (
    !isRecord(section) ||
    countKeys(section) !== 4 ||
    typeof section.code !== 'string' ||
    typeof section.text !== 'string' ||
    typeof section.title !== 'string' ||
    !isRecord(section.fields)
  )
    return canonicalJson(section);
  return `{"code":${canonicalJson(section.code)},"fields":${canonicalJson(section.fields)},"text":${canonicalJson(section.text)},"title":${canonicalJson(section.title)}}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** How many own keys an object has whose value is not undefined (those canonicalJson writes). */
function countKeys(value: object): number {
  let count = 0;
  for (const key in value)
    if (
      Object.prototype.hasOwnProperty.call(value, key) &&
      (value as Record<string, unknown>)[key] !== undefined
    )
      count++;
  return count;
}
