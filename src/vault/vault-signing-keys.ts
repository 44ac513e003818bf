import type { SigningKeySource, SigningMaterial } from '../national/unit-signer';
import type { CredentialVault } from './credential-vault';
import { KeptOpenings } from './kept-openings';

/**
 * Units' signing keys from the vault: the key sealed, the chain in the credential's details.
 * Opened on demand and kept for a few seconds (a unit signs each of its forms in one run), one
 * opening at a time per unit; a change made through this replica clears them at once, another
 * replica's change is seen within `ttlMs`.
 */
export class VaultSigningKeys implements SigningKeySource {
  private readonly kept: KeptOpenings<SigningMaterial | undefined>;

  constructor(
    private readonly vault: CredentialVault,
    ttlMs = 10_000,
  ) {
    this.kept = new KeptOpenings(ttlMs);
  }

  signingKeyOf(unitCode: string): Promise<SigningMaterial | undefined> {
    return this.kept.get(unitCode, () => this.open(unitCode));
  }

  invalidate(): void {
    this.kept.clear();
  }

  private async open(unitCode: string): Promise<SigningMaterial | undefined> {
    const opened = await this.vault.open('national', unitCode, 'signing-key');
    if (!opened) return undefined;
    const chainPem = opened.credential.details.chainPem;
    return {
      privateKeyPem: opened.secret,
      chainPem: Array.isArray(chainPem) ? chainPem.map(String) : [],
    };
  }
}
