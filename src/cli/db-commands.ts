import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { projectRoot } from '../config/project-root';
import { EmbeddedPostgres } from '../database/embedded-postgres';
import { GatewayNodeEntity } from '../database/entities/gateway-node.entity';
import { findLiveNodes } from '../database/gateway-node.service';
import { generateMigration } from '../database/migration-generator';
import { pendingMigrations, runMigrationsLocked, schemaDrift } from '../database/migrations';
import { backupDatabase, RestoreError, restoreDatabase } from '../database/backup';
import { withDataSource } from './cli-context';
import { CliError, print, verbConfig } from './cli-output';

/** db migrate|status|generate. */
export function addDatabaseCommands(program: Command): void {
  const db = program.command('db').description('cơ sở dữ liệu: migration và kiểm tra lược đồ');
  db.command('migrate')
    .description('áp dụng các migration còn chờ (dưới cùng khóa tư vấn như lúc khởi động)')
    .action(async () => {
      await withDataSource(
        verbConfig(),
        async (dataSource) => {
          const outcome = await runMigrationsLocked(dataSource);
          print(
            outcome.applied.length
              ? `đã áp dụng: ${outcome.applied.join(', ')}`
              : 'không có migration nào đang chờ',
          );
        },
        { migrated: false },
      );
    });
  db.command('backup')
    .requiredOption('--out <file>', 'tệp sao lưu (gzip)')
    .description('sao lưu nhất quán cơ sở dữ liệu của cổng (kể cả khi cổng đang chạy) vào một tệp')
    .action(async (options: { out: string }) => {
      await withDataSource(verbConfig(), async (dataSource) => {
        const url = (dataSource.options as { url: string }).url;
        const header = await backupDatabase(url, path.resolve(options.out));
        const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
        print(
          `đã sao lưu ${header.tables.length} bảng, ${rows} dòng, ${header.migrations.length} migration vào ${options.out}`,
        );
      });
    });
  db.command('restore')
    .requiredOption('--from <file>', 'tệp sao lưu do db backup viết')
    .description('khôi phục một bản sao lưu vào cơ sở dữ liệu mới (DATABASE_URL), sau khi migrate')
    .action(async (options: { from: string }) => {
      await withDataSource(
        verbConfig(),
        async (dataSource) => {
          await runMigrationsLocked(dataSource);
          try {
            const header = await restoreDatabase(dataSource, path.resolve(options.from));
            const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
            print(
              `đã khôi phục ${header.tables.length} bảng, ${rows} dòng (sao lưu lúc ${header.takenAt}); kiểm tra: npm run cli -- audit verify`,
            );
          } catch (error) {
            if (error instanceof RestoreError) throw new CliError('RESTORE_REFUSED', error.message);
            throw error;
          }
        },
        { migrated: false },
      );
    });
  db.command('status')
    .description('migration đang chờ, entity lệch migration, các bản sao đang chạy')
    .action(async () => {
      const healthy = await withDataSource(
        verbConfig(),
        async (dataSource) => {
          const pending = await pendingMigrations(dataSource);
          const drift = pending.length === 0 ? await schemaDrift(dataSource) : [];
          const nodes =
            pending.length === 0
              ? await findLiveNodes(dataSource.getRepository(GatewayNodeEntity))
              : [];
          print(`migration đang chờ: ${pending.length ? pending.join(', ') : 'không có'}`);
          print(`entity lệch migration: ${drift.length ? `có\n  ${drift.join('\n  ')}` : 'không'}`);
          print(`bản sao đang chạy: ${nodes.length}`);
          for (const node of nodes)
            print(
              `  ${node.id} ${node.hostname} pid ${node.pid} từ ${node.startedAt.toISOString()}`,
            );
          return pending.length === 0 && drift.length === 0;
        },
        { migrated: false },
      );
      if (!healthy) process.exitCode = 1;
    });
  db.command('generate')
    .argument('<name>', 'tên dạng PascalCase, ví dụ AddAuditEvents')
    .description('viết migration cho phần entity khác với các migration đã có')
    .action(async (name: string) => {
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'baocao-migration-'));
      const server = await EmbeddedPostgres.start({
        dataDir: scratch,
        ephemeral: true,
        database: 'scratch',
      });
      try {
        const file = await generateMigration(server.url, name);
        print(
          file
            ? `đã viết ${path.relative(projectRoot, file)}`
            : 'entity và migration khớp nhau: không có gì để viết',
        );
      } finally {
        await server.stop();
        await rm(scratch, { recursive: true, force: true });
      }
    });
}
