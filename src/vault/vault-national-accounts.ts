import type { NationalAccount, NationalAccountSource } from '../national/national.client';
import type { CredentialVault } from './credential-vault';
import { KeptOpenings } from './kept-openings';

/**
 * The units' national accounts, from the credential vault: active ones only, opened on demand and
 * kept for a few seconds (a push asks for the same unit's accounts at every step), one opening at
 * a time per unit. A change made through this replica clears them at once; another replica's
 * change is seen within `ttlMs`.
 */
export class VaultNationalAccounts implements NationalAccountSource {
  private readonly kept: KeptOpenings<NationalAccount[]>;

  constructor(
    private readonly vault: CredentialVault,
    ttlMs = 10_000,
  ) {
    this.kept = new KeptOpenings(ttlMs);
  }

  accountsOf(unitCode: string): Promise<NationalAccount[]> {
    return this.kept.get(unitCode, () => this.open(unitCode));
  }

  invalidate(): void {
    this.kept.clear();
  }

  private async open(unitCode: string): Promise<NationalAccount[]> {
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
