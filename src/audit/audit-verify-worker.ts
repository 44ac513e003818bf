import { parentPort, workerData } from 'node:worker_threads';
import { verifySegment, type SegmentJob } from './audit-verifier';

/** A worker thread of a parallel audit verification: one segment of the chain, its own connection. */
async function run(): Promise<void> {
  const { url, job } = workerData as { url: string; job: SegmentJob };
  parentPort?.postMessage({ result: await verifySegment(url, job) });
}

run().catch((error: unknown) =>
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);
