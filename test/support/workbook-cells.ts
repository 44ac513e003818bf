import ExcelJS from 'exceljs';

/** What a reader sees in a workbook: every cell's value by address, merges, page set-up. */
export interface WorkbookPicture {
  sheets: Array<{
    name: string;
    cells: Record<string, unknown>;
    merges: string[];
    page: Record<string, unknown>;
    fonts: string[];
  }>;
}

export async function readWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

/** A workbook read back (exceljs) as plain data, for golden files. */
export async function pictureOf(bytes: Buffer): Promise<WorkbookPicture> {
  const workbook = await readWorkbook(bytes);
  return {
    sheets: workbook.worksheets.map((sheet) => {
      const cells: Record<string, unknown> = {};
      const fonts = new Set<string>();
      sheet.eachRow({ includeEmpty: false }, (row) =>
        row.eachCell({ includeEmpty: false }, (cell) => {
          if (cell.isMerged && cell.master !== cell) return;
          const value = cell.value instanceof Date ? cell.value.toISOString() : cell.value;
          if (value === null || value === undefined || value === '') return;
          cells[cell.address] = value;
          if (cell.font?.name) fonts.add(cell.font.name);
        }),
      );
      const model = sheet.model as unknown as { merges?: string[] };
      return {
        name: sheet.name,
        cells,
        merges: [...(model.merges ?? [])].sort(),
        page: {
          paperSize: sheet.pageSetup.paperSize,
          orientation: sheet.pageSetup.orientation,
          fitToWidth: sheet.pageSetup.fitToWidth,
          printTitlesRow: sheet.pageSetup.printTitlesRow ?? null,
        },
        fonts: [...fonts].sort(),
      };
    }),
  };
}

/** A cell's value as text: rich text and formulas as their JSON. */
export function cellText(value: ExcelJS.CellValue): string {
  return typeof value === 'object' && value !== null && !(value instanceof Date)
    ? JSON.stringify(value)
    : String(value);
}
