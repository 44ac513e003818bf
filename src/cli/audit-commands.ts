import { createWriteStream, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { archiveAudit } from '../audit/audit-archive';
import { exportAudit, type ExportFormat } from '../audit/audit-export';
import { parseAuditFilters } from '../audit/audit-query';
import { AuditSigner } from '../audit/audit-signer';
import { verifyAuditChain } from '../audit/audit-verifier';
import { projectRoot } from '../config/project-root';
import { auditLog, withDataSource } from './cli-context';
import { CliError, print, verbConfig } from './cli-output';

/** audit verify|checkpoint|archive|public-key|export. */
export function addAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('nhật ký kiểm toán: kiểm tra, điểm kiểm tra có ký, xuất, lưu trữ');
  audit
    .command('verify')
    .description(
      'tính lại chuỗi băm và kiểm tra các điểm kiểm tra có ký; thoát mã 1 ở mắt xích hỏng đầu tiên',
    )
    .option('--from-checkpoint', 'bắt đầu từ điểm kiểm tra có ký mới nhất thay vì sự kiện đầu tiên')
    .option('--key <file>', 'khóa công khai để tin (PEM); mặc định: khóa ký đã cấu hình')
    .action(async (options: { fromCheckpoint?: boolean; key?: string }) => {
      const config = verbConfig();
      const trusted = options.key
        ? readFileSync(options.key, 'utf8')
        : AuditSigner.fromConfig(config).publicKeyPem;
      const result = await withDataSource(config, (dataSource) =>
        verifyAuditChain(dataSource, {
          trustedKeys: [trusted],
          fromCheckpoint: options.fromCheckpoint,
        }),
      );
      if (result.ok) {
        print(
          `HỢP LỆ [AUDIT_CHAIN_OK]: ${result.events} sự kiện đã kiểm tra từ sự kiện ${Number(result.from) + 1}, ${result.checkpointsChecked} điểm kiểm tra khớp; đầu chuỗi ${result.head ? `${result.head.seq} ${result.head.hash}` : '(trống)'}`,
        );
      } else {
        print(`HỎNG [${result.code}] tại sự kiện ${result.seq}: ${result.reason}`);
        process.exitCode = 1;
      }
    });
  audit
    .command('checkpoint')
    .description('nối chuỗi các sự kiện đang chờ và ký đầu chuỗi ngay')
    .action(async () => {
      const config = verbConfig();
      const head = await withDataSource(config, (dataSource) =>
        auditLog(dataSource, config).checkpoint(),
      );
      print(
        head
          ? `đã ký điểm kiểm tra tại sự kiện ${head.seq}: ${head.hash}`
          : 'nhật ký kiểm toán còn trống',
      );
    });
  audit
    .command('archive')
    .description('lưu trữ: chuyển các sự kiện quá hạn lưu giữ ra tệp, rồi khỏi cơ sở dữ liệu')
    .option('--older-than-days <days>', 'thay cho audit.retentionDays')
    .action(async (options: { olderThanDays?: string }) => {
      const config = verbConfig();
      const days =
        options.olderThanDays !== undefined
          ? Number(options.olderThanDays)
          : config.audit.retentionDays;
      if (days === null || !Number.isInteger(days) || days < 0)
        throw new CliError(
          'RETENTION_DAYS_REQUIRED',
          'Đặt audit.retentionDays hoặc cho --older-than-days <số ngày nguyên>',
          'older-than-days',
        );
      const outcome = await withDataSource(config, (dataSource) =>
        archiveAudit(dataSource, auditLog(dataSource, config), {
          before: new Date(Date.now() - days * 86_400_000),
          directory: path.resolve(projectRoot, config.audit.archiveDir),
          actor: `cli:${os.userInfo().username}`,
        }),
      );
      print(
        outcome
          ? `đã lưu trữ các sự kiện ${outcome.fromSeq}–${outcome.toSeq} (${outcome.events}) vào ${outcome.file}, sha256 ${outcome.fileSha256}`
          : 'không có gì để lưu trữ',
      );
    });
  audit
    .command('public-key')
    .description('in khóa công khai mà kiểm toán viên giữ để kiểm tra điểm kiểm tra và tệp xuất')
    .action(() => print(AuditSigner.fromConfig(verbConfig()).publicKeyPem.trim()));
  audit
    .command('export')
    .description('xuất các sự kiện ra tệp (JSON Lines hoặc CSV), kèm điểm kiểm tra để đối chiếu')
    .requiredOption('--out <file>', 'tệp ghi ra')
    .option('--format <format>', 'jsonl hoặc csv', 'jsonl')
    .option('--since <instant>', 'sự kiện từ thời điểm này')
    .option('--until <instant>', 'sự kiện trước thời điểm này')
    .option('--unit <code>')
    .option('--period <id>')
    .option('--form <code>')
    .option('--actor <actor>')
    .option('--action <action>')
    .option('--outcome <outcome>')
    .action(async (options: Record<string, string | undefined>) => {
      if (options.format !== 'jsonl' && options.format !== 'csv')
        throw new CliError('EXPORT_FORMAT_INVALID', '--format phải là jsonl hoặc csv', 'format');
      const filters = parseAuditFilters(options);
      const config = verbConfig();
      const output = createWriteStream(options.out!);
      const result = await withDataSource(config, (dataSource) =>
        exportAudit(dataSource, auditLog(dataSource, config), {
          format: options.format as ExportFormat,
          filters,
          output,
          actor: `cli:${os.userInfo().username}`,
        }),
      );
      await new Promise<void>((resolve, reject) =>
        output.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      print(
        `đã ghi ${result.events} sự kiện vào ${options.out}, đối chiếu được với điểm kiểm tra ${result.checkpoint?.seq ?? '(chưa có)'}`,
      );
    });
}
