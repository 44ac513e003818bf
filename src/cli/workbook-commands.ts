import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { Deadlines } from '../catalog/deadlines';
import { FormCatalogue } from '../catalog/forms';
import { BoardQuery } from '../transfers/board-query';
import { WorkbooksService, type WorkbookFile } from '../workbooks/workbooks.service';
import { withTransfers } from './cli-context';
import { cliActor, note } from './cli-output';

/** workbook transfer|draft|compliance: the XLSX files, written to a file (audited as via the API). */
export function addWorkbookCommands(program: Command): void {
  const workbook = program
    .command('workbook')
    .description('bảng tính Excel (XLSX): biểu theo mẫu, bản nháp, tình hình gửi báo cáo của kỳ');
  const out = '--out <file>';
  const outHelp = 'ghi vào tệp này (mặc định: tên tệp gợi ý, trong thư mục hiện tại)';

  workbook
    .command('transfer <id>')
    .description('biểu của một lượt chuyển đã được Hệ thống báo cáo Chính phủ xác nhận')
    .option(out, outHelp)
    .action(async (id: string, options: { out?: string }) =>
      writeWith({ remoteSystems: false }, options.out, (service) =>
        service.confirmed(id, cliActor()),
      ),
    );

  workbook
    .command('draft')
    .description(
      'bản nháp một biểu từ báo cáo đã duyệt trên hệ thống tỉnh (chạy thử: không lưu, không gửi)',
    )
    .requiredOption('--period <id>', 'kỳ báo cáo, ví dụ 2026-Q4')
    .requiredOption('--unit <code>', 'mã đơn vị')
    .requiredOption('--form <code>', 'mã biểu, ví dụ II.06a/VPCP/KSTT')
    .option(out, outHelp)
    .action(async (options: { period: string; unit: string; form: string; out?: string }) =>
      writeWith({ remoteSystems: true }, options.out, (service) =>
        service.draft(
          { periodId: options.period, unit: options.unit, form: options.form },
          cliActor(),
        ),
      ),
    );

  workbook
    .command('compliance')
    .description(
      'tình hình gửi báo cáo của một kỳ: mọi đơn vị và biểu, đúng hay trễ hạn, bỏ qua, không hợp lệ',
    )
    .requiredOption('--period <id>', 'kỳ báo cáo, ví dụ 2026-Q4')
    .option(out, outHelp)
    .action(async (options: { period: string; out?: string }) =>
      writeWith({ remoteSystems: false }, options.out, (service) =>
        service.compliance({ periodId: options.period }, cliActor()),
      ),
    );
}

/** Writes the workbook to a temporary file beside the target, then renames it: never half a file. */
async function writeWith(
  options: { remoteSystems: boolean },
  target: string | undefined,
  make: (service: WorkbooksService) => WorkbookFile | Promise<WorkbookFile>,
): Promise<void> {
  const written = await withTransfers(options, async (transfers, parts) => {
    const service = new WorkbooksService({
      ...parts,
      transfers,
      board: new BoardQuery(
        parts.dataSource,
        FormCatalogue.load(),
        Deadlines.load(),
        parts.config.console.atRiskDays,
      ),
    });
    const file = await make(service);
    const destination = path.resolve(target ?? file.fileName);
    const partial = `${destination}.part`;
    const stream = createWriteStream(partial);
    try {
      await file.write(stream);
      stream.end();
      await finished(stream);
      await rename(partial, destination);
    } catch (error) {
      stream.destroy();
      await rm(partial, { force: true });
      throw error;
    }
    return destination;
  });
  note(`Đã ghi ${written}`);
}
