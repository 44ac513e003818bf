import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AuditLog } from '../audit/audit-log';
import { Deadlines } from '../catalog/deadlines';
import { FormCatalogue } from '../catalog/forms';
import type { AppConfig } from '../config/app-config';
import { MappingTables } from '../mapping/mapping-tables';
import { SatisfactionLevels } from '../mapping/satisfaction';
import { NationalClient } from '../national/national.client';
import { UnitSigner } from '../national/unit-signer';
import { ProvincialClient } from '../provincial/provincial.client';
import type { CredentialVault } from '../vault/credential-vault';
import { VaultNationalAccounts } from '../vault/vault-national-accounts';
import { VaultRefreshTokens } from '../vault/vault-refresh-tokens';
import { VaultSigningKeys } from '../vault/vault-signing-keys';
import { Reconciler } from './reconciler';
import { TransferError } from './transfer-error';
import { retryPolicyOf, type RetryPolicy } from './retry-policy';
import { TransferPlanner, type SummaryPolicy } from './transfer-planner';
import { TransferPusher } from './transfer-pusher';
import { TransferTransitions } from './transfer-transitions';

/** The transfer engine: its parts and the clients of both systems they share. */
export interface TransferEngine {
  planner: TransferPlanner;
  pusher: TransferPusher;
  reconciler: Reconciler;
  transitions: TransferTransitions;
  provincial: ProvincialClient;
  national: NationalClient;
  signer: UnitSigner;
  forms: FormCatalogue;
}

export interface EngineOptions {
  config: AppConfig;
  dataSource: DataSource;
  audit: Pick<AuditLog, 'record' | 'pendingRow'>;
  /** Where the units' national accounts, their signing keys and a person's sign-in are kept. */
  vault: CredentialVault;
  /** Who holds leases: this replica (its gateway_node id). */
  node?: string;
  /** Over the configured policy (tests and benches shorten waits). */
  policy?: Partial<RetryPolicy>;
  /** Instead of `transfers.summaryPolicy`. */
  summaryPolicy?: SummaryPolicy;
  /** Instead of `national.signingTrustAnchorsFile`. */
  trustAnchors?: string[];
  now?: () => Date;
  random?: () => number;
}

/**
 * The one builder of the engine and its clients: the gateway's module, the CLI, the tests and the
 * benches all get their engine here. The clients act under the vault's accounts, and a change to
 * a credential through this process clears what they cached of it.
 */
export function buildTransferEngine(options: EngineOptions): TransferEngine {
  const { config, dataSource, audit, vault } = options;
  const now = options.now ?? (() => new Date());
  const forms = FormCatalogue.load();
  const signingKeys = new VaultSigningKeys(vault);
  const provincial = new ProvincialClient(config, { signIns: new VaultRefreshTokens(vault) });
  const national = new NationalClient(config, new VaultNationalAccounts(vault));
  const signer = new UnitSigner(
    signingKeys,
    options.trustAnchors ?? UnitSigner.trustAnchorsFrom(config),
  );
  vault.onChange((credential) => {
    if (credential.system !== 'national') return;
    national.forget(credential.account);
    if (credential.kind === 'signing-key') signingKeys.invalidate();
  });
  const transitions = new TransferTransitions(dataSource);
  const record = audit.record.bind(audit);
  const planner = new TransferPlanner({
    dataSource,
    transitions,
    provincial,
    national,
    forms,
    tables: MappingTables.load(),
    satisfaction: SatisfactionLevels.load(),
    record,
    auditRow: (event) => audit.pendingRow(event),
    summaryPolicy: options.summaryPolicy ?? config.transfers.summaryPolicy,
    deadlines: Deadlines.load(),
    now,
  });
  const pusher = new TransferPusher({
    dataSource,
    transitions,
    national,
    signer,
    forms,
    auditRow: (event) => audit.pendingRow(event),
    policy: { ...retryPolicyOf(config), ...options.policy },
    node: options.node ?? randomUUID(),
    now,
    random: options.random ?? Math.random,
  });
  const reconciler = new Reconciler(dataSource, transitions, national, record, {
    repushMissing: config.transfers.repushMissing,
  });
  return { planner, pusher, reconciler, transitions, provincial, national, signer, forms };
}

/**
 * The engine built on first use, once both systems are configured (demo mode: the simulators); a
 * gateway without them still serves its API, and what needs the engine answers 503.
 */
export function engineWhenConfigured(options: EngineOptions): () => TransferEngine {
  let engine: TransferEngine | undefined;
  return () => {
    if (!options.config.provincial.baseUrl || !options.config.national.baseUrl)
      throw new TransferError(
        'unavailable',
        'SYSTEMS_NOT_CONFIGURED',
        'Chưa cấu hình hệ thống báo cáo cấp tỉnh và hệ thống báo cáo quốc gia: không chuyển được báo cáo',
      );
    return (engine ??= buildTransferEngine(options));
  };
}
