import type { FormDefinition, GridForm, OutlineForm } from '../catalog/forms';
import { evaluateRule, ruleHolds, type Cells } from '../catalog/form-rules';
import type { FieldError } from '../contracts/national-wire';
import type { UnitLevel } from '../contracts/provincial-wire';
import { rememberPer } from '../common/remember';

/**
 * Validation of a national submission packet against its form: every problem at once, each with
 * a stable code, the field path, the rule, the expected and the actual value, and a message in
 * Vietnamese. Pure; the gateway runs it before pushing and the national simulator runs it on
 * receipt.
 */
export interface ValidationContext {
  form: FormDefinition;
  unit: { officeCode: string; level: UnitLevel };
  knownSectorCodes: Pick<ReadonlySet<string>, 'has'>;
  /** For unit rows of a summary: the units whose rows may appear. */
  childUnitCodes?: ReadonlySet<string>;
  /** The previous period's rows by row key, for the carry-over warnings. */
  previousRows?: ReadonlyMap<string, Cells>;
}

type Issue = Omit<FieldError, 'severity'> & { severity?: FieldError['severity'] };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The header's fields that are non-empty strings. */
const HEADER_TEXT_FIELDS = [
  'unitCode',
  'formCode',
  'regimeCode',
  'periodId',
  'clientReference',
] as const;

export function validatePacket(packet: unknown, context: ValidationContext): FieldError[] {
  const issues: Issue[] = [];
  const { form, unit } = context;
  if (!isRecord(packet)) {
    return [
      finish({
        code: 'PACKET_SHAPE',
        field: '',
        rule: 'packet is an object',
        expected: 'object',
        actual: typeof packet,
        message: 'Gói tin không phải là một đối tượng JSON.',
      }),
    ];
  }
  const expectedKind = form.kind === 'grid' ? 'SO_LIEU_BAO_CAO' : 'GUI_DE_CUONG';
  if (packet.packetKind !== expectedKind) {
    issues.push({
      code: 'PACKET_KIND',
      field: 'packetKind',
      rule: `form ${form.code} takes ${expectedKind} packets`,
      expected: expectedKind,
      actual: packet.packetKind,
      message: `Biểu ${form.code} phải gửi bằng gói ${expectedKind}.`,
    });
  }
  const header = isRecord(packet.header) ? packet.header : {};
  if (!isRecord(packet.header)) {
    issues.push({
      code: 'PACKET_SHAPE',
      field: 'header',
      rule: 'header is an object',
      expected: 'object',
      actual: typeof packet.header,
      message: 'Thiếu phần đầu (header) của gói tin.',
    });
  }
  for (const key of HEADER_TEXT_FIELDS) {
    if (typeof header[key] !== 'string' || header[key] === '') {
      issues.push({
        code: 'FIELD_MISSING',
        field: `header.${key}`,
        rule: `${key} is a non-empty string`,
        expected: 'string',
        actual: header[key] ?? null,
        message: `Thiếu trường ${key} trong phần đầu gói tin.`,
      });
    }
  }
  if (header.formCode !== undefined && header.formCode !== form.code) {
    issues.push({
      code: 'FORM_MISMATCH',
      field: 'header.formCode',
      rule: 'the packet names its form',
      expected: form.code,
      actual: header.formCode,
      message: `Mã biểu ${JSON.stringify(header.formCode)} không khớp biểu ${form.code}.`,
    });
  }
  if (header.formVersion !== form.version) {
    issues.push({
      code: 'FORM_VERSION',
      field: 'header.formVersion',
      rule: 'the form version in force',
      expected: form.version,
      actual: header.formVersion ?? null,
      message: `Phiên bản biểu phải là ${form.version}, gói tin ghi ${String(header.formVersion)}.`,
    });
  }
  if (header.regimeCode !== undefined && header.regimeCode !== form.regime) {
    issues.push({
      code: 'REGIME_MISMATCH',
      field: 'header.regimeCode',
      rule: 'the regime in force for the period',
      expected: form.regime,
      actual: header.regimeCode,
      message: `Chế độ báo cáo phải là ${form.regime}.`,
    });
  }
  if (!form.filedBy.includes(unit.level)) {
    issues.push({
      code: 'UNIT_NOT_FILER',
      field: 'header.unitCode',
      rule: `form ${form.code} is filed by ${form.filedBy.join(', ')}`,
      expected: form.filedBy,
      actual: unit.level,
      message: `Đơn vị cấp ${unit.level} không nộp biểu ${form.code}.`,
    });
  }
  const body = packet.body;
  if (!isRecord(body)) {
    issues.push({
      code: 'PACKET_SHAPE',
      field: 'body',
      rule: 'body is an object',
      expected: 'object',
      actual: typeof body,
      message: 'Thiếu phần số liệu (body) của gói tin.',
    });
  } else if (form.kind === 'grid') {
    validateGrid(body, form, context, issues);
  } else {
    validateOutline(body, form, issues);
  }
  return issues.map(finish);
}

function finish(issue: Issue): FieldError {
  return { ...issue, severity: issue.severity ?? 'error' };
}

function validateGrid(
  body: Record<string, unknown>,
  form: GridForm,
  context: ValidationContext,
  issues: Issue[],
): void {
  const rowKind = body.rowKind;
  if (typeof rowKind !== 'string' || !form.rowKinds.includes(rowKind as 'sector' | 'unit')) {
    issues.push({
      code: 'ROW_KIND',
      field: 'body.rowKind',
      rule: `rows of ${form.code} are ${form.rowKinds.join(' or ')}`,
      expected: form.rowKinds,
      actual: rowKind ?? null,
      message: `Loại dòng phải là ${form.rowKinds.join(' hoặc ')}.`,
    });
  }
  if (!Array.isArray(body.rows)) {
    issues.push({
      code: 'PACKET_SHAPE',
      field: 'body.rows',
      rule: 'rows is a list',
      expected: 'array',
      actual: typeof body.rows,
      message: 'Thiếu danh sách dòng số liệu.',
    });
    return;
  }
  const countColumns = countColumnsOf(form);
  const seen = new Map<string, number>();
  const rows: unknown[] = body.rows;
  for (let index = 0; index < rows.length; index++) {
    const raw = rows[index];
    const at = () => `body.rows[${index}]`;
    if (
      !isRecord(raw) ||
      typeof raw.rowKey !== 'string' ||
      raw.rowKey === '' ||
      !isRecord(raw.cells)
    ) {
      issues.push({
        code: 'PACKET_SHAPE',
        field: at(),
        rule: 'a row has rowKey, label and cells',
        expected: '{rowKey, label, cells}',
        actual: raw ?? null,
        message: `Dòng thứ ${index + 1} không đúng cấu trúc.`,
      });
      continue;
    }
    const label = typeof raw.label === 'string' && raw.label ? raw.label : raw.rowKey;
    const first = seen.get(raw.rowKey);
    if (first !== undefined) {
      issues.push({
        code: 'ROW_DUPLICATE',
        field: `${at()}.rowKey`,
        rule: 'each row key appears once',
        expected: `once (first at body.rows[${first}])`,
        actual: raw.rowKey,
        message: `Dòng "${label}" bị lặp lại (đã có ở dòng ${first + 1}).`,
      });
    } else seen.set(raw.rowKey, index);
    if (rowKind === 'sector' && !context.knownSectorCodes.has(raw.rowKey)) {
      issues.push({
        code: 'SECTOR_UNKNOWN',
        field: `${at()}.rowKey`,
        rule: 'sectors of the national TTHC database',
        expected: 'a known sector code',
        actual: raw.rowKey,
        message: `Lĩnh vực "${label}" (${raw.rowKey}) không có trong danh mục lĩnh vực.`,
      });
    }
    if (rowKind === 'unit' && context.childUnitCodes && !context.childUnitCodes.has(raw.rowKey)) {
      issues.push({
        code: 'UNIT_ROW_UNKNOWN',
        field: `${at()}.rowKey`,
        rule: 'units aggregated by the filer',
        expected: 'a unit under the filer',
        actual: raw.rowKey,
        message: `Đơn vị "${label}" không thuộc phạm vi tổng hợp của đơn vị báo cáo.`,
      });
    }
    const given = raw.cells;
    // A row as the mapper writes it (every key a count column holding a whole count, nothing to
    // say about its cells but the missing ones) is known by counting: its keys are no more than
    // the count columns present. Only another row has its keys gone through, one by one.
    const present = wholeCountsOnly(given, countColumns.list);
    const plain = present >= 0;
    if (!plain) cellIssues(given, countColumns, at, label, issues);
    const cells = plain ? (given as Cells) : validCells(given, countColumns.set);
    // A plain row with every count column present has none missing.
    if (present !== countColumns.list.length)
      for (const column of countColumns.list) {
        if (!(column in given)) {
          issues.push({
            code: 'CELL_MISSING',
            field: `${at()}.cells.${column}`,
            rule: 'every count column has a value',
            expected: 'integer >= 0',
            actual: null,
            message: `Dòng "${label}": thiếu số liệu cột ${column}.`,
          });
        }
      }
    const previous = context.previousRows?.get(raw.rowKey);
    for (const rule of form.parsedRules) {
      if (ruleHolds(rule, cells, previous) !== false) continue;
      const outcome = evaluateRule(rule, cells, previous)!;
      issues.push({
        code: rule.severity === 'warning' ? 'RULE_WARNING' : 'RULE_BROKEN',
        field: `${at()}.cells.${rule.left.find((term) => term.column !== undefined)?.column ?? ''}`,
        rule: `${rule.id}: ${rule.expression}`,
        expected: outcome.expected,
        actual: outcome.actual,
        severity: rule.severity,
        message: `Dòng "${label}": ${describeRule(rule.expression)} (= ${outcome.expected}), nhưng đang là ${outcome.actual}.`,
      });
    }
  }
}

/**
 * When every key of a row's cells is a count column holding a whole, non-negative count: how many
 * there are; else -1.
 */
function wholeCountsOnly(given: Record<string, unknown>, columns: readonly number[]): number {
  let present = 0;
  for (const column of columns) {
    const value = given[column];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return -1;
    present++;
  }
  return present === Object.keys(given).length ? present : -1;
}

/** The issues of a row's cells other than missing ones, in the order of its keys. */
function cellIssues(
  given: Record<string, unknown>,
  countColumns: { list: number[]; set: ReadonlySet<number> },
  at: () => string,
  label: string,
  issues: Issue[],
): void {
  for (const key in given) {
    const value = given[key];
    const column = Number(key);
    if (!countColumns.set.has(column)) {
      issues.push({
        code: 'CELL_UNKNOWN_COLUMN',
        field: `${at()}.cells.${key}`,
        rule: `count columns are ${countColumns.list.join(', ')}`,
        expected: countColumns.list,
        actual: key,
        message: `Dòng "${label}": biểu không có cột số liệu ${key}.`,
      });
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      issues.push({
        code: 'CELL_NOT_INTEGER',
        field: `${at()}.cells.${key}`,
        rule: 'a count is a whole number',
        expected: 'integer',
        actual: value,
        message: `Dòng "${label}", cột ${key}: số liệu phải là số nguyên.`,
      });
      continue;
    }
    if (value < 0) {
      issues.push({
        code: 'CELL_NEGATIVE',
        field: `${at()}.cells.${key}`,
        rule: 'a count is not negative',
        expected: '>= 0',
        actual: value,
        message: `Dòng "${label}", cột ${key}: số liệu không được âm (đang là ${value}).`,
      });
    }
  }
}

/** The cells of a row that are whole, non-negative counts of count columns, by column number. */
function validCells(given: Record<string, unknown>, columns: ReadonlySet<number>): Cells {
  const cells: Record<number, number> = {};
  for (const key in given) {
    const value = given[key];
    const column = Number(key);
    if (columns.has(column) && typeof value === 'number' && Number.isInteger(value) && value >= 0)
      cells[column] = value;
  }
  return cells;
}

/** The form's count columns, worked out once per form. */
const countColumnsOf = rememberPer(
  (form: GridForm): { list: number[]; set: ReadonlySet<number> } => {
    const list = form.columns
      .filter((column) => column.type === 'count')
      .map((column) => column.number);
    return { list, set: new Set(list) };
  },
);

/** "c3 = c4 + c5" → "cột 3 phải bằng cột 4 + cột 5"; "previous.c11" → "cột 11 kỳ trước". */
export function describeRule(expression: string): string {
  const [left, right] = expression.split('=').map((side) =>
    side
      .trim()
      .replace(/previous\.c(\d+)/g, 'cột $1 kỳ trước')
      .replace(/\bc(\d+)/g, 'cột $1'),
  );
  return `${left} phải bằng ${right}`;
}

interface OutlineShape {
  definitions: ReadonlyMap<string, OutlineForm['sections'][number]>;
  fieldKeys: ReadonlyMap<OutlineForm['sections'][number], ReadonlySet<string>>;
}

/** An outline form's sections by code and each section's field keys, worked out once per form. */
const outlineShapeOf = rememberPer((form: OutlineForm): OutlineShape => ({
  definitions: new Map(form.sections.map((section) => [section.code, section])),
  fieldKeys: new Map(
    form.sections.map((section) => [section, new Set(section.fields.map((field) => field.key))]),
  ),
}));

function validateOutline(body: Record<string, unknown>, form: OutlineForm, issues: Issue[]): void {
  if (!Array.isArray(body.sections)) {
    issues.push({
      code: 'PACKET_SHAPE',
      field: 'body.sections',
      rule: 'sections is a list',
      expected: 'array',
      actual: typeof body.sections,
      message: 'Thiếu danh sách các phần của đề cương.',
    });
    return;
  }
  const { definitions, fieldKeys } = outlineShapeOf(form);
  const present = new Set<string>();
  body.sections.forEach((raw: unknown, index: number) => {
    const at = `body.sections[${index}]`;
    if (!isRecord(raw) || typeof raw.code !== 'string') {
      issues.push({
        code: 'PACKET_SHAPE',
        field: at,
        rule: 'a section has code, title, text and fields',
        expected: '{code, title, text, fields}',
        actual: raw ?? null,
        message: `Phần thứ ${index + 1} không đúng cấu trúc.`,
      });
      return;
    }
    const definition = definitions.get(raw.code);
    if (!definition) {
      issues.push({
        code: 'SECTION_UNKNOWN',
        field: `${at}.code`,
        rule: `sections of ${form.code}`,
        expected: [...definitions.keys()],
        actual: raw.code,
        message: `Đề cương không có phần ${raw.code}.`,
      });
      return;
    }
    if (present.has(raw.code)) {
      issues.push({
        code: 'SECTION_DUPLICATE',
        field: `${at}.code`,
        rule: 'each section appears once',
        expected: 'once',
        actual: raw.code,
        message: `Phần "${definition.title}" bị lặp lại.`,
      });
    }
    present.add(raw.code);
    if (typeof raw.text !== 'string') {
      issues.push({
        code: 'FIELD_MISSING',
        field: `${at}.text`,
        rule: 'a section has text',
        expected: 'string',
        actual: raw.text ?? null,
        message: `Phần "${definition.title}" thiếu nội dung.`,
      });
    } else if (raw.text.length > definition.maxLength) {
      issues.push({
        code: 'TEXT_TOO_LONG',
        field: `${at}.text`,
        rule: `at most ${definition.maxLength} characters`,
        expected: definition.maxLength,
        actual: raw.text.length,
        message: `Phần "${definition.title}" dài ${raw.text.length} ký tự, vượt quá ${definition.maxLength} ký tự cho phép.`,
      });
    }
    const fields = isRecord(raw.fields) ? raw.fields : {};
    const known = fieldKeys.get(definition)!;
    for (const [key, value] of Object.entries(fields)) {
      if (!known.has(key)) {
        issues.push({
          code: 'FIELD_UNKNOWN',
          field: `${at}.fields.${key}`,
          rule: `fields of section ${raw.code}`,
          expected: [...known],
          actual: key,
          message: `Phần "${definition.title}" không có chỉ tiêu ${key}.`,
        });
      } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        issues.push({
          code: 'FIELD_NOT_COUNT',
          field: `${at}.fields.${key}`,
          rule: 'a count is a whole number, not negative',
          expected: 'integer >= 0',
          actual: value,
          message: `Phần "${definition.title}", chỉ tiêu ${key}: phải là số nguyên không âm.`,
        });
      }
    }
    for (const field of definition.fields) {
      if (!(field.key in fields)) {
        issues.push({
          code: 'FIELD_MISSING',
          field: `${at}.fields.${field.key}`,
          rule: 'every field of the section has a value',
          expected: 'integer >= 0',
          actual: null,
          message: `Phần "${definition.title}" thiếu chỉ tiêu "${field.label}".`,
        });
      }
    }
  });
  for (const section of form.sections.filter(
    (candidate) => candidate.required && !present.has(candidate.code),
  )) {
    issues.push({
      code: 'SECTION_MISSING',
      field: 'body.sections',
      rule: `section ${section.code} is required`,
      expected: section.code,
      actual: null,
      message: `Đề cương thiếu phần "${section.title}".`,
    });
  }
}
