import { DataSource } from 'typeorm';

const MIGRATION_LOCK_KEY = '2025070151'; // any fixed bigint; kept apart from other lock users by value

export interface MigrationOutcome {
  applied: string[];
  waitedMs: number;
}

/**
 * Applies pending migrations while holding a session advisory lock, so replicas starting at
 * the same moment run them one after the other; the later ones find nothing left to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<MigrationOutcome> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const started = Date.now();
  try {
    await runner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    const waitedMs = Date.now() - started;
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return { applied: applied.map((migration) => migration.name), waitedMs };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/** Names of migrations known to the code but not recorded in the database. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const exists = await dataSource.query<{ present: boolean }[]>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [table],
  );
  const known = dataSource.migrations.map(
    (migration) => migration.name ?? migration.constructor.name,
  );
  if (!exists[0].present) return known;
  const rows = await dataSource.query<{ name: string }[]>(`SELECT name FROM "${table}"`);
  const done = new Set(rows.map((row) => row.name));
  return known.filter((name) => !done.has(name));
}

/**
 * SQL that would bring the database in line with the entities. Empty when the migrations and
 * the entities agree; the test suite and `cli db check` fail otherwise.
 */
export async function schemaDrift(dataSource: DataSource): Promise<string[]> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((query) => query.query);
}
