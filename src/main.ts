import type { INestApplication } from '@nestjs/common';
import pino from 'pino';
import { createGateway } from './bootstrap';
import type { AppConfig } from './config/app-config';
import { ConfigError, describeConfig, loadConfig } from './config/load-config';
import { LifecycleService } from './common/lifecycle.service';
import { openDatabase, type DatabaseHandle } from './database/open-database';
import { pinoOptions, pinoTransport } from './logging/logger-options';
import type { RunningSimulators } from './simulators/simulators';
import { VaultService } from './vault/vault.service';

// sysexits.h EX_CONFIG: the process was started with a configuration it cannot run with.
const EXIT_CONFIG = 78;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`[${error.code}] ${error.message}\nXem docs/configuration.md.\n`);
    process.exit(EXIT_CONFIG);
  }
  const logger = pino({ ...pinoOptions(config), transport: pinoTransport(config) });
  logger.info({ mode: config.mode, config: describeConfig(config) }, 'starting baocao-gateway');

  let database: DatabaseHandle | undefined;
  let simulators: RunningSimulators | undefined;
  let app: INestApplication | undefined;
  let stopping = false;

  const stop = async (reason: string, exitCode: number): Promise<never> => {
    if (stopping) {
      logger.warn({ reason }, 'second stop request: exiting now');
      await database?.close().catch(() => undefined);
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'shutting down: no new work; finishing what is in flight');
    const force = setTimeout(() => {
      logger.error({ graceMs: config.shutdown.graceMs }, 'shutdown took too long: forcing exit');
      void database?.close().finally(() => process.exit(1));
    }, config.shutdown.graceMs);
    try {
      app?.get(LifecycleService).beginShutdown();
      await app?.close();
      await simulators?.stop();
      await database?.close();
      logger.info('stopped');
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      exitCode = exitCode || 1;
    }
    clearTimeout(force);
    logger.flush();
    // Give the log transport a moment to write the last lines before the process ends.
    setTimeout(() => process.exit(exitCode), 50);
    return new Promise<never>(() => undefined);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void stop(signal, 0));
  }

  try {
    database = await openDatabase(config, (message) => logger.info(message));
    // Demo mode only: the simulators' code is loaded here, never in production.
    const demo = config.mode === 'demo' ? await import('./simulators/demo') : undefined;
    if (demo) {
      // Demo mode: both report systems and both identity providers are simulated on loopback,
      // and the gateway reaches them through the same configuration keys as the real ones.
      const { pointAtSimulators, startDemoSimulators, writeDemoCredentials } = demo;
      simulators = await startDemoSimulators(config);
      const credentials = writeDemoCredentials(simulators);
      config = pointAtSimulators(config, simulators);
      logger.info({ simulators: simulators.urls, credentials }, 'demo mode: simulators started');
    }
    app = await createGateway({ config, databaseUrl: database.url });
    await app.init();
    if (demo && simulators) {
      // After init: the migrations have run.
      const seeded = await demo.seedDemoVault(app.get(VaultService).vault, simulators);
      if (seeded)
        logger.info({ credentials: seeded }, 'demo mode: simulator accounts stored in the vault');
    }
    await app.listen(config.server.port, config.server.host);
    const url = await app.getUrl();
    logger.info(
      { url, database: database.description, mode: config.mode },
      `baocao-gateway is listening on ${url} (API description at ${url}/api/docs)`,
    );
    if (simulators && config.console.enabled) {
      // Demo people are simulator accounts, not real ones: shown so that anyone can sign in.
      const people = simulators.credentials.people.map(
        (person) =>
          `  ${person.username} / ${person.password}  (${person.role}${person.district ? `, chỉ huyện ${person.district}` : ''})`,
      );
      logger.info(
        { console: url.replace('[::1]', '127.0.0.1') },
        `Bảng điều khiển: ${config.console.redirectUri ? new URL('/', config.console.redirectUri).toString() : url} — đăng nhập bằng một trong các tài khoản demo:\n${people.join('\n')}`,
      );
    }
  } catch (error) {
    logger.error({ err: error }, 'could not start');
    await stop('start-up failed', 1);
  }
}

void main();
