import type { SigningKeySource, SigningMaterial } from '../national/unit-signer';
import type { CredentialVault } from './credential-vault';

/**
 * Units' signing keys from the vault: the key sealed, the chain in the credential's details.
 * Opened on demand and kept for a few seconds (a unit signs each of its forms in one run), one
 * opening at a time per unit; a change made through this replica clears them at once, another
 * replica's change is seen within `ttlMs`.
 */
export class VaultSigningKeys implements SigningKeySource {
  private readonly cache = new Map<
    string,
    { until: number; material: Promise<SigningMaterial | undefined> }
  >();

  constructor(
    private readonly vault: CredentialVault,
    private readonly ttlMs = 10_000,
  ) {}

  signingKeyOf(unitCode: string): Promise<SigningMaterial | undefined> {
    const cached = this.cache.get(unitCode);
    if (cached && cached.until > Date.now()) return cached.material;
    const material = this.open(unitCode);
    this.cache.set(unitCode, { until: Date.now() + this.ttlMs, material });
    // A failed opening is not kept.
    material.catch(() => this.cache.delete(unitCode));
    return material;
  }

  invalidate(): void {
    this.cache.clear();
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
