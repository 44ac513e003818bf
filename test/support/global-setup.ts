import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { createDatabaseIfMissing, EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrationsLocked } from '../../src/database/migrations';
import { sweepAbandonedTestClusters, TEST_DIR_PREFIX } from './test-postgres';

export const TEMPLATE_DATABASE = 'baocao_template';

declare global {
  var testPostgres: { server: EmbeddedPostgres; dir: string } | undefined;
}

/**
 * One PostgreSQL for the whole run, started outside jest's sandbox. A template database is
 * migrated once; each worker clones it (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  const swept = await sweepAbandonedTestClusters();
  if (swept.length)
    process.stderr.write(`\nremoved ${swept.length} test cluster(s) left by killed runs\n`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), TEST_DIR_PREFIX));
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true });
  globalThis.testPostgres = { server, dir };
  await createDatabaseIfMissing(server.url, TEMPLATE_DATABASE);
  const dataSource = new DataSource(dataSourceOptions(server.urlFor(TEMPLATE_DATABASE), 1));
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.env.TEST_PG_ADMIN_URL = server.url;
  process.env.TEST_PG_TEMPLATE = TEMPLATE_DATABASE;
  process.env.TEST_PG_DATA_DIR = path.join(dir);
}
