import type { Command } from 'commander';
import { parsePage } from '../common/paging';
import { parseTransferFilters } from '../transfers/dto/transfer-requests';
import { withTransfers } from './cli-context';
import { cliActor, cliList, note, print } from './cli-output';

/** sync, reconcile, transfers list|show|rerun|cancel, discrepancies list|resolve. */
export function addTransferCommands(program: Command): void {
  program
    .command('sync')
    .description(
      'trích, ánh xạ và kiểm tra một kỳ thành các lượt chuyển; cổng đang chạy sẽ đẩy chúng',
    )
    .requiredOption('--period <id>', 'kỳ báo cáo, ví dụ 2026-Q4')
    .option('--units <codes>', 'chỉ các đơn vị này, cách nhau bởi dấu phẩy')
    .option('--forms <codes>', 'chỉ các biểu này, cách nhau bởi dấu phẩy')
    .option(
      '--dry-run',
      'chạy thử: xem từng gói dữ liệu và khác biệt với bản quốc gia; không gửi gì',
    )
    .option('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
    .action(
      async (options: {
        period: string;
        units?: string;
        forms?: string;
        dryRun?: boolean;
        reason?: string;
      }) => {
        const result = await withTransfers(
          { remoteSystems: true, enqueues: !options.dryRun },
          (service) =>
            service.startSync(
              {
                periodId: options.period,
                units: cliList(options.units),
                forms: cliList(options.forms),
                dryRun: Boolean(options.dryRun),
                reason: options.reason,
              },
              cliActor(),
            ),
        );
        if (result.dryRunItems) {
          for (const item of result.dryRunItems)
            print(
              `${item.action.padEnd(8)} ${item.unitCode.padEnd(20)} ${item.formCode.padEnd(22)} ${item.valid ? 'hợp lệ' : `không hợp lệ: ${item.problems.map((problem) => problem.code).join(', ')}`}${item.national ? `  quốc gia ${item.national.submissionId} ${item.national.status}` : ''}`,
            );
          note(
            `Chạy thử: ${result.dryRunItems.length} biểu từ ${result.reports} báo cáo; không gửi gì`,
          );
        } else {
          note(
            `${result.reports} báo cáo: ${result.created} lượt chuyển mới, ${result.newVersions} bản sửa, ${result.unchanged} không đổi, ${result.invalid} không hợp lệ, ${result.skipped.length} bỏ qua; cổng đang chạy sẽ đẩy các lượt chuyển đã xếp hàng`,
          );
        }
      },
    );

  program
    .command('reconcile')
    .description('đối chiếu một kỳ với hệ thống quốc gia theo cả hai chiều; ghi các sai lệch')
    .requiredOption('--period <id>', 'kỳ báo cáo, ví dụ 2026-Q4')
    .option('--units <codes>', 'chỉ các đơn vị này, cách nhau bởi dấu phẩy')
    .action(async (options: { period: string; units?: string }) => {
      const result = await withTransfers({ remoteSystems: true, enqueues: true }, (service) =>
        service.reconcile({ periodId: options.period, units: cliList(options.units) }, cliActor()),
      );
      for (const unreachable of result.unreachable)
        print(`không hỏi được ${unreachable.unitCode}: ${unreachable.error}`);
      note(
        `${result.units} đơn vị, ${result.checked} lượt chuyển đã so: thiếu ${result.found.missing}, khác ${result.found.different}, lạ ${result.found.unexpected}, bị trả lại ${result.found.returned}; ${result.repushed.length} lượt được đẩy lại`,
      );
    });

  const transfers = program
    .command('transfers')
    .description('xem, chạy lại và hủy các lượt chuyển');
  transfers
    .command('list')
    .description('các lượt chuyển theo bộ lọc, từng trang (trang sau: --after mã cuối cùng)')
    .option('--status <states>', 'ví dụ failed,unknown')
    .option('--period <id>')
    .option('--unit <codes>')
    .option('--form <code>')
    .option('--level <level>')
    .option('--after <id>')
    .option('--limit <n>', 'số dòng một trang', '100')
    .action(async (options: Record<string, string | undefined>) => {
      const page = await withTransfers({ remoteSystems: false }, (service) =>
        service.list(parseTransferFilters(options), parsePage(options, 'uuid')),
      );
      for (const item of page.items)
        print(
          `${item.id}  ${item.periodId}  ${item.unitCode.padEnd(20)} ${item.formCode.padEnd(22)} ${item.state.padEnd(9)} v${item.version}${typeof item.lastError?.message === 'string' ? `  ${item.lastError.message}` : ''}`,
        );
      note(
        page.nextAfter
          ? `còn nữa: --after ${page.nextAfter}`
          : `${page.items.length} lượt chuyển, hết danh sách`,
      );
    });
  transfers
    .command('show <id>')
    .description('một lượt chuyển với các phiên bản, các lần thử và sai lệch, dạng JSON')
    .action(async (id: string) => {
      print(
        JSON.stringify(
          await withTransfers({ remoteSystems: false }, (service) => service.show(id)),
          null,
          2,
        ),
      );
    });
  transfers
    .command('rerun [id]')
    .description('chạy lại một lượt chuyển, hoặc một nhóm theo bộ lọc (theo thứ tự gốc của đơn vị)')
    .requiredOption('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
    .option('--status <states>')
    .option('--period <id>')
    .option('--unit <codes>')
    .option('--form <code>')
    .option('--level <level>')
    .action(async (id: string | undefined, options: Record<string, string | undefined>) => {
      const { reason, ...filters } = options;
      if (id) {
        const done = await withTransfers({ remoteSystems: true, enqueues: true }, (service) =>
          service.rerun(id, cliActor(), reason),
        );
        print(`${done.id} ${done.state}`);
        return;
      }
      const batch = await withTransfers({ remoteSystems: true, enqueues: true }, (service) =>
        service.rerunBatch(parseTransferFilters(filters), cliActor(), reason),
      );
      for (const result of batch.results)
        print(
          `${result.id} ${result.refused ? `từ chối [${result.code}]: ${result.refused}` : result.state}`,
        );
      note(`${batch.count} lượt chuyển`);
    });
  transfers
    .command('cancel <id>')
    .description('hủy một lượt chuyển chưa được xác nhận (một lượt đẩy đang chạy sẽ dừng)')
    .requiredOption('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
    .action(async (id: string, options: { reason: string }) => {
      const done = await withTransfers({ remoteSystems: false }, (service) =>
        service.cancel(id, cliActor(), options.reason),
      );
      print(`${done.id} ${done.state}`);
    });

  const discrepancies = program
    .command('discrepancies')
    .description('các sai lệch mà việc đối chiếu tìm thấy');
  discrepancies
    .command('list')
    .description('các sai lệch theo bộ lọc, từng trang')
    .option('--status <status>', 'open, resolved hoặc repushed')
    .option('--kind <kind>', 'missing, different, unexpected hoặc returned')
    .option('--period <id>')
    .option('--unit <code>')
    .option('--after <id>')
    .option('--limit <n>', 'số dòng một trang', '100')
    .action(async (options: Record<string, string | undefined>) => {
      const page = await withTransfers({ remoteSystems: false }, (service) =>
        service.discrepancies(options, parsePage(options, 'uuid')),
      );
      for (const item of page.items)
        print(
          `${item.id}  ${item.periodId}  ${item.unitCode.padEnd(20)} ${item.formCode.padEnd(22)} ${item.kind.padEnd(10)} ${item.status}`,
        );
      note(
        page.nextAfter
          ? `còn nữa: --after ${page.nextAfter}`
          : `${page.items.length} sai lệch, hết danh sách`,
      );
    });
  discrepancies
    .command('resolve <id>')
    .description('xử lý một sai lệch: chấp nhận bản quốc gia, hoặc đẩy lại bản của cổng')
    .requiredOption('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
    .option('--action <action>', 'accept hoặc repush', 'accept')
    .action(async (id: string, options: { reason: string; action: string }) => {
      const resolved = await withTransfers({ remoteSystems: true, enqueues: true }, (service) =>
        service.resolveDiscrepancy(id, cliActor(), options),
      );
      print(`${resolved.id} ${resolved.status}`);
    });
}
