import type { NationalAccount, NationalAccountSource } from '../national/national.client';
import type { CredentialVault } from './credential-vault';

/** The units' national accounts, from the credential vault: active ones only, opened on demand. */
export class VaultNationalAccounts implements NationalAccountSource {
  constructor(private readonly vault: CredentialVault) {}

  async accountsOf(unitCode: string): Promise<NationalAccount[]> {
    const stored = await this.vault.openAll({
      system: 'national',
      kind: 'client-secret',
      unitCode,
    });
    return stored.map(({ credential, secret }) => ({
      accountId: credential.account,
      unitCode: credential.unitCode ?? '',
      rights: credential.rights,
      secret,
    }));
  }
}
