import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { AppConfig } from '../config/app-config';
import { describeConfig } from '../config/load-config';
import { projectRoot } from '../config/project-root';
import { openDatabase } from '../database/open-database';
import { note, print, verbConfig } from './cli-output';

/** config, openapi. */
export function addConfigCommands(program: Command): void {
  program
    .command('config')
    .description('kiểm tra cấu hình và in ra, các bí mật được che')
    .action(() => {
      const config = verbConfig();
      print(JSON.stringify({ mode: config.mode, ...describeConfig(config) }, null, 2));
    });

  program
    .command('openapi')
    .description('viết mô tả API ra docs/openapi.json (hoặc --out)')
    .option('--out <file>', 'tệp ghi ra', path.join(projectRoot, 'docs', 'openapi.json'))
    .action(async (options: { out: string }) => {
      // The whole application describes its routes: loaded for this verb only.
      const { createGateway, openApiDocument } = await import('../bootstrap');
      const config = verbConfig();
      const database = await openDatabase(config, note);
      const app = await createGateway({ config: quietConfig(config), databaseUrl: database.url });
      try {
        await app.init();
        await writeFile(options.out, `${JSON.stringify(openApiDocument(app), null, 2)}\n`);
        print(`đã viết ${options.out}`);
      } finally {
        await app.close();
        await database.close();
      }
    });
}

/** The gateway as the openapi verb builds it: quiet, and neither working the queues nor ticking. */
function quietConfig(config: AppConfig): AppConfig {
  return {
    ...config,
    log: { ...config.log, level: 'warn' },
    transfers: { ...config.transfers, workers: false, scheduleEnabled: false },
  };
}
