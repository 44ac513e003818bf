import { hash } from 'node:crypto';
import type { FormCatalogue, FormDefinition, GridForm, OutlineForm } from '../catalog/forms';
import type { Cells } from '../catalog/form-rules';
import { parsePeriod, PeriodError, type Period } from '../catalog/periods';
import type { Sector, SectorCatalogue } from '../catalog/sectors';
import type { UnitRegistry } from '../catalog/units';
import { rememberPer, rememberUpTo } from '../common/remember';
import type {
  FieldError,
  FiguresPacket,
  GridRow,
  OutlinePacket,
  PacketHeader,
  SubmissionPacket,
} from '../contracts/national-wire';
import type { ProvincialReport, UnitRecord } from '../contracts/provincial-wire';
import type { FormMapping, MappingTable, MappingTables } from './mapping-tables';
import { gridContentKey, outlineContentKey } from './content-key';
import { packetContentText } from './packet-content';
import { validatePacket } from './payload-validation';
import type { SatisfactionLevels } from './satisfaction';

/** Everything the mapper reads. It does no I/O of its own. */
export interface MappingContext {
  forms: FormCatalogue;
  units: UnitRegistry;
  sectors: SectorCatalogue;
  tables: MappingTables;
  satisfaction: SatisfactionLevels;
  /** The previous period's rows of the same unit and form, for the carry-over warnings. */
  previousRows?: (
    unitCode: string,
    formCode: string,
    period: Period,
  ) => ReadonlyMap<string, Cells> | undefined;
}

export interface SummaryCheck {
  id: 'ONLINE_RECEIVED' | 'SECTOR_NAMES' | 'CHILDREN_COMPLETE';
  passed: boolean;
  /** What the district office checks before approving, in Vietnamese. */
  description: string;
  details: string[];
}

export interface MappedForm {
  formCode: string;
  regimeCode: string;
  /** The form definition is provisional (a guess kept in data): shown wherever the form is. */
  provisional: boolean;
  packet: SubmissionPacket;
  /** SHA-256 of the canonical packet content and the mapping version: the same content is never pushed twice. */
  contentKey: string;
  mappingVersion: string;
  problems: FieldError[];
  valid: boolean;
  checks?: SummaryCheck[];
  /** For summaries: the units whose forms were summed, and those still missing. */
  includedUnits?: string[];
  missingUnits?: string[];
}

export interface ReportMapping {
  reportId: string;
  unitCode: string;
  periodId: string;
  /** Only approved reports are carried; a draft or a submitted one waits, and is not invalid. */
  eligible: boolean;
  skipReason: string | null;
  problems: FieldError[];
  forms: MappedForm[];
}

type Problem = Omit<FieldError, 'severity'> & { severity?: FieldError['severity'] };
const problem = (issue: Problem): FieldError => ({ ...issue, severity: issue.severity ?? 'error' });
const withPrefix =
  (prefix: string) =>
  (issue: FieldError): FieldError => ({
    ...issue,
    field: issue.field ? `${prefix}.${issue.field}` : prefix,
  });

export function contentKeyOf(
  packet: Pick<SubmissionPacket, 'header' | 'body'>,
  mappingVersion: string,
): string {
  return hash('sha256', packetContentText(packet, mappingVersion), 'hex');
}

const STATUS_VI: Record<string, string> = {
  draft: 'bản nháp',
  submitted: 'đã gửi, chưa được duyệt',
};

/**
 * Maps one approved provincial report onto every national unit form its unit files for the
 * period (II.06a, II.05a, II.01-ĐC), and validates each. Summaries (II.06, II.05) come from
 * mapSummary over the children's results. Pure: same inputs, same output.
 */
export function mapReport(report: ProvincialReport, context: MappingContext): ReportMapping {
  const base = {
    reportId: report.reportId,
    unitCode: report.officeCode,
    periodId: report.periodId,
  };
  if (report.status !== 'approved') {
    return {
      ...base,
      eligible: false,
      skipReason: `Báo cáo đang ở trạng thái ${STATUS_VI[report.status] ?? report.status} trên hệ thống của tỉnh; chỉ báo cáo đã duyệt mới được chuyển.`,
      problems: [],
      forms: [],
    };
  }
  const located = locate(report, context);
  if ('problems' in located)
    return { ...base, eligible: true, skipReason: null, problems: located.problems, forms: [] };
  const { period, unit, table } = located;
  const problems: FieldError[] = [];

  const mappedIndicators = indicatorsOf(table);
  report.values.forEach((value, index) => {
    if (!mappedIndicators.has(value.indicatorCode)) {
      problems.push(
        problem({
          code: 'INDICATOR_UNMAPPED',
          field: `report.values[${index}].indicatorCode`,
          rule: `indicators of mapping ${table.id}@${table.version}`,
          expected: [...mappedIndicators],
          actual: value.indicatorCode,
          message: `Chỉ tiêu ${value.indicatorCode} chưa có trong bảng ánh xạ sang biểu của Chính phủ.`,
        }),
      );
    }
  });

  const forms: MappedForm[] = [];
  for (const form of context.units.formsFiledBy(unit.level, period, context.forms)) {
    const mapping = table.forms.find((candidate) => candidate.form === form.code);
    if (mapping?.kind === 'summary') continue;
    if (!mapping) {
      problems.push(
        problem({
          code: 'FORM_UNMAPPED',
          field: 'report',
          rule: `mapping ${table.id}@${table.version} covers every form the unit files`,
          expected: form.code,
          actual: null,
          message: `Bảng ánh xạ chưa có biểu ${form.code}.`,
        }),
      );
      continue;
    }
    forms.push(mapForm(report, form, mapping, located, context));
  }
  if (problems.some((issue) => issue.severity === 'error'))
    for (const form of forms) form.valid = false;
  return {
    reportId: base.reportId,
    unitCode: base.unitCode,
    periodId: base.periodId,
    eligible: true,
    skipReason: null,
    problems,
    forms,
  };
}

/** A mapping table's version as the content key names it ("id@version"), written once per table. */
const versionOf = rememberPer((table: MappingTable): string => `${table.id}@${table.version}`);

/** parsePeriod, remembered for the few ids a run meets (bounded); the Period is frozen. */
const periodOf = rememberUpTo(1000, (id: string): Period => Object.freeze(parsePeriod(id)));

/** A list the registry keeps (a unit's sectors), as a set made once per list. */
const setOf = rememberPer((list: readonly string[]): ReadonlySet<string> => new Set(list));

const indicatorsOf = rememberPer(
  (table: MappingTable): ReadonlySet<string> =>
    new Set(
      table.forms.flatMap((mapping) => (mapping.kind === 'grid' ? Object.keys(mapping.cells) : [])),
    ),
);

interface Located {
  period: Period;
  unit: UnitRecord;
  table: MappingTable;
  regime: string;
}

function locate(
  report: ProvincialReport,
  context: MappingContext,
): Located | { problems: FieldError[] } {
  let period: Period;
  try {
    period = periodOf(report.periodId);
  } catch (error) {
    if (!(error instanceof PeriodError)) throw error;
    return {
      problems: [
        problem({
          code: 'PERIOD_INVALID',
          field: 'report.periodId',
          rule: 'a period id such as 2025-Q1',
          expected: '2025-Q1',
          actual: report.periodId,
          message: `Kỳ báo cáo "${report.periodId}" không hợp lệ.`,
        }),
      ],
    };
  }
  const unit = context.units.inForce(report.officeCode, period.to);
  if (!unit) {
    const known = context.units.get(report.officeCode);
    return {
      problems: [
        problem({
          code: known ? 'UNIT_NOT_IN_FORCE' : 'UNIT_UNKNOWN',
          field: 'report.officeCode',
          rule: `the unit exists on ${period.to}, the last day of ${period.id}`,
          expected: known?.successorCodes.length
            ? { successors: known.successorCodes }
            : 'a unit in force',
          actual: report.officeCode,
          message: known
            ? `Đơn vị ${known.name} (${known.officeCode}) không còn tồn tại vào ngày ${period.to}${known.successorCodes.length ? `; đơn vị kế thừa: ${known.successorCodes.join(', ')}` : ''}.`
            : `Không có đơn vị mã ${report.officeCode} trong danh mục.`,
        }),
      ],
    };
  }
  const regime = context.forms.regimeFor(period);
  if (!regime) {
    return {
      problems: [
        problem({
          code: 'NO_REGIME',
          field: 'report.periodId',
          rule: 'a national report regime in force on the last day of the period',
          expected: 'a regime in force',
          actual: period.to,
          message: `Không có chế độ báo cáo nào của Chính phủ áp dụng cho kỳ ${period.id}.`,
        }),
      ],
    };
  }
  const table = context.tables.tableFor(report.regimeCode, regime.code);
  if (!table) {
    return {
      problems: [
        problem({
          code: 'MAPPING_MISSING',
          field: 'report.regimeCode',
          rule: 'a mapping from the provincial regime to the national one',
          expected: `${report.regimeCode} → ${regime.code}`,
          actual: null,
          message: `Chưa có bảng ánh xạ từ chế độ ${report.regimeCode} của tỉnh sang ${regime.code}.`,
        }),
      ],
    };
  }
  return { period, unit, table, regime: regime.code };
}

function mapForm(
  report: ProvincialReport,
  form: FormDefinition,
  mapping: FormMapping,
  located: Located,
  context: MappingContext,
): MappedForm {
  const problems: FieldError[] = [];
  if (form.kind === 'grid' && mapping.kind === 'grid') {
    const body = gridBody(report, mapping, located, context, problems);
    return finishForm(form, body, located, context, problems, (packet, version) =>
      gridContentKey(packet as FiguresPacket, mapping, context.sectors, version),
    );
  }
  if (form.kind === 'outline' && mapping.kind === 'outline')
    return finishForm(
      form,
      outlineBody(report, form, mapping, context, problems),
      located,
      context,
      problems,
      (packet, version) => outlineContentKey(packet as OutlinePacket, version),
    );
  throw new Error(`mapping of ${form.code} is ${mapping.kind} but the form is ${form.kind}`);
}

/** A packet's header for a unit's form of a period; the client reference is set when it is sent. */
export function packetHeader(
  form: FormDefinition,
  unitCode: string,
  periodId: string,
): PacketHeader {
  return {
    unitCode,
    formCode: form.code,
    formVersion: form.version,
    regimeCode: form.regime,
    periodId,
    clientReference: '',
  };
}

function finishForm(
  form: FormDefinition,
  body: SubmissionPacket['body'],
  located: Located,
  context: MappingContext,
  problems: FieldError[],
  /** The content key, when the mapper has a faster way to it than contentKeyOf (undefined if not). */
  keyOf?: (packet: SubmissionPacket, mappingVersion: string) => string | undefined,
): MappedForm {
  const { unit, period, table } = located;
  const header = packetHeader(form, unit.officeCode, period.id);
  const packet = {
    packetKind: form.kind === 'grid' ? 'SO_LIEU_BAO_CAO' : 'GUI_DE_CUONG',
    header,
    body,
    signature: null,
  } as SubmissionPacket;
  const mappingVersion = versionOf(table);
  const contentKey = keyOf?.(packet, mappingVersion) ?? contentKeyOf(packet, mappingVersion);
  packet.header.clientReference = contentKey;
  const validation = validatePacket(packet, {
    form,
    unit: { officeCode: unit.officeCode, level: unit.level },
    knownSectorCodes: context.sectors.codes,
    childUnitCodes:
      form.kind === 'grid' && form.rowKinds.includes('unit')
        ? codesOf(context.units.childrenOf(unit.officeCode, period))
        : undefined,
    previousRows: context.previousRows?.(unit.officeCode, form.code, period),
  });
  const all = validation.length ? [...problems, ...validation.map(withPrefix('packet'))] : problems;
  return {
    formCode: form.code,
    regimeCode: form.regime,
    provisional: form.provisional,
    packet,
    contentKey,
    mappingVersion,
    problems: all,
    valid: !all.some((issue) => issue.severity === 'error'),
  };
}

/** The codes of a list of units the registry keeps, as a set made once per list. */
const codesOf = rememberPer(
  (units: readonly UnitRecord[]): ReadonlySet<string> =>
    new Set(units.map((unit) => unit.officeCode)),
);

function gridBody(
  report: ProvincialReport,
  mapping: GridMapping,
  located: Located,
  context: MappingContext,
  problems: FieldError[],
): FiguresPacket['body'] {
  const layout = layoutOf(mapping);
  // Each row with the mask of its columns filled (when the layout has a template).
  const rows = new Map<string, { row: GridRow; mask: number }>();
  const handled = setOf(context.units.sectorsHandled(located.unit.officeCode, located.period.to));
  const unhandled = new Set<string>();
  const values = report.values;
  // A report gives a sector's values one after another, so the sector, its row and whether it was
  // checked against those the unit handles are those of the value before, while its code and name
  // are (a run). A value whose sector is not found ends the run: the next one looks again.
  let run:
    | {
        code: string | null;
        name: string | null;
        sector: Sector;
        made: { row: GridRow; mask: number };
      }
    | undefined;
  let runChecked = false;
  const { template } = layout;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    const slot = layout.slots.get(value.indicatorCode);
    if (slot === undefined) continue;
    if (run === undefined || value.sectorCode !== run.code || value.sectorName !== run.name) {
      // By code first, as SectorCatalogue.match does, without building its answer each time.
      let sector = value.sectorCode
        ? context.sectors.byCodeOrUndefined(value.sectorCode)
        : undefined;
      if (!sector) {
        const match = context.sectors.match({ code: value.sectorCode, name: value.sectorName });
        if (!match.found) {
          run = undefined;
          problems.push(
            problem({
              code: 'SECTOR_UNKNOWN',
              field: `report.values[${index}].${value.sectorCode ? 'sectorCode' : 'sectorName'}`,
              rule: 'sectors of the catalogue, matched by code, normalised name or alias',
              expected: { nearest: match.nearest },
              actual: value.sectorName ?? value.sectorCode,
              message: `Lĩnh vực "${value.sectorName ?? value.sectorCode}" không có trong danh mục lĩnh vực; gần nhất: ${match.nearest.join('; ')}.`,
            }),
          );
          continue;
        }
        sector = match.sector;
      }
      let made = rows.get(sector.code);
      if (!made) {
        const cells = template ? { ...template } : {};
        made = { row: { rowKey: sector.code, label: sector.name, cells }, mask: 0 };
        rows.set(sector.code, made);
      }
      run = { code: value.sectorCode, name: value.sectorName, sector, made };
      runChecked = false;
    }
    const { sector, made } = run;
    const { row } = made;
    // One indicator is one column of the form, so a column already filled is a value given twice.
    if (template ? (made.mask & slot.bit) !== 0 : slot.column in row.cells) {
      const first = firstValueOf(values, index, value.indicatorCode, sector, context);
      problems.push(
        problem({
          code: 'VALUE_DUPLICATE',
          field: `report.values[${index}]`,
          rule: 'one value per indicator and sector',
          expected: `once (first at report.values[${first}])`,
          actual: `${value.indicatorCode} / ${sector.name}`,
          message: `Chỉ tiêu ${value.indicatorCode} của lĩnh vực "${sector.name}" bị nhập hai lần.`,
        }),
      );
      continue;
    }
    if (!runChecked) {
      runChecked = true;
      if (!handled.has(sector.code) && !unhandled.has(sector.code)) {
        unhandled.add(sector.code);
        problems.push(
          problem({
            code: 'SECTOR_NOT_HANDLED',
            field: `report.values[${index}]`,
            rule: 'sectors the unit handles, moved ones included',
            expected: [...handled],
            actual: sector.code,
            severity: 'warning',
            message: `Đơn vị báo cáo lĩnh vực "${sector.name}" mà danh mục không ghi là đơn vị đang giải quyết.`,
          }),
        );
      }
    }
    row.cells[slot.column] = value.value;
    made.mask |= slot.bit;
  }
  const body: GridRow[] = [];
  const ranks = sectorRanksOf(context.sectors);
  let ranked = ranks !== undefined;
  let inOrder = true;
  let last = -1;
  for (const { row, mask } of rows.values()) {
    // A row made from the template lets go of the columns it was given no value for.
    if (template && mask !== layout.full)
      for (const { column, bit } of layout.slots.values())
        if ((mask & bit) === 0) delete row.cells[column];
    body.push(row);
    const rank = ranks?.get(row.rowKey);
    if (rank === undefined) ranked = false;
    else if (rank < last) inOrder = false;
    else last = rank;
  }
  if (!ranked) return { rowKind: 'sector', rows: sortRows(body) };
  if (!inOrder) body.sort((a, b) => ranks!.get(a.rowKey)! - ranks!.get(b.rowKey)!);
  return { rowKind: 'sector', rows: body };
}

type GridMapping = Extract<FormMapping, { kind: 'grid' }>;

/** Where a grid mapping puts its values. */
interface GridLayout {
  /** Each indicator's column, and that column's bit in the mask of a row's filled columns. */
  slots: ReadonlyMap<string, { column: number; bit: number }>;
  /** Every column at 0, what a row's cells start as: copying an object with its keys in it costs a
   * fraction of adding them one by one. None past 31 columns (a mask's bits), or for a column
   * number that is not an array index. */
  template: Readonly<Record<number, number>> | undefined;
  /** The mask with every column filled. */
  full: number;
}

/** A grid mapping's layout, made once per mapping (a lookup by a key of a record reads the own
 * properties of the record alone, as this one does). */
const layoutOf = rememberPer((mapping: GridMapping): GridLayout => {
  const columns = [...new Set(Object.values(mapping.cells))];
  const slots = new Map(
    Object.entries(mapping.cells).map(([indicator, column]) => {
      const position = columns.indexOf(column);
      return [indicator, { column, bit: position < 31 ? 1 << position : 0 }] as const;
    }),
  );
  const template: Record<number, number> = {};
  for (const column of columns) template[column] = 0;
  // Array indices, so that the keys come in their numeric order however the row was filled.
  const indices = columns.every((column) => column < 2 ** 32 - 1);
  const masked = columns.length <= 31 && indices;
  return {
    slots,
    template: masked ? template : undefined,
    full: masked ? 2 ** columns.length - 1 : 0,
  };
});

/**
 * Each catalogue sector's place in the order sortRows gives rows (the collator's, which for codes
 * is their code units' order), worked out once per catalogue: rows of sectors are then put in
 * order by a number. Undefined, for sortRows to order them, should two codes be alike to the
 * collator (where sortRows keeps them as they came).
 */
const sectorRanksOf = rememberPer(
  (sectors: SectorCatalogue): ReadonlyMap<string, number> | undefined => {
    const codes = sectors
      .all()
      .map((sector) => sector.code)
      .sort(rowKeyOrder.compare);
    const distinct = codes.every(
      (code, index) => index === 0 || rowKeyOrder.compare(codes[index - 1], code) < 0,
    );
    return distinct ? new Map(codes.map((code, index) => [code, index])) : undefined;
  },
);

/** The order rows have always had (String.prototype.localeCompare's), at a fraction of its cost. */
const rowKeyOrder = new Intl.Collator();
const byRowKey = (a: GridRow, b: GridRow): number => rowKeyOrder.compare(a.rowKey, b.rowKey);

/**
 * Row keys of capital letters, digits and hyphens, as sector and unit codes are: for these the
 * collator's order is the order of their code units (no pair of a million random ones differed,
 * and a property test holds it), so they are sorted without asking the collator.
 */
const CODE_KEY = /^[A-Z0-9-]*$/;
const byCodeKey = (a: GridRow, b: GridRow): number =>
  a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0;

/** Rows in the order rows have always had (byRowKey's). */
export function sortRows(rows: GridRow[]): GridRow[] {
  for (const row of rows) if (!CODE_KEY.test(row.rowKey)) return rows.sort(byRowKey);
  // Rows mostly come in order already, as a report gives its sectors: then there is nothing to do.
  for (let index = 1; index < rows.length; index++)
    if (byCodeKey(rows[index - 1], rows[index]) > 0) return rows.sort(byCodeKey);
  return rows;
}

/** Where a value given twice was first given: looked for only when there is such a value. */
function firstValueOf(
  values: ProvincialReport['values'],
  before: number,
  indicatorCode: string,
  sector: Sector,
  context: MappingContext,
): number {
  return values.findIndex((value, index) => {
    if (index >= before || value.indicatorCode !== indicatorCode) return false;
    const match = context.sectors.match({ code: value.sectorCode, name: value.sectorName });
    return match.found && match.sector === sector;
  });
}

type OutlineMapping = Extract<FormMapping, { kind: 'outline' }>;
type OutlineSectionDefinition = OutlineForm['sections'][number];

/** An outline form's sections by code, as a map made once per form. */
const sectionsOf = rememberPer(
  (form: OutlineForm): ReadonlyMap<string, OutlineSectionDefinition> =>
    new Map(form.sections.map((section) => [section.code, section])),
);

/** An outline mapping's national section by provincial section, as a map made once per mapping
 * (a section named as an inherited property, such as constructor, is not mapped). */
const targetsOf = rememberPer(
  (mapping: OutlineMapping): ReadonlyMap<string, string> =>
    new Map(Object.entries(mapping.sections)),
);

function outlineBody(
  report: ProvincialReport,
  form: OutlineForm,
  mapping: OutlineMapping,
  context: MappingContext,
  problems: FieldError[],
): OutlinePacket['body'] {
  const definitions = sectionsOf(form);
  const targets = targetsOf(mapping);
  const sections: OutlinePacket['body']['sections'] = [];
  for (const section of report.sections) {
    const target = targets.get(section.sectionCode);
    if (!target) continue;
    sections.push({
      code: target,
      title: definitions.get(target)?.title ?? section.title,
      text: section.text,
      fields: {},
    });
  }
  if (mapping.satisfactionSection && report.satisfaction.length) {
    const definition = definitions.get(mapping.satisfactionSection);
    const fields: Record<string, number> = {};
    for (const field of definition?.fields ?? []) fields[field.key] = 0;
    const sources = new Set<string>();
    report.satisfaction.forEach((count, index) => {
      const level = context.satisfaction.levelOf(count.label);
      if (!level) {
        problems.push(
          problem({
            code: 'SATISFACTION_LABEL_UNKNOWN',
            field: `report.satisfaction[${index}].label`,
            rule: 'labels of the three satisfaction levels',
            expected: context.satisfaction.knownLabels,
            actual: count.label,
            message: `Mức đánh giá "${count.label}" không thuộc ba mức: Rất hài lòng; Hài lòng; Chưa hài lòng.`,
          }),
        );
        return;
      }
      const key = `${count.channel}.level${level}`;
      fields[key] = (fields[key] ?? 0) + count.count;
      sources.add(`${count.channel}: "${count.label}" → mức ${level}`);
    });
    // The levels are normalised; the labels the source used stay readable in the section's text.
    sections.push({
      code: mapping.satisfactionSection,
      title: definition?.title ?? mapping.satisfactionSection,
      text: `Nhãn gốc: ${[...sources].join('; ')}.`,
      fields,
    });
  }
  return { sections };
}

export interface SummaryInput {
  /** The district's own report on the provincial system: its figures are compared, never overwritten. */
  report: ProvincialReport;
  /** The mapping results of the units it aggregates for the period. */
  children: ReportMapping[];
}

/**
 * II.06 (and II.05) of a parent unit: the sum of its children's valid unit forms, by sector or by
 * unit. A difference from the summary the unit filed on the provincial system is an error naming
 * each cell, and the directive's checks (column 4, sector names, completeness) come out readable.
 */
export function mapSummary(input: SummaryInput, context: MappingContext): ReportMapping {
  const { report } = input;
  const base = {
    reportId: report.reportId,
    unitCode: report.officeCode,
    periodId: report.periodId,
  };
  if (report.status !== 'approved')
    return {
      ...base,
      eligible: false,
      skipReason: `Báo cáo tổng hợp đang ở trạng thái ${STATUS_VI[report.status] ?? report.status}.`,
      problems: [],
      forms: [],
    };
  const located = locate(report, context);
  if ('problems' in located)
    return { ...base, eligible: true, skipReason: null, problems: located.problems, forms: [] };
  const { unit, period, table } = located;
  const children = context.units.childrenOf(unit.officeCode, period);
  const forms: MappedForm[] = [];
  for (const form of context.units.formsFiledBy(unit.level, period, context.forms)) {
    const mapping = table.forms.find((candidate) => candidate.form === form.code);
    if (mapping?.kind !== 'summary' || form.kind !== 'grid') continue;
    const childForms = input.children.flatMap((child) =>
      child.forms
        .filter((candidate) => candidate.formCode === mapping.of && candidate.valid)
        .map((candidate) => ({ unitCode: child.unitCode, form: candidate })),
    );
    const included = new Set(childForms.map((child) => child.unitCode));
    const expected = children.filter((child) =>
      context.forms
        .formsFor(period)
        .some(
          (candidate) => candidate.code === mapping.of && candidate.filedBy.includes(child.level),
        ),
    );
    const missing = expected
      .filter((child) => !included.has(child.officeCode))
      .map((child) => child.officeCode);
    const rows = summaryRows(form, mapping.rowKind, childForms, context, children);
    const problems: FieldError[] = [];
    const checks: SummaryCheck[] = [];
    const ofMapping = table.forms.find((candidate) => candidate.form === mapping.of);
    if (ofMapping?.kind === 'grid' && mapping.rowKind === 'sector') {
      const filed = gridBody(report, ofMapping, located, context, []).rows;
      compareWithFiled(form, rows, filed, problems, checks);
    }
    checks.push({
      id: 'SECTOR_NAMES',
      passed: rows.every(
        (row) =>
          mapping.rowKind !== 'sector' ||
          context.sectors.byCodeOrUndefined(row.rowKey)?.name === row.label,
      ),
      description: 'Tên lĩnh vực đúng theo danh mục của các bộ, ngành',
      details: mapping.rowKind === 'sector' ? rows.map((row) => `${row.rowKey}: ${row.label}`) : [],
    });
    checks.push({
      id: 'CHILDREN_COMPLETE',
      passed: missing.length === 0,
      description: 'Đủ báo cáo của các đơn vị trực thuộc',
      details: missing.length ? [`Thiếu: ${missing.join(', ')}`] : [`Đủ ${included.size} đơn vị`],
    });
    if (missing.length) {
      problems.push(
        problem({
          code: 'SUMMARY_INCOMPLETE',
          field: 'children',
          rule: 'every child unit has a valid form',
          expected: expected.map((child) => child.officeCode),
          actual: [...included],
          severity: 'warning',
          message: `Chưa có số liệu hợp lệ của ${missing.length} đơn vị: ${missing.join(', ')}.`,
        }),
      );
    }
    const mapped = finishForm(form, { rowKind: mapping.rowKind, rows }, located, context, problems);
    forms.push({ ...mapped, checks, includedUnits: [...included].sort(), missingUnits: missing });
  }
  return { ...base, eligible: true, skipReason: null, problems: [], forms };
}

function summaryRows(
  form: GridForm,
  rowKind: 'sector' | 'unit',
  childForms: Array<{ unitCode: string; form: MappedForm }>,
  context: MappingContext,
  children: UnitRecord[],
): GridRow[] {
  const countColumns = form.columns
    .filter((column) => column.type === 'count')
    .map((column) => String(column.number));
  const add = (target: GridRow, cells: Record<string, number>) => {
    for (const column of countColumns)
      target.cells[column] = (target.cells[column] ?? 0) + (cells[column] ?? 0);
  };
  const rows = new Map<string, GridRow>();
  for (const { unitCode, form: child } of childForms) {
    if (child.packet.packetKind !== 'SO_LIEU_BAO_CAO') continue;
    for (const row of child.packet.body.rows) {
      const key = rowKind === 'sector' ? row.rowKey : unitCode;
      const label =
        rowKind === 'sector'
          ? (context.sectors.byCodeOrUndefined(row.rowKey)?.name ?? row.label)
          : (children.find((unit) => unit.officeCode === unitCode)?.name ?? unitCode);
      const target = rows.get(key) ?? { rowKey: key, label, cells: {} };
      add(target, row.cells);
      rows.set(key, target);
    }
  }
  return sortRows([...rows.values()]);
}

function compareWithFiled(
  form: GridForm,
  computed: GridRow[],
  filed: GridRow[],
  problems: FieldError[],
  checks: SummaryCheck[],
): void {
  const byKey = new Map(filed.map((row) => [row.rowKey, row]));
  const keys = new Set([...computed.map((row) => row.rowKey), ...filed.map((row) => row.rowKey)]);
  const columnFour: string[] = [];
  const countColumns = form.columns
    .filter((column) => column.type === 'count')
    .map((column) => String(column.number));
  for (const key of [...keys].sort()) {
    const mine = computed.find((row) => row.rowKey === key);
    const theirs = byKey.get(key);
    for (const column of countColumns) {
      const sum = mine?.cells[column] ?? 0;
      const reported = theirs?.cells[column] ?? 0;
      if (sum === reported) continue;
      const label = mine?.label ?? theirs?.label ?? key;
      if (form.checkColumns.includes(Number(column)))
        columnFour.push(`${label}: tỉnh ghi ${reported}, cộng từ đơn vị ${sum}`);
      problems.push(
        problem({
          code: 'SUMMARY_DIFFERS',
          field: `report.summary.${key}.${column}`,
          rule: `the summary equals the sum of the units' ${form.summaryOf ?? 'forms'}`,
          expected: sum,
          actual: reported,
          message: `Báo cáo tổng hợp trên hệ thống của tỉnh, dòng "${label}" cột ${column}, ghi ${reported} nhưng tổng của các đơn vị là ${sum}.`,
        }),
      );
    }
  }
  for (const column of form.checkColumns) {
    checks.push({
      id: 'ONLINE_RECEIVED',
      passed: columnFour.length === 0,
      description: `Cột ${column} (số hồ sơ nhận trực tuyến) khớp với số liệu thực tế của các đơn vị`,
      details: columnFour.length ? columnFour : ['Khớp'],
    });
  }
}
