import type { Response } from 'express';
import type { WorkbookFile } from './workbooks.service';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Sends a workbook as an attachment (its Vietnamese name kept in filename*), then ends. */
export async function sendWorkbook(response: Response, file: WorkbookFile): Promise<void> {
  response.setHeader('content-type', XLSX_TYPE);
  response.setHeader(
    'content-disposition',
    `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
  );
  await file.write(response);
  response.end();
}

/** The console's (and the API's) way to a workbook: the query of a draft. */
export function draftQuery(periodId: string, unit: string, form: string): string {
  return new URLSearchParams({ periodId, unit, form }).toString();
}
