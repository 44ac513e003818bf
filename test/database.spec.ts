import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { entities } from '../src/database/entities';
import { pendingMigrations, runMigrationsLocked, schemaDrift } from '../src/database/migrations';
import { preparedQuery } from '../src/database/prepared';
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

describe('prepared statements', () => {
  it('each text is its own statement on every connection; after a column is added only one naming its columns answers', async () => {
    await withDataSource(await freshDatabaseUrl({ fromTemplate: false }), async (dataSource) => {
      await dataSource.query('CREATE TABLE sample (id int PRIMARY KEY, note text)');
      await dataSource.query("INSERT INTO sample VALUES (1, 'một'), (2, 'hai')");
      const noteOf = 'SELECT note FROM sample WHERE id = $1';
      const idOf = 'SELECT id FROM sample WHERE note = $1';
      const everyColumn = 'SELECT * FROM sample WHERE id = $1';
      // More calls than the pool has connections, the two texts interleaved.
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          index % 2
            ? preparedQuery<{ note: string }>(dataSource, noteOf, [1 + (index % 4 === 1 ? 1 : 0)])
            : preparedQuery<{ id: number }>(dataSource, idOf, ['hai']),
        ),
      );
      expect(answers[1]).toEqual([{ note: 'hai' }]);
      expect(answers[3]).toEqual([{ note: 'một' }]);
      expect(answers[0]).toEqual([{ id: 2 }]);
      // Prepared on the pipeline's connections before the table changes.
      await Promise.all(
        Array.from({ length: 10 }, () => preparedQuery(dataSource, everyColumn, [1])),
      );
      // A column added after the statements were prepared: one that names its columns is
      // replanned and answers as before; one that returns `*` would change its result, which
      // PostgreSQL refuses (so the engine's statements name their columns).
      await dataSource.query('ALTER TABLE sample ADD COLUMN extra int');
      expect(await preparedQuery(dataSource, noteOf, [2])).toEqual([{ note: 'hai' }]);
      const afterChange = await Promise.allSettled(
        Array.from({ length: 4 }, () => preparedQuery(dataSource, everyColumn, [2])),
      );
      expect(
        afterChange.some(
          (answer) =>
            answer.status === 'rejected' &&
            /cached plan must not change result type/.test(String(answer.reason)),
        ),
      ).toBe(true);
    });
  });
});
