import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { createGateway } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/load-config';
import { workerDatabaseUrl } from './database';

export interface TestGateway {
  app: INestApplication;
  url: string;
  /** Every log line the gateway wrote, as text. */
  logLines: string[];
  close(): Promise<void>;
}

/** The real application on a loopback port and this worker's database, logs captured. */
export async function startTestGateway(
  options: { env?: Record<string, string>; databaseUrl?: string; port?: number } = {},
): Promise<TestGateway> {
  // No rate limit unless a test asks for one: tests call faster than any person.
  const config = loadConfig({
    env: {
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      SERVER_RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    },
  });
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await createGateway({
    config,
    databaseUrl: options.databaseUrl ?? (await workerDatabaseUrl()),
    logDestination: destination,
  });
  try {
    await app.listen(options.port ?? 0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, logLines, close: () => app.close() };
}

/** A loopback port free right now (for a callback URL that must be known before the start). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
