import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { preparedQuery } from '../src/database/prepared';
import {
  PIPELINE_APPLICATION,
  PIPELINE_CONNECTIONS,
  STALLED_AFTER_MS,
  StatementPipeline,
} from '../src/database/statement-pipeline';
import { adminQuery, freshDatabaseUrl } from './support/database';

async function openDataSource(url: string, extra: Record<string, unknown> = {}) {
  const options = dataSourceOptions(url, 2);
  return new DataSource({ ...options, extra: { ...options.extra, ...extra } }).initialize();
}

/** The pipeline's backends PostgreSQL has for a database now. */
async function pipelineBackends(database: string): Promise<number[]> {
  const rows = await adminQuery<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
    [database, PIPELINE_APPLICATION],
  );
  return rows.map((row) => row.pid);
}

/** Waits for `check`, at most 3 s: under the pool's idle timeout (10 s), which would close them all. */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited 3 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

describe('the statement pipeline', () => {
  let url: string;
  let dataSource: DataSource;

  beforeEach(async () => {
    url = await freshDatabaseUrl({ fromTemplate: false });
    dataSource = await openDataSource(url);
    await dataSource.query('CREATE TABLE sample (id int PRIMARY KEY, note text)');
    await dataSource.query("INSERT INTO sample VALUES (1, 'một'), (2, 'hai')");
  });

  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
  });

  it("answers each of many callers' statements with its own rows, on two connections; an error ends only its own statement", async () => {
    const answers = await Promise.allSettled(
      Array.from({ length: 300 }, (_, index) =>
        index % 7 === 3
          ? preparedQuery<{ q: number }>(dataSource, 'SELECT 1 / $1::int AS q', [0])
          : preparedQuery<{ doubled: number }>(dataSource, 'SELECT $1::int * 2 AS doubled', [
              index,
            ]),
      ),
    );
    answers.forEach((answer, index) => {
      if (index % 7 === 3) {
        expect(answer.status).toBe('rejected');
        expect(String((answer as PromiseRejectedResult).reason)).toMatch(/division by zero/);
      } else expect(answer).toEqual({ status: 'fulfilled', value: [{ doubled: index * 2 }] });
    });
    expect(await pipelineBackends(databaseOf(url))).toHaveLength(PIPELINE_CONNECTIONS);
  });

  it('a statement waiting on a row lock holds back none of the statements sent after it stalled', async () => {
    const holder = dataSource.createQueryRunner();
    await holder.startTransaction();
    await holder.query('SELECT id FROM sample WHERE id = 1 FOR UPDATE');
    let waitingDone = false;
    const waiting = preparedQuery(
      dataSource,
      "UPDATE sample SET note = 'một nữa' WHERE id = $1",
      [1],
    ).then(() => (waitingDone = true));
    try {
      await new Promise((resolve) => setTimeout(resolve, STALLED_AFTER_MS * 3));
      // Sent all at once, and one by one.
      const together = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          preparedQuery<{ n: number }>(dataSource, 'SELECT $1::int AS n', [index]),
        ),
      );
      expect(together.map(([row]) => row.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      for (let index = 0; index < 5; index++)
        expect(
          await preparedQuery(dataSource, 'SELECT note FROM sample WHERE id = $1', [2]),
        ).toEqual([{ note: 'hai' }]);
      expect(waitingDone).toBe(false);
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    await waiting;
    expect(await dataSource.query('SELECT note FROM sample WHERE id = 1')).toEqual([
      { note: 'một nữa' },
    ]);
  });

  it('a connection that breaks fails the statements on it, and the next statements go on another', async () => {
    await preparedQuery(dataSource, 'SELECT 1 AS one', []);
    const pipeline = StatementPipeline.of(dataSource);
    expect(pipeline.open).toBe(PIPELINE_CONNECTIONS);
    const sleeping = preparedQuery(dataSource, 'SELECT pg_sleep($1::int)', [30]);
    await until(
      async () =>
        (
          await adminQuery(
            "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%'",
            [databaseOf(url)],
          )
        ).length > 0,
      'the sleeping statement to start',
    );
    await adminQuery(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
      [databaseOf(url), PIPELINE_APPLICATION],
    );
    await expect(sleeping).rejects.toThrow(/terminat/);
    await until(() => pipeline.open === 0, 'the pipeline to see its connections end');
    expect(await preparedQuery(dataSource, 'SELECT note FROM sample WHERE id = $1', [1])).toEqual([
      { note: 'một' },
    ]);
    expect(pipeline.open).toBe(PIPELINE_CONNECTIONS);
  });

  it('closes with its DataSource, and a DataSource opened again has a pipeline of its own', async () => {
    await preparedQuery(dataSource, 'SELECT 1 AS one', []);
    expect(await pipelineBackends(databaseOf(url))).toHaveLength(PIPELINE_CONNECTIONS);
    await dataSource.destroy();
    await until(
      async () => (await pipelineBackends(databaseOf(url))).length === 0,
      'the pipeline backends to end',
    );
    await expect(preparedQuery(dataSource, 'SELECT 1 AS one', [])).rejects.toThrow(
      /not initialized/,
    );
    await dataSource.initialize();
    expect(await preparedQuery(dataSource, 'SELECT note FROM sample WHERE id = $1', [2])).toEqual([
      { note: 'hai' },
    ]);
  });

  it("closes a connection idle for the pool's idle timeout; the next statement opens it again", async () => {
    await dataSource.destroy();
    dataSource = await openDataSource(url, { idleTimeoutMillis: 200 });
    await preparedQuery(dataSource, 'SELECT 1 AS one', []);
    const pipeline = StatementPipeline.of(dataSource);
    expect(pipeline.open).toBe(PIPELINE_CONNECTIONS);
    await until(() => pipeline.open === 0, 'the idle connections to close');
    await until(
      async () => (await pipelineBackends(databaseOf(url))).length === 0,
      'their backends to end',
    );
    expect(await preparedQuery(dataSource, 'SELECT note FROM sample WHERE id = $1', [1])).toEqual([
      { note: 'một' },
    ]);
  });
});
