import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';
import type { DataSource, EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { StatementPipeline } from './statement-pipeline';

/** Statement texts and their names; a name stands for one text only (see preparedQuery). */
const names = new Map<string, string>();
const NAMES_KEPT = 1000;

function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    if (names.size >= NAMES_KEPT) names.clear();
    name = `gw_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement the hot path repeats as a named prepared statement, on the DataSource's
 * statement pipeline (statement-pipeline.ts): each of its connections parses and plans it once,
 * then only binds and executes it. For the push's statements the plan was about a quarter of
 * PostgreSQL's time (pg_stat_statements, `npm run bench -- sync`). The name is a hash of the
 * text, so one name never stands for two texts. Name the columns it returns: with `*`, a column
 * added by a migration while a replica runs would change the result of a statement that replica
 * has prepared, which PostgreSQL refuses. A statement that stands alone only: never one that must
 * run inside a transaction.
 */
export async function preparedQuery<Row>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  return StatementPipeline.of(dataSource).query<Row>(prepared(text, values));
}

/** A statement as a named prepared one, for a caller that holds its own client or the pool. */
export function prepared(text: string, values: unknown[]): QueryConfig {
  return { name: nameOf(text), text, values };
}

/** Columns by name, for a prepared statement that selects them (see preparedQuery). */
export function columnsOf(columns: readonly ColumnMetadata[]): string {
  return columns.map((column) => column.databaseName).join(', ');
}

/**
 * A row selected by `columnsOf(columns)` as its entity, as TypeORM's own queries make it (only
 * those columns set; all of the entity's by default).
 */
export function entityOf<T>(
  metadata: EntityMetadata,
  row: Record<string, unknown>,
  columns: readonly ColumnMetadata[] = metadata.columns,
): T {
  const entity = metadata.create() as T;
  for (const column of columns) column.setEntityValue(entity as object, row[column.databaseName]);
  return entity;
}
