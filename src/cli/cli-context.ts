import { DataSource } from 'typeorm';
import { AuditLog } from '../audit/audit-log';
import { AuditSigner } from '../audit/audit-signer';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { pendingMigrations } from '../database/migrations';
import { openDatabase } from '../database/open-database';
import type { TransferEngine } from '../transfers/transfer-engine';
import { TransferError } from '../transfers/transfer-error';
import { TransferQueue } from '../transfers/transfer-queue';
import { TransfersService } from '../transfers/transfers.service';
import { CredentialVault } from '../vault/credential-vault';
import { VaultKey } from '../vault/vault-key';
import { CliError, note, verbConfig } from './cli-output';

// What the verbs that reach the database share: the configuration, the one way to the database,
// the vault and the transfers service from the same builder as the gateway's.

/**
 * The configuration the verbs run with. In demo mode, the verbs that reach the remote systems are
 * pointed at the simulators of the running demo gateway; that lookup lives with the demo code and
 * is loaded only in demo mode.
 */
export async function cliConfig(options: { remoteSystems?: boolean } = {}): Promise<AppConfig> {
  const config = verbConfig();
  if (!options.remoteSystems || config.mode !== 'demo') return config;
  const { pointAtRunningDemo } = await import('../simulators/demo-files');
  const running = pointAtRunningDemo(config);
  if (!running)
    throw new CliError(
      'DEMO_NOT_RUNNING',
      'Chế độ demo: hãy khởi động cổng trước (npm start) để các hệ thống mô phỏng chạy',
    );
  return running;
}

/**
 * The database: DATABASE_URL, the running demo's embedded PostgreSQL, or one started for the
 * verb. Its migrations must all be applied (the gateway applies them at start), except for the
 * verbs that manage them.
 */
export async function withDataSource<T>(
  config: AppConfig,
  work: (dataSource: DataSource) => Promise<T>,
  options: { migrated: boolean } = { migrated: true },
): Promise<T> {
  const database = await openDatabase(config, note);
  const dataSource = new DataSource(dataSourceOptions(database.url, 2));
  try {
    await dataSource.initialize();
    if (options.migrated) {
      const pending = await pendingMigrations(dataSource);
      if (pending.length)
        throw new CliError(
          'DATABASE_NOT_MIGRATED',
          `Cơ sở dữ liệu còn ${pending.length} migration chưa áp dụng: chạy \`npm run cli -- db migrate\` hoặc khởi động cổng (npm start)`,
          undefined,
          'unavailable',
        );
    }
    return await work(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.close();
  }
}

/** The audit log as the gateway keeps it, for the verbs that write to it. */
export function auditLog(dataSource: DataSource, config: AppConfig): AuditLog {
  return new AuditLog(dataSource, AuditSigner.fromConfig(config), {
    checkpointEvery: config.audit.checkpointEvery,
  });
}

/** The vault as the gateway opens it, its changes recorded in the audit log given. */
function vaultOf(dataSource: DataSource, config: AppConfig, audit: AuditLog): CredentialVault {
  return new CredentialVault(dataSource, VaultKey.fromConfig(config), (event, manager) =>
    audit.record(event, manager),
  );
}

/** The vault with its changes audited; what it recorded is chained before the verb ends. */
export async function withVault<T>(
  work: (vault: CredentialVault, config: AppConfig) => Promise<T>,
): Promise<T> {
  const config = verbConfig();
  return withDataSource(config, async (dataSource) => {
    const log = auditLog(dataSource, config);
    const vault = vaultOf(dataSource, config, log);
    try {
      return await work(vault, config);
    } finally {
      await log.flush();
    }
  });
}

/**
 * The transfers service as the gateway has it, over the engine from the one builder; what it
 * enqueues, the running replicas work.
 */
export async function withTransfers<T>(
  /** remoteSystems: the verb reaches them (the engine); enqueues: it puts jobs on the queue. */
  options: { remoteSystems: boolean; enqueues?: boolean },
  work: (
    service: TransfersService,
    parts: { config: AppConfig; dataSource: DataSource; audit: AuditLog },
  ) => Promise<T>,
): Promise<T> {
  const config = await cliConfig(options);
  return withDataSource(config, async (dataSource) => {
    const audit = auditLog(dataSource, config);
    const vault = vaultOf(dataSource, config, audit);
    const url = (dataSource.options as { url: string }).url;
    const queue = new TransferQueue(url, 'sender');
    // The engine and both clients are loaded only by the verbs that reach the remote systems.
    const engine = options.remoteSystems
      ? (await import('../transfers/transfer-engine')).engineWhenConfigured({
          config,
          dataSource,
          audit,
          vault,
        })
      : (): TransferEngine => {
          throw new TransferError(
            'unavailable',
            'VERB_WITHOUT_REMOTE_SYSTEMS',
            'Lệnh này không dùng tới các hệ thống bên ngoài',
          );
        };
    const service = new TransfersService({ config, dataSource, audit, queue, engine });
    let started = false;
    try {
      if (options.enqueues) {
        await queue.start((error) => note(`hàng đợi: ${error.message}`));
        started = true;
      }
      return await work(service, { config, dataSource, audit });
    } finally {
      await audit.flush();
      if (started) await queue.stop(1000);
    }
  });
}
