import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import type { Period } from '../catalog/periods';
import { formatInstant, periodName } from '../common/format';
import { LEVEL_WORDS, STATE_WORDS } from '../console/words';
import type { TransferState } from '../database/entities/transfer.entity';
import {
  BOARD_WORDS,
  type Board,
  type BoardCategory,
  type ComplianceCell,
} from '../transfers/board-query';

export interface ComplianceInput {
  period: Period;
  /** The counts per group, for the summary sheet. */
  board: Board;
  /** Every unit and form, group by group, in batches. */
  cells: AsyncIterable<ComplianceCell[]>;
  madeAt: Date;
  madeBy: string;
  font?: { name: string; size: number };
}

const CATEGORIES: BoardCategory[] = [
  'on-time',
  'late',
  'in-progress',
  'invalid',
  'failed',
  'not-approved',
  'skipped',
  'no-report',
];

/** A4 (paper size 9) landscape, one page wide. */
const A4_LANDSCAPE: Partial<ExcelJS.PageSetup> = {
  paperSize: 9,
  orientation: 'landscape',
  fitToPage: true,
  fitToWidth: 1,
  fitToHeight: 0,
};

const UNIT_COLUMNS: Array<{ header: string; width: number }> = [
  { header: 'TT', width: 6 },
  { header: 'Mã đơn vị', width: 18 },
  { header: 'Đơn vị', width: 34 },
  { header: 'Cấp', width: 16 },
  { header: 'Biểu', width: 18 },
  { header: 'Hạn gửi', width: 12 },
  { header: 'Duyệt trên hệ thống tỉnh lúc', width: 18 },
  { header: 'Hệ thống Chính phủ xác nhận lúc', width: 18 },
  { header: 'Mã báo cáo trên hệ thống Chính phủ', width: 22 },
  { header: 'Tình hình', width: 24 },
  { header: 'So với hạn', width: 20 },
  { header: 'Trạng thái lượt chuyển', width: 20 },
  { header: 'Lý do bỏ qua / lỗi gửi', width: 40 },
  { header: 'Lỗi dữ liệu (không hợp lệ)', width: 60 },
];

/**
 * The province's compliance workbook for a period: a summary sheet with the counts per group, then
 * a sheet per group (departments, each district, the communes) with every unit and form, filters
 * on each header row. Written as a stream (exceljs' WorkbookWriter, no shared strings): rows are
 * committed as they come, so a nation-sized period takes no more memory than a province's.
 */
export async function writeComplianceWorkbook(
  input: ComplianceInput,
  out: Writable,
): Promise<void> {
  const font = input.font ?? { name: 'Times New Roman', size: 11 };
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = 'Cổng chuyển báo cáo Quảng Ngãi';
  workbook.created = input.madeAt;
  const sheetNames = new Set<string>();
  const title = (sheet: ExcelJS.Worksheet, width: number, heading: string) => {
    const lines = [
      heading,
      `Kỳ báo cáo: ${periodName(input.period.id, true)}`,
      `Lập lúc ${formatInstant(input.madeAt)} bởi ${input.madeBy}, theo dữ liệu của Cổng chuyển báo cáo`,
    ];
    lines.forEach((text, index) => {
      const row = sheet.addRow([text]);
      row.font = {
        ...font,
        bold: index === 0,
        italic: index > 0,
        size: font.size + (index ? 0 : 2),
      };
      sheet.mergeCells(row.number, 1, row.number, width);
      row.commit();
    });
    sheet.addRow([]).commit();
  };

  // The summary: one row per group, the totals, filters on the header row.
  const summary = workbook.addWorksheet(uniqueName('Tổng hợp', sheetNames), {
    pageSetup: A4_LANDSCAPE,
    views: [{ state: 'frozen', ySplit: 5 }],
  });
  const summaryHeaders = [
    'Nhóm',
    'Số biểu phải gửi',
    ...CATEGORIES.map((category) => BOARD_WORDS[category]),
    'Sắp trễ hạn (chưa xác nhận)',
    'Quá hạn (chưa xác nhận)',
    'Tỉ lệ xác nhận đúng hạn',
  ];
  summary.columns = summaryHeaders.map((_, index) => ({ width: index === 0 ? 34 : 14 }));
  title(
    summary,
    summaryHeaders.length,
    'TÌNH HÌNH GỬI BÁO CÁO LÊN HỆ THỐNG THÔNG TIN BÁO CÁO CHÍNH PHỦ',
  );
  header(summary, summaryHeaders, font);
  const summaryRow = (name: string, counts: Board['totals'], bold = false) => {
    const row = summary.addRow([
      name,
      counts.total,
      ...CATEGORIES.map((category) => counts[category]),
      counts.atRisk,
      counts.overdue,
      counts.total ? counts['on-time'] / counts.total : 0,
    ]);
    row.font = { ...font, bold };
    row.getCell(summaryHeaders.length).numFmt = '0.0%';
    row.commit();
  };
  for (const group of input.board.groups) summaryRow(group.name, group.counts);
  summaryRow('Toàn tỉnh', input.board.totals, true);
  summary.autoFilter = {
    from: { row: 5, column: 1 },
    to: { row: 5, column: summaryHeaders.length },
  };
  if (input.board.skippedOutside.length) {
    summary.addRow([]).commit();
    const note = summary.addRow([
      'Báo cáo bị bỏ qua vì đơn vị không còn hiệu lực trong kỳ (không thuộc nhóm nào):',
    ]);
    note.font = { ...font, bold: true };
    note.commit();
    for (const skipped of input.board.skippedOutside) {
      const row = summary.addRow([
        `${skipped.unitCode} · báo cáo ${skipped.reportId}: ${skipped.reason ?? 'không rõ lý do'}`,
      ]);
      row.font = font;
      row.commit();
    }
  }
  summary.commit();

  // A sheet per group, as the cells come.
  let sheet: ExcelJS.Worksheet | undefined;
  let groupKey: string | undefined;
  let number = 0;
  const close = () => {
    if (!sheet) return;
    sheet.autoFilter = { from: { row: 5, column: 1 }, to: { row: 5, column: UNIT_COLUMNS.length } };
    sheet.commit();
  };
  for await (const batch of input.cells) {
    for (const cell of batch) {
      if (cell.groupKey !== groupKey) {
        close();
        groupKey = cell.groupKey;
        number = 0;
        sheet = workbook.addWorksheet(uniqueName(cell.groupName, sheetNames), {
          pageSetup: A4_LANDSCAPE,
          views: [{ state: 'frozen', ySplit: 5, xSplit: 3 }],
        });
        sheet.columns = UNIT_COLUMNS.map((column) => ({ width: column.width }));
        title(sheet, UNIT_COLUMNS.length, cell.groupName.toLocaleUpperCase('vi'));
        header(
          sheet,
          UNIT_COLUMNS.map((column) => column.header),
          font,
        );
      }
      number += 1;
      const row = sheet!.addRow([
        number,
        cell.unitCode,
        cell.unitName,
        LEVEL_WORDS[cell.level] ?? cell.level,
        cell.formCode,
        calendarDate(cell.deadline),
        vietnamTime(cell.approvedAt),
        vietnamTime(cell.confirmedAt),
        cell.submissionId,
        BOARD_WORDS[cell.category],
        againstDeadline(cell),
        cell.state ? (STATE_WORDS[cell.state as TransferState] ?? cell.state) : null,
        cell.category === 'skipped' ||
        cell.category === 'not-approved' ||
        cell.category === 'failed'
          ? cell.detail
          : null,
        cell.problems.length ? cell.problems.join('\n') : null,
      ]);
      row.font = font;
      row.getCell(6).numFmt = 'dd/mm/yyyy';
      row.getCell(7).numFmt = 'dd/mm/yyyy hh:mm';
      row.getCell(8).numFmt = 'dd/mm/yyyy hh:mm';
      row.getCell(14).alignment = { wrapText: true, vertical: 'top' };
      row.commit();
    }
  }
  close();
  await workbook.commit();
}

function header(sheet: ExcelJS.Worksheet, headers: string[], font: { name: string; size: number }) {
  const row = sheet.addRow(headers);
  row.font = { ...font, bold: true };
  row.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  row.height = 45;
  row.eachCell((cell) => {
    cell.border = {
      top: { style: 'thin' },
      left: { style: 'thin' },
      bottom: { style: 'thin' },
      right: { style: 'thin' },
    };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } };
  });
  row.commit();
}

/** Where a unit's form stands against its deadline, in words. */
function againstDeadline(cell: ComplianceCell): string {
  if (cell.category === 'on-time') return 'Đúng hạn';
  if (cell.category === 'late') return 'Trễ hạn';
  if (cell.urgency === 'overdue') return 'Quá hạn, chưa xác nhận';
  if (cell.urgency === 'at-risk') return 'Sắp đến hạn, chưa xác nhận';
  return 'Chưa đến hạn';
}

/**
 * An instant as the spreadsheet shows it: spreadsheets have no time zones, so the value is the
 * wall-clock time in Vietnam (UTC+7, no daylight saving).
 */
function vietnamTime(value: Date | null): Date | null {
  return value ? new Date(value.getTime() + 7 * 3_600_000) : null;
}

function calendarDate(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** A sheet's name: at most 31 characters, none of : \ / ? * [ ], unique in the workbook. */
function uniqueName(wanted: string, taken: Set<string>): string {
  const base = wanted.replace(/[:\\/?*[\]]/g, '-').slice(0, 31);
  let name = base;
  for (let suffix = 2; taken.has(name.toLocaleLowerCase('vi')); suffix++)
    name = `${base.slice(0, 31 - String(suffix).length - 1)}~${suffix}`;
  taken.add(name.toLocaleLowerCase('vi'));
  return name;
}
