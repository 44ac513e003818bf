import type { NationalAccount, NationalAccountSource } from '../national/national.client';
import type { CredentialVault } from './credential-vault';

/**
 * The units' national accounts, from the credential vault: active ones only, opened on demand and
 * kept for a few seconds (a push asks for the same unit's accounts at every step), one opening at
 * a time per unit. A change made through this replica clears them at once; another replica's
 * change is seen within `ttlMs`.
 */
export class VaultNationalAccounts implements NationalAccountSource {
  private readonly cache = new Map<
    string,
    { until: number; accounts: Promise<NationalAccount[]> }
  >();

  constructor(
    private readonly vault: CredentialVault,
    private readonly ttlMs = 10_000,
  ) {}

  accountsOf(unitCode: string): Promise<NationalAccount[]> {
    const cached = this.cache.get(unitCode);
    if (cached && cached.until > Date.now()) return cached.accounts;
    const accounts = this.open(unitCode);
    this.cache.set(unitCode, { until: Date.now() + this.ttlMs, accounts });
    // A failed opening is not kept.
    accounts.catch(() => this.cache.delete(unitCode));
    return accounts;
  }

  invalidate(): void {
    this.cache.clear();
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
