import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/audit/audit-log';
import { AuditSigner } from '../../src/audit/audit-signer';
import { FormCatalogue } from '../../src/catalog/forms';
import { loadConfig } from '../../src/config/load-config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { MappingTables } from '../../src/mapping/mapping-tables';
import { SatisfactionLevels } from '../../src/mapping/satisfaction';
import { NationalClient } from '../../src/national/national.client';
import { UnitSigner } from '../../src/national/unit-signer';
import { ProvincialClient } from '../../src/provincial/provincial.client';
import { remoteSystemsEnv, seedDemoVault } from '../../src/simulators/demo';
import type { RunningSimulators } from '../../src/simulators/simulators';
import {
  TransferEngine,
  type RetryPolicy,
  type SummaryPolicy,
} from '../../src/transfers/transfer-engine';
import { CredentialVault } from '../../src/vault/credential-vault';
import { VaultKey } from '../../src/vault/vault-key';
import { VaultNationalAccounts } from '../../src/vault/vault-national-accounts';
import { VaultSigningKeys } from '../../src/vault/vault-signing-keys';
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
  const national = new NationalClient(config, new VaultNationalAccounts(vault));
  const engine = new TransferEngine({
    dataSource,
    provincial: new ProvincialClient(config),
    national,
    signer: new UnitSigner(new VaultSigningKeys(vault), [
      sims.credentials.signingAuthority.certificatePem,
    ]),
    forms: FormCatalogue.load(),
    tables: MappingTables.load(),
    satisfaction: SatisfactionLevels.load(),
    record: (event, manager) => audit.record(event, manager),
    auditRow: (event) => audit.pendingRow(event),
    policy: options.policy,
    summaryPolicy: options.summaryPolicy,
  });
  return {
    engine,
    national,
    dataSource,
    audit,
    vault,
    databaseUrl,
    close: () => dataSource.destroy(),
  };
}
