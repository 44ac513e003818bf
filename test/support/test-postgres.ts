import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isAlive, readOwner, stopAbandonedServer } from '../../src/database/embedded-postgres';

export const TEST_DIR_PREFIX = 'baocao-test-pg-';

/**
 * Stops and removes test clusters whose jest process is gone (a run killed with SIGKILL cannot
 * clean up after itself). Returns the folders removed.
 */
export async function sweepAbandonedTestClusters(root = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith(TEST_DIR_PREFIX)) continue;
    const dir = path.join(root, name);
    const owner = readOwner(path.join(dir, 'owner.json'));
    if (owner && isAlive(owner.pid)) continue;
    if (!owner) {
      // No owner record: either being created this instant or left by a crash during creation.
      const stat = await fs.stat(dir).catch(() => undefined);
      if (!stat || Date.now() - stat.mtimeMs < 10 * 60_000) continue;
    }
    await stopAbandonedServer(dir);
    await fs.rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
