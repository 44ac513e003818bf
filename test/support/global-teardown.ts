import fs from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const running = globalThis.testPostgres;
  if (!running) return;
  await running.server.stop();
  await fs.rm(running.dir, { recursive: true, force: true });
  globalThis.testPostgres = undefined;
}
