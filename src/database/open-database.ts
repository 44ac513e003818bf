import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { redactUrl } from '../config/load-config';
import { projectRoot } from '../config/project-root';
import { EmbeddedPostgres, embeddedUrl, isAlive, readOwner } from './embedded-postgres';

const DEMO_DATABASE = 'baocao';

export interface DatabaseHandle {
  url: string;
  /** Where the data lives, for people: the server address, or the embedded data folder. */
  description: string;
  /** Stops the embedded server if this process started it; a no-op otherwise. */
  close(): Promise<void>;
}

/**
 * The configured PostgreSQL, or without DATABASE_URL the embedded one under database.embedded.dataDir.
 * A CLI command run beside `npm start` joins the running embedded server instead of starting a second one.
 */
export async function openDatabase(
  config: AppConfig,
  log: (message: string) => void,
): Promise<DatabaseHandle> {
  if (config.database.url) {
    return {
      url: config.database.url,
      description: redactUrl(config.database.url),
      close: () => Promise.resolve(),
    };
  }
  const dataDir = path.resolve(projectRoot, config.database.embedded.dataDir);
  const running = runningEmbeddedServer(dataDir);
  if (running) {
    log(`joining the embedded PostgreSQL of process ${running.ownerPid} on port ${running.port}`);
    return {
      url: running.url,
      description: `embedded PostgreSQL in ${dataDir}`,
      close: () => Promise.resolve(),
    };
  }
  const server = await EmbeddedPostgres.start({
    dataDir,
    port: config.database.embedded.port,
    database: DEMO_DATABASE,
    log,
  });
  return {
    url: server.url,
    description: `embedded PostgreSQL in ${dataDir}${server.dataDir !== dataDir ? ` (stored in ${server.dataDir})` : ''}`,
    close: () => server.stop(),
  };
}

function runningEmbeddedServer(
  dataDir: string,
): { url: string; port: number; ownerPid: number } | undefined {
  const owner = readOwner(path.join(dataDir, 'owner.json'));
  const passwordFile = path.join(dataDir, 'password');
  if (!owner || owner.pid === process.pid || !isAlive(owner.pid) || !existsSync(passwordFile))
    return undefined;
  const password = readFileSync(passwordFile, 'utf8').trim();
  return {
    url: embeddedUrl(owner.port, password, DEMO_DATABASE),
    port: owner.port,
    ownerPid: owner.pid,
  };
}
