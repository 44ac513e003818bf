import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { entities } from '../src/database/entities';
import { pendingMigrations, runMigrationsLocked, schemaDrift } from '../src/database/migrations';
import { freshDatabaseUrl, workerDatabaseUrl } from './support/database';

@Entity({ name: 'not_in_any_migration' })
class UnmigratedEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'text' })
  note!: string;
}

async function withDataSource<T>(
  url: string,
  work: (dataSource: DataSource) => Promise<T>,
  extra: Function[] = [],
): Promise<T> {
  const dataSource = new DataSource({
    ...dataSourceOptions(url, 2),
    entities: [...entities, ...extra],
  });
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

describe('database schema', () => {
  it('entities and migrations agree', async () => {
    const drift = await withDataSource(await workerDatabaseUrl(), schemaDrift);
    expect(drift).toEqual([]);
  });

  it('the agreement check catches an entity without a migration', async () => {
    const drift = await withDataSource(await workerDatabaseUrl(), schemaDrift, [UnmigratedEntity]);
    expect(drift.join('\n')).toContain('CREATE TABLE "not_in_any_migration"');
  });

  it('replicas migrating an empty database at the same moment apply each migration once', async () => {
    const url = await freshDatabaseUrl({ fromTemplate: false });
    const sources = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const dataSource = new DataSource(dataSourceOptions(url, 2));
        return dataSource.initialize();
      }),
    );
    try {
      expect(await pendingMigrations(sources[0])).not.toEqual([]);
      const outcomes = await Promise.all(
        sources.map((dataSource) => runMigrationsLocked(dataSource)),
      );
      const appliedEverywhere = outcomes.flatMap((outcome) => outcome.applied);
      const known = sources[0].migrations.map((migration) => migration.name);
      expect(appliedEverywhere.sort()).toEqual([...known].sort());
      const rows = await sources[0].query<{ name: string }[]>(
        'SELECT name FROM typeorm_migrations',
      );
      expect(rows.map((row) => row.name).sort()).toEqual([...known].sort());
      expect(await pendingMigrations(sources[0])).toEqual([]);
    } finally {
      await Promise.all(sources.map((dataSource) => dataSource.destroy()));
    }
  });
});
