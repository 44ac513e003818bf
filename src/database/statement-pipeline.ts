import { Client, type ClientConfig, type Pool, type QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** Connections of a pipeline: PostgreSQL runs one statement at a time on each. */
export const PIPELINE_CONNECTIONS = 2;

/**
 * A connection whose oldest unanswered statement was sent longer ago than this is passed over
 * while another is not: a statement waiting on a row lock holds back only those sent behind it
 * before then.
 */
export const STALLED_AFTER_MS = 50;

/** What PostgreSQL shows of these connections (pg_stat_activity.application_name). */
export const PIPELINE_APPLICATION = 'baocao-gateway/pipeline';

interface Line {
  client: Client;
  ready: Promise<void>;
  /** When each unanswered statement was sent, oldest first (answers come in the order sent). */
  sent: number[];
  broken: boolean;
  idle?: NodeJS.Timeout;
}

const pipelines = new WeakMap<DataSource, StatementPipeline>();

/**
 * The hot path's single statements (a push's lease and its step writes, the vault's reads of a
 * unit's accounts, the plan's keeps: every preparedQuery), pipelined on two connections of their
 * own beside the pool: each statement is written at once, without waiting for the answers before
 * it, and the answers are read in the order sent (pg's pipeline mode; each statement is its own
 * implicit transaction, so an error ends only its own). Many pushes' statements then share round
 * trips and two backends instead of taking turns on the pool's connections: in eight alternated
 * pairs of sync bench runs the gateway used 2.29 ms of CPU per transfer against 2.45 on the pool,
 * PostgreSQL 0.46 CPU s a push against 0.72 (medians, docs/performance.md).
 *
 * Only statements that stand alone: never one inside a transaction, and no transaction that
 * holds locks may wait on one (a statement waiting on a lock holds back those sent behind it on
 * its connection, which is why a connection that has stalled is passed over).
 * A connection that breaks fails the statements on it, as the pool's would, and is opened again
 * for the next; one idle as long as the pool's idle timeout is closed. The pipeline closes with
 * its DataSource (`destroy`).
 */
export class StatementPipeline {
  private readonly lines: Array<Line | undefined> = [];
  private closed = false;

  constructor(
    private readonly options: ClientConfig,
    private readonly idleMs = 10_000,
  ) {}

  /** The pipeline of a DataSource, opened on first use and closed when the DataSource is. */
  static of(dataSource: DataSource): StatementPipeline {
    let pipeline = pipelines.get(dataSource);
    if (pipeline) return pipeline;
    const driver = dataSource.driver as PostgresDriver;
    const pool = driver.master as
      (Pool & { options: ClientConfig & { idleTimeoutMillis?: number } }) | undefined;
    if (!pool) throw new Error('the DataSource is not initialized (or was destroyed)');
    const { idleTimeoutMillis, ...options } = pool.options;
    pipeline = new StatementPipeline(
      { ...options, application_name: PIPELINE_APPLICATION, keepAlive: true },
      idleTimeoutMillis || 10_000,
    );
    pipelines.set(dataSource, pipeline);
    const disconnect = driver.disconnect.bind(driver);
    const closing = pipeline;
    driver.disconnect = async () => {
      driver.disconnect = disconnect;
      pipelines.delete(dataSource);
      await closing.close();
      await disconnect();
    };
    return pipeline;
  }

  /** Sends one statement and answers its rows. */
  async query<Row>(config: QueryConfig): Promise<Row[]> {
    const now = performance.now();
    const line = this.pick(now);
    if (line.idle) {
      clearTimeout(line.idle);
      line.idle = undefined;
    }
    line.sent.push(now);
    try {
      await line.ready;
      return (await line.client.query(config)).rows as Row[];
    } finally {
      line.sent.shift();
      this.rest(line);
    }
  }

  /** Connections open now (for the tests). */
  get open(): number {
    return this.lines.filter((line) => line && !line.broken).length;
  }

  /** Ends every connection, after the statements already sent are answered. */
  async close(): Promise<void> {
    this.closed = true;
    const lines = this.lines.splice(0).filter((line): line is Line => line !== undefined);
    await Promise.all(lines.map((line) => this.end(line)));
  }

  /**
   * The connection with the fewest unanswered statements among those that have not stalled
   * (all of them if every one has); one that broke is opened again.
   */
  private pick(now: number): Line {
    if (this.closed)
      throw new Error('the statement pipeline is closed (its DataSource was destroyed)');
    const stalledBefore = now - STALLED_AFTER_MS;
    let best: Line | undefined;
    let bestStalled = true;
    for (let index = 0; index < PIPELINE_CONNECTIONS; index++) {
      let line = this.lines[index];
      if (!line || line.broken) {
        if (line) void this.end(line);
        line = this.lines[index] = this.connect();
      }
      const stalled = line.sent.length > 0 && line.sent[0] < stalledBefore;
      if (
        !best ||
        (bestStalled && !stalled) ||
        (bestStalled === stalled && line.sent.length < best.sent.length)
      ) {
        best = line;
        bestStalled = stalled;
      }
    }
    return best!;
  }

  private connect(): Line {
    const client = new Client({ ...this.options, pipeline: true });
    const broken = () => {
      line.broken = true;
      if (line.idle) clearTimeout(line.idle);
    };
    // The statements on a connection that fails get its error; the connection is not used again.
    client.on('error', broken);
    client.on('end', broken);
    const line: Line = {
      client,
      ready: client.connect().then(
        () => undefined,
        (error: unknown) => {
          broken();
          throw error;
        },
      ),
      sent: [],
      broken: false,
    };
    // Nobody may be waiting on it yet (this line was opened beside the one a statement went to).
    line.ready.catch(() => undefined);
    this.rest(line);
    return line;
  }

  /** A connection with nothing unanswered is closed if it stays so for the idle timeout. */
  private rest(line: Line): void {
    if (line.sent.length || line.broken || line.idle) return;
    line.idle = setTimeout(() => this.retire(line), this.idleMs);
    line.idle.unref();
  }

  /** An idle connection closed; the next statement opens another. */
  private retire(line: Line): void {
    const index = this.lines.indexOf(line);
    if (index < 0 || line.sent.length) return;
    this.lines[index] = undefined;
    void this.end(line);
  }

  private async end(line: Line): Promise<void> {
    if (line.idle) clearTimeout(line.idle);
    line.broken = true;
    try {
      await line.ready;
      await line.client.end();
    } catch {
      // A connection that never opened, or broke, has nothing left to end.
    }
  }
}
