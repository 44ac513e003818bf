import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RemoteSystemError } from '../common/remote-system-error';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { NationalClient } from '../national/national.client';
import { CredentialError, CredentialVault, type CredentialView } from './credential-vault';
import { UnitSigner } from '../national/unit-signer';
import { VaultKey } from './vault-key';
import { VaultSigningKeys } from './vault-signing-keys';
import { VaultNationalAccounts } from './vault-national-accounts';

/** The vault inside the gateway: the CLI and the admin API manage credentials through this. */
@Injectable()
export class VaultService {
  readonly vault: CredentialVault;
  private national?: NationalClient;
  private signer?: UnitSigner;
  private signingKeys?: VaultSigningKeys;

  constructor(
    dataSource: DataSource,
    audit: AuditService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.vault = new CredentialVault(dataSource, VaultKey.fromConfig(config), (event, manager) =>
      audit.record(event, manager),
    );
  }

  /** Signs units' packets with their keys from the vault, after checking their certificates. */
  unitSigner(): UnitSigner {
    this.signingKeys ??= new VaultSigningKeys(this.vault);
    this.signer ??= new UnitSigner(this.signingKeys, UnitSigner.trustAnchorsFrom(this.config));
    return this.signer;
  }

  /** The national client over the vault's accounts (one per gateway process). */
  nationalClient(): NationalClient {
    this.national ??= new NationalClient(this.config, new VaultNationalAccounts(this.vault));
    return this.national;
  }

  /**
   * Signs in with a stored account, as the gateway would, and notes the outcome on the
   * credential (and in the audit trail). The secret never leaves the vault.
   */
  testLogin(id: string, actor: string): Promise<{ ok: boolean; message: string }> {
    return testNationalLogin(this.vault, () => this.nationalClient(), id, actor);
  }

  /** After a change the national client must not keep using what it cached. */
  forget(credential: CredentialView): CredentialView {
    if (credential.system === 'national') {
      this.national?.forget(credential.account);
      if (credential.kind === 'signing-key') this.signingKeys?.invalidate();
    }
    return credential;
  }
}

/**
 * Signs in with a stored national unit account now, as the gateway would, and notes the outcome
 * on the credential (and in the audit trail). The secret never leaves the vault. The CLI and the
 * admin API both test through this.
 */
export async function testNationalLogin(
  vault: CredentialVault,
  /** Made only once the credential is known to be a national account to test. */
  national: () => NationalClient,
  id: string,
  actor: string,
): Promise<{ ok: boolean; message: string }> {
  const credential = await vault.get(id);
  if (credential.status !== 'active')
    throw new CredentialError(409, `credential ${id} is disabled: enable it before testing`);
  if (credential.system !== 'national' || credential.kind !== 'client-secret')
    throw new CredentialError(
      400,
      'test login is for national unit accounts; a provincial sign-in is tested by using it',
    );
  const opened = await vault.open(credential.system, credential.account, credential.kind);
  let outcome: { ok: boolean; message: string };
  try {
    await national().testLogin({
      accountId: credential.account,
      unitCode: credential.unitCode ?? '',
      rights: credential.rights,
      secret: opened!.secret,
    });
    outcome = { ok: true, message: `account ${credential.account} signed in` };
  } catch (error) {
    if (!(error instanceof RemoteSystemError)) throw error;
    outcome = { ok: false, message: error.message };
  }
  await vault.noteCheck(id, outcome.ok ? 'ok' : outcome.message, actor);
  return outcome;
}
