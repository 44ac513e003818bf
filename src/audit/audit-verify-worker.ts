import { Client } from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import { NEXT_EVENTS, verifySegment, type EventRow, type SegmentJob } from './audit-verifier';

/** A worker thread of a parallel audit verification: one segment of the chain, its own connection. */
async function run(): Promise<void> {
  const { url, job } = workerData as { url: string; job: SegmentJob };
  const client = new Client({
    connectionString: url,
    application_name: 'baocao-gateway audit verify',
  });
  await client.connect();
  try {
    const result = await verifySegment(async (after, limit) => {
      const answer = await client.query<EventRow>(NEXT_EVENTS, [after, limit]);
      return answer.rows;
    }, job);
    parentPort?.postMessage({ result });
  } finally {
    await client.end();
  }
}

run().catch((error: unknown) =>
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);
