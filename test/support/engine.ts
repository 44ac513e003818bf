import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/audit/audit-log';
import { AuditSigner } from '../../src/audit/audit-signer';
import { loadConfig } from '../../src/config/load-config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { remoteSystemsEnv, seedDemoVault } from '../../src/simulators/demo';
import type { RunningSimulators } from '../../src/simulators/simulators';
import type { RetryPolicy } from '../../src/transfers/retry-policy';
import { buildTransferEngine } from '../../src/transfers/transfer-engine';
import type { SummaryPolicy } from '../../src/transfers/transfer-planner';
import { CredentialVault } from '../../src/vault/credential-vault';
import { VaultKey } from '../../src/vault/vault-key';
import { freshDatabaseUrl } from './database';
/** A transfer engine wired as the gateway wires it, on its own database, against running simulators. */
export async function engineAgainst(
  sims: RunningSimulators,
  options: {
    policy?: Partial<RetryPolicy>;
    databaseUrl?: string;
    env?: Record<string, string>;
    summaryPolicy?: SummaryPolicy;
  } = {},
) {
  const config = loadConfig({
    env: {
      ...remoteSystemsEnv(sims),
      AUDIT_SIGNING_KEY_FILE: '/nonexistent/only-checked-when-used.pem',
      VAULT_KEY_FILE: '/nonexistent/only-checked-when-used.key',
      ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
      ...options.env,
    },
  });
  const databaseUrl = options.databaseUrl ?? (await freshDatabaseUrl({ fromTemplate: true }));
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 6)).initialize();
  const audit = new AuditLog(dataSource, AuditSigner.generate(), { checkpointEvery: 1000 });
  const vault = new CredentialVault(dataSource, VaultKey.generate(), (event, manager) =>
    audit.record(event, manager),
  );
  await seedDemoVault(vault, sims);
  const engine = buildTransferEngine({
    config,
    dataSource,
    audit,
    vault,
    trustAnchors: [sims.credentials.signingAuthority.certificatePem],
    policy: options.policy,
    summaryPolicy: options.summaryPolicy,
  });
  return {
    engine,
    config,
    dataSource,
    audit,
    vault,
    databaseUrl,
    close: () => dataSource.destroy(),
  };
}
