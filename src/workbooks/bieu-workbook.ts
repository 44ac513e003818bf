import ExcelJS from 'exceljs';
import type { FormDefinition, GridForm, OutlineForm, WorkbookLayout } from '../catalog/forms';
import type { Period } from '../catalog/periods';
import type { FieldError, SubmissionPacket } from '../contracts/national-wire';
import { formatDate, formatInstant, periodName } from '../common/format';

/** Where the workbook's figures come from, printed under the period. */
export type BieuStamp =
  | { kind: 'confirmed'; submissionId: string; confirmedAt: Date }
  | { kind: 'draft'; problems: FieldError[] };

export interface BieuSource {
  form: FormDefinition;
  packet: SubmissionPacket;
  period: Period;
  unit: { code: string; name: string; level: string; parentName: string | null };
  stamp: BieuStamp;
  /** The day of the place-and-date line: the confirmation's, or today for a draft. */
  dated: Date;
}

export interface BieuSettings {
  province: string;
  place: string;
}

export const DRAFT_STAMP = 'Bản nháp — chưa gửi';

/** "Quảng Ngãi, ngày 19 tháng 3 năm 2025", the day in Vietnam time. */
function placeAndDate(place: string, day: Date): string {
  const [dd, mm, yyyy] = formatDate(day).split('/');
  return `${place}, ngày ${Number(dd)} tháng ${Number(mm)} năm ${yyyy}`;
}

function stampText(stamp: BieuStamp): string {
  if (stamp.kind === 'confirmed')
    return `Đã gửi Hệ thống thông tin báo cáo Chính phủ: mã ${stamp.submissionId}, xác nhận lúc ${formatInstant(stamp.confirmedAt)}`;
  return stamp.problems.length
    ? `${DRAFT_STAMP} · không hợp lệ: ${stamp.problems.length} lỗi (liệt kê dưới bảng)`
    : DRAFT_STAMP;
}

/** The receiving unit by the layout's rule for the reporting unit's level. */
function receiverOf(layout: WorkbookLayout, source: BieuSource, settings: BieuSettings) {
  const rule = layout.receiver[source.unit.level as keyof WorkbookLayout['receiver']];
  const text = rule ?? (source.unit.parentName ? '{parent}' : '{province}');
  return text
    .replaceAll('{parent}', source.unit.parentName ?? settings.province)
    .replaceAll('{province}', settings.province);
}

/**
 * One biểu as officials file it: the form's appendix layout (config/forms/…, `workbook:`), the
 * figures of one payload, and where they come from (confirmed by the national system, or a draft).
 */
export function bieuWorkbook(source: BieuSource, settings: BieuSettings): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Cổng chuyển báo cáo Quảng Ngãi';
  workbook.created = source.dated;
  workbook.modified = source.dated;
  const layout = source.form.workbook;
  const sheet = workbook.addWorksheet(sheetName(source.form), {
    pageSetup: {
      paperSize: 9, // A4
      orientation: layout.orientation,
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      horizontalCentered: true,
      margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: `${source.form.code} · ${source.unit.name} · Trang &P/&N` },
  });
  if (source.form.kind === 'grid' && source.packet.packetKind === 'SO_LIEU_BAO_CAO')
    writeGrid(sheet, source.form, source.packet.body.rows, source, settings);
  else if (source.form.kind === 'outline' && source.packet.packetKind === 'GUI_DE_CUONG')
    writeOutline(sheet, source.form, source.packet.body.sections, source, settings);
  else
    throw new Error(
      `payload ${source.packet.packetKind} does not fit form ${source.form.code} (${source.form.kind})`,
    );
  const font = { name: layout.font.name, size: layout.font.size };
  sheet.eachRow({ includeEmpty: true }, (row) =>
    row.eachCell({ includeEmpty: true }, (cell) => {
      cell.font = { ...font, ...(cell.font ?? {}), name: font.name };
    }),
  );
  return workbook;
}

function sheetName(form: FormDefinition): string {
  // Excel refuses : \ / ? * [ ] in a sheet's name.
  return (form.workbook.sheetName ?? form.code.split('/')[0]).replace(/[:\\/?*[\]]/g, '-');
}

type Sheet = ExcelJS.Worksheet;
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};

/** A text over columns first..last of a row, merged when it spans more than one. */
function put(
  sheet: Sheet,
  row: number,
  first: number,
  last: number,
  value: string,
  style: {
    bold?: boolean;
    italic?: boolean;
    size?: number;
    align?: 'left' | 'center' | 'right';
  } = {},
): void {
  if (last > first) sheet.mergeCells(row, first, row, last);
  const cell = sheet.getCell(row, first);
  cell.value = value;
  cell.font = {
    bold: style.bold ?? false,
    italic: style.italic ?? false,
    ...(style.size ? { size: style.size } : {}),
  };
  cell.alignment = { horizontal: style.align ?? 'left', vertical: 'middle', wrapText: true };
}

/**
 * The top of the appendix: reporting and receiving unit on the left, the form's code and its act
 * on the right; the title in capitals; the period with its dates; where the figures come from.
 * Returns the next free row.
 */
function writeTop(sheet: Sheet, width: number, source: BieuSource, settings: BieuSettings): number {
  const layout = source.form.workbook;
  const half = Math.max(1, Math.floor(width / 2));
  const rightFirst = Math.min(width, half + 1);
  put(sheet, 1, 1, half, `Đơn vị báo cáo: ${source.unit.name}`, { bold: true });
  put(sheet, 1, rightFirst, width, `Biểu số ${source.form.code}`, { bold: true, align: 'center' });
  put(sheet, 2, 1, half, `Đơn vị nhận báo cáo: ${receiverOf(layout, source, settings)}`, {
    bold: true,
  });
  if (layout.issuedUnder)
    put(sheet, 2, rightFirst, width, layout.issuedUnder, { italic: true, align: 'center' });
  if (source.form.provisional)
    put(sheet, 3, rightFirst, width, 'Biểu tạm định (chưa đối chiếu văn bản gốc)', {
      italic: true,
      align: 'center',
    });
  const size = layout.font.size;
  put(sheet, 5, 1, width, source.form.title.toLocaleUpperCase('vi'), {
    bold: true,
    size: size + 2,
    align: 'center',
  });
  sheet.getRow(5).height = 36;
  put(sheet, 6, 1, width, `Kỳ báo cáo: ${periodName(source.period.id, true)}`, {
    italic: true,
    align: 'center',
  });
  put(sheet, 7, 1, width, stampText(source.stamp), { bold: true, align: 'center' });
  return 8;
}

/** The place-and-date line, the signature titles and notes; the draft's problems after them. */
function writeBottom(
  sheet: Sheet,
  row: number,
  width: number,
  source: BieuSource,
  settings: BieuSettings,
): void {
  const signatures = source.form.workbook.signatures;
  const span = Math.max(1, Math.floor(width / signatures.length));
  // Each signature over its share of the columns; the last one takes what is left.
  const columns = signatures.map((_, index) => {
    const first = index * span + 1;
    return [first, index === signatures.length - 1 ? width : first + span - 1] as const;
  });
  const [lastFirst, lastLast] = columns[columns.length - 1];
  put(sheet, row + 1, lastFirst, lastLast, placeAndDate(settings.place, source.dated), {
    italic: true,
    align: 'center',
  });
  signatures.forEach((signature, index) => {
    const [first, last] = columns[index];
    put(sheet, row + 2, first, last, signature.title, { bold: true, align: 'center' });
    put(sheet, row + 3, first, last, signature.note, { italic: true, align: 'center' });
  });
  if (source.stamp.kind !== 'draft' || !source.stamp.problems.length) return;
  let next = row + 8;
  put(sheet, next++, 1, width, 'Lỗi của bản nháp (chưa gửi được):', { bold: true });
  for (const problem of source.stamp.problems)
    put(
      sheet,
      next++,
      1,
      width,
      `${problem.code} · ${problem.field}: ${problem.message} (quy tắc ${problem.rule}; cần ${String(
        JSON.stringify(problem.expected),
      )}, có ${String(JSON.stringify(problem.actual))})`,
    );
}

function writeGrid(
  sheet: Sheet,
  form: GridForm,
  rows: Array<{ label: string; cells: Record<string, number> }>,
  source: BieuSource,
  settings: BieuSettings,
): void {
  const layout = form.workbook;
  const width = form.columns.length;
  form.columns.forEach((column, index) => {
    sheet.getColumn(index + 1).width =
      layout.columnWidths[String(column.number)] ?? layout.defaultWidth;
  });
  let row = writeTop(sheet, width, source, settings);
  if (layout.unitOfMeasure)
    put(sheet, row, Math.max(1, width - 3), width, layout.unitOfMeasure, {
      italic: true,
      align: 'right',
    });
  row += 1;
  const first = row;
  // Grouped headings: the group over its columns, each column's heading under it; a column
  // without a group spans both heading rows.
  for (let index = 0; index < width;) {
    const column = form.columns[index];
    if (!column.group) {
      sheet.mergeCells(first, index + 1, first + 1, index + 1);
      sheet.getCell(first, index + 1).value = column.heading;
      index += 1;
      continue;
    }
    let span = 0;
    while (form.columns[index + span]?.group === column.group) {
      sheet.getCell(first + 1, index + span + 1).value = form.columns[index + span].heading;
      span += 1;
    }
    if (span > 1) sheet.mergeCells(first, index + 1, first, index + span);
    sheet.getCell(first, index + 1).value = column.group;
    index += span;
  }
  form.columns.forEach((column, index) => {
    sheet.getCell(first + 2, index + 1).value = `(${column.number})`;
  });
  for (let line = first; line <= first + 2; line++)
    for (let index = 1; index <= width; index++) {
      const cell = sheet.getCell(line, index);
      cell.font = { bold: line < first + 2, italic: line === first + 2 };
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
      cell.border = THIN;
    }
  sheet.getRow(first).height = 32;
  sheet.getRow(first + 1).height = 62;
  sheet.pageSetup.printTitlesRow = `${first}:${first + 2}`;
  row = first + 3;
  const totals = new Map<number, number>();
  rows.forEach((line, index) => {
    form.columns.forEach((column, at) => {
      const cell = sheet.getCell(row, at + 1);
      if (column.type === 'row-number') cell.value = index + 1;
      else if (column.type === 'row-label') cell.value = line.label;
      else {
        const value = line.cells[String(column.number)] ?? 0;
        cell.value = value;
        cell.numFmt = '#,##0';
        totals.set(column.number, (totals.get(column.number) ?? 0) + value);
      }
      cell.border = THIN;
      cell.alignment = {
        horizontal:
          column.type === 'row-label' ? 'left' : column.type === 'count' ? 'right' : 'center',
        vertical: 'middle',
        wrapText: column.type === 'row-label',
      };
    });
    row += 1;
  });
  form.columns.forEach((column, at) => {
    const cell = sheet.getCell(row, at + 1);
    if (column.type === 'row-label') cell.value = 'Tổng số';
    else if (column.type === 'count') {
      cell.value = totals.get(column.number) ?? 0;
      cell.numFmt = '#,##0';
    }
    cell.font = { bold: true };
    cell.border = THIN;
    cell.alignment = {
      horizontal: column.type === 'count' ? 'right' : 'left',
      vertical: 'middle',
    };
  });
  sheet.views = [{ state: 'frozen', ySplit: first + 2 }];
  writeBottom(sheet, row + 1, width, source, settings);
}

function writeOutline(
  sheet: Sheet,
  form: OutlineForm,
  sections: Array<{ code: string; title: string; text: string; fields: Record<string, number> }>,
  source: BieuSource,
  settings: BieuSettings,
): void {
  const layout = form.workbook;
  // Three columns: texts span all of them, a field's label the first two and its number the
  // third; the signatures share them (left, and right over the last two).
  const width = 3;
  [45, 30, 14].forEach((fallback, index) => {
    sheet.getColumn(index + 1).width = layout.columnWidths[String(index + 1)] ?? fallback;
  });
  let row = writeTop(sheet, width, source, settings) + 1;
  for (const section of sections) {
    put(sheet, row++, 1, width, section.title, { bold: true });
    const text = section.text.trim() || '(không có nội dung)';
    put(sheet, row, 1, width, text);
    // Rows do not grow by themselves in every program: about 95 characters a line.
    const lines = text
      .split('\n')
      .reduce((sum, paragraph) => sum + Math.max(1, Math.ceil(paragraph.length / 95)), 0);
    sheet.getRow(row).height = Math.min(409, Math.max(1, lines) * 16);
    row += 1;
    const definition = form.sections.find((candidate) => candidate.code === section.code);
    const fields = definition?.fields ?? [];
    const keys = fields.length
      ? fields.map((field) => [field.key, field.label] as const)
      : Object.keys(section.fields).map((key) => [key, key] as const);
    for (const [key, label] of keys) {
      if (!(key in section.fields)) continue;
      sheet.mergeCells(row, 1, row, 2);
      const labelCell = sheet.getCell(row, 1);
      labelCell.value = label;
      labelCell.border = THIN;
      const valueCell = sheet.getCell(row, 3);
      valueCell.value = section.fields[key];
      valueCell.numFmt = '#,##0';
      valueCell.border = THIN;
      row += 1;
    }
    row += 1;
  }
  writeBottom(sheet, row, width, source, settings);
}
