import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabaseIfMissing } from '../../src/database/embedded-postgres';

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url)
    throw new Error(
      'TEST_PG_ADMIN_URL is unset: run tests through jest (globalSetup starts PostgreSQL)',
    );
  return url;
}

export function databaseUrl(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** This worker's database, cloned once from the migrated template. Tests act on their own rows. */
export async function workerDatabaseUrl(): Promise<string> {
  const name = `baocao_test_w${process.env.JEST_WORKER_ID ?? '1'}`;
  await createDatabaseIfMissing(adminUrl(), name, process.env.TEST_PG_TEMPLATE);
  return databaseUrl(name);
}

/** A database of its own, for tests that need an empty or a private schema. */
export async function freshDatabaseUrl(options: { fromTemplate: boolean }): Promise<string> {
  const name = `baocao_scratch_${randomBytes(6).toString('hex')}`;
  await createDatabaseIfMissing(
    adminUrl(),
    name,
    options.fromTemplate ? process.env.TEST_PG_TEMPLATE : undefined,
  );
  return databaseUrl(name);
}

export async function adminQuery<T = Record<string, unknown>>(
  sql: string,
  parameters: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}
